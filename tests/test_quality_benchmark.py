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


def _quality_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("quality_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_row_cut_short_is_run_again(tmp_path):
    Q = _quality_module()
    results = tmp_path / "quality.csv"
    row = {field: "1" for field in Q.FIELDS}
    Q.append_row(results, dict(row, method="a"))
    Q.append_row(results, dict(row, method="b"))
    whole = results.read_bytes()
    results.write_bytes(whole[:-20])  # a run killed while writing row "b"
    assert [r["method"] for r in Q.read_rows(results)] == ["a"]
    Q.append_row(results, dict(row, method="c"))  # the cut row is dropped first
    assert [r["method"] for r in Q.read_rows(results)] == ["a", "c"]
    Q.append_row(results, dict(row, method="d", accuracy=""))
    assert [r["method"] for r in Q.read_rows(results)] == ["a", "c"]


def test_a_dead_runs_cache_lock_is_stale(tmp_path):
    import os

    Q = _quality_module()
    lock = tmp_path / "entry.npz.lock"
    lock.write_text(str(os.getpid()))
    assert not Q._lock_is_stale(lock)  # its owner (this process) is alive
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    lock.write_text(done.stdout.strip())  # a process that has exited
    assert Q._lock_is_stale(lock)


@pytest.mark.parametrize("extra, message", [
    (["--quick", "--seeds", "2"], "--quick fixes"),
    (["--datasets", "digits", "--budgets", "7", "--methods", "random"],
     "positions must be 0 to 2"),
])
def test_arguments_that_cannot_apply_are_refused(tmp_path, extra, message):
    done = subprocess.run([sys.executable, str(SCRIPT), *extra, "--results-dir",
                           str(tmp_path), "--no-render"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert message in done.stderr


def test_missing_data_asked_for_by_name_fails(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--datasets", "wordnet",
                           "--wordnet-dir", str(tmp_path / "nowhere"), "--methods",
                           "random", "--results-dir", str(tmp_path), "--no-render"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "--wordnet-dir" in done.stdout and "README" in done.stdout
