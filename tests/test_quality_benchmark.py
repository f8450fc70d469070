"""The selection-quality benchmark's quick mode runs end to end (slow; CI)."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "quality.py"


@pytest.mark.slow
def test_quality_benchmark_quick_mode(tmp_path):
    command = [sys.executable, str(SCRIPT), "--quick", "--results-dir", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = tmp_path / "quality_quick.csv"
    with results.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    methods = {row["method"] for row in rows}
    assert methods == {"random", "fds", "kmeans", "activeft", "typiclust",
                       "probcover", "bilaf-paper", "bilaf-published",
                       "bilaf-default"}
    # BiLAF (paper, published) runs once per core count (0.25 % and 0.5 % of
    # the pool); the library default once, with K = min(B, 5 % of the pool).
    assert len(rows) == 11
    for row in rows:
        assert row["dataset"] == "digits" and row["budget"] == "50"
        assert 0.5 < float(row["accuracy"]) <= 1.0
        assert 0.5 < float(row["balanced_accuracy"]) <= 1.0
    tables = (tmp_path / "quality_quick_tables.md").read_text()
    assert "BiLAF (paper)" in tables and "ActiveFT" in tables
    assert (tmp_path / "quality_quick_tables.rst").exists()
    assert (tmp_path / "quality_quick_summary.json").exists()
    pytest.importorskip("matplotlib")
    assert (tmp_path / "quality_quick_digits.png").stat().st_size > 0

    # Resumable: a second run finds every row done and adds nothing.
    again = subprocess.run(command + ["--no-render"], capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    with results.open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 11


@pytest.mark.parametrize("script, expected", [
    ("quality_validation.py", ["activeft", "f0.01-rm0.3-euclidean", "random"]),
    ("quality_ideas.py", ["activeft", "kmeans", "skmeans", "aft-lloyd3"]),
])
def test_validation_records_print_their_summary(script, expected):
    # The studies behind the default read their recorded results without any
    # dataset: this keeps the scripts importable and their records readable.
    path = SCRIPT.parent / script
    done = subprocess.run([sys.executable, str(path), "--summary"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for config in expected:
        assert f" {config} " in f" {done.stdout} ".replace("\n", " ")
    assert "wordnet" in done.stdout and "fashion-mnist" in done.stdout


def test_default_rows_are_the_library_default(tmp_path):
    """The *BiLAF (library default)* rows select what ``BiLAFSampler``'s
    defaults select, with the core stage seeded by the run's seed."""
    import importlib.util

    import numpy as np

    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import ActiveFTSelector

    spec = importlib.util.spec_from_file_location("quality_script", SCRIPT)
    quality = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(quality)
    ds = quality.load_digits_split()
    ctx = quality.Context(ds, tmp_path)
    for budget in (20, 100):  # all cores; cores and boundary samples
        indices, _, _ = quality.select_default(ctx, budget, seed=1)
        sampler = BiLAFSampler(budget, core_selector=ActiveFTSelector(
            init="auto", random_state=1), random_state=1).fit(ds.X)
        assert sampler.core_selector_.init_ == "k-means"
        np.testing.assert_array_equal(indices, sampler.selected_indices_)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "digits-activeft-kmeans-k20-seed1.npz", "digits-activeft-kmeans-k67-seed1.npz"]
