"""benchmarks/bench_scale.py on a tiny pool: make, run, compare, plot."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_scale.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_scale", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pool_is_seeded_float32_and_memory_mappable(bench, tmp_path):
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    assert bench.make_pool(a, 3000, n_features=16, chunk=1000) == 7
    bench.make_pool(b, 3000, n_features=16, chunk=1000)
    X = np.load(a, mmap_mode="r")
    assert X.shape == (3000, 16) and X.dtype == np.float32
    np.testing.assert_array_equal(X, np.load(b))


@pytest.mark.slow
def test_run_compare_and_plot(bench, tmp_path):
    pool = tmp_path / "pool.npy"
    bench.make_pool(pool, 4000, n_features=16)
    results = tmp_path / "scale.jsonl"
    records = []
    for search in ("auto", "graph"):
        record = bench.run(pool, batch_size=1000, centroid_search=search)
        records.append(record)
        with results.open("a") as fh:
            fh.write(json.dumps(record) + "\n")
    auto, graph = records
    assert auto["n_cores"] == 20 and auto["budget"] == 40
    assert auto["search_used"] == "exact" and graph["search_used"] == "graph"
    assert set(auto["timings"]) == {"cores", "pseudo_classes", "denoise",
                                    "boundary"}
    assert len(auto["selected"]) == 40 and auto["peak_rss_mib"] > 0
    rows = bench.compare(records)
    assert len(rows) == 1 and rows[0]["budget"] == 40
    assert 0 <= rows[0]["selection_overlap"] <= 40
    pytest.importorskip("matplotlib")
    assert bench.main(["plot", str(results), str(tmp_path / "scale.png")]) == 0
    assert (tmp_path / "scale.png").stat().st_size > 0
