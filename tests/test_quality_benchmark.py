"""The selection-quality benchmark's quick mode runs end to end (slow; CI)."""

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ._races import race_a_half_written_run

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
        assert sampler.core_selector_.init_ == "stratified"
        np.testing.assert_array_equal(indices, sampler.selected_indices_)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [name.rsplit("-", 1)[0] for name in names] == [
        "digits-activeft-stratified-k20-seed1",
        "digits-activeft-stratified-k67-seed1"]


def _quality_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("quality_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_pool_digested_is_freed_with_its_dataset(tmp_path):
    """pool_digest's memo kept a reference to each array it digested (to
    keep its id from being reused), so every pool loaded stayed in memory
    until the process ended: a run over the three datasets held all three.
    Nothing keeps a pool alive now (the digest is not memoised)."""
    import gc
    import weakref

    Q = _quality_module()
    ds = Q.load_digits_split()
    record = Q.pool_record(ds)
    digest = Q.pool_digest(ds.X)
    assert Q.pool_digest(ds.X) == digest
    key = Q.cache_key("digits", ds.X, Q.RandomSelector(5))
    pool = weakref.ref(ds.X)
    copy = ds.X.copy()
    del ds
    gc.collect()
    assert pool() is None
    # Digested again, another array of the same values has the same digest.
    assert Q.pool_digest(copy) == digest
    assert Q.cache_key("digits", copy, Q.RandomSelector(5)) == key
    assert Q.pool_record(Q.load_digits_split()) == record
    copy[0, 0] += 1.0
    assert Q.pool_digest(copy.copy()) != digest


def test_a_pool_changed_in_place_is_digested_anew():
    """pool_digest was memoised by the array's identity, so an array whose
    values were changed in place kept the digest of its old values: cache
    entries and pool records of other values were taken as its own."""
    import numpy as np

    Q = _quality_module()
    X = np.arange(24, dtype=np.float16).reshape(6, 4)
    before = Q.pool_digest(X)
    X[2, 1] = -1.0
    assert Q.pool_digest(X) == Q.pool_digest(X.copy()) != before
    # A non-contiguous pool has the digest of its contiguous copy.
    F = np.asfortranarray(X)
    assert Q.pool_digest(F) == Q.pool_digest(X)


def test_the_cache_serves_only_entries_of_the_same_data_and_parameters(
        tmp_path, monkeypatch):
    """A cached ActiveFT selection (or ProbCover radius) keyed by data set
    name, K and seed only was served for other pool values (another
    --wordnet-dir), other ActiveFT parameters (a changed default) or another
    state of the library (the version stays 0.1.0.dev0)."""
    import dataclasses
    import functools

    import numpy as np

    from sklearn_bilaf.core import ActiveFTSelector

    Q = _quality_module()
    ds = Q.load_digits_split()
    first, _ = Q.Context(ds, tmp_path).activeft(10, seed=0)
    again, _ = Q.Context(ds, tmp_path).activeft(10, seed=0)
    np.testing.assert_array_equal(first, again)  # the entry is reused
    assert len(list(tmp_path.glob("*.npz"))) == 1

    # The same name, other pool values.
    other = dataclasses.replace(ds, X=np.ascontiguousarray(ds.X[::-1]))
    served, _ = Q.Context(other, tmp_path).activeft(10, seed=0)
    fresh = ActiveFTSelector(n_cores=10, init="random", random_state=0).fit(other.X)
    np.testing.assert_array_equal(served, fresh.selected_indices_)

    # Another ActiveFT parameter (as when a default changes).
    monkeypatch.setattr(Q, "ActiveFTSelector",
                        functools.partial(ActiveFTSelector, temperature=0.5))
    served, _ = Q.Context(ds, tmp_path).activeft(10, seed=0)
    fresh = ActiveFTSelector(n_cores=10, init="random", random_state=0,
                             temperature=0.5).fit(ds.X)
    np.testing.assert_array_equal(served, fresh.selected_indices_)
    monkeypatch.undo()

    # Another state of the library's sources.
    monkeypatch.setattr(Q, "_LIBRARY_DIGEST", "another commit")
    Q.Context(ds, tmp_path).activeft(10, seed=0)
    assert len(list(tmp_path.glob("*.npz"))) == 4

    # ProbCover's radius: keyed by the pool's values too.
    from sklearn_bilaf.baselines import ProbCoverSelector

    Q.Context(ds, tmp_path).probcover_radius(0)
    fresh = ProbCoverSelector(n_classes=10)._pure_radius(other.X,
                                                         np.random.RandomState(0))
    assert Q.Context(other, tmp_path).probcover_radius(0)["radius"] == fresh[0]
    assert len(list(tmp_path.glob("*probcover-radius*.json"))) == 2


def test_the_probe_reports_what_is_not_a_converged_fit(tmp_path, monkeypatch):
    """A selection of one class, or a probe stopped at max_iter, is scored
    (the protocol keeps every row) but said so, never silently."""
    import dataclasses

    import numpy as np
    import sklearn.linear_model
    from sklearn.exceptions import ConvergenceWarning

    Q = _quality_module()
    ds = Q.load_digits_split()
    picks = np.flatnonzero(ds.y == 3)[:5]
    acc, bacc, covered, note = Q.evaluate(ds, picks)
    assert covered == 1 and "one class" in note
    assert acc == np.mean(ds.y_test == 3) and bacc == 0.1

    acc, bacc, covered, note = Q.evaluate(ds, np.arange(50))
    assert note == "" and covered == 10

    class Unconverged(sklearn.linear_model.LogisticRegression):
        def fit(self, X, y):
            assert (self.C, self.max_iter) == (10, 2000)
            super().fit(X, y)
            import warnings

            warnings.warn("lbfgs failed to converge", ConvergenceWarning,
                          stacklevel=2)
            return self

    monkeypatch.setattr(sklearn.linear_model, "LogisticRegression", Unconverged)
    assert "did not converge" in Q.evaluate(ds, np.arange(50))[3]
    # A run logs it beside the row.
    lines = []
    small = dataclasses.replace(ds, budgets=[("50", 50)])
    monkeypatch.setitem(Q.LOADERS, "digits", lambda: small)
    Q.run("digits", ["random"], None, [0], tmp_path / "quality.csv",
          tmp_path / "cache", log=lines.append)
    assert any("WARNING: probe did not converge" in line for line in lines)


def test_wordnet_classes_come_from_its_metadata(tmp_path):
    """ProbCover's number of classes is the data set's metadata (classes.json),
    not counted from the pool's labels."""
    import json

    import numpy as np

    Q = _quality_module()
    rng = np.random.RandomState(0)
    np.save(tmp_path / "X.npy", rng.rand(40, 4).astype(np.float16))
    np.save(tmp_path / "y.npy", np.repeat([0, 1], 20).astype(np.int16))
    np.save(tmp_path / "train_idx.npy", np.arange(0, 40, 2, dtype=np.int32))
    np.save(tmp_path / "test_idx.npy", np.arange(1, 40, 2, dtype=np.int32))
    (tmp_path / "classes.json").write_text(json.dumps(["a", "b", "c"]))
    ds = Q.load_wordnet(tmp_path)
    assert ds.n_classes == 3
    assert ds.X.dtype == np.float32 and ds.X.shape == (20, 4)
    X = np.load(tmp_path / "X.npy")
    np.testing.assert_array_equal(ds.X, X[::2].astype(np.float32))
    np.testing.assert_array_equal(ds.X_test, X[1::2].astype(np.float32))


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


def _row_being_written(Q, results):
    """``results`` with row "a" written, the row every column "1"; and
    row "b" as the bytes another run writes."""
    import io

    row = {field: "1" for field in Q.FIELDS}
    Q.append_row(results, dict(row, method="a"))
    theirs = io.StringIO(newline="")
    csv.DictWriter(theirs, fieldnames=Q.FIELDS).writerow(dict(row, method="b"))
    return row, theirs.getvalue().encode()


def test_a_row_being_written_by_another_run_is_not_cut(tmp_path):
    """append_row read the file and cut a last line without its newline
    back before appending: a row another run (two runs into one results
    file) was writing at that moment was cut, and the rest of it landed
    after the new row.  Writers hold the file's lock while they append, so
    a row half written is one whose run holds the lock: waited for."""
    pytest.importorskip("fcntl")
    Q = _quality_module()
    results = tmp_path / "quality.csv"
    row, theirs = _row_being_written(Q, results)
    race_a_half_written_run(results, theirs, Q.append_row, results,
                             dict(row, method="c"))
    assert [r["method"] for r in Q.read_rows(results)] == ["a", "b", "c"]


def test_a_row_being_written_by_another_run_is_not_read_as_cut(
        tmp_path, capsys):
    """read_rows (and check_appendable) read the results file without its
    lock: a row another run was writing at that moment was reported cut
    short ("it will be run again") and left out, though nothing was wrong.
    They read under a shared lock, so that row is waited for."""
    pytest.importorskip("fcntl")
    Q = _quality_module()
    results = tmp_path / "quality.csv"
    _, theirs = _row_being_written(Q, results)
    seen = {}

    def read():
        seen["rows"] = [r["method"] for r in Q.read_rows(results)]
        Q.check_appendable(results)

    capsys.readouterr()
    race_a_half_written_run(results, theirs, read)
    assert seen["rows"] == ["a", "b"]
    assert "cut short" not in capsys.readouterr().err
    # A row cut short by a killed run (no lock held) is still reported.
    results.write_bytes(results.read_bytes()[:-5])
    assert [r["method"] for r in Q.read_rows(results)] == ["a"]
    assert "cut short" in capsys.readouterr().err


def test_results_files_are_read_without_opening_them_for_writing(
        tmp_path, monkeypatch):
    """The shared lock of read_rows and check_appendable is taken on the
    file opened for reading alone: a results file that cannot be written
    (published rows, a read-only folder) is read as before, and a missing
    one is not created."""
    import os

    Q = _quality_module()
    results = tmp_path / "quality.csv"
    row = {field: "1" for field in Q.FIELDS}
    Q.append_row(results, dict(row, method="a"))
    real_open, flags = os.open, []

    def spy(path, flag, *args, **kwargs):
        flags.append(flag)
        return real_open(path, flag, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    missing = tmp_path / "missing.csv"
    assert [r["method"] for r in Q.read_rows(results)] == ["a"]
    Q.check_appendable(results)
    assert Q.read_rows(missing) == []
    Q.check_appendable(missing)
    monkeypatch.undo()
    assert not missing.exists()
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND
    assert not any(flag & writing for flag in flags)


def test_results_files_are_opened_in_binary_mode(tmp_path, monkeypatch):
    """locked opened the results file without O_BINARY: on Windows, whose
    os.open translates newlines without it, the byte offsets (the cut
    back to the last newline) and the rows written would not be the bytes
    read and written."""
    import os

    Q = _quality_module()
    fake = 0x40000000  # O_BINARY's value where it exists (Windows)
    monkeypatch.setattr(os, "O_BINARY", fake, raising=False)
    real_open, flags = os.open, []

    def spy(path, flag, *args, **kwargs):
        flags.append(flag)
        return real_open(path, flag & ~fake, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    results = tmp_path / "quality.csv"
    with Q.locked(results):
        pass
    monkeypatch.undo()
    assert flags and all(flag & fake for flag in flags)


def test_a_machine_record_being_written_by_another_run_is_not_split(
        tmp_path):
    """record_machine checked and appended without the machines file's lock:
    beside a record another run was writing, it found that run's machine
    missing, recorded it again and split the other record in two (its row
    then without a machine).  Under the lock it waits for the record."""
    import json

    pytest.importorskip("fcntl")
    Q = _quality_module()
    results = tmp_path / "quality.csv"
    machines = Q.machines_path(results)
    machine = {"cpu": "mine"}
    row = {"dataset": "digits", "method": "random", "n_cores": "",
           "budget": 10, "seed": 0, "finished": "2026-12-02T11:00:00"}
    ident = Q._machine_id(machine)
    theirs = "".join(json.dumps(line) + "\n" for line in [
        {"id": ident, "machine": machine},
        {"id": ident, "row": list(Q._key(row)), "finished": row["finished"]}])
    theirs = theirs.encode()
    race_a_half_written_run(machines, theirs, Q.record_machine, results,
                             dict(row, seed=1), machine)
    lines = machines.read_text().splitlines()
    assert all(json.loads(line) for line in lines)
    recorded, rows = Q.read_machines(machines)
    assert recorded == {ident: machine}
    assert sum('"machine"' in line for line in lines) == 1
    assert sorted(key[0] for key in rows) == [Q._key(row),
                                              Q._key(dict(row, seed=1))]


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


def test_quick_mode_runs_only_the_methods_asked_for(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--methods",
                           "random", "fds", "--results-dir", str(tmp_path),
                           "--no-render"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    with (tmp_path / "quality_quick.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["method"] for row in rows) == ["fds", "random"]
    assert {(row["dataset"], row["budget"], row["seed"]) for row in rows} == {
        ("digits", "50", "0")}


def test_quick_mode_leaves_the_results_folder_alone(tmp_path, monkeypatch):
    import tempfile

    Q = _quality_module()
    committed = tmp_path / "results"
    committed.mkdir()
    monkeypatch.setattr(Q, "RESULTS_DIR", committed)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for _ in range(2):
        assert Q.main(["--quick", "--methods", "random", "--no-render"]) == 0
    assert list(committed.iterdir()) == []
    # Each quick run measured afresh, in a folder of its own.
    runs = sorted(tmp_path.glob("bilaf-quality-quick-*/quality_quick.csv"))
    assert len(runs) == 2
    for path in runs:
        with path.open(newline="") as handle:
            assert [row["method"] for row in csv.DictReader(handle)] == ["random"]


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("", "has no finished row"),
    ("header", "has no finished row"),
    ("dataset,config,budget,seed,n_cores,acc,seconds\nwordnet,random,524,0,,0.6,1\n",
     "is not a results file of this script"),
    ('{"n_samples": 5}\n', "is not a results file of this script"),
])
def test_render_only_without_results_is_a_usage_error(tmp_path, capsys, content,
                                                      message):
    """--render-only on a missing, empty or foreign file rendered nothing and
    exited 0 ("no results"); a foreign file's rows read as incomplete."""
    Q = _quality_module()
    folder = tmp_path / "results"
    if content is not None:
        folder.mkdir()
        if content == "header":
            content = ",".join(Q.FIELDS) + "\n"
        (folder / "quality.csv").write_text(content)
    with pytest.raises(SystemExit) as exc:
        Q.main(["--render-only", "--results-dir", str(folder)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "--results-dir" in err
    assert folder.exists() == (content is not None)  # not created
    assert not list(tmp_path.rglob("*.png")) and not list(tmp_path.rglob("*.rst"))


def test_rows_are_never_appended_to_a_foreign_file(tmp_path, capsys):
    Q = _quality_module()
    foreign = tmp_path / "quality.csv"
    text = "dataset,config,budget,seed,n_cores,acc,seconds\nwordnet,random,5"
    foreign.write_text(text)
    with pytest.raises(Q.ResultsFileError, match="not a results file"):
        Q.append_row(foreign, {field: "1" for field in Q.FIELDS})
    # Other columns (an older layout): appended rows would be misaligned.
    older = tmp_path / "older.csv"
    older.write_text(",".join(f for f in Q.FIELDS if f != "pseudo_purity") + "\n")
    with pytest.raises(Q.ResultsFileError, match="other columns"):
        Q.append_row(older, {field: "1" for field in Q.FIELDS})
    assert foreign.read_text() == text  # its last line was not cut either
    # A run is refused before anything is loaded or written.
    with pytest.raises(SystemExit) as exc:
        Q.main(["--quick", "--results-dir", str(tmp_path), "--results-name",
                "quality"])
    assert exc.value.code == 2 and "not a results file" in capsys.readouterr().err
    assert foreign.read_text() == text and not (tmp_path / "cache").exists()


def test_rows_are_never_appended_to_a_file_that_is_not_utf8(tmp_path):
    """append_row decoded the file itself: a results file that is not UTF-8
    text ended with a UnicodeDecodeError, not the error naming the file."""
    Q = _quality_module()
    results = tmp_path / "quality.csv"
    data = (",".join(Q.FIELDS) + "\n").encode() + b"digits,caf\xe9\n"
    results.write_bytes(data)
    with pytest.raises(Q.ResultsFileError,
                       match=r"quality.csv is not a results file of this "
                             r"script: it is not UTF-8 text \(byte \d+ is 0xe9\)"):
        Q.append_row(results, {field: "1" for field in Q.FIELDS})
    assert results.read_bytes() == data  # nothing cut or appended


def test_render_only_and_no_render_together_are_refused(tmp_path, capsys):
    Q = _quality_module()
    with pytest.raises(SystemExit) as exc:
        Q.main(["--render-only", "--no-render", "--results-dir", str(tmp_path)])
    assert exc.value.code == 2 and "drop one" in capsys.readouterr().err


def _killed_halfway(monkeypatch, skip=0):
    """Make the Path.write_text after the next ``skip`` ones write half its
    text, then fail, as a run killed while writing."""
    original = Path.write_text
    count = [0]

    def write_text(self, text, *args, **kwargs):
        count[0] += 1
        if count[0] == skip + 1:
            original(self, text[: len(text) // 2], *args, **kwargs)
            raise KeyboardInterrupt
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


def test_a_probcover_radius_cut_short_is_never_cached(tmp_path, monkeypatch):
    """The radius was written in place: a run killed while writing it left
    half a JSON file that every later run failed to read."""
    Q = _quality_module()
    ctx = Q.Context(Q.load_digits_split(), tmp_path)
    _killed_halfway(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        ctx.probcover_radius(0)
    assert list(tmp_path.iterdir()) == []  # no entry, no temporary file
    info = ctx.probcover_radius(0)
    assert Q.Context(ctx.ds, tmp_path).probcover_radius(0) == info


@pytest.mark.parametrize("content", [b'{"radius": 1.5, "pur', b"", b"[1, 2]",
                                     b'{"radius": 1.5}', b"\xff\xfe{}"])
def test_a_damaged_probcover_radius_entry_is_computed_again(tmp_path, capsys,
                                                            content):
    """A radius entry cut short (a disk that filled up, a copy) or damaged
    ended every later run on the dataset with a JSON traceback: it is
    computed again, and said so, naming the file."""
    Q = _quality_module()
    ds = Q.load_digits_split()
    small = Q.Dataset("digits", ds.X[:120], ds.y[:120], ds.X_test[:10],
                      ds.y_test[:10], 10, [("10", 10)])
    ctx = Q.Context(small, tmp_path)
    info = ctx.probcover_radius(0)
    [entry] = tmp_path.glob("*probcover-radius*.json")
    entry.write_bytes(content)
    again = ctx.probcover_radius(0)
    assert again["radius"] == info["radius"]
    assert again["purity"] == info["purity"]
    err = capsys.readouterr().err
    assert f"{entry} is not a ProbCover radius entry" in err
    assert "computed again" in err
    assert Q.Context(ctx.ds, tmp_path).probcover_radius(0) == again  # rewritten


def test_rendering_killed_midway_keeps_the_previous_tables(tmp_path, monkeypatch):
    Q = _quality_module()
    results = tmp_path / "quality.csv"
    for seed in (0, 1, 2):
        Q.append_row(results, {
            "dataset": "digits", "method": "random", "n_cores": "", "budget": 20,
            "budget_label": "20", "seed": seed, "accuracy": "0.5",
            "balanced_accuracy": "0.5", "n_labels_covered": 9,
            "select_seconds": "0.1", "pseudo_purity": "",
            "boundary_cross_rate": "", "version": "x", "finished": "now"})
    monkeypatch.setattr(Q, "plot", lambda *args, **kwargs: None)
    Q.render(results, tmp_path, log=lambda message: None)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for skip in (0, 1):  # killed writing the summary, the first table
        with monkeypatch.context() as patch:
            _killed_halfway(patch, skip)
            with pytest.raises(KeyboardInterrupt):
                Q.render(results, tmp_path, log=lambda message: None)
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def _study_module(name):
    import importlib
    import sys as _sys

    folder = str(SCRIPT.parent)
    _sys.path.insert(0, folder)
    try:
        return importlib.import_module(name)
    finally:
        _sys.path.remove(folder)


def test_validation_rows_cut_short_are_run_again(tmp_path):
    """quality_validation.py appended after a row cut short by a killed run:
    the two merged into one row of shifted values."""
    V = _study_module("quality_validation")
    results = tmp_path / "validation.csv"
    row = dict(dataset="wordnet", config="random", budget=524, seed=0,
               n_cores="", acc="0.63600", seconds="0.1")
    V.append_row(row, results)
    V.append_row(dict(row, seed=1), results)
    results.write_bytes(results.read_bytes()[:-8])  # killed writing seed 1
    assert [r["seed"] for r in V.read_rows(results)] == ["0"]
    V.append_row(dict(row, seed=2), results)
    rows = V.read_rows(results)
    assert [(r["seed"], r["acc"]) for r in rows] == [("0", "0.63600"),
                                                    ("2", "0.63600")]
    assert all(None not in r for r in rows)


@pytest.mark.parametrize("script", ["quality_validation", "quality_ideas"])
@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("", "has no finished row"),
    ("dataset,method,n_cores,budget\ndigits,random,,20\n",
     "is not a results file of this script"),
])
def test_study_summary_of_no_results_is_a_usage_error(tmp_path, capsys, script,
                                                      content, message):
    module = _study_module(script)
    results = tmp_path / "results.csv"
    if content is not None:
        results.write_text(content)
    with pytest.raises(SystemExit) as exc:
        module.main(["--summary", "--results", str(results)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "--results" in err


def test_validation_rerun_says_its_rows_were_already_there(tmp_path, monkeypatch,
                                                           capsys):
    """A rerun into a results file that holds every row measured nothing and
    said nothing about it."""
    V = _study_module("quality_validation")
    Q = V.Q
    monkeypatch.setattr(V, "CACHE", tmp_path / "cache")
    monkeypatch.setitem(Q.LOADERS, "wordnet", Q.load_digits_split)
    results = tmp_path / "validation.csv"
    argv = ["--datasets", "wordnet", "--pool-fracs", "--results", str(results)]
    assert V.main(argv) == 0
    first = results.read_text()
    assert len(V.read_rows(results)) == 6  # random and ActiveFT, 3 budgets
    capsys.readouterr()
    assert V.main(argv) == 0
    assert results.read_text() == first
    assert "6 run(s) already in" in capsys.readouterr().out


@pytest.mark.parametrize("script, argv, message", [
    ("quality_validation", ["--datasets", "wordnt"], "invalid choice: 'wordnt'"),
    ("quality_validation", ["--seeds", "-1"],
     "--seeds: must be in [0, 4294967295], got -1"),
    ("quality_ideas", ["--datasets", "digits", "--configs", "random",
                       "--seeds", "0", "4294967296"],
     "--seeds: must be in [0, 4294967295], got 4294967296"),
    ("quality_validation", ["--pool-fracs", "0"], "--pool-fracs: must be in (0, 1]"),
    ("quality_validation", ["--ratios", "1.5"], "--ratios: must be in (0, 1]"),
    ("quality_validation", ["--rms", "1"], "--rms: must be in [0, 1)"),
    ("quality_validation", ["--metrics", "manhattan"], "invalid choice"),
    ("quality_ideas", ["--datasets", "wordnt"], "invalid choice: 'wordnt'"),
    ("quality_ideas", ["--configs", "aft-loyd3"], "unknown config 'aft-loyd3'"),
    ("quality_ideas", ["--configs", "f0-typ"],
     "config 'f0-typ': in f<x>-typ, <x> is a number above 0"),
    ("quality_ideas", ["--configs", "covK=0"],
     "config 'covK=0': in covK=<n>, <n> is a whole number from 1"),
    ("quality_ideas", ["--configs", "f0.01-mnn-1"],
     "config 'f0.01-mnn-1': in f<x>-mnn<n>, <x> is a number above 0 and <n> "
     "is a whole number from 1"),
    ("quality_ideas", ["--fractions", "2"], "--fractions: must be in (0, 1]"),
    ("quality_ideas", ["--datasets", "digits", "--fractions", "0.01", "0.001"],
     "--fractions 0.001: budget(s) of 1 row(s) on the digits selection pool "
     "(1077 rows), below 2 (the probe needs picks of two classes); give "
     "shares of at least 0.00186"),
    ("quality_ideas", ["--fractions", "0.00003"],
     "on the wordnet selection pool (52493 rows)"),
    ("quality_validation", ["--datasets", "digits", "--pool-fracs", "0.0005"],
     "--pool-fracs 0.0005: core count(s) of 0 row(s) on the digits selection "
     "pool (1077 rows), below 1"),
])
def test_study_arguments_are_checked_before_any_work(tmp_path, capsys, script,
                                                     argv, message):
    """A mistyped dataset was a KeyError after the imports, a mistyped
    config a ValueError after every config before it had run (hours), and
    out-of-range numbers failed deep inside a selector, shares too small
    for a budget of two rows (or a core) once the data were loaded."""
    module = _study_module(script)
    with pytest.raises(SystemExit) as exc:
        module.main([*argv, "--results", str(tmp_path / "r.csv")])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_every_recorded_idea_config_is_accepted():
    I = _study_module("quality_ideas")
    with (SCRIPT.parent / "results" / "quality_ideas.csv").open(newline="") as f:
        recorded = {row["config"] for row in csv.DictReader(f)}
    for config in sorted(recorded | set(I.CONFIGS)):
        assert I.config_name(config) == config


@pytest.mark.parametrize("script, extra", [("quality_validation", []),
                                           ("quality_ideas", []),
                                           ("quality_ideas", ["--coverage"]),
                                           ("boundary_diagnostics", []),
                                           ("boundary_diagnostics",
                                            ["--coarse", "0.2"])])
def test_study_data_asked_for_by_name_but_missing_fails(tmp_path, capsys, script,
                                                        extra):
    """The skip message said to pass --wordnet-dir, which these scripts did
    not have, and the run exited 0 (boundary_diagnostics.py: 0 too, or a
    traceback for a new results file)."""
    module = _study_module(script)
    # --coverage writes no results file (and refuses --results).
    results = ([] if "--coverage" in extra
               else ["--results", str(tmp_path / "r.csv")])
    code = module.main(["--datasets", "wordnet", "--wordnet-dir",
                        str(tmp_path / "nowhere"), *results, *extra])
    assert code == 1
    out = capsys.readouterr().out
    assert "[wordnet] skipped" in out and "--wordnet-dir" in out
    assert not (tmp_path / "r.csv").exists()


def _option_help(module, option, capsys):
    """The help text of one option in a script's ``--help``, whitespace
    normalised (argparse wraps it to the terminal's width)."""
    with pytest.raises(SystemExit) as exc:
        module.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    match = re.search(rf"^  {option} [A-Z_]+\s+(.*?)(?=^  -|\Z)", out,
                      re.MULTILINE | re.DOTALL)
    assert match, f"{module.__name__} has no {option}"
    return " ".join(match.group(1).split())


#: The benchmark scripts that read WordNet and Fashion-MNIST.
DATA_SCRIPTS = ("quality", "quality_validation", "quality_ideas",
                "boundary_diagnostics")


def test_every_script_reading_the_data_takes_the_same_data_folders(
        tmp_path, capsys, monkeypatch):
    """boundary_diagnostics.py read WordNet only from the folder beside the
    repository (a clone elsewhere could not run it), yet its skip message
    said to pass --wordnet-dir, an option it did not have."""
    for option in ("--wordnet-dir", "--fashion-mnist-dir"):
        helps = {script: _option_help(_study_module(script), option, capsys)
                 for script in DATA_SCRIPTS}
        assert len(set(helps.values())) == 1, helps
    D = _study_module("boundary_diagnostics")
    # The recorded results file is only read (no data, no row).
    monkeypatch.setattr(D, "summary", lambda *args: None)
    nowhere = tmp_path / "nowhere"
    D.main(["--datasets", "wordnet", "fashion-mnist", "--wordnet-dir",
            str(nowhere), "--fashion-mnist-dir", str(nowhere)])
    out = capsys.readouterr().out
    assert f"[wordnet] skipped: WordNet embeddings not found in {nowhere} " in out
    assert f"[fashion-mnist] skipped: Fashion-MNIST not found in {nowhere} " in out
    assert "--wordnet-dir" in out and "--fashion-mnist-dir" in out


@pytest.mark.parametrize("argv, message", [
    (["--seeds", "0", "-1"], "argument --seeds: must be in [0, 4294967295], "
     "got -1"),
    (["--seeds", "4294967296"], "argument --seeds: must be in [0, 4294967295]"),
    (["--fractions", "0.01"], "--fractions sets the budgets of --coarse"),
    (["--coarse", "0.2", "--fractions", "0"],
     "argument --fractions: must be in (0, 1], got 0"),
    (["--coarse", "0.2", "--fractions", "0.00001"],
     "--fractions 1e-05: budget(s) of 0 row(s)"),
    (["--coarse", "1"], "argument --coarse: must be in (0, 1), got 1"),
])
def test_boundary_diagnostics_runs_that_cannot_apply_are_usage_errors(
        tmp_path, capsys, argv, message):
    """A negative seed failed in the first selector, once the data were
    loaded; --fractions without --coarse was ignored without a word."""
    D = _study_module("boundary_diagnostics")
    with pytest.raises(SystemExit) as exc:
        D.main([*argv, "--datasets", "wordnet", "--wordnet-dir",
                str(tmp_path / "nowhere"), "--results", str(tmp_path / "r.csv")])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "skipped" not in captured.out  # refused before any data


@pytest.mark.parametrize("argv, message", [
    # --coarse ran (hours) despite --summary's "print ... and stop".
    (["--summary", "--coarse", "0.2"],
     "--summary prints the whole results file and runs nothing; drop "
     "--coarse"),
    (["--rst", "--datasets", "wordnet", "--seeds", "1"],
     "--rst prints the benchmarks page's table of the whole results file and "
     "runs nothing; drop --datasets and --seeds"),
    (["--summary", "--results", "{tmp}/none.csv"],
     "--summary: {tmp}/none.csv does not exist"),
    (["--rst", "--results", "{tmp}/none.csv"], "--rst: {tmp}/none.csv does not exist"),
    (["--summary", "--results", "{tmp}/other.csv"], "give --results a results "
     "file of this script"),
    (["--datasets", "wordnet", "--results", "{tmp}"], "is a folder, not a file"),
])
def test_boundary_diagnostics_prints_and_results_files_are_checked(
        tmp_path, capsys, monkeypatch, argv, message):
    """--summary and --rst ignored the run's options (--summary with
    --coarse ran it); a missing results file was a FileNotFoundError, a
    file of another script a KeyError, a folder an IsADirectoryError."""
    D = _study_module("boundary_diagnostics")

    def load(*args):
        raise AssertionError("data loaded")

    # Refused before any data is loaded (or any run into the record).
    monkeypatch.setattr(D.V, "load", load)
    (tmp_path / "other.csv").write_text("dataset,config,budget,seed,acc\n"
                                        "wordnet,random,524,0,0.6\n")
    with pytest.raises(SystemExit) as exc:
        D.main([a.format(tmp=tmp_path) for a in argv])
    assert exc.value.code == 2
    assert message.format(tmp=tmp_path) in capsys.readouterr().err


def test_validation_activeft_cache_is_never_half_written(tmp_path, monkeypatch):
    """The ActiveFT cache of quality_validation.py was written in place: a
    run killed while saving left half an entry, which every later run then
    failed to load."""
    import numpy as np

    V = _study_module("quality_validation")
    monkeypatch.setattr(V, "CACHE", tmp_path)
    X = np.random.RandomState(0).rand(60, 4)
    save = np.save

    def killed(file, array, *args, **kwargs):
        with open(file, "wb") if isinstance(file, (str, Path)) else file as f:
            f.write(b"\x93NUMPY")  # the start of an entry only
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        V.activeft("toy", X, 5, 0)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(np, "save", save)
    first = V.activeft("toy", X, 5, 0)
    np.testing.assert_array_equal(V.activeft("toy", X, 5, 0), first)


@pytest.mark.parametrize("argv, message", [
    (["--datasets", "digits", "--methods", "random", "--seeds", "-1"],
     "argument --seeds: seeds are 0 or more, got [-1]"),
    (["--datasets", "digits", "--methods", "random", "--seeds", "1", "4294967296"],
     "argument --seeds: seeds are at most 4294967295 (2**32 - 1), got "
     "[4294967296]"),
    (["--datasets", "wordnet", "--methods", "random", "--budgets", "4",
      "--wordnet-dir", "{tmp}/nowhere"],
     "[wordnet] --budgets [4]: positions must be 0 to 3"),
    (["--quick", "--methods", "abl-density"],
     "the ablations run on wordnet only, so there is nothing to run on digits"),
])
def test_runs_that_cannot_apply_are_usage_errors(tmp_path, capsys, argv, message):
    """A negative seed failed inside the first selector (a traceback); a
    budget position was checked only once the data were loaded (or, for
    missing data, not at all); ablations on digits ran nothing and exited 0."""
    Q = _quality_module()
    argv = [a.format(tmp=tmp_path) for a in argv]
    with pytest.raises(SystemExit) as exc:
        Q.main([*argv, "--results-dir", str(tmp_path / "out"), "--no-render"])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_incomplete_wordnet_folder_is_reported_like_a_missing_one(tmp_path):
    """A folder with X.npy but not the other files failed with a bare
    FileNotFoundError (a traceback), not the missing-data message."""
    import numpy as np

    Q = _quality_module()
    np.save(tmp_path / "X.npy", np.zeros((4, 2), dtype=np.float16))
    with pytest.raises(Q.DatasetUnavailable,
                       match=r"incomplete \(no y.npy, classes.json, "
                             r"train_idx.npy, test_idx.npy\).*--wordnet-dir"):
        Q.load_wordnet(tmp_path)
    lines = []
    assert Q.run("wordnet", ["random"], None, [0], tmp_path / "r.csv",
                 tmp_path / "cache", log=lines.append, data_dir=tmp_path) is None
    assert "[wordnet] skipped: WordNet embeddings incomplete" in lines[0]


def test_rendering_counts_each_run_once(tmp_path, monkeypatch):
    """Two runs into one results file at once (the cache is shared between
    processes) measure the same row twice; the tables counted both, a cell
    of four "seeds" out of the bold comparison."""
    Q = _quality_module()
    results = tmp_path / "quality.csv"
    base = {"dataset": "digits", "method": "random", "n_cores": "", "budget": 20,
            "budget_label": "20", "n_labels_covered": 9, "select_seconds": "0.1",
            "pseudo_purity": "", "boundary_cross_rate": "", "version": "x",
            "finished": "now", "balanced_accuracy": "0.5"}
    for seed, accuracy in [(0, "0.5"), (1, "0.6"), (2, "0.7"), (2, "0.9")]:
        Q.append_row(results, dict(base, seed=seed, accuracy=accuracy))
    monkeypatch.setattr(Q, "plot", lambda *args, **kwargs: None)
    lines = []
    Q.render(results, tmp_path, log=lines.append)
    assert any("1 duplicate row(s)" in line for line in lines)
    tables = (tmp_path / "quality_tables.md").read_text()
    assert "**60.0 ± 10.0**" in tables  # seeds 0, 1, 2 once each


def test_idea_configs_take_what_their_selector_takes():
    """aft-skm-iter0 (the k-means start with no ActiveFT iteration:
    ActiveFTSelector takes max_iter=0) ran before the config names were
    checked, and was then refused as an unknown config.  A number out of
    its family's range is refused with that range (it was called an unknown
    config, though the family was listed)."""
    import argparse

    I = _study_module("quality_ideas")
    assert I.config_name("aft-skm-iter0") == "aft-skm-iter0"
    for refused in ("aft-lloyd0", "covK=0", "f0-typ", "f0.01-mnn0", "hyb0",
                    "aft-skm-iter-1", "covK=-3"):
        with pytest.raises(argparse.ArgumentTypeError,
                           match=f"config '{refused}': in .+ is a "):
            I.config_name(refused)
    with pytest.raises(argparse.ArgumentTypeError, match="unknown config"):
        I.config_name("covK=abc")


@pytest.mark.parametrize("config", ["f1e-2-plain", "f1e-2-typ", "f5e-3-mnn1"])
def test_boundary_filter_configs_with_an_exponent_run(config, tmp_path,
                                                     monkeypatch):
    """``config_name`` accepts a share written with an exponent
    (``f1e-2-typ``), but ``_pick`` split the name at every hyphen and failed
    with "too many values to unpack" once the data were loaded."""
    import numpy as np

    I = _study_module("quality_ideas")
    monkeypatch.setattr(I.V, "CACHE", tmp_path)
    assert I.config_name(config) == config
    X = np.random.RandomState(0).rand(300, 4).astype(np.float32)
    plain = config.replace("1e-2", "0.01").replace("5e-3", "0.005")
    idx, k = I._pick("toy", X, 12, 0, config)
    expected, k_expected = I._pick("toy", X, 12, 0, plain)
    assert k == k_expected == (3 if "1e-2" in config else 1)
    np.testing.assert_array_equal(idx, expected)


@pytest.mark.parametrize("config, function", [
    ("aft-skm-ninit2", "_aft_skm_ninit"), ("aft-skm-white", None),
    ("aft-skm-lof0.1", "_lof_aft_skm"), ("aft-skm-forgy", "_aft_skm_forgy"),
    ("aft-skm-dn0.1", "_denoised_aft_skm")])
def test_aft_skm_variants_run_their_own_selection(config, function, monkeypatch):
    """Each ``aft-skm-*`` variant gives K distinct rows, and reaches its own
    code rather than the generic ``aft-skm`` branch, which matches any
    name that starts with ``aft-skm`` (``aft-skm-white`` once fell through
    to it unnoticed while being written)."""
    import numpy as np

    I = _study_module("quality_ideas")
    assert I.config_name(config) == config
    X = np.random.RandomState(0).rand(300, 6).astype(np.float32) + 0.1
    called = []
    if function is not None:
        original = getattr(I, function)
        monkeypatch.setattr(I, function,
                            lambda *a, **k: called.append(1) or original(*a, **k))
    monkeypatch.setattr(I, "_aft_skm", lambda *a, **k: pytest.fail("aft-skm"))
    idx, k = I._pick("toy", X, 12, 0, config)
    assert k == 12 and np.unique(idx).size == 12
    assert idx.min() >= 0 and idx.max() < 300
    assert called or function is None


def _record_activeft_starts(module, monkeypatch):
    """The ``init`` of every ActiveFTSelector the study module makes, in a
    list filled as they are made."""
    import numpy as np

    starts = []
    original = module.ActiveFTSelector

    def recording(*args, **kwargs):
        starts.append(np.asarray(kwargs["init"]))
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "ActiveFTSelector", recording)
    return starts


@pytest.mark.parametrize("n_strata", [1, 3, 12, 40])
def test_pstrat_config_shares_its_start_by_stratum_size(n_strata, monkeypatch):
    """``pstrat<C>`` starts ActiveFT from B distinct rows, shared among its
    C strata in proportion to their sizes (a stratum of fewer rows than
    its share, C = 40 > B, is taken whole)."""
    import argparse

    import numpy as np

    I = _study_module("quality_ideas")
    assert I.config_name(f"pstrat{n_strata}") == f"pstrat{n_strata}"
    with pytest.raises(argparse.ArgumentTypeError,
                       match="in pstrat<n>, <n> is a whole number from 1"):
        I.config_name("pstrat0")
    X = np.random.RandomState(0).rand(300, 6).astype(np.float32) + 0.1
    starts = _record_activeft_starts(I, monkeypatch)
    idx, k = I._pick("toy", X, 12, 0, f"pstrat{n_strata}")
    assert k == 12 and np.unique(idx).size == 12
    assert starts and np.unique(starts[0]).size == 12


def test_coarse_config_picks_boundary_samples_between_groups_of_cores(
        monkeypatch):
    """``coarse<s>`` selects B distinct rows: its K = B - round(s * B)
    ActiveFT cores and round(s * B) boundary samples, none of them a core
    nor a group's stand-in, shared among the coarse groups in proportion to
    their rows; each group is scored as one pseudo-class, d_in over all its
    rows and d_out against the nearest core of *another* group."""
    import argparse

    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.metrics import pairwise_distances

    I = _study_module("quality_ideas")
    assert I.config_name("coarse0.2") == "coarse0.2"
    with pytest.raises(argparse.ArgumentTypeError, match="below 1"):
        I.config_name("coarse1")
    seen = []

    class Recording(I.BoundarySelector):
        def select_class(self, pseudo_class, budget):
            picks = super().select_class(pseudo_class, budget)
            seen.append((pseudo_class, picks))
            return picks

    monkeypatch.setattr(I, "BoundarySelector", Recording)
    X = load_digits().data.astype(np.float32)
    budget = 60
    selection, k = I._pick("digits", X, budget, 0, "coarse0.2")
    assert k == 48
    assert selection.size == budget and np.unique(selection).size == budget
    parts = I._coarse_boundary(X, budget, 0, 0.2)[1]
    cores, boundary, groups = parts["cores"], parts["boundary"], parts["groups"]
    core_group = parts["core_group"]
    np.testing.assert_array_equal(np.sort(selection),
                                  np.sort(np.concatenate([cores, boundary])))
    assert cores.size == 48 and boundary.size == 12
    assert not np.isin(boundary, cores).any()
    np.testing.assert_array_equal(groups, core_group[parts["labels"]])
    # Largest remainders of 12 among 30 groups: no group is short of rows
    # here, so each gets the floor or the ceiling of its proportional share.
    quota = 12 * np.bincount(groups, minlength=30) / X.shape[0]
    counts = np.bincount(groups[boundary], minlength=30)
    assert np.all((counts == np.floor(quota)) | (counts == np.ceil(quota)))
    calls = seen[len(seen) // 2:]  # the second, identical, run's
    assert sum(len(picks) - 1 for _, picks in calls) == 12
    for group, picks in calls:
        g = group.label
        members = np.flatnonzero(groups == g)
        assert np.isin(group.indices, members).all()
        stand_in = group.indices[group.core_position]
        assert picks[0] == group.core_position and stand_in not in boundary
        others = np.delete(group.indices, group.core_position)
        assert not np.isin(others, cores).any()
        rows = X[group.indices].astype(np.float64)
        np.testing.assert_allclose(
            group.inside_distance,
            pairwise_distances(rows, X[members].astype(np.float64)).mean(1),
            rtol=1e-9)
        to_cores = pairwise_distances(rows, X[cores].astype(np.float64))
        to_cores[:, core_group == g] = np.inf
        np.testing.assert_allclose(group.outside_distance, to_cores.min(1),
                                   rtol=1e-9)
        np.testing.assert_array_equal(group.opponent,
                                      core_group[to_cores.argmin(1)])


@pytest.mark.parametrize("config", ["aft-skm-dn1", "aft-skm-dn1.5",
                                    "aft-skm-lof1", "aft-skm-lof2"])
def test_shares_of_rows_left_out_below_one(config):
    """aft-skm-dn1.5 left out "150 %" of the rows as a negative slice, that
    is, half of them, and was recorded under its own name; a share of 1
    left nothing to select from, found after the data were loaded."""
    import argparse

    I = _study_module("quality_ideas")
    with pytest.raises(argparse.ArgumentTypeError, match="below 1"):
        I.config_name(config)
    assert I.config_name(config.rstrip("0123456789.") + "0.05")


@pytest.mark.parametrize("script", ["quality_validation", "quality_ideas"])
def test_a_run_given_twice_is_measured_once(tmp_path, monkeypatch, capsys,
                                            script):
    """``--seeds 0 0`` (or a config, fraction or removal rate given twice)
    measured the same row twice and appended it twice, and the validation
    summary then counted it as two seeds."""
    module = _study_module(script)
    V = _study_module("quality_validation")
    monkeypatch.setattr(V, "CACHE", tmp_path / "cache")
    results = tmp_path / "r.csv"
    if script == "quality_validation":
        V.run(["digits"], [0, 0], [], [], [0.1], ["euclidean"], results)
    else:
        module.run(["digits"], [0, 0], ["random", "activeft", "random"],
                   (0.01, 0.05), results)
    rows = V.read_rows(results)
    keys = [(r["dataset"], r["config"], r["budget"], r["seed"]) for r in rows]
    assert len(keys) == len(set(keys)) > 0
    assert {r["config"] for r in rows} == {"random", "activeft"}
    capsys.readouterr()
    module.summary(results)
    assert "(n=2" not in capsys.readouterr().out


def test_validation_summary_counts_each_run_once(tmp_path, capsys):
    """Two runs into one results file at once measure the same row twice
    (quality_ideas.csv holds three such pairs); the validation summary
    counted both, a cell of two "seeds" made of one."""
    V = _study_module("quality_validation")
    results = tmp_path / "r.csv"
    for seed, acc in [(0, "0.50000"), (1, "0.70000"), (1, "0.90000")]:
        V.append_row(dict(dataset="digits", config="random", budget=10,
                          seed=seed, n_cores="", acc=acc, seconds="0.1"),
                     results)
    V.summary(results)
    out = capsys.readouterr().out
    assert "60.00 (n=2: 50.00, 70.00)" in out
    assert "1 duplicate row(s)" in out


def test_committed_tables_are_the_rendering_of_the_committed_results(
        tmp_path, monkeypatch):
    """The benchmarks page includes quality_tables.rst: rendering the
    committed quality.csv again (``--render-only``) must give the committed
    tables and summary, so that rows added without a render, or a change to
    the rendering, show here instead of on a stale page.  The summary is
    rendered over the committed one, whose machine (that of the run) the
    render keeps: the whole file comes out the same, byte for byte."""
    import shutil

    Q = _quality_module()
    committed = SCRIPT.parent / "results"
    shutil.copy(committed / "quality.csv", tmp_path)
    shutil.copy(committed / "quality_summary.json", tmp_path)
    monkeypatch.setattr(Q, "plot", lambda *args, **kwargs: None)
    Q.render(tmp_path / "quality.csv", tmp_path, log=lambda message: None)
    for name in ("quality_tables.md", "quality_tables.rst",
                 "quality_summary.json"):
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes()


@pytest.mark.parametrize("script", ["quality_validation", "quality_ideas"])
def test_a_second_validation_split_writes_its_own_results(tmp_path, monkeypatch,
                                                          capsys, script):
    """--val-seed draws another validation split (to judge a choice with
    less noise); its rows go to a file of their own unless --results says
    otherwise, so that the rows of two splits are never averaged together."""
    import numpy as np

    module = _study_module(script)
    V = _study_module("quality_validation")
    monkeypatch.setattr(V, "CACHE", tmp_path / "cache")
    default = tmp_path / f"{script}.csv"
    monkeypatch.setattr(module, "RESULTS", default)
    ds = V.load("digits")
    first, second = V.split(ds)[3], V.split(ds, 7)[3]
    assert first.shape == second.shape and not np.array_equal(first, second)
    argv = ["--datasets", "digits", "--seeds", "0"] + (
        ["--configs", "random", "--fractions", "0.05"]
        if script == "quality_ideas" else ["--pool-fracs"])
    assert module.main(argv + ["--val-seed", "7"]) == 0
    assert not default.exists()
    rows = V.read_rows(tmp_path / f"{script}_val7.csv")
    assert rows and {r["config"] for r in rows} >= {"random"}
    # The default split still writes the default file; --results wins.
    assert module.main(argv) == 0
    assert default.exists()
    chosen = tmp_path / "mine.csv"
    assert module.main(argv + ["--val-seed", "7", "--results", str(chosen)]) == 0
    assert chosen.exists()
    capsys.readouterr()


@pytest.mark.parametrize("argv, message", [
    (["--quick", "--results-dir", "{file}"],
     "--results-dir: {file} is a file, not a folder"),
    (["--quick", "--results-dir", "{file}/sub"],
     "--results-dir: {file} is a file, not a folder"),
    (["--render-only", "--results-dir", "{file}"],
     "--results-dir: {file} is a file, not a folder"),
    (["--quick", "--results-dir", "{tmp}/out", "--cache-dir", "{file}"],
     "--cache-dir: {file} is a file, not a folder"),
    (["--quick", "--results-dir", "{tmp}"],  # the default cache folder
     "--cache-dir: {file} is a file, not a folder"),
])
def test_a_results_or_cache_folder_that_is_a_file_is_a_usage_error(
        tmp_path, capsys, argv, message):
    """--results-dir or --cache-dir naming a file (or a file named cache in
    the results folder, the default cache folder) failed with a
    FileExistsError traceback, the cache folder's only once the data were
    loaded and the first ActiveFT selection computed."""
    Q = _quality_module()
    afile = tmp_path / ("cache" if argv[-1] == "{tmp}" else "afile")
    afile.write_text("mine\n")
    argv = [a.format(file=afile, tmp=tmp_path) for a in argv]
    with pytest.raises(SystemExit) as exc:
        Q.main([*argv, "--methods", "random", "activeft"]
               if "--quick" in argv else argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message.format(file=afile) in err and "folder" in err
    assert afile.read_text() == "mine\n"
    assert [p.name for p in tmp_path.iterdir()] == [afile.name]


@pytest.mark.parametrize("script", ["quality_validation", "quality_ideas"])
@pytest.mark.parametrize("where, message", [
    ("{tmp}", "--results: {tmp} is a folder, not a file"),
    ("{tmp}/afile/r.csv", "--results: {tmp}/afile is a file, not a folder"),
])
@pytest.mark.parametrize("summary", [True, False])
def test_a_study_results_path_that_cannot_be_a_file_is_a_usage_error(
        tmp_path, capsys, script, where, message, summary):
    """--results naming a folder failed with IsADirectoryError; one inside
    a file failed only when the first row was appended, after the data were
    loaded and that row measured."""
    module = _study_module(script)
    (tmp_path / "afile").write_text("mine\n")
    argv = ["--results", where.format(tmp=tmp_path)]
    if summary:
        argv += ["--summary"]
    else:
        argv += ["--datasets", "digits"] + (
            ["--configs", "random"] if script == "quality_ideas" else [])
    with pytest.raises(SystemExit) as exc:
        module.main(argv)
    assert exc.value.code == 2
    assert message.format(tmp=tmp_path) in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def _usage_error(module, argv, capsys):
    """What ``module.main(argv)`` printed to stderr, stopping with the
    scripts' usage-error status, 2."""
    with pytest.raises(SystemExit) as exc:
        module.main(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("content", [
    b"\x7fELF\x02\x01\x01\x00\xff\xfe\n",  # a binary file
    "dataset,caf\u00e9\n1,2\n".encode("latin-1"),  # a CSV of another encoding
], ids=["binary", "latin-1"])
@pytest.mark.parametrize("script, argv, option", [
    ("quality", ["--render-only", "--results-dir", "{tmp}"],
     "--results-name"),
    ("quality", ["--quick", "--results-dir", "{tmp}"], "--results-name"),
    ("quality_validation", ["--summary", "--results", "{file}"], "--results"),
    ("quality_validation", ["--datasets", "digits", "--results", "{file}"],
     "--results"),
    ("boundary_diagnostics", ["--summary", "--results", "{file}"],
     "--results"),
])
def test_a_results_file_that_is_not_utf8_text_is_a_usage_error(
        tmp_path, capsys, script, argv, option, content):
    """A results file that is not UTF-8 text (a binary file, a CSV saved in
    another encoding) failed with a UnicodeDecodeError traceback; it is not
    one these scripts write, and is refused as the files of other columns
    are."""
    results = tmp_path / ("quality_quick.csv" if "--quick" in argv else
                          "quality.csv")
    results.write_bytes(content)
    module = _quality_module() if script == "quality" else _study_module(script)
    err = _usage_error(
        module, [a.format(tmp=tmp_path, file=results) for a in argv], capsys)
    assert f"{results} is not a results file of this script" in err
    assert "UTF-8" in err and option in err
    assert results.read_bytes() == content


def _unwritable_folder():
    """A folder that exists and in which even root cannot make a file."""
    import tempfile

    folder = Path("/proc")
    if not (folder / "self").is_dir():
        pytest.skip("needs Linux's /proc")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return folder
    pytest.skip("a file could be made in /proc")


@pytest.mark.parametrize("script, argv, option", [
    ("quality", ["--quick", "--results-dir", "{bad}/bilaf-results",
                 "--methods", "random"], "--results-dir"),
    ("quality", ["--quick", "--results-dir", "{tmp}", "--cache-dir",
                 "{bad}/bilaf-cache", "--methods", "random"], "--cache-dir"),
    ("quality_validation", ["--datasets", "digits", "--results",
                            "{bad}/bilaf-results/v.csv"], "--results"),
    ("quality_ideas", ["--datasets", "digits", "--configs", "random",
                       "--results", "{bad}/v.csv"], "--results"),
    ("boundary_diagnostics", ["--datasets", "wordnet", "--wordnet-dir",
                              "{tmp}", "--results", "{bad}/b.csv"],
     "--results"),
])
def test_a_results_folder_that_cannot_be_written_is_a_usage_error(
        tmp_path, capsys, monkeypatch, script, argv, option):
    """A results (or cache) folder in which no file can be made, or under a
    folder where it cannot be made, was found only when the first row was
    appended (a traceback after the data were loaded and that row
    measured; quality.py's, when it made its results folder)."""
    bad = _unwritable_folder()
    module = _quality_module() if script == "quality" else _study_module(script)
    err = _usage_error(
        module, [a.format(bad=bad, tmp=tmp_path) for a in argv], capsys)
    assert f"{option}: {bad} cannot be written to" in err
    assert f"give {option} a" in err


@pytest.mark.parametrize("script, argv", [
    ("quality_validation", ["--datasets", "digits"]),
    ("quality_ideas", ["--datasets", "digits", "--configs", "activeft"]),
    ("boundary_diagnostics", ["--datasets", "wordnet"]),
])
def test_a_study_cache_folder_that_cannot_be_written_is_a_usage_error(
        tmp_path, capsys, monkeypatch, script, argv):
    """The studies' ActiveFT cache (benchmarks/results/cache, whatever
    --results says) in a folder that cannot be written (a read-only
    checkout) failed once the first ActiveFT selection was computed,
    minutes after the data were loaded."""
    bad = _unwritable_folder()
    module = _study_module(script)
    V = _study_module("quality_validation")
    monkeypatch.setattr(V, "CACHE", bad / "bilaf-cache")

    def loaded(*args, **kwargs):
        raise AssertionError("the data were loaded")

    monkeypatch.setattr(V, "load", loaded)
    err = _usage_error(
        module, [*argv, "--results", str(tmp_path / "r.csv")], capsys)
    assert f"{bad} cannot be written to" in err
    assert "ActiveFT cache" in err
    # Printing the results file needs no cache.
    if script != "quality_ideas":
        V.Q.append_row(tmp_path / "p.csv", dict.fromkeys(module.FIELDS, "1"),
                       module.FIELDS, module.REQUIRED)
        assert module.main(["--summary", "--results",
                            str(tmp_path / "p.csv")]) == 0


def _printed_but_not_run_into(V, results, capsys):
    """``results`` printed by quality_validation's --summary; what a run
    into it printed when refused as a usage error."""
    assert V.main(["--summary", "--results", str(results)]) == 0
    capsys.readouterr()
    return _usage_error(V, ["--results", str(results), "--datasets", "digits"],
                        capsys)


def test_a_results_file_that_cannot_be_written_is_a_usage_error(
        tmp_path, capsys, monkeypatch):
    """A results file that cannot be opened for writing (read-only, in a
    folder that can be written) was found only when the first row was
    appended, after the data were loaded and that row measured; printing
    it (--summary) needs no write access."""
    import errno
    import os

    V = _study_module("quality_validation")
    results = tmp_path / "v.csv"
    V.Q.append_row(results, {field: "1" for field in V.FIELDS}, V.FIELDS,
                   V.REQUIRED)
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if Path(path) == results and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    def loaded(*args, **kwargs):
        raise AssertionError("the data were loaded")

    monkeypatch.setattr(os, "open", read_only)
    monkeypatch.setattr(V, "load", loaded)
    err = _printed_but_not_run_into(V, results, capsys)
    assert f"--results: {results} cannot be written to (Permission denied)" in err


def test_a_results_file_only_printed_needs_no_write_access(
        tmp_path, capsys, monkeypatch):
    """--summary reads the results file only: one in a folder that cannot
    be written (published rows) is printed, where a run into it is
    refused before any data is loaded."""
    import tempfile

    V = _study_module("quality_validation")
    results = tmp_path / "v.csv"
    V.Q.append_row(results, {field: "1" for field in V.FIELDS}, V.FIELDS,
                   V.REQUIRED)

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    monkeypatch.setattr(V, "load", read_only)
    err = _printed_but_not_run_into(V, results, capsys)
    assert f"--results: {tmp_path} cannot be written to" in err


_TERMINATED = """
import os, signal, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, {folder!r})
import quality as Q
import quality_validation as V
V.CACHE = Path({cache!r})

def terminated(write):
    def partial(file, *args, **kwargs):
        with open(file, "wb") if isinstance(file, (str, Path)) else file as f:
            f.write(b"half")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(60)  # the signal ends the process before this does
    return partial

Path.write_text = lambda self, *a, **k: terminated(None)(self)
np.save = terminated(np.save)
np.savez = terminated(np.savez)
import {script} as module
sys.exit(module.main({argv!r}))
"""


@pytest.mark.parametrize("script, argv", [
    ("quality", ["--render-only"]),
    ("quality", ["--quick", "--methods", "activeft", "--no-render"]),
    ("quality_validation", ["--datasets", "digits", "--pool-fracs"]),
    ("quality_ideas", ["--datasets", "digits", "--configs", "activeft",
                       "--fractions", "0.05"]),
])
def test_a_terminated_run_leaves_no_temporary_file(tmp_path, script, argv):
    """SIGTERM (kill, a batch system's time limit) ended a run at once: the
    hidden temporary file of a write in progress (a table, a cache entry)
    stayed beside its target for good, and so did a cache lock."""
    import shutil

    folder = tmp_path / "run"
    folder.mkdir()
    shutil.copy(SCRIPT.parent / "results" / "quality.csv", folder)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    options = (["--results-dir", str(folder)] if script == "quality" else
               ["--results", str(folder / "r.csv")])
    if "--quick" in argv:
        options += ["--cache-dir", str(folder)]
    code = _TERMINATED.format(folder=str(SCRIPT.parent), cache=str(folder),
                              script=script, argv=[*argv, *options])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 128 + 15, done.stderr[-3000:]
    after = sorted(p.name for p in tmp_path.rglob("*"))
    # The studies' rows measured before the signal stay, with the record
    # of their pool (quality.py's render writes no row).
    assert [name for name in after if name not in before] in (
        [], ["r.csv", "r_pools.jsonl"])


@pytest.mark.parametrize("script", ["quality_validation", "quality_ideas"])
def test_shares_too_small_for_a_pool_read_elsewhere_stop_before_any_row(
        tmp_path, monkeypatch, capsys, script):
    """A pool read from another folder can be smaller than the protocol's,
    so the loaded one is checked too: a budget of one row failed in the
    probe, no core in ActiveFT, after the rows before them had run."""
    module = _study_module(script)
    V = _study_module("quality_validation")
    monkeypatch.setattr(V, "CACHE", tmp_path / "cache")
    monkeypatch.setitem(V.Q.LOADERS, "wordnet", V.Q.load_digits_split)
    results = tmp_path / "r.csv"
    with pytest.raises(SystemExit, match=r"wordnet selection pool \(1077 rows\)"):
        if script == "quality_validation":
            V.run(["wordnet"], [0], [0.01, 0.0005], [], [0.1], ["euclidean"],
                  results)
        else:
            module.run(["wordnet"], [0], ["random"], (0.01, 0.001), results)
    assert not results.exists()
    # Through the command line, the usage error (exit status 2) that the
    # same problem found before loading is: it exited with status 1.
    shares = (["--pool-fracs", "0.0005"] if script == "quality_validation"
              else ["--configs", "random", "--fractions", "0.001"])
    with pytest.raises(SystemExit) as exc:
        module.main(["--datasets", "wordnet", "--results", str(results),
                     *shares])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error: " in err and "wordnet selection pool (1077 rows)" in err
    assert not results.exists()


def test_the_smallest_share_suggested_is_enough():
    V = _study_module("quality_validation")
    for n in [*range(1, 400), 1077, 48000, 52493, *range(400, 10**6, 997)]:
        for minimum in (1, 2):
            message = V.too_small("--x", [0.1 / n], minimum, ("a", "b"), "p", n)
            least = float(message.rsplit(" ", 1)[1])
            assert int(n * least) >= minimum, (n, least)
            assert V.too_small("--x", [least], minimum, ("a", "b"), "p", n) is None


def test_an_incomplete_fashion_mnist_folder_says_which_files_are_missing(
        tmp_path):
    """The message said "not found" whatever was there, without naming the
    files missing, so a folder with three of the four looked empty."""
    Q = _quality_module()
    with pytest.raises(Q.DatasetUnavailable,
                       match=r"Fashion-MNIST not found in .*train-images-idx3"
                             r"-ubyte.gz, .*--fashion-mnist-dir"):
        Q.load_fashion_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"")
    (tmp_path / "t10k-images-idx3-ubyte.gz").mkdir()  # not a file
    with pytest.raises(Q.DatasetUnavailable,
                       match=r"Fashion-MNIST incomplete \(no "
                             r"train-labels-idx1-ubyte.gz, "
                             r"t10k-images-idx3-ubyte.gz, "
                             r"t10k-labels-idx1-ubyte.gz\) in .*"
                             r"dataset-fashion-mnist.*--fashion-mnist-dir"):
        Q.load_fashion_mnist(tmp_path)


@pytest.mark.parametrize("extra, dropped", [
    (["--summary"], "--summary"),
    (["--configs", "random"], "--configs"),
    (["--fractions", "0.05"], "--fractions"),
    (["--results", "{tmp}/r.csv"], "--results"),
    (["--summary", "--configs", "activeft"], "--summary and --configs"),
])
def test_coverage_refuses_the_options_it_would_ignore(tmp_path, capsys, extra,
                                                      dropped):
    """--coverage with --summary printed the coverage curves, not the
    summary, and with --configs, --fractions or --results ran nothing of
    them, without a word."""
    I = _study_module("quality_ideas")
    argv = ["--coverage", "--datasets", "wordnet", "--wordnet-dir",
            str(tmp_path / "nowhere"), *(a.format(tmp=tmp_path) for a in extra)]
    with pytest.raises(SystemExit) as exc:
        I.main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert f"drop {dropped} (or run without --coverage)" in captured.err
    assert "skipped" not in captured.out  # refused before any data
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, message", [
    ("sub/x", "'sub/x' is not a file name; give the folder with --results-dir"),
    ("", "'' is not a file name"),
    ("..", "'..' is not a file name"),
    ("mine.csv", "'mine.csv': give the stem without .csv ('mine' for"),
])
def test_a_results_name_that_is_not_a_file_stem_is_a_usage_error(
        tmp_path, capsys, name, message):
    """--results-name sub/x failed with FileNotFoundError when the first row
    was appended (after the data were loaded and that row measured); an
    empty name was replaced by the default without a word, and mine.csv
    wrote mine.csv.csv."""
    Q = _quality_module()
    with pytest.raises(SystemExit) as exc:
        Q.main(["--quick", "--methods", "random", "--results-dir",
                str(tmp_path / "out"), "--results-name", name, "--no-render"])
    assert exc.value.code == 2
    assert f"argument --results-name: {message}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("script, extra, dropped", [
    ("quality_validation", ["--datasets", "wordnet"], "--datasets"),
    ("quality_validation", ["--seeds", "0", "--pool-fracs"],
     "--seeds and --pool-fracs"),
    ("quality_validation", ["--ratios", "0.5", "--rms", "0.2", "--metrics",
                            "cosine"], "--ratios and --rms and --metrics"),
    ("quality_validation", ["--wordnet-dir", "x"], "--wordnet-dir"),
    ("quality_ideas", ["--datasets", "wordnet", "--seeds", "1"],
     "--datasets and --seeds"),
    ("quality_ideas", ["--configs", "random", "--fractions", "0.05"],
     "--configs and --fractions"),
    ("quality_ideas", ["--fashion-mnist-dir", "x"], "--fashion-mnist-dir"),
])
def test_summary_refuses_the_options_of_a_run(tmp_path, capsys, script, extra,
                                              dropped):
    """--summary --datasets wordnet printed every dataset of the results
    file, and the options of a run (seeds, configs, shares) were ignored
    without a word, as if the table were of those runs only."""
    module = _study_module(script)
    V = _study_module("quality_validation")
    results = tmp_path / "r.csv"
    V.append_row(dict(dataset="digits", config="random", budget=10, seed=0,
                      n_cores="", acc="0.5", seconds="0.1"), results)
    with pytest.raises(SystemExit) as exc:
        module.main(["--summary", "--results", str(results), *extra])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert f"drop {dropped} (or run without --summary)" in captured.err
    assert captured.out == ""
    # The summary alone (and with --val-seed, which picks its file) prints.
    assert module.main(["--summary", "--results", str(results)]) == 0
    assert "random" in capsys.readouterr().out
    assert module.main(["--summary", "--val-seed", "7", "--results",
                        str(results)]) == 0
    assert "random" in capsys.readouterr().out


@pytest.mark.parametrize("extra, dropped", [
    (["--datasets", "wordnet"], "--datasets"),
    (["--methods", "random", "--seeds", "0"], "--methods and --seeds"),
    (["--budgets", "1", "--wordnet-dir", "x"], "--budgets and --wordnet-dir"),
    (["--fashion-mnist-dir", "x", "--cache-dir", "y"],
     "--fashion-mnist-dir and --cache-dir"),
    (["--quick"], "--quick"),
])
def test_render_only_refuses_the_options_of_a_run(tmp_path, capsys, extra,
                                                  dropped):
    """--render-only --datasets wordnet rendered every dataset of the
    results file, and the other options of a run were ignored without a
    word (--quick rendered an empty temporary folder: "does not exist")."""
    import shutil

    Q = _quality_module()
    shutil.copy(SCRIPT.parent / "results" / "quality.csv", tmp_path)
    with pytest.raises(SystemExit) as exc:
        Q.main(["--render-only", "--results-dir", str(tmp_path), *extra])
    assert exc.value.code == 2
    assert (f"drop {dropped} (or run without --render-only)"
            in capsys.readouterr().err)
    assert [p.name for p in tmp_path.iterdir()] == ["quality.csv"]


def test_a_terminated_boundary_diagnostics_run_cleans_up(tmp_path):
    """boundary_diagnostics.py's main, alone of the scripts that write
    cache entries (through the validation study's ActiveFT cache), let
    SIGTERM end the process at once: the temporary file of a cache entry
    being written, and whatever else a finally clause removes, stayed.  It
    stops with SystemExit(143), as the others do."""
    marker = tmp_path / "cleaned"
    code = f"""
import os, signal, sys, time
from pathlib import Path
sys.path.insert(0, {str(SCRIPT.parent)!r})
import boundary_diagnostics as D

def run(*args, **kwargs):
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(60)  # the signal ends the process before this does
    finally:
        Path({str(marker)!r}).write_text("cleaned up")

D.run = run
sys.exit(D.main(["--results", {str(tmp_path / "b.csv")!r}, "--datasets",
                 "wordnet"]))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 128 + 15, done.stderr[-3000:]
    assert marker.read_text() == "cleaned up"


@pytest.mark.parametrize("script", ["quality", "bench_scale"])
def test_sigterm_handler_is_main_s_only_and_keeps_an_ignored_sigterm(script):
    """The handler is installed while main runs and restored after; a
    SIGTERM the caller ignores (``trap '' TERM``, ``signal.SIG_IGN``) stays
    ignored instead of now stopping the run with status 143."""
    import importlib.util
    import signal

    path = SCRIPT.parent / f"{script}.py"
    spec = importlib.util.spec_from_file_location(f"{script}_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    inside = module.exits_on_sigterm(lambda: signal.getsignal(signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        assert callable(inside())
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        assert inside() == signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, before)


# The validation budgets (1, 2 and 5 % of each selection pool).
STUDY_BUDGETS = {"wordnet": (524, 1049, 2624), "fashion-mnist": (480, 960, 2400)}


def _study_accuracies(*names):
    """(dataset, config, budget) -> {seed: accuracy in %} of committed study
    results files; a row run twice keeps its first value, as the scripts'
    summaries do."""
    cells = {}
    for name in names:
        with (SCRIPT.parent / "results" / name).open(newline="") as handle:
            for row in csv.DictReader(handle):
                seeds = cells.setdefault(
                    (row["dataset"], row["config"], int(row["budget"])), {})
                seeds.setdefault(int(row["seed"]), float(row["acc"]) * 100)
    return cells


def _paired(cells, dataset, config, reference, budget, seeds=(0, 1, 2)):
    """Mean over seeds of config minus reference, as the page defines its
    differences (equal to the difference of the seeds' means)."""
    ours, theirs = cells[dataset, config, budget], cells[dataset, reference, budget]
    return sum(ours[s] - theirs[s] for s in seeds) / len(seeds)


def _signed(value):
    # "-0.00" reads as a loss that is not there.
    return f"{value:+.2f}".replace("-0.00", "+0.00")


def _page_text(name):
    return (SCRIPT.parents[1] / "doc" / name).read_text(encoding="utf-8")


def _benchmarks_page():
    page = SCRIPT.parents[1] / "doc" / "benchmarks.rst"
    return " ".join(page.read_text(encoding="utf-8").split())


def test_benchmarks_page_second_split_table_matches_the_results():
    """The table comparing both validation splits gives, per config, the
    paired differences with ActiveFT over seeds 0-2.  Some first-split
    cells had been taken as differences of the rounded means (+1.04 for
    +1.034), which is not what the summaries print."""
    first = _study_accuracies("quality_ideas.csv")
    second = _study_accuracies("quality_ideas_val7.csv")
    page = _benchmarks_page()
    table = page.split("A first look at that second split")[1].split(
        "The shipped start's pattern")[0]
    names = {"aft-skm": "``aft-skm``", "aft-skm-dn0.05": "``aft-skm-dn0.05``",
             "aft-skm-forgy": "``aft-skm-forgy``", "random": "Random"}
    for config, label in names.items():
        columns = [" / ".join(_signed(_paired(cells, "fashion-mnist", config,
                                              "activeft", budget))
                              for budget in STUDY_BUDGETS["fashion-mnist"])
                   for cells in (second, first)]
        assert f" {label} {columns[0]} {columns[1]} " in table, config


def test_benchmarks_page_validation_sentences_match_the_results():
    """Figures quoted in the prose of the validation study, recomputed from
    the committed rows: the isolated-rows idea's margins and steps, the
    Forgy start's two-split deficit at 1 %, and the stratified start's
    twelve-cell mean and its two cells behind ActiveFT."""
    first = _study_accuracies("quality_ideas.csv")
    second = _study_accuracies("quality_ideas_val7.csv")
    page = _benchmarks_page()

    def mean(cells, dataset, config, budget):
        values = [cells[dataset, config, budget][s] for s in (0, 1, 2)]
        return sum(values) / 3

    cells = [(dataset, budget) for dataset in ("wordnet", "fashion-mnist")
             for budget in STUDY_BUDGETS[dataset]]
    margins = [mean(first, d, "aft-skm-dn0.05", b)
               - max(mean(first, d, c, b) for c in ("random", "activeft", "kmeans"))
               for d, b in cells]
    assert min(margins) > 0
    assert (f"in all six, by {min(margins):.2f} (Fashion-MNIST 5 %) to "
            f"{max(margins):.2f} points (Fashion-MNIST 1 %)") in page
    steps = [abs(mean(first, d, f"aft-skm-dn{r}", b)
                 - mean(first, d, f"aft-skm-dn{q}", b))
             for d, b in cells for q, r in (("0.05", "0.1"), ("0.1", "0.2"))]
    assert f"single cells move by up to {max(steps):.1f} point" in page

    one = STUDY_BUDGETS["fashion-mnist"][0]
    behind = sum(mean(split, "fashion-mnist", "aft-skm", one)
                 - mean(split, "fashion-mnist", "aft-skm-forgy", one)
                 for split in (first, second)) / 2
    assert f"and 5 % and {behind:.2f} behind at 1 %" in page

    twelve = {config: sum(mean(split, d, config, b) for split in (first, second)
                          for d, b in cells) / 12
              for config in ("pstrat30", "aft-skm")}
    sentence = (f"Twelve-cell mean {twelve['pstrat30']:.2f} against "
                f"{twelve['aft-skm']:.2f}")
    assert f"{sentence} (+{twelve['pstrat30'] - twelve['aft-skm']:.2f})" in page
    script = (SCRIPT.parent / "quality_ideas.py").read_text(encoding="utf-8")
    assert sentence in " ".join(script.split())
    losses = sorted(-_paired(split, d, "pstrat30", "activeft", b)
                    for split in (first, second) for d, b in cells
                    if _paired(split, d, "pstrat30", "activeft", b) < 0)
    assert len(losses) == 2
    assert (f"ahead in ten of the twelve cells ({losses[0]:.2f} and "
            f"{losses[1]:.2f} point behind") in page


def test_benchmarks_page_dates_and_times_of_the_default_s_rows():
    """The study's record holds rows run on 2026-11-30 (the stratified
    start's among them, and seeds 3-9), so the page cannot say all its
    choices predate that day's change to ActiveFT's search; and the
    default's selection times it quotes are those of its test-split rows (it
    said 20-100 s)."""
    ideas = _study_accuracies("quality_ideas.csv")
    assert any(config == "pstrat30" for _, config, _ in ideas)
    later = _study_accuracies("quality_ideas_seeds3-5.csv",
                              "quality_ideas_seeds6-9.csv")
    seeds = {seed for by_seed in later.values() for seed in by_seed}
    page = _page_text("benchmarks.rst")
    record = " ".join(page.split("**Validation split.**")[1]
                      .split("\n\n")[0].split())
    # The paragraph dates the record's rows, naming the later seeds that ran
    # on 2026-11-30 (it said every row was older).
    assert "2026-11-30" in record
    assert f"{min(seeds)}-{max(seeds)}" in record, (min(seeds), max(seeds))

    with (SCRIPT.parent / "results" / "quality.csv").open(newline="") as handle:
        seconds = [float(row["select_seconds"]) for row in csv.DictReader(handle)
                   if row["method"] == "bilaf-default"
                   and row["dataset"] in STUDY_BUDGETS]
    assert len(seconds) == 24
    cost = page.split("**Cost of the stratified start.**")[1].split("\n\n")[0]
    ranges = [(int(a), int(b)) for a, b in
              re.findall(r"(\d+)\s*(?:-|to)\s*(\d+)\s+s\b", cost)]
    assert ranges == [(round(min(seconds)), round(max(seconds)))], ranges


def test_benchmarks_page_names_every_test_row_run_on_the_last_day():
    """The page says which test-split rows were not run on the Xeon host:
    those of 2026-11-30 include the library default's at 5 %, whose
    ActiveFT walks the centroid graph (the page named only the rows of the
    exhaustive search)."""
    with (SCRIPT.parent / "results" / "quality.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    last_day = [row for row in rows if row["finished"].startswith("2026-11-30")]
    methods = {row["method"] for row in last_day
               if row["budget_label"] == "5%"}
    assert methods == {"bilaf-default", "bilaf-paper", "bilaf-published",
                       "abl-no-denoising", "abl-distance", "abl-density",
                       "abl-one-shot", "abl-no-penalty"}
    default = [row for row in rows if row["method"] == "bilaf-default"
               and row["dataset"] in STUDY_BUDGETS]
    assert default and all(row in last_day for row in default)
    page = _page_text("benchmarks.rst")
    hosts = " ".join(page.split("Figures below:")[1].split("\n\n")[0].split())
    # The machines paragraph names that day and the default's rows (by the
    # name the page's tables give the method).
    assert "2026-11-30" in hosts
    assert "library default" in hosts


#: Rows of the first split's records when the user guide and the
#: docstring claimed the isolated rows gave "the best selections of
#: everything we tried" (2026-11-30, after pstrat30's rows): ideas run
#: later (appended below them) are not part of that claim.
CLAIMED_ROWS = {"quality_ideas.csv": 780, "quality_validation.csv": 190}


def test_isolated_rows_were_best_on_the_first_validation_split_only():
    """Leaving out the 5 % most isolated rows had the best six-cell mean of
    the first validation split, but on the second (Fashion-MNIST only) the
    stratified start scored higher: the user guide and ``ActiveFTSelector``
    said it gave the best selections "on the validation splits"."""
    from sklearn_bilaf.core import ActiveFTSelector

    def means(name, datasets, rows=None):
        """Six-cell (or three-cell) means over seeds 0-2 of the configs of
        a record's first ``rows`` rows that have every cell."""
        with (SCRIPT.parent / "results" / name).open(newline="") as handle:
            records = list(csv.DictReader(handle))
        if rows is not None:
            # The claimed rows are there, unchanged in number.
            assert len(records) >= rows
            records = records[:rows]
        cells = {}
        for row in records:
            cells.setdefault((row["dataset"], row["config"], int(row["budget"])),
                             {}).setdefault(int(row["seed"]), float(row["acc"]))
        found = {}
        for (dataset, config, _), by_seed in cells.items():
            if dataset in datasets and all(s in by_seed for s in (0, 1, 2)):
                found.setdefault(config, []).append(
                    sum(by_seed[s] for s in (0, 1, 2)) / 3)
        return {config: sum(v) / len(v) for config, v in found.items()
                if len(v) == 3 * len(datasets)}

    # The claim: "on the first validation split ... 0.05 gave the best
    # selections of everything we tried", the validation study's core
    # counts included; the stratified start was among the ideas.
    both = ("wordnet", "fashion-mnist")
    ideas = means("quality_ideas.csv", both, CLAIMED_ROWS["quality_ideas.csv"])
    study = means("quality_validation.csv", both,
                  CLAIMED_ROWS["quality_validation.csv"])
    best = ideas.pop("aft-skm-dn0.05")
    assert "pstrat30" in ideas and "activeft" in study
    assert max(ideas.values()) < best and max(study.values()) < best
    # "(on the second, run on Fashion-MNIST only, the stratified start did
    # better)": better than the isolated rows, not the best of that split.
    on_second = means("quality_ideas_val7.csv", ("fashion-mnist",))
    assert on_second["pstrat30"] > on_second["aft-skm-dn0.05"]
    # Where the docs give the reasons exclude_isolated is not the default,
    # they name the start that beat it on the second split and claim the
    # best selections for one validation split, not for "the splits".
    guide = _page_text("user_guide.rst")
    paragraph = next(p for p in guide.split("\n\n") if "excluded_indices_" in p)
    parameter = ActiveFTSelector.__doc__.split("exclude_isolated :")[1].split(
        "\n\n")[0]
    for name, text in (("user guide", paragraph), ("docstring", parameter)):
        text = " ".join(text.split())
        assert "stratified start did better" in text, name
        assert not re.search(r"validation splits", text, re.I), name


@pytest.mark.parametrize("argv", [
    ["--quick", "--cache-dir", "{file}"],
    ["--quick", "--cache-dir", "{file}/sub"],
    ["--quick", "--results-name", "x", "--seeds", "0"],  # refused by --quick
])
def test_a_refused_quick_run_leaves_no_temporary_folder(tmp_path, monkeypatch,
                                                        capsys, argv):
    """--quick without --results-dir made its temporary results folder
    before the options were checked, so a usage error left an empty
    bilaf-quality-quick-* folder behind."""
    import tempfile

    Q = _quality_module()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    afile = tmp_path / "afile"
    afile.write_text("mine\n")
    with pytest.raises(SystemExit) as exc:
        Q.main([a.format(file=afile) for a in argv])
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["afile"]


def _run_into_a_closed_pipe(command):
    """Run ``command`` with its stdout a pipe whose reader has gone (as
    ``| head -3`` once head has its lines)."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=300)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("argv", [
    ["quality_ideas.py", "--summary"],
    ["quality_validation.py", "--summary"],
    ["bench_scale.py", "compare", str(SCRIPT.parent / "results" / "scale.jsonl")],
])
def test_output_cut_short_by_its_reader_ends_quietly(argv):
    """``--summary | head -3`` ended with a BrokenPipeError traceback; the
    scripts exit with status 1 and say nothing, as Python's documentation
    advises (signal module, "Note on SIGPIPE")."""
    done = _run_into_a_closed_pipe([sys.executable, str(SCRIPT.parent / argv[0]),
                                    *argv[1:]])
    assert done.returncode == 1
    assert done.stderr == ""


_CHATTY = """
import sys
sys.path.insert(0, {folder!r})
from _stdout import exit_status

def main():
    for _ in range(100_000):
        print("a line of a table")
    return {status}

sys.exit(exit_status(main))
"""


@pytest.mark.parametrize("status", [0, 3])
def test_the_scripts_entry_point_helper(status):
    code = _CHATTY.format(folder=str(SCRIPT.parent), status=status)
    done = _run_into_a_closed_pipe([sys.executable, "-c", code])
    assert (done.returncode, done.stderr) == (1, "")
    # With a reader, main's own status.
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == status
    assert done.stdout.count("\n") == 100_000


def _wordnet_folder(folder):
    import json

    import numpy as np

    rng = np.random.RandomState(0)
    np.save(folder / "X.npy", rng.rand(40, 4).astype(np.float16))
    np.save(folder / "y.npy", np.repeat([0, 1], 20).astype(np.int16))
    np.save(folder / "train_idx.npy", np.arange(0, 40, 2, dtype=np.int32))
    np.save(folder / "test_idx.npy", np.arange(1, 40, 2, dtype=np.int32))
    (folder / "classes.json").write_text(json.dumps(["a", "b"]))


def _cut(path, keep):
    data = path.read_bytes()
    path.write_bytes(data[:keep if keep >= 0 else len(data) + keep])


@pytest.mark.parametrize("name", ["X.npy", "y.npy", "train_idx.npy",
                                  "test_idx.npy"])
@pytest.mark.parametrize("damage, message", [
    (lambda p: _cut(p, -7), r"is cut short or damaged \(.+\)"),
    (lambda p: _cut(p, 30), r"is cut short or damaged \(.+\)"),
    (lambda p: p.write_text("X\n" * 50), r"is not a \.npy file"),
    (lambda p: p.write_bytes(b""), r"is empty \(0 bytes\)"),
])
def test_a_damaged_wordnet_file_is_named(tmp_path, name, damage, message):
    """A truncated .npy (a copy cut short) or a file that is not one gave a
    raw ValueError or EOFError traceback, or numpy's "contains pickled
    (object) data" for a text file."""
    import re

    Q = _quality_module()
    _wordnet_folder(tmp_path)
    damage(tmp_path / name)
    with pytest.raises(Q.DatasetUnavailable,
                       match=re.escape(str(tmp_path / name)) + " " + message
                       + r".*wordnet-nouns-minilm"):
        Q.load_wordnet(tmp_path)
    # Reported as the run's other unusable data are: skipped, named.
    lines = []
    assert Q.run("wordnet", ["random"], None, [0], tmp_path / "r.csv",
                 tmp_path / "cache", log=lines.append, data_dir=tmp_path) is None
    assert lines[0].startswith(f"[wordnet] skipped: {tmp_path / name} ")


def test_a_damaged_wordnet_class_list_is_named(tmp_path):
    Q = _quality_module()
    _wordnet_folder(tmp_path)
    _cut(tmp_path / "classes.json", 5)
    with pytest.raises(Q.DatasetUnavailable,
                       match=r"classes.json is not a JSON list \(.+\)"):
        Q.load_wordnet(tmp_path)


_FASHION = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def _idx(values):
    """``values`` (uint8) in the IDX format, gzip-compressed."""
    import gzip

    header = bytes([0, 0, 8, values.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in values.shape)
    return gzip.compress(header + values.tobytes())


def _fashion_folder(folder):
    import numpy as np

    rng = np.random.RandomState(0)
    for name, n in zip(_FASHION, (80, 80, 20, 20), strict=True):
        values = (rng.randint(0, 256, (n, 8, 8)) if "images" in name
                  else np.arange(n) % 10)
        (folder / name).write_bytes(_idx(values.astype(np.uint8)))


@pytest.mark.parametrize("damage, message", [
    (lambda p: _cut(p, -9), r"is cut short \(.+\)"),
    (lambda p: p.write_text("not compressed\n"), r"is not a gzip file"),
    (lambda p: p.write_bytes(p.read_bytes()[:20] + bytes(30)),
     r"is damaged \(.+\)"),
    (lambda p: p.write_bytes(_idx(__import__("numpy").zeros((4, 8, 8), "u1"))
                             [:0]), r"is empty \(0 bytes\)"),
    (lambda p: p.write_bytes(__import__("gzip").compress(b"\0\0\x08")),
     r"is not an IDX file of bytes"),
    (lambda p: p.write_bytes(__import__("gzip").compress(b"<html>" * 9)),
     r"is not an IDX file of bytes"),
    (lambda p: p.write_bytes(__import__("gzip").compress(
        bytes([0, 0, 8, 2, 0, 0, 0, 9, 0, 0, 0, 9]) + bytes(80))),
     r"holds 80 values where its header announces 9 x 9 = 81: cut short"),
])
def test_a_damaged_fashion_mnist_file_is_named(tmp_path, damage, message):
    """A truncated .gz gave an EOFError traceback ("Compressed file ended
    before the end-of-stream marker was reached"), another file a
    BadGzipFile, zlib.error, IndexError or ValueError one, none naming it."""
    import re

    Q = _quality_module()
    _fashion_folder(tmp_path)
    assert Q.load_fashion_mnist(tmp_path).X.shape == (80, 64)
    path = tmp_path / _FASHION[1]
    damage(path)
    with pytest.raises(Q.DatasetUnavailable,
                       match=re.escape(str(path)) + " " + message
                       + r".*dataset-fashion-mnist"):
        Q.load_fashion_mnist(tmp_path)


def test_validation_score_of_a_one_class_selection(capsys):
    """quality_validation.py's score (also quality_ideas.py's) fitted the
    probe on picks of one class, which LogisticRegression refuses (a
    ValueError ended the run); quality.py's evaluate predicts that class for
    every row, with a warning: so does the score now."""
    import numpy as np

    V = _study_module("quality_validation")
    rng = np.random.RandomState(0)
    X, Xv = rng.rand(30, 3), rng.rand(8, 3)
    y = np.repeat([0, 1, 2], 10)
    yv = np.array([1, 1, 1, 0, 2, 2, 0, 1])
    assert V.score(X, y, Xv, yv, [10, 14, 17]) == 0.5
    assert "one class selected" in capsys.readouterr().out
    # Two classes: the probe, as before.
    acc = V.score(X, y, Xv, yv, [0, 10, 14, 25])
    assert acc == V.Q.fit_probe(X[[0, 10, 14, 25]], y[[0, 10, 14, 25]])[0].score(Xv, yv)


def test_nstrat_config_shares_its_start_by_neyman_allocation(monkeypatch):
    """``nstrat<C>`` starts ActiveFT from B distinct rows on the strata of
    ``pstrat<C>``, shared by size times spread: a widely spread stratum gets
    more than its proportional share, and no stratum more than its rows."""
    import numpy as np

    I = _study_module("quality_ideas")
    assert I.config_name("nstrat30") == "nstrat30"
    shares = I._largest_remainder_shares(np.array([1.0, 2.0, 3.0]), 10,
                                         np.array([100, 100, 2]))
    # 10/6 x (1, 2, 3) = 1.7 / 3.3 / 5: the third is capped at its 2 rows and
    # its excess of 3 is shared again, 1 : 2, by largest remainders.
    assert shares.tolist() == [3, 5, 2]
    assert I._largest_remainder_shares(np.array([1.0, 1.0]), 3,
                                       np.array([5, 5])).tolist() == [2, 1]
    # What is left after the cap goes to strata of no spread: by their room
    # (was a division by zero, NaN shares).
    assert I._largest_remainder_shares(np.array([1.0, 0.0, 0.0]), 6,
                                       np.array([2, 3, 1])).tolist() == [2, 3, 1]
    rng = np.random.RandomState(0)
    tight = rng.normal(0, 0.01, (150, 4)) + [1, 0, 0, 0]
    spread = rng.normal(0, 0.5, (150, 4)) + [0, 3, 0, 0]
    X = np.vstack([tight, spread]).astype(np.float32)
    starts = _record_activeft_starts(I, monkeypatch)
    idx, k = I._pick("toy", X, 12, 0, "nstrat2")
    assert k == 12 and np.unique(idx).size == 12
    start = starts[0]
    assert np.unique(start).size == 12
    # Proportional shares would be 6 and 6.
    assert (start >= 150).sum() > 6


def _fashion_idea_paragraph(heading, config):
    """The committed study cells, the page's paragraph under ``heading``,
    Fashion-MNIST's budgets and ``config``'s mean over seeds 0-2 at each."""
    cells = _study_accuracies("quality_ideas.csv")
    text = _benchmarks_page().split(heading)[1].split(
        "**Test split (3 seeds).**")[0]
    budgets = STUDY_BUDGETS["fashion-mnist"]
    means = [sum(cells["fashion-mnist", config, b][s] for s in (0, 1, 2)) / 3
             for b in budgets]
    return cells, text, budgets, means


def test_benchmarks_page_neyman_allocation_figures():
    """The page's Neyman-allocation figures are the results file's."""
    _, text, _, ours = _fashion_idea_paragraph(
        "*Neyman allocation among the strata*", "nstrat30")
    theirs = _fashion_idea_paragraph(
        "*Neyman allocation among the strata*", "pstrat30")[3]
    assert " / ".join(f"{v:.2f}" for v in ours) in text
    assert " / ".join(f"{v:.2f}" for v in theirs) in text
    gap = sum(theirs) / 3 - sum(ours) / 3
    assert f"a mean of {sum(ours) / 3:.2f}, {gap:.2f} below" in text
    assert f"({_signed(ours[2] - theirs[2])}," in text
    assert f"({_signed(ours[0] - theirs[0])}," in text


def test_benchmarks_page_stratified_start_alone_figures():
    """The page's figures for the stratified start without ActiveFT
    (``sstart30``) are the results file's, its gaps paired over seeds."""
    cells, text, budgets, ours = _fashion_idea_paragraph(
        "*The stratified start alone*", "sstart30")
    assert " / ".join(f"{v:.2f}" for v in ours) in text
    assert f"a mean of {sum(ours) / 3:.2f}" in text
    gains = [_paired(cells, "fashion-mnist", "pstrat30", "sstart30", b)
             for b in budgets]
    assert f"add {gains[0]:.2f}, {gains[1]:.2f} and {gains[2]:.2f} point" in text


def test_benchmarks_page_locked_strata_figures():
    """The page's figures for ActiveFT kept inside the strata
    (``lstrat30``) and for ``pstrat30`` rerun on the same host are the
    results files', its gaps paired over seeds."""
    cells, text, budgets, ours = _fashion_idea_paragraph(
        "*ActiveFT kept inside the strata*", "lstrat30")
    assert " / ".join(f"{v:.2f}" for v in ours) in text
    recorded = [sum(cells["fashion-mnist", "pstrat30", b].values()) / 3
                for b in budgets]
    rerun_cells = _study_accuracies("quality_ideas_rerun_epyc.csv")
    rerun = [sum(rerun_cells["fashion-mnist", "pstrat30", b][s]
                 for s in (0, 1, 2)) / 3 for b in budgets]
    mean = sum(ours) / 3
    assert f"a mean of {mean:.2f}: {sum(recorded) / 3 - mean:.2f} below" in text
    assert f"{sum(rerun) / 3 - mean:.2f}" == f"{sum(recorded) / 3 - mean:.2f}"
    assert (" / ".join(f"{v:.2f}" for v in rerun)
            + f", mean {sum(rerun) / 3:.2f}") in text
    # "within 0.02 point" of the cells as the page prints them.
    assert max(abs(round(a, 2) - round(b, 2))
               for a, b in zip(rerun, recorded, strict=True)) <= 0.02 + 1e-9
    gaps = [_paired(cells, "fashion-mnist", "lstrat30", "pstrat30", b)
            for b in budgets[:2]]
    assert f"({gaps[0]:.2f} and {gaps[1]:.2f} point)" in text


def test_sstart_config_is_the_start_without_activeft(monkeypatch):
    """``sstart<C>`` returns the stratified start's B distinct rows and
    never runs ActiveFT."""
    import numpy as np

    I = _study_module("quality_ideas")
    assert I.config_name("sstart30") == "sstart30"

    def refused(*args, **kwargs):
        raise AssertionError("sstart ran ActiveFT")

    X = np.random.RandomState(0).rand(300, 6).astype(np.float32) + 0.1
    monkeypatch.setattr(I, "ActiveFTSelector", refused)
    idx, k = I._pick("toy", X, 12, 0, "sstart3")
    assert k == 12 and np.unique(idx).size == 12


def test_lstrat_config_keeps_the_start_shares_among_the_strata():
    """``lstrat<C>`` runs ActiveFT inside each stratum: its picks hold
    exactly as many rows of each stratum as the stratified start does
    (``sstart<C>``, the same random draws), where ActiveFT on the whole
    pool (``pstrat<C>``) may move picks between strata."""
    import numpy as np

    I = _study_module("quality_ideas")
    assert I.config_name("lstrat30") == "lstrat30"
    rng = np.random.RandomState(0)
    # Three blobs of different sizes and spreads: the strata.
    X = np.vstack([rng.normal(c, s, size=(m, 4)) for c, s, m in
                   ((0.0, 0.05, 200), (3.0, 0.4, 80), (-3.0, 0.2, 120))])
    X = (X + np.array([5.0, 1.0, 2.0, 3.0])).astype(np.float32)
    locked, k = I._pick("toy", X, 20, 0, "lstrat3")
    start = I._pick("toy", X, 20, 0, "sstart3")[0]
    assert k == 20 and np.unique(locked).size == 20
    blob = np.repeat([0, 1, 2], (200, 80, 120))
    np.testing.assert_array_equal(np.bincount(blob[locked], minlength=3),
                                  np.bincount(blob[start], minlength=3))
    assert not np.array_equal(np.sort(locked), np.sort(start))


def test_coverage_radius_of_a_pool_smaller_than_its_queries():
    """``--coverage --datasets digits`` (a 1,077-row selection pool) drew
    3,000 distinct query rows and stopped with numpy's 'Cannot take a
    larger sample than population'; a pool that small is queried whole."""
    import numpy as np

    I = _study_module("quality_ideas")
    X = np.random.RandomState(0).rand(200, 5)
    d = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    tenth = np.sort(d, axis=1)[:, I.COVERAGE_NEIGHBOUR]
    assert I._neighbour_radius(X) == pytest.approx(np.median(tenth))


def test_benchmarks_page_summary_matches_the_results():
    """The summary at the top of the selection-quality section, recomputed
    from the committed test-split rows (seeds 0-2): the columns the default
    leads, the one it does not and by how much, and its gains over the
    paper's settings with their better K.  The summary repeats figures
    given further down, so it must move with them."""
    accuracies = {}
    with (SCRIPT.parent / "results" / "quality.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if int(row["seed"]) in (0, 1, 2) and row["budget_label"] in (
                    "1%", "2%", "5%") and not row["method"].startswith("abl-"):
                key = (row["dataset"], row["budget_label"], row["method"],
                       row["n_cores"])
                accuracies.setdefault(key, []).append(float(row["accuracy"]) * 100)
    means = {key: sum(values) / len(values) for key, values in accuracies.items()
             if len(values) == 3}
    summary = _benchmarks_page().split("In short")[1].split("Protocol")[0]
    names = {"random": "Random", "kmeans": "K-Means", "activeft": "ActiveFT"}
    pools = {"wordnet": "WordNet", "fashion-mnist": "Fashion-MNIST"}
    led, gains, behind = 0, {}, {}
    for dataset in pools:
        for budget in ("1%", "2%", "5%"):
            cell = {key[2:]: value for key, value in means.items()
                    if key[:2] == (dataset, budget)}
            default = max(v for (m, _), v in cell.items() if m == "bilaf-default")
            others = {k: v for k, v in cell.items() if k[0] != "bilaf-default"}
            best = max(others, key=others.get)
            if default >= others[best]:
                led += 1
            else:
                assert (f"{others[best] - default:.2f} point behind "
                        f"{names[best[0]]} at {pools[dataset]} "
                        f"{budget[:-1]} %") in summary
            paper = max(v for (m, _), v in cell.items() if m == "bilaf-paper")
            gains.setdefault(dataset, []).append(default - paper)
            behind.setdefault(dataset, []).append(cell["activeft", ""] - paper)
    assert led == 5 and "five of the six target columns" in summary
    # ActiveFT against the paper's variant itself (its better K), not
    # against the published variant's rows, which the Reading also counts.
    assert (f"on WordNet by {min(behind['wordnet']):.1f}-"
            f"{max(behind['wordnet']):.1f} points") in summary
    assert (f"on Fashion-MNIST by {min(behind['fashion-mnist']):.1f}-"
            f"{max(behind['fashion-mnist']):.1f} point") in summary
    assert (f"{min(gains['wordnet']):.1f}-{max(gains['wordnet']):.1f} points "
            f"above the paper's settings") in summary
    assert (f"WordNet and {min(gains['fashion-mnist']):.1f}-"
            f"{max(gains['fashion-mnist']):.1f} on Fashion-MNIST") in summary
    # The ten-seed figures are those of the supplement's table.
    table = _benchmarks_page().split("**More seeds on the test split")[1]
    assert "WordNet 5 % 10 72.94 ± 0.19 +0.20 ± 0.09 -0.14 ± 0.10" in table
    assert "Fashion-MNIST 5 % 10 80.92 ± 0.32 -0.03 ± 0.12" in table
    assert "(-0.03 ± 0.12) and 0.14 ± 0.10 point behind K-Means at WordNet 5 %" \
        in summary
    # The cells where the default is ahead of all four methods of the table.
    header = "vs. ActiveFT vs. K-Means vs. Random vs. TypiClust"
    assert header in table
    rows = re.findall(r"(?:WordNet|Fashion-MNIST) \d % 10 [\d.]+ ± [\d.]+"
                      r"((?: [+-][\d.]+ ± [\d.]+){4})", table.split("**")[1])
    assert len(rows) == 6
    ahead = sum(all(float(d) > 0 for d in re.findall(r"[+-][\d.]+", row))
                for row in rows)
    words = {3: "three", 4: "four", 5: "five"}
    assert (f"ahead of ActiveFT, K-Means, Random and TypiClust in "
            f"{words[ahead]} of the six cells") in summary


def _test_split_cells(name, seeds=(0, 1, 2)):
    """(dataset, budget label, method, n_cores) -> accuracies in % of a
    results file of quality.py, seeds 0-2 at 1, 2 and 5 % of the pool."""
    cells = {}
    with (SCRIPT.parent / "results" / name).open(newline="") as handle:
        for row in csv.DictReader(handle):
            if int(row["seed"]) in seeds and row["budget_label"] in (
                    "1%", "2%", "5%") and not row["method"].startswith("abl-"):
                key = (row["dataset"], row["budget_label"], row["method"],
                       row["n_cores"])
                cells.setdefault(key, []).append(float(row["accuracy"]) * 100)
    return cells


def _mean_std(values):
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
    return mean, std


def test_benchmarks_page_test_split_table_and_target_match_the_results():
    """The test-split table of the library default and the paragraph
    "Target: not met", recomputed from the committed rows (seeds 0-2): the
    column winners, gaps and differences, the six-cell means, and the
    validation figure the paragraph gives for Random at Fashion-MNIST 2 %
    (it said 0.7-1.7 points below ActiveFT, the 0.7 a rounding of the
    rounded 0.65, where the rows give 0.646)."""
    protocol = {key: values for key, values in
                _test_split_cells("quality.csv").items() if len(values) == 3}
    plain = _test_split_cells("quality_kmeans_start.csv")
    page = _benchmarks_page()
    table = page.split("**Test split (3 seeds).**")[1].split("Six-cell mean")[0]
    target = page.split("**Target: not met.**")[1].split("What the numbers say")[0]
    names = {"random": "Random", "kmeans": "K-Means", "activeft": "ActiveFT",
             "typiclust": "TypiClust"}
    pools = {"wordnet": "WordNet", "fashion-mnist": "Fashion-MNIST"}
    means = {"default": [], "plain": [], "activeft": []}
    led, short = [], []
    for dataset, pool in pools.items():
        for budget in ("1%", "2%", "5%"):
            cell = {key[2:]: values for key, values in protocol.items()
                    if key[:2] == (dataset, budget)}
            default = _mean_std(cell["bilaf-default", ""])
            others = {k: _mean_std(v) for k, v in cell.items()
                      if k[0] != "bilaf-default"}
            best = max(others, key=lambda k: others[k][0])
            paper = max(m for (method, _), (m, _) in others.items()
                        if method in ("bilaf-paper", "bilaf-published"))
            activeft = others["activeft", ""][0]
            start = _mean_std(plain[dataset, budget, "bilaf-default", ""])[0]
            gap = default[0] - others[best][0]
            row = (f"{pool} {budget[:-1]} % {default[0]:.1f} ± {default[1]:.1f} "
                   f"{names[best[0]]}: {others[best][0]:.1f} ± "
                   f"{others[best][1]:.1f} {_signed(gap)} "
                   f"{_signed(default[0] - activeft)} "
                   f"{_signed(default[0] - paper)} {_signed(default[0] - start)}")
            assert row in table, row
            (led if gap >= 0 else short).append((pool, budget, gap, best))
            means["default"].append(default[0])
            means["plain"].append(start)
            means["activeft"].append(activeft)
    six = {k: sum(v) / 6 for k, v in means.items()}
    assert (f"Six-cell mean {six['default']:.2f}, against {six['plain']:.2f} "
            f"for the plain k-means start and {six['activeft']:.2f} for "
            f"ActiveFT's random start") in page
    words = {4: "four", 5: "five", 6: "six"}
    assert f"best method of the table in {words[len(led)]} of the six" in target
    wordnet = [f"{gap:.2f}" for pool, _, gap, _ in led if pool == "WordNet"]
    assert len(wordnet) == 3
    assert f"(by {wordnet[0]}, {wordnet[1]} and {wordnet[2]} point" in target
    for pool, budget, gap, _ in led:
        if pool == "Fashion-MNIST":
            assert f"{budget[:-1]} % ({_signed(gap)})" in target
    assert len(short) == 1
    pool, budget, gap, best = short[0]
    assert (f"falls short by {-gap:.2f} point at {pool} {budget[:-1]} %, "
            f"where {names[best[0]]} leads the column") in target
    winner = _mean_std(protocol[("fashion-mnist", budget) + best])
    default = _mean_std(protocol["fashion-mnist", budget, "bilaf-default", ""])
    assert (f"({winner[0]:.2f} ± {winner[1]:.2f} against {default[0]:.2f} ± "
            f"{default[1]:.2f};") in target

    # Random against ActiveFT at that cell of the validation splits, with
    # the seeds of the page's table of the reference methods (first split
    # 0-9, second 0-2).
    first = _study_accuracies("quality_ideas.csv", "quality_ideas_seeds3-5.csv",
                              "quality_ideas_seeds6-9.csv")
    second = _study_accuracies("quality_ideas_val7.csv")
    two = STUDY_BUDGETS["fashion-mnist"][1]
    behind = sorted(-_paired(cells, "fashion-mnist", "random", "activeft", two,
                             seeds)
                    for cells, seeds in ((first, range(10)), (second, (0, 1, 2))))
    assert (f"on both validation splits Random was {behind[0]:.1f}-"
            f"{behind[1]:.1f} points below ActiveFT there") in target


def test_benchmarks_page_cores_then_herding_figures():
    """The ``hyb<f>`` bullet: its six-cell means, and the cells where each f
    is 0.3-0.6 point below the best of the methods it is held to.  That
    holds for every f only with the default (``aft-skm``) among them:
    against Random, ActiveFT and K-Means alone, f = 0.5 % and 1 % are that
    far below in one cell each, yet the bullet said "the best reference
    method"."""
    cells = _study_accuracies("quality_ideas.csv")
    text = _benchmarks_page().split("*Cores, then herding*")[1].split(
        "Not adopted.")[0]
    budgets = [(d, b) for d in ("wordnet", "fashion-mnist")
               for b in STUDY_BUDGETS[d]]

    def mean(config, dataset, budget):
        return sum(cells[dataset, config, budget][s] for s in (0, 1, 2)) / 3

    configs = ("hyb0.005", "hyb0.01", "hyb0.02")
    six = [sum(mean(c, d, b) for d, b in budgets) / 6 for c in configs]
    default = sum(mean("aft-skm", d, b) for d, b in budgets) / 6
    assert (f"Six-cell means {six[0]:.2f}, {six[1]:.2f} and {six[2]:.2f}, "
            f"against {default:.2f} for the default") in text

    def far_below(references):
        counts, gaps = [], []
        for config in configs:
            behind = [max(mean(r, d, b) for r in references) - mean(config, d, b)
                      for d, b in budgets]
            far = [g for g in behind if 0.25 <= g < 0.65]
            counts.append(len(far))
            gaps += far
        return counts, gaps

    counts, gaps = far_below(("random", "activeft", "kmeans"))
    assert min(counts) < 2
    counts, gaps = far_below(("aft-skm", "random", "activeft", "kmeans"))
    assert min(counts) >= 2
    assert (f"every f is below the best of the default, Random, ActiveFT and "
            f"K-Means by {min(gaps):.1f}-{max(gaps):.1f} point in at least "
            f"two cells") in text


def test_benchmarks_page_gives_kernel_herding_s_six_cell_means():
    """Kernel herding's six-cell means against the default of the time
    (``aft-skm``), the reference the ideas of that day were held to.  The
    page compared ``herd-0.25`` only with the higher mean of the k-means
    start's validated rows, left out that it is above ``aft-skm`` by more
    than the 0.1-point bar, and never gave the mean of ``herd-0.35`` (a
    width added afterwards), the highest of the study, while calling
    another config the best candidate and the isolated rows the one idea
    that cleared the bar."""
    cells = _study_accuracies("quality_ideas.csv")
    budgets = [(d, b) for d in ("wordnet", "fashion-mnist")
               for b in STUDY_BUDGETS[d]]

    def six(config, seeds=(0, 1, 2)):
        return sum(cells[d, config, b][s] for d, b in budgets
                   for s in seeds) / (6 * len(seeds))

    means = {}
    for config in {c for _, c, _ in cells}:
        # Herding does not depend on the seed: one run, seed 0.
        seeds = (0,) if config.startswith("herd") else (0, 1, 2)
        if all(s in cells.get((d, config, b), {}) for d, b in budgets
               for s in seeds):
            means[config] = six(config, seeds)
    best = max(means, key=means.get)
    assert best == "herd-0.35"
    default = means["aft-skm"]
    page = _benchmarks_page()
    herding = page.split("*Kernel herding*")[1].split("*Cores, then herding*")[0]
    assert (f"its six-cell mean ({means['herd-0.25']:.2f}) ties the k-means "
            f"start's ({means['aft-init-skmeans']:.2f}) and is "
            f"{means['herd-0.25'] - default:.2f} above the default's "
            f"({default:.2f})") in herding
    assert (f"s = 0.35 has the highest six-cell mean of the study, "
            f"{means['herd-0.35']:.2f} (one run), between "
            f"{means['herd-0.3']:.2f} at s = 0.3 and {means['herd-0.4']:.2f} "
            f"at s = 0.4") in herding
    assert ("kernel herding's width s = 0.35, added afterwards, scored "
            "higher") in page.split("*ActiveFT started from spherical k-means*")[1]
    bar = page.split("a few will clear a 0.1-point bar")[1].split("Further ideas")[0]
    assert (f"herding's s = 0.25 and 0.35, one run each, cleared it too, by "
            f"{means['herd-0.25'] - default:.2f} and "
            f"{means['herd-0.35'] - default:.2f}") in bar


def test_pbest_config_keeps_the_start_of_lowest_activeft_loss(monkeypatch):
    """``pbest<n>`` runs ``pstrat30`` from n starts (seeds seed, seed +
    1000, ...) and keeps the picks of lowest ActiveFT loss, the first of
    equal losses; its first start is ``pstrat30``'s own run."""
    import numpy as np

    I = _study_module("quality_ideas")
    assert I.config_name("pbest3") == "pbest3"
    X = np.random.RandomState(0).rand(300, 6).astype(np.float32) + 0.1
    seeds = []

    def stratified(X, budget, seed, n_strata):
        seeds.append((seed, n_strata))
        return np.arange(budget) + len(seeds)

    losses = {1: 2.0, 2: 1.5, 3: 1.5, 4: 3.0}

    def activeft_loss(data, theta, **kwargs):
        # ActiveFT's loss on the whole pool, at its default temperature and
        # balance, with the picks' rows as the centroids.
        # (The loss does not depend on the centroids' order.)
        assert data is X and set(kwargs) <= {"n_threads"}
        np.testing.assert_array_equal(theta[np.argsort(theta[:, 0])],
                                      X[np.arange(12) + len(seeds)])
        return losses[int(theta[:, 0].min())], None

    monkeypatch.setattr(I, "_proportional_strata", stratified)
    monkeypatch.setattr(I, "_activeft_loss_grad", activeft_loss)
    X[:, 0] = np.arange(300)
    idx, k = I._pick("toy", X, 12, 5, "pbest4")
    assert seeds == [(5, 30), (1005, 30), (2005, 30), (3005, 30)]
    assert k == 12 and idx.tolist() == list(range(2, 14))


def test_benchmarks_page_best_of_three_starts_figures():
    """The page's figures for ``pbest3`` are the results file's, its gap to
    ``pstrat30`` paired over seeds, and the runs that kept ``pstrat30``'s
    own start (the same picks) have its accuracies."""
    cells, text, budgets, ours = _fashion_idea_paragraph(
        "*The best of three starts*", "pbest3")
    assert " / ".join(f"{v:.2f}" for v in ours) in text
    gap = -sum(_paired(cells, "fashion-mnist", "pbest3", "pstrat30", b)
               for b in budgets) / 3
    assert f"a mean of {sum(ours) / 3:.2f}, {gap:.2f} below ``pstrat30``" in text
    same = sum(cells["fashion-mnist", "pbest3", b][s]
               == cells["fashion-mnist", "pstrat30", b][s]
               for b in budgets for s in (0, 1, 2))
    words = {2: "two", 7: "seven"}
    assert f"{words[9 - same]} of the nine runs kept another start" in text


def test_benchmarks_page_coarse_groups_figures():
    """The page's figures for ``coarse0.2`` are the results files': its
    means and paired gaps to ``pstrat30`` (quality_ideas.csv), its cores
    alone and the class-border shares of its boundary samples and of pool
    rows between the same groups (boundary_diagnostics.csv, whose runs
    reproduce the study's accuracies)."""
    cells, text, budgets, ours = _fashion_idea_paragraph(
        # The paragraph, not the sentence of the section above pointing to it.
        "*Boundary samples between coarse groups of cores* (``coarse0.2``",
        "coarse0.2")
    assert " / ".join(f"{v:.2f}" for v in ours) in text
    gaps = [_paired(cells, "fashion-mnist", "coarse0.2", "pstrat30", b)
            for b in budgets]
    assert (f"a mean of {sum(ours) / 3:.2f}, {-sum(gaps) / 3:.2f} below "
            f"``pstrat30`` ({' / '.join(map(_signed, gaps))} paired over "
            "seeds)") in text
    with (SCRIPT.parent / "results" / "boundary_diagnostics.csv").open(
            newline="") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["method"] == "coarse0.2" and r["dataset"] == "fashion-mnist"]
    assert len(rows) == 27

    def mean(part, column, budget):
        values = [float(r[column]) for r in rows
                  if r["part"] == part and int(r["budget"]) == budget]
        assert len(values) == 3
        return 100 * sum(values) / 3

    for budget, accuracy in zip(budgets, ours, strict=True):
        assert mean("all", "acc", budget) == pytest.approx(accuracy)
    alone = " / ".join(f"{mean('cores', 'acc', b):.2f}" for b in budgets)
    assert f"its K cores alone {alone}" in text
    adds = [mean("all", "acc", b) - mean("cores", "acc", b) for b in budgets]
    assert (f"the boundary labels add {_signed(adds[0])}, {_signed(adds[1])} "
            f"and {_signed(adds[2])} point") in text

    def span(column):
        values = [mean("boundary", column, b) for b in budgets]
        return f"{min(values):.0f}-{max(values):.0f} %"

    assert (f"different majority labels in {span('class_border')} of cases "
            f"({span('pool_class_border')} for pool rows") in text


def test_boundary_diagnostics_print_the_benchmarks_page_table():
    # The recorded diagnostics stay readable without any dataset.
    path = SCRIPT.parent / "boundary_diagnostics.py"
    done = subprocess.run([sys.executable, str(path), "--rst"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for text in ("WordNet 5 %", "F-MNIST 1 %", "its boundary samples",
                 "ActiveFT (K = B)", "BiLAF, K = 2 %"):
        assert text in done.stdout


def test_boundary_diagnostics_docstring_names_the_command_of_the_page_table():
    """The docstring's usage gave ``--summary`` as the command printing the
    page's table, which ``--rst`` prints (``--summary`` prints the means of
    every part and column)."""
    D = _study_module("boundary_diagnostics")
    named = [line.split("#")[0].split() for line in D.__doc__.splitlines()
             if "#" in line and "table" in line.split("#")[1]]
    assert len(named) == 1
    command = named[0]
    assert command[:2] == ["python3", "benchmarks/boundary_diagnostics.py"]
    done = subprocess.run([sys.executable, str(SCRIPT.parents[1] / command[1]),
                           *command[2:]], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("==")]
    assert len(rules) == 3
    table = "\n".join(line.strip() for line in lines[rules[0]:rules[-1] + 1])
    page = "\n".join(line.strip()
                     for line in _page_text("benchmarks.rst").splitlines())
    assert table in page


def test_boundary_diagnostics_page_table_leaves_other_budgets_out(tmp_path,
                                                                  capsys):
    """The page's table took its budgets from every row, and named them
    1, 2 and 5 % by position: a --coarse run at another --fractions shifted
    the names (or, with a fourth budget, failed with an IndexError)."""
    D = _study_module("boundary_diagnostics")
    D.rst_table(D.RESULTS)
    recorded = capsys.readouterr().out
    results = tmp_path / "r.csv"
    results.write_bytes(D.RESULTS.read_bytes())
    rows = D.Q.read_rows(results, D.FIELDS, D.REQUIRED)
    for share in (0.003, 0.03):
        for row in rows:
            if row["method"] == "coarse0.2" and row["budget"] == "480":
                D.Q.append_row(results, dict(row, budget=int(48000 * share)),
                               D.FIELDS, D.REQUIRED)
    D.rst_table(results)
    assert capsys.readouterr().out == recorded


def test_boundary_diagnostics_run_a_seed_given_twice_once(tmp_path,
                                                          monkeypatch):
    """``--seeds 0 0`` (or a share given twice to ``--fractions``) ran each
    row twice and appended it twice, counted by the summary and the page's
    table as two seeds; the other scripts mark a row done before running
    it."""
    import numpy as np

    D = _study_module("boundary_diagnostics")
    # Cheap stand-in cores (the real ActiveFT, cached in the record's
    # folder, is not what is tested).
    monkeypatch.setattr(D.V, "activeft", lambda name, X, k, seed: np.arange(
        k) * (X.shape[0] // k))
    monkeypatch.setattr(D.V, "FRACTIONS", (0.05,))  # one budget is enough
    counts = []
    for seeds in ([0], [0, 0]):
        results = tmp_path / f"{len(seeds)}.csv"
        D.run(["digits"], seeds, results)
        counts.append(len(D.Q.read_rows(results, D.FIELDS, D.REQUIRED)))
    assert counts[0] > 0 and counts[1] == counts[0]


def test_boundary_diagnostics_match_a_direct_count():
    """The label-based shares of boundary_diagnostics.py, on digits, against
    a row-by-row recount."""
    import numpy as np

    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import ActiveFTSelector

    D = _study_module("boundary_diagnostics")
    pool = D.Pool(D.Q.load_digits_split())
    sampler = BiLAFSampler(60, core_selector=ActiveFTSelector(12, random_state=0),
                           random_state=0).fit(pool.X)
    got = D.pseudo_class_diagnostics(pool, sampler)

    y, labels, cores = pool.y, sampler.labels_, sampler.core_indices_
    majority = [np.bincount(y[labels == c], minlength=10).argmax()
                for c in range(cores.size)]
    boundary = [i for i in sampler.selected_indices_ if i not in set(cores)]
    cross = border = 0
    for i in boundary:
        own = labels[i]
        cross += y[i] != y[cores[own]]
        distances = np.linalg.norm(pool.X[cores] - pool.X[i], axis=1)
        distances[own] = np.inf
        border += majority[own] != majority[int(np.argmin(distances))]
    assert len(boundary) == 48
    assert got["core_cross"] == pytest.approx(cross / len(boundary))
    assert got["class_border"] == pytest.approx(border / len(boundary))
    purity = sum(np.bincount(y[labels == c]).max() for c in range(cores.size))
    assert got["pseudo_purity"] == pytest.approx(purity / y.size)
    assert got["pseudo_per_class"] == pytest.approx(12 / len(set(majority)))

    picks = sampler.selected_indices_
    neighbours = pool.index.kneighbors(pool.X[picks], return_distance=False)
    expected = np.mean([np.mean(y[row[1:]] != y[i])
                        for i, row in zip(picks, neighbours, strict=True)])
    assert pool.knn_disagree(picks) == pytest.approx(expected)
    assert pool.class_tv(np.arange(y.size)) == pytest.approx(0.0)


def test_boundary_diagnostics_of_groups_of_cores_match_a_direct_count():
    """With groups of cores (``coarse<s>``'s), a row's class border is
    between its group and the group of its nearest core outside the group,
    and the majorities and purity are the groups'; the core cross stays
    against the row's own core."""
    from types import SimpleNamespace

    import numpy as np

    D = _study_module("boundary_diagnostics")
    I = _study_module("quality_ideas")
    pool = D.Pool(D.Q.load_digits_split())
    picks, parts = I._coarse_boundary(pool.X, 60, 0, 0.2)
    cores, labels, core_group = (parts["cores"], parts["labels"],
                                 parts["core_group"])
    fitted = SimpleNamespace(labels_=labels, core_indices_=cores,
                             selected_indices_=picks)
    got = D.pseudo_class_diagnostics(pool, fitted, core_group)

    y, groups = pool.y, core_group[labels]
    n_groups = core_group.max() + 1
    majority = [np.bincount(y[groups == g], minlength=10).argmax()
                for g in range(n_groups)]

    def recount(rows):
        cross = border = 0
        for i in rows:
            cross += y[i] != y[cores[labels[i]]]
            distances = np.linalg.norm(pool.X[cores] - pool.X[i], axis=1)
            distances[core_group == groups[i]] = np.inf
            other = core_group[int(np.argmin(distances))]
            assert other != groups[i]
            border += majority[groups[i]] != majority[other]
        return cross / len(rows), border / len(rows)

    boundary = parts["boundary"]
    assert len(boundary) == 12
    cross, border = recount(boundary)
    assert got["core_cross"] == pytest.approx(cross)
    assert got["class_border"] == pytest.approx(border)
    # The pool's rows outside the cores, drawn as the script draws them.
    others = np.setdiff1d(np.arange(y.size), cores)
    drawn = np.random.default_rng(0).choice(others, min(5000, others.size),
                                            replace=False)
    cross, border = recount(drawn)
    assert got["pool_core_cross"] == pytest.approx(cross)
    assert got["pool_class_border"] == pytest.approx(border)
    purity = sum(np.bincount(y[groups == g]).max() for g in range(n_groups))
    assert got["pseudo_purity"] == pytest.approx(purity / y.size)
    assert got["pseudo_per_class"] == pytest.approx(n_groups
                                                    / len(set(majority)))


def test_boundary_diagnostics_coarse_runs_without_its_folder_on_the_path(
        tmp_path, monkeypatch):
    """run_coarse imported quality_ideas only when it ran: imported while
    the benchmarks folder was on ``sys.path`` (as the tests import the
    scripts) and run once it was gone, it failed with ModuleNotFoundError;
    its siblings are imported with the module, as the other scripts do."""
    import sys as _sys

    D = _study_module("boundary_diagnostics")
    folder = str(SCRIPT.parent)
    monkeypatch.setattr(_sys, "path", [p for p in _sys.path if p != folder])
    monkeypatch.delitem(_sys.modules, "quality_ideas", raising=False)
    results = tmp_path / "coarse.csv"
    assert D.run_coarse(["digits"], [0], 0.2, fractions=(0.05,),
                        results=results) == []
    methods = {row["method"] for row in D.Q.read_rows(results, D.FIELDS,
                                                       D.REQUIRED)}
    assert methods == {"coarse0.2"}


def test_a_damaged_wordnet_file_hint_names_the_folder_used(tmp_path):
    """The hint after a damaged file said to copy the folder again beside
    the repository even when --wordnet-dir pointed elsewhere: it names the
    folder read (and where the embeddings are shipped)."""
    Q = _quality_module()
    _wordnet_folder(tmp_path)
    _cut(tmp_path / "y.npy", 30)
    with pytest.raises(Q.DatasetUnavailable) as info:
        Q.load_wordnet(tmp_path)
    message = str(info.value)
    hint = message[message.index(f"; copy the folder {tmp_path} again "):]
    assert "../shared/data/wordnet-nouns-minilm" in hint, message
    # The default folder is named once, as the folder to copy.
    assert Q.WORDNET_DIR != tmp_path
    assert Q._wordnet_hint(Q.WORDNET_DIR) == (
        f"; copy the folder {Q.WORDNET_DIR} again (the embeddings are shipped "
        "there, beside this repository)")


def _three_digits_rows(results, Q):
    base = {"dataset": "digits", "method": "random", "n_cores": "", "budget": 20,
            "budget_label": "20", "n_labels_covered": 9, "select_seconds": "0.1",
            "pseudo_purity": "", "boundary_cross_rate": "", "version": "x",
            "finished": "now", "balanced_accuracy": "0.5"}
    for seed, accuracy in [(0, "0.5"), (1, "0.6"), (2, "0.7")]:
        Q.append_row(results, dict(base, seed=seed, accuracy=accuracy))


#: A machine that is not this one, as the summary of a run records it.
_RECORDED_MACHINE = {"sklearn_bilaf": "0.0.9", "scikit-learn": "1.0",
                     "numpy": "1.0", "python": "3.0.0", "cpu": "Measuring CPU",
                     "cpus": 64, "platform": "Elsewhere-1.0"}


@pytest.mark.parametrize("argv, n_run", [(["--render-only"], None),
                                         # A rerun that measures nothing.
                                         (["--datasets", "digits"], 0)])
def test_a_render_keeps_the_machine_of_the_measured_run(tmp_path, monkeypatch,
                                                       argv, n_run):
    """--render-only wrote the rendering machine's CPU, platform and versions
    into the summary's "machine", which the benchmarks page reads as those
    of the run that measured the rows: a render that measures nothing keeps
    the recorded ones (the summary of the rows is computed again)."""
    import json

    Q = _quality_module()
    results = tmp_path / "quality.csv"
    _three_digits_rows(results, Q)
    path = tmp_path / "quality_summary.json"
    path.write_text(json.dumps({"machine": _RECORDED_MACHINE, "summary": []},
                               indent=1) + "\n")
    monkeypatch.setattr(Q, "plot", lambda *args, **kwargs: None)
    monkeypatch.setattr(Q, "run", lambda *args, **kwargs: n_run)
    assert Q.main([*argv, "--results-dir", str(tmp_path)]) == 0
    written = json.loads(path.read_text())
    assert written["machine"] == _RECORDED_MACHINE
    assert written["summary"] == Q.aggregate(Q.read_rows(results))


def test_a_run_that_measures_rows_records_this_machine(tmp_path, monkeypatch):
    """Rows measured by the run: the summary records the machine (and the
    versions) that measured them, as before; so does the first render of a
    file with no summary, or with a summary that cannot be read."""
    import json

    Q = _quality_module()
    results = tmp_path / "quality.csv"
    _three_digits_rows(results, Q)
    path = tmp_path / "quality_summary.json"
    path.write_text(json.dumps({"machine": _RECORDED_MACHINE, "summary": []}))
    monkeypatch.setattr(Q, "plot", lambda *args, **kwargs: None)
    monkeypatch.setattr(Q, "run", lambda *args, **kwargs: 1)
    assert Q.main(["--datasets", "digits", "--results-dir", str(tmp_path)]) == 0
    assert json.loads(path.read_text())["machine"] == Q.machine_info()
    for recorded in (None, "{\"machine\": ", "[]", "{\"machine\": 3}"):
        if recorded is None:
            path.unlink()
        else:
            path.write_text(recorded)
        assert Q.main(["--render-only", "--results-dir", str(tmp_path)]) == 0
        assert json.loads(path.read_text())["machine"] == Q.machine_info()


def test_a_render_leaves_unchanged_files_alone(tmp_path, monkeypatch):
    """--render-only on the committed results replaced every table, plot and
    summary by a new file of the same bytes; a file whose content is the
    same is left as it is (a version control or a build sees no change),
    and one that changed is replaced whole."""
    Q = _quality_module()
    path = tmp_path / "f.txt"
    assert Q.write_atomic(path, "one\n") is True
    before = path.stat()
    assert Q.write_atomic(path, "one\n") is False
    assert Q.write_atomic(path, lambda tmp: tmp.write_bytes(b"one\n")) is False
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert Q.write_atomic(path, "two\n") is True and path.read_text() == "two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]
    # A render of the same rows, into the same folder.
    results = tmp_path / "quality.csv"
    _three_digits_rows(results, Q)
    monkeypatch.setattr(Q, "plot", lambda *args, **kwargs: None)
    Q.render(results, tmp_path, log=lambda message: None)
    names = ["quality_summary.json", "quality_tables.md", "quality_tables.rst"]
    first = {name: (tmp_path / name).stat() for name in names}
    Q.render(results, tmp_path, log=lambda message: None)
    for name in names:
        now = (tmp_path / name).stat()
        assert ((now.st_ino, now.st_mtime_ns)
                == (first[name].st_ino, first[name].st_mtime_ns)), name


def test_the_machine_names_the_scipy_version():
    """The summary's machine named the versions of scikit-learn and NumPy
    but not SciPy's, whose BLAS, sparse graphs and distances the selectors
    use (its version is in the cache key already): a rerun could not tell
    whether SciPy differed."""
    import scipy

    Q = _quality_module()
    machine = Q.machine_info()
    assert machine["scipy"] == scipy.__version__
    # After NumPy, as the page lists them.
    names = list(machine)
    assert names.index("scipy") == names.index("numpy") + 1


def test_rows_measured_without_a_render_keep_their_machine(tmp_path,
                                                           monkeypatch):
    """Rows measured with --no-render and rendered later (--render-only) on
    another host: the summary kept the machine of the older render, not the
    one that measured the rows.  Each row's machine is recorded as it is
    measured; rows of several machines are said to be mixed, each machine
    with its count of rows, rather than one of them named."""
    import dataclasses
    import json

    Q = _quality_module()
    small = dataclasses.replace(Q.load_digits_split(), budgets=[("20", 20)])
    monkeypatch.setitem(Q.LOADERS, "digits", lambda: small)
    monkeypatch.setattr(Q, "plot", lambda *args, **kwargs: None)
    summary = tmp_path / "quality_summary.json"
    summary.write_text(json.dumps({"machine": _RECORDED_MACHINE,
                                   "summary": []}))
    hosts = {name: dict(_RECORDED_MACHINE, cpu=f"{name} CPU")
             for name in ("measuring", "rendering", "another")}

    def on(host, *argv):
        monkeypatch.setattr(Q, "machine_info", lambda: dict(hosts[host]))
        assert Q.main([*argv, "--results-dir", str(tmp_path)]) == 0
        return json.loads(summary.read_text())

    def measure(host, seed):
        return on(host, "--datasets", "digits", "--methods", "random",
                  "--seeds", str(seed), "--no-render")

    measure("measuring", 0)
    measure("measuring", 1)
    written = on("rendering", "--render-only")
    assert written["machine"] == hosts["measuring"]
    assert "machines" not in written
    assert written["summary"] == Q.aggregate(Q.read_rows(tmp_path / "quality.csv"))

    # A row of another machine: mixed, and said so.
    measure("another", 2)
    written = on("rendering", "--render-only")
    assert "mixed" in written["machine"] and "2 machines" in written["machine"]
    assert written["machines"] == [{"rows": 2, "machine": hosts["measuring"]},
                                   {"rows": 1, "machine": hosts["another"]}]
    # A run that measures nothing renders the same.
    assert on("rendering", "--datasets", "digits", "--methods", "random",
              "--seeds", "0") == written


def test_rows_without_a_recorded_machine_are_counted_apart(tmp_path,
                                                           monkeypatch):
    """Rows measured before machines were recorded per row (the committed
    results) keep the summary's machine while they are the only ones; once
    rows with a recorded machine join them, the summary is mixed and counts
    them as of an unrecorded machine.  A record cut short is skipped."""
    import json

    Q = _quality_module()
    results = tmp_path / "quality.csv"
    _three_digits_rows(results, Q)
    summary = tmp_path / "quality_summary.json"
    summary.write_text(json.dumps({"machine": _RECORDED_MACHINE,
                                   "summary": []}))
    log = []
    Q.render(results, tmp_path, log=log.append)
    assert json.loads(summary.read_text())["machine"] == _RECORDED_MACHINE

    measuring = dict(_RECORDED_MACHINE, cpu="Measuring CPU 2")
    row = dict(Q.read_rows(results)[0], budget=50, budget_label="50")
    Q.append_row(results, row)
    Q.record_machine(results, row, measuring)
    machines = Q.machines_path(results)
    assert machines == tmp_path / "quality_machines.jsonl"
    with machines.open("a") as handle:
        handle.write('{"id": "cut')  # a run killed while writing
    Q.render(results, tmp_path, log=log.append)
    written = json.loads(summary.read_text())
    assert "mixed" in written["machine"] and "3 rows" in written["machine"]
    assert written["machines"] == [{"rows": 3, "machine": None},
                                   {"rows": 1, "machine": measuring}]
    # The next record starts on a line of its own: the line cut short is
    # left (and skipped), not cut back, which could erase another run's.
    Q.record_machine(results, dict(row, seed=1), measuring)
    lines = machines.read_text().splitlines()
    assert len(lines) == 4 and lines[2] == '{"id": "cut'
    assert all(json.loads(line) for line in lines[:2] + lines[3:])
    assert len(Q.read_machines(machines)[1]) == 2


def test_two_runs_recording_beside_one_results_file_keep_both_records(
        tmp_path, monkeypatch):
    """The pool and machine records were appended by reading the file,
    cutting it back to its last newline (a line cut short by a killed run)
    and writing: a line another run appended in between (two runs into the
    same results file) was cut off.  They are appended now without cutting
    anything, each in one write."""
    import json
    import os
    from contextlib import contextmanager

    Q = _quality_module()
    results = tmp_path / "quality.csv"
    pools, machines = Q.pools_path(results), Q.machines_path(results)
    theirs = {pools: {"dataset": "wordnet", "rows": 5, "test_rows": 1,
                      "digest": "0"},
              machines: {"id": "other", "row": ["wordnet", "random", "",
                                                 "3", "0"], "finished": "t"}}
    raced = set()
    paths = {}  # file descriptor -> path, of the files opened by Q.locked
    real_locked = Q.locked

    @contextmanager
    def tracked_locked(path):
        with real_locked(path) as fd:
            paths[fd] = Path(path)
            yield fd

    class RacingOs:
        """The os module, whose first read of a records file lets the
        other run append its line (as a run of an earlier version, which
        took no lock, could), between the read and the write."""

        def __getattr__(self, name):
            return getattr(os, name)

        def read(self, fd, size):
            data = os.read(fd, size)
            path = paths.get(fd)
            if path in theirs and path not in raced:
                raced.add(path)
                with path.open("ab") as other:
                    other.write((json.dumps(theirs[path]) + "\n").encode())
            return data

    ds = Q.load_digits_split()
    ours = Q.pool_record(ds)
    row = {"dataset": "digits", "method": "random", "n_cores": "",
           "budget": 20, "seed": 0, "finished": "now"}
    for path in (pools, machines):
        path.write_text('{"note": "a line of an earlier run"}\n')
    monkeypatch.setattr(Q, "locked", tracked_locked)
    monkeypatch.setattr(Q, "os", RacingOs())
    Q.record_pool(results, ours)
    Q.record_machine(results, row, {"cpu": "mine"})
    monkeypatch.undo()
    assert raced == {pools, machines}
    assert Q.read_pools(pools) == {"digits": ours,
                                   "wordnet": theirs[pools]}
    recorded = Q.read_machines(machines)[1]
    assert sorted(key[0][0] for key in recorded) == ["digits", "wordnet"]
    # A line cut short by a killed run does not swallow the next record.
    cut = tmp_path / "cut.csv"
    Q.pools_path(cut).write_text('{"dataset": "wor')
    Q.record_pool(cut, ours)
    assert Q.read_pools(Q.pools_path(cut)) == {"digits": ours}


def test_two_first_runs_on_different_pools_are_told_apart(tmp_path):
    """Two runs into one results file, both started before either had a
    row, each check no rows and record their pool with their first row:
    the first record was kept, the second run's silently dropped, and its
    rows were then taken for rows of the first run's pool.  The record is
    checked, and the row appended, under the pools file's lock: the second
    run is refused before its row is written."""
    import dataclasses
    import json
    import os
    import threading
    import time

    fcntl = pytest.importorskip("fcntl")
    Q = _quality_module()
    results = tmp_path / "quality.csv"
    ds = Q.load_digits_split()
    ours = Q.pool_record(ds)
    theirs = Q.pool_record(dataclasses.replace(ds, X=ds.X + 1.0))
    assert ours != theirs
    row = {field: "1" for field in Q.FIELDS}
    Q.append_row(results, dict(row, method="a"))
    Q.record_pool(results, theirs)
    Q.record_pool(results, theirs)  # the same pool: nothing to say
    first = results.read_bytes()
    with pytest.raises(SystemExit, match=(
            rf"\[digits\] {re.escape(str(Q.pools_path(results)))} records "
            r"another pool .*digest " + theirs["digest"][:12] + r".* than the "
            r"one loaded .*digest " + ours["digest"][:12] + r".*of its own")):
        Q.record_pool(results, ours)
    with pytest.raises(SystemExit, match="records another pool"):
        Q.append_row(results, dict(row, method="b"), pool=ours)
    assert results.read_bytes() == first
    assert Q.read_pools(Q.pools_path(results)) == {"digits": theirs}

    # The other run records its pool while this one waits for the lock.
    results = tmp_path / "raced.csv"
    pools = Q.pools_path(results)
    recording, release = threading.Event(), threading.Event()

    def other_run():
        fd = os.open(pools, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            recording.set()
            release.wait(10)
            os.write(fd, (json.dumps(theirs) + "\n").encode())
        finally:
            os.close(fd)

    refused = []

    def this_run():
        try:
            Q.append_row(results, dict(row, method="b"), pool=ours)
        except SystemExit as exc:
            refused.append(str(exc))

    other = threading.Thread(target=other_run)
    other.start()
    assert recording.wait(10)
    ours_thread = threading.Thread(target=this_run)
    ours_thread.start()
    time.sleep(0.5)
    release.set()
    other.join(10)
    ours_thread.join(10)
    assert refused and "records another pool" in refused[0]
    assert not results.exists() or not Q.read_rows(results)
    assert Q.read_pools(pools) == {"digits": theirs}


def test_the_plots_bytes_do_not_name_the_matplotlib_version(tmp_path,
                                                           monkeypatch):
    """The plots' PNG files held matplotlib's version (their "Software"
    text), so that rendering the same results with another matplotlib
    changed the committed files even where every pixel is the same."""
    matplotlib = pytest.importorskip("matplotlib")
    Q = _quality_module()
    results = tmp_path / "quality.csv"
    _three_digits_rows(results, Q)
    plots = []
    for version in ("3.0.0", "9.9.9"):
        monkeypatch.setattr(matplotlib, "__version__", version)
        folder = tmp_path / version
        folder.mkdir()
        Q.render(results, folder, log=lambda message: None)
        plots.append((folder / "quality_digits.png").read_bytes())
    assert plots[0] == plots[1]
    assert b"Matplotlib" not in plots[0] and b"Software" not in plots[0]


def test_the_help_names_what_a_rerun_needs(capsys):
    """Read as by someone rerunning the benchmark from a fresh clone, the
    --help left out the library default among the methods, gave
    --budgets as positions without the budgets they stand for, and said a
    plain run runs "the whole protocol" when, into the committed results
    file (which holds every row), it measures nothing; so did the
    benchmarks page."""
    Q = _quality_module()
    with pytest.raises(SystemExit):
        Q.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    methods = out[out.index("* Methods"):out.index("Results are appended")]
    for method in Q.MAIN_METHODS:
        assert f"``{method}``" in methods, method
    assert "``abl-*``" in methods
    budgets = _option_help(Q, "--budgets", capsys)
    assert "20 50 100" in budgets and "0.5 1 2 5 %" in budgets
    plain = re.compile(r"python3 benchmarks/quality\.py +#([^\n]*(\n +#[^\n]*)*)")
    for text in (Q.__doc__, _page_text("benchmarks.rst")):
        comment = " ".join(plain.search(text).group(1).replace("#", "").split())
        assert "resumed" in comment and "to measure" in comment, comment
        assert re.search(r"quality\.py --results-dir \S+ +# measured afresh",
                         text)


def test_documented_partial_runs_measure_into_a_results_file_of_their_own():
    """--help's example of a part of the protocol (--datasets wordnet
    --seeds 0 --budgets 0 1) gave no --results-dir: resumed from the
    committed results file, which holds every row, it measured nothing.
    The page gave --results-dir; every example of a part gives it now."""
    Q = _quality_module()
    for text in (Q.__doc__, _page_text("benchmarks.rst")):
        joined = re.sub(r"\\\n\s*", " ", text)
        commands = re.findall(r"python3 benchmarks/quality\.py([^#\n]*)", joined)
        partial = [c for c in commands
                   if re.search(r"--(datasets|seeds|budgets|methods)\b", c)]
        assert partial
        for command in partial:
            assert "--results-dir" in command or "--quick" in command, command


def test_benchmarks_page_bstrat_figures():
    """The page's ``bstrat30`` table, its twelve-cell mean and its figures on
    how far rows carry from one host to another are the results files'."""
    text = _benchmarks_page().split(
        "*Neyman allocation once the strata hold enough starts*")[1].split(
        "On the test split")[0]
    splits = {"first": ("quality_ideas.csv", "quality_ideas_rerun.csv"),
              "second": ("quality_ideas_val7.csv", "quality_ideas_val7_rerun.csv")}
    twelve, per_seed, cell_means, low = [], [], [], []
    for split, (name, rerun_name) in splits.items():
        cells = _study_accuracies(name)
        rerun = _study_accuracies(rerun_name)
        for dataset, label in (("fashion-mnist", "Fashion-MNIST"),
                               ("wordnet", "WordNet")):
            budgets = STUDY_BUDGETS[dataset]
            top = budgets[2]
            mean = {config: sum(cells[dataset, config, top][s]
                                for s in (0, 1, 2)) / 3
                    for config in ("bstrat30", "pstrat30")}
            again = sum(rerun[dataset, "pstrat30", top][s] for s in (0, 1, 2)) / 3
            row = (f"{label}, {split} (seed {6 if split == 'first' else 7}) "
                   f"{mean['bstrat30']:.2f} {mean['pstrat30']:.2f} "
                   f"{_signed(mean['bstrat30'] - mean['pstrat30'])} {again:.2f} "
                   f"{_signed(mean['bstrat30'] - again)}")
            assert row in text, row
            for budget in budgets:
                chosen = "bstrat30" if budget == top else "pstrat30"
                twelve += [cells[dataset, chosen, budget][s] for s in (0, 1, 2)]
            per_seed += [abs(rerun[dataset, "pstrat30", top][s]
                             - cells[dataset, "pstrat30", top][s]) for s in (0, 1, 2)]
            cell_means.append(abs(again - mean["pstrat30"]))
            # Below the switch bstrat30 is pstrat30's picks, on this host.
            for budget in budgets[:2]:
                for seed, value in cells.get((dataset, "bstrat30", budget), {}).items():
                    low.append(abs(value - cells[dataset, "pstrat30", budget][seed]))
    assert len(twelve) == 36
    assert f"differ from the recorded ones by up to {max(low):.2f} point" in text
    assert f"the default's own, {sum(twelve) / 36:.2f}" in text
    assert f"up to {max(per_seed):.2f} point in a seed's accuracy" in text
    assert (f"({min(cell_means):.2f}-{max(cell_means):.2f} in a cell's mean)"
            in text)


def test_bstrat_config_switches_to_neyman_shares_at_50_starts_per_stratum(
        monkeypatch):
    """``bstrat<C>`` is ``pstrat<C>`` (proportional shares) below 50 starting
    samples per stratum on average and ``nstrat<C>`` (Neyman) from there."""
    import numpy as np

    I = _study_module("quality_ideas")
    assert I.config_name("bstrat30") == "bstrat30"
    calls = []
    monkeypatch.setattr(
        I, "_proportional_strata",
        lambda X, budget, seed, n_strata, allocation="size", refine=True:
        calls.append((budget, n_strata, allocation)) or np.arange(budget))
    X = np.zeros((400, 3), dtype=np.float32)
    for budget in (99, 100, 149, 150):
        idx, k = I._pick("toy", X, budget, 0, "bstrat3")
        assert k == budget and idx.size == budget
    assert calls == [(99, 3, "size"), (100, 3, "size"), (149, 3, "size"),
                     (150, 3, "neyman")]


def _wordnet_rows(results, Q, n_pool):
    """Rows of the WordNet protocol measured on a pool of ``n_pool`` rows:
    Random at each budget and BiLAF (paper) with K = 0.25 % of the pool."""
    base = {"dataset": "wordnet", "n_labels_covered": 9, "select_seconds": "0.1",
            "pseudo_purity": "", "boundary_cross_rate": "", "version": "x",
            "finished": "now", "accuracy": "0.5", "balanced_accuracy": "0.5"}
    n_cores = int(n_pool * Q.CORE_FRACTIONS[0])
    for label, budget in Q._pool_budgets(n_pool):
        for seed in (0, 1, 2):
            Q.append_row(results, dict(base, method="random", n_cores="",
                                       budget=budget, budget_label=label,
                                       seed=seed))
            Q.append_row(results, dict(base, method="bilaf-paper",
                                       n_cores=n_cores, budget=budget,
                                       budget_label=label, seed=seed))


def test_the_percentages_are_of_the_pool_the_rows_were_measured_on(
        tmp_path, monkeypatch):
    """The tables and plots gave K and the budgets as percentages of the
    protocol's pool sizes (POOL_SIZES), whatever pool the rows were measured
    on: rows of another --wordnet-dir (or another version of the
    embeddings) were labelled with shares of 65,617 rows, silently."""
    Q = _quality_module()
    plotted = []
    monkeypatch.setattr(Q, "plot", lambda summary, dataset, path, log=print,
                        n_pool="not given": plotted.append((dataset, n_pool)))
    # Rows of the protocol's pool: the percentages, as before.
    results = tmp_path / "protocol" / "quality.csv"
    results.parent.mkdir()
    _wordnet_rows(results, Q, Q.POOL_SIZES["wordnet"])
    lines = []
    Q.render(results, results.parent, log=lines.append)
    tables = (results.parent / "quality_tables.md").read_text()
    assert "BiLAF (paper), K=164 (0.25%)" in tables, tables
    assert plotted == [("wordnet", Q.POOL_SIZES["wordnet"])]
    assert not any("pool" in line for line in lines), lines
    # Rows of a pool of 1,000 rows: its K (2 cores) is no 0.003 % of the
    # protocol's pool; the figures give no share they cannot know, and the
    # render says why.
    plotted.clear()
    results = tmp_path / "other" / "quality.csv"
    results.parent.mkdir()
    _wordnet_rows(results, Q, 1000)
    lines = []
    Q.render(results, results.parent, log=lines.append)
    tables = (results.parent / "quality_tables.md").read_text()
    assert "BiLAF (paper), K=2 |" in tables, tables
    assert "K=2 (" not in tables
    assert plotted == [("wordnet", None)]
    warning = [line for line in lines if "65617" in line]
    assert len(warning) == 1, lines
    assert ("wordnet: the rows' budgets are not those of the protocol's pool "
            "of 65617 rows") in warning[0]
    # The run on such a pool says so before it measures anything.
    folder = tmp_path / "wordnet"
    folder.mkdir()
    _wordnet_folder(folder)
    lines = []
    assert Q.run("wordnet", ["random"], [3], [0], tmp_path / "r.csv",
                 tmp_path / "cache", log=lines.append, data_dir=folder) == 1
    assert lines[0].startswith("[wordnet] WARNING: the pool has 20 rows, not "
                               "the protocol's 65617"), lines


def _git(folder, *args):
    return subprocess.run(["git", "-C", str(folder), "-c", "user.name=t",
                           "-c", "user.email=t@t", *args], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_the_rows_version_names_the_commit(tmp_path, monkeypatch):
    """Every row's version was 0.1.0.dev0 (the version stays so through
    development): rows measured at different commits, or with edits not
    committed, could not be told apart.  The version has the commit of the
    checkout the script belongs to as a local label, and says "dirty" when
    the library's sources differ from it."""
    import shutil

    Q = _quality_module()
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = Q.__version__
    checkout = tmp_path / "checkout"
    (checkout / "sklearn_bilaf").mkdir(parents=True)
    (checkout / "sklearn_bilaf" / "core.py").write_text("A = 1\n")
    (checkout / "notes.txt").write_text("results\n")
    _git(checkout, "init", "-q")
    _git(checkout, "add", "-A")
    _git(checkout, "commit", "-qm", "one")
    commit = _git(checkout, "rev-parse", "--short=12", "HEAD")
    assert Q.library_version(checkout) == f"{base}+g{commit}"
    # Results written beside the library (their own edits) leave it clean.
    (checkout / "notes.txt").write_text("more results\n")
    assert Q.library_version(checkout) == f"{base}+g{commit}"
    (checkout / "sklearn_bilaf" / "core.py").write_text("A = 2\n")
    assert Q.library_version(checkout) == f"{base}+g{commit}.dirty"
    (checkout / "sklearn_bilaf" / "core.py").write_text("A = 1\n")
    (checkout / "sklearn_bilaf" / "new.py").write_text("B = 1\n")
    assert Q.library_version(checkout) == f"{base}+g{commit}.dirty"
    # Not a checkout (an unpacked sdist): the version alone.
    assert Q.library_version(tmp_path / "sdist") == base
    monkeypatch.setattr(Q.shutil, "which", lambda name: None)
    assert Q.library_version(checkout) == base

    # The rows record it.
    monkeypatch.setattr(Q, "library_version", lambda root=None: "9.9+gabc")
    results = tmp_path / "quality.csv"
    Q.run("digits", ["random"], [0], [0], results, tmp_path / "cache",
          log=lambda message: None)
    assert [row["version"] for row in Q.read_rows(results)] == ["9.9+gabc"]


def test_rows_of_another_pool_are_never_resumed_from(tmp_path, monkeypatch):
    """Resuming matched rows by (dataset, method, cores, budget, seed) only:
    rows measured on another pool (another data folder, or another version
    of the data) whose budgets and core counts came out the same were kept
    as if measured on the pool loaded, and new rows added beside them.
    They are refused now, by the pool recorded beside the results file, or
    for a file without that record by budgets or core counts that are not
    the loaded pool's."""
    import dataclasses

    Q = _quality_module()
    digits = Q.load_digits_split()

    def pool(X, n):
        return dataclasses.replace(digits, name="wordnet", X=X[:n],
                                   y=digits.y[:n], budgets=Q._pool_budgets(n))

    loaded = {}
    monkeypatch.setitem(Q.LOADERS, "wordnet", lambda: loaded["pool"])
    results = tmp_path / "quality.csv"

    lines = []

    def run(ds):
        loaded["pool"] = ds
        return Q.run("wordnet", ["random", "bilaf-paper"], [1], [0], results,
                     tmp_path / "cache", log=lines.append)

    assert run(pool(digits.X, 1347)) == 3
    first = results.read_text()
    version = Q.read_rows(results)[0]["version"]
    assert run(pool(digits.X, 1347)) == 0  # the same pool: resumed
    assert "measured with" not in lines[-1]
    # Rows of another version of the library are kept, and said to be.
    monkeypatch.setattr(Q, "library_version", lambda: "9.9")
    assert run(pool(digits.X, 1347)) == 0
    assert (f"3 run(s) already in {results} (measured with {version}, not "
            "9.9), not run again") in lines[-1]
    # 1340 rows give the same budgets (13) and core counts (3, 6); values
    # shifted by one the same pool size.
    for other, what in [(pool(digits.X, 1340), "1340 rows"),
                        (pool(digits.X + 1.0, 1347), "1347 rows")]:
        with pytest.raises(SystemExit, match=(
                rf"\[wordnet\] {re.escape(str(results))} holds rows measured "
                rf"on another pool .* than the one loaded \({what}.*"
                "--results-name")):
            run(other)
        assert results.read_text() == first
    # Without the record (a file of an earlier run), by the budgets.
    Q.pools_path(results).unlink()
    with pytest.raises(SystemExit, match=(
            r"holds rows measured on another pool: budget 1% = 13 where the "
            r"pool loaded \(1000 rows\) gives 1% = 10.*--results-name")):
        run(pool(digits.X, 1000))
    assert results.read_text() == first
    assert not Q.pools_path(results).exists()
    assert run(pool(digits.X, 1347)) == 0
    assert Q.read_pools(Q.pools_path(results)) == {
        "wordnet": Q.pool_record(pool(digits.X, 1347))}


def test_fashion_mnist_pool_is_recorded_by_its_files(tmp_path):
    """Fashion-MNIST's pool is a PCA of the images, whose last bits depend
    on the machine's BLAS: its record is a digest of the files, so that a
    run on another machine resumes from the rows, and other files do not."""
    import dataclasses

    import numpy as np

    Q = _quality_module()
    _fashion_folder(tmp_path)
    ds = Q.load_fashion_mnist(tmp_path)
    record = Q.pool_record(ds)
    nudged = dataclasses.replace(ds, X=np.nextafter(ds.X, np.inf))
    assert Q.pool_record(nudged) == record
    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    labels.write_bytes(_idx((np.arange(80) % 10)[::-1].astype(np.uint8)))
    assert Q.pool_record(Q.load_fashion_mnist(tmp_path))["digest"] != (
        record["digest"])


def test_a_results_file_only_resumed_gets_its_pool_recorded(tmp_path):
    """The pool was recorded only when a row was added: a results file
    written before the record, or with a pools file lost, and then only
    ever resumed, never got one, and stayed checked by its budgets alone."""
    Q = _quality_module()
    results = tmp_path / "quality.csv"

    def run():
        return Q.run("digits", ["random"], [0], [0], results,
                     tmp_path / "cache", log=lambda message: None)

    assert run() == 1
    record = Q.read_pools(Q.pools_path(results))
    Q.pools_path(results).unlink()
    first = results.read_text()
    assert run() == 0
    assert results.read_text() == first
    assert Q.read_pools(Q.pools_path(results)) == record
    # A file with no row of the dataset records nothing: its pool is not
    # known yet, and a run asked for no row.
    other = tmp_path / "other.csv"
    assert Q.run("digits", ["random"], [], [0], other, tmp_path / "cache",
                 log=lambda message: None) == 0
    assert not Q.pools_path(other).exists()


def test_a_pool_of_another_size_never_writes_the_protocol_s_results(
        tmp_path, monkeypatch, capsys):
    """A pool of another size than the protocol's (another data folder)
    only drew a warning, and its rows went into the protocol's results file,
    whose tables the benchmarks page includes; they stop now, before any
    row, saying to give --results-name, and go where it says."""
    import dataclasses

    Q = _quality_module()
    digits = Q.load_digits_split()
    small = dataclasses.replace(digits, name="wordnet", X=digits.X[:1000],
                                y=digits.y[:1000], budgets=Q._pool_budgets(1000))
    monkeypatch.setitem(Q.LOADERS, "wordnet", lambda *folder: small)
    monkeypatch.setattr(Q, "RESULTS_DIR", tmp_path)
    argv = ["--datasets", "wordnet", "--methods", "random", "--budgets", "1",
            "--seeds", "0", "--no-render"]
    # A usage error (exit status 2), as those found before loading: it
    # exited with status 1.
    with pytest.raises(SystemExit) as exc:
        Q.main(argv)
    assert exc.value.code == 2
    assert re.search(
        r"error: \[wordnet\] the pool loaded has 1000 rows, not the "
        rf"protocol's 65617: .*{re.escape(str(tmp_path / 'quality.csv'))}.*"
        r"give --results-name", capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    # Given --results-dir too (the same folder, by name): the same file.
    with pytest.raises(SystemExit) as exc:
        Q.main(argv + ["--results-dir", str(tmp_path)])
    assert exc.value.code == 2
    assert "give --results-name" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    # The functions called directly stop with the message itself.
    with pytest.raises(SystemExit, match="give --results-name"):
        Q.run("wordnet", ["random"], [1], [0], tmp_path / "quality.csv",
              tmp_path / "cache", log=lambda message: None)
    assert Q.main(argv + ["--results-name", "quality_small"]) == 0
    assert [row["budget"] for row in Q.read_rows(
        tmp_path / "quality_small.csv")] == ["10"]
    assert "not the protocol's 65617" in capsys.readouterr().out


@pytest.mark.parametrize("script", ["quality_validation", "quality_ideas"])
def test_study_rows_of_another_pool_or_split_are_never_resumed_from(
        tmp_path, monkeypatch, script):
    """The studies resumed by (dataset, config, budget, seed) only: rows
    measured on another pool (another data folder, or another version of
    the data) or another validation split (--val-seed, with --results
    naming the same file) were kept as the loaded pool's and split's, and
    new rows added beside them.  They are refused now, by the pool and
    split recorded beside the results file, or for a file without that
    record by budgets that are not shares of the loaded selection pool."""
    import dataclasses

    module = _study_module(script)
    V = _study_module("quality_validation")
    Q = V.Q
    monkeypatch.setattr(V, "CACHE", tmp_path / "cache")
    digits = Q.load_digits_split()
    loaded = {}
    monkeypatch.setitem(Q.LOADERS, "digits", lambda: loaded["pool"])
    results = tmp_path / "r.csv"

    def run(X, n=1347, val_seed=V.VAL_SEED):
        loaded["pool"] = dataclasses.replace(digits, X=X[:n], y=digits.y[:n])
        if script == "quality_validation":
            V.run(["digits"], [0], [], [], [0.1], ["euclidean"], results,
                  val_seed=val_seed)
        else:
            module.run(["digits"], [0], ["random"], V.FRACTIONS, results,
                       val_seed=val_seed)
        return results.read_text()

    first = run(digits.X)
    assert run(digits.X) == first  # the same pool and split: resumed
    record = Q.read_pools(Q.pools_path(results))["digits"]
    assert record["val_seed"] == V.VAL_SEED
    # 1340 rows give the same selection pool's budgets (10, 21, 53).
    for X, n, val_seed, what in [
            (digits.X + 1.0, 1347, V.VAL_SEED, "1347 rows"),
            (digits.X, 1340, V.VAL_SEED, "1340 rows"),
            (digits.X, 1347, 7, "1347 rows.*validation split seed 7")]:
        with pytest.raises(SystemExit, match=(
                rf"\[digits\] {re.escape(str(results))} holds rows measured "
                rf"on another pool .* than the one loaded \({what}.*"
                "--results")):
            run(X, n, val_seed)
        assert results.read_text() == first
    # Without the record (a file of an earlier run), by the budgets; rows
    # that check out have their pool recorded.
    Q.pools_path(results).unlink()
    with pytest.raises(SystemExit, match=(
            r"holds rows measured on another pool: budget 10 where the "
            r"selection pool loaded \(800 rows\) gives 8, 16, 40 \(1, 2, 5 %\)"
            ".*--results")):
        run(digits.X, 1000)
    assert results.read_text() == first
    assert not Q.pools_path(results).exists()
    assert run(digits.X) == first
    assert Q.read_pools(Q.pools_path(results)) == {"digits": record}


def test_study_rows_at_other_shares_are_refused_saying_to_give_them_again(
        tmp_path, monkeypatch):
    """Rows of a file without a pool record are checked by their budgets,
    which must be shares of the selection pool: the default ones or those
    of --fractions.  Rows measured at another --fractions were refused
    unless it was given again, and the message said only to give another
    results file or the data folder of the rows: it names the share now."""
    I = _study_module("quality_ideas")
    V = _study_module("quality_validation")
    Q = V.Q
    monkeypatch.setattr(V, "CACHE", tmp_path / "cache")
    digits = Q.load_digits_split()
    monkeypatch.setitem(Q.LOADERS, "digits", lambda: digits)
    results = tmp_path / "r.csv"
    n = V.selection_size(digits.n_pool)

    def run(fractions):
        I.run(["digits"], [0], ["random"], fractions, results)
        return results.read_text()

    first = run((0.01, 0.03))
    Q.pools_path(results).unlink()  # a file of an earlier run
    budget = int(n * 0.03)
    with pytest.raises(SystemExit, match=(
            rf"budget {budget} where the selection pool loaded \({n} rows\) "
            rf"gives .*\(1, 2, 5 %\) \({budget} is 0\.03 of it: rows measured at "
            r"--fractions 0\.03 are resumed only with that share given "
            r"again\).*--results")):
        run(V.FRACTIONS)
    assert results.read_text() == first
    # quality_validation.py has no --fractions: the script that has is named.
    with pytest.raises(SystemExit, match=(
            r"rows measured at quality_ideas\.py's --fractions 0\.03 are "
            "resumed only")):
        V.run(["digits"], [0], [], [], [0.1], ["euclidean"], results)
    assert not Q.pools_path(results).exists()
    assert run((0.03,)) == first
    # A budget that is no share of the pool loaded (more rows than it has)
    # is not said to be one.
    assert V.share_of(n + 1, n) is None
    assert V.share_of(n, n) == 1.0
    assert V.share_of(int(n * 0.013), n) == 0.013


@pytest.mark.parametrize("name", ["quality_validation", "quality_ideas",
                                  "quality_ideas_rerun",
                                  "quality_ideas_rerun_epyc",
                                  "quality_ideas_seeds3-5",
                                  "quality_ideas_seeds6-9",
                                  "quality_ideas_val7",
                                  "quality_ideas_val7_rerun"])
def test_committed_study_rows_are_of_the_protocol_s_pools(tmp_path, name):
    """The committed rows of the studies were measured on the protocol's
    pools: a run resumes from them (their budgets check out), and records
    the pool, rewriting no row."""
    import shutil

    import numpy as np

    V = _study_module("quality_validation")
    Q = V.Q
    results = tmp_path / f"{name}.csv"
    shutil.copy(SCRIPT.parent / "results" / results.name, results)
    before = results.read_bytes()
    rows = V.read_rows(results)
    for dataset in sorted({row["dataset"] for row in rows}):
        n_pool = Q.POOL_SIZES[dataset]
        # Only the pool's size is checked without a record.
        ds = Q.Dataset(dataset, np.zeros((n_pool, 1), np.float32),
                       np.zeros(n_pool, np.intp), np.zeros((1, 1)),
                       np.zeros(1, np.intp), 10)
        V.check_same_split(ds, rows, results, 7 if "val7" in name else 6,
                           V.selection_size(n_pool))
        assert Q.read_pools(Q.pools_path(results))[dataset]["rows"] == n_pool
    assert results.read_bytes() == before


def test_every_committed_results_file_has_its_pools_recorded():
    """No pool was recorded for the committed results files: the first
    resume of each recorded whatever pool was loaded, if its budgets
    matched, and for the validation studies whatever --val-seed was given,
    which no row can show.  Each file has its pools committed beside it:
    every dataset it holds, of the protocol's size, the same pool in every
    file, and for the studies the validation split the file was measured
    on (``--val-seed 7`` for the ``*val7*`` files, the first split for the
    others, whose seeds in the name are selection seeds)."""
    V = _study_module("quality_validation")
    Q = V.Q
    files = sorted((SCRIPT.parent / "results").glob("*.csv"))
    assert len(files) >= 13
    pools = {}
    for path in files:
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            # quality.py's rows have budget labels; the studies' rows
            # (and boundary_diagnostics.py's) are of a validation split.
            study = "budget_label" not in reader.fieldnames
            datasets = {row["dataset"] for row in reader}
        records = Q.read_pools(Q.pools_path(path))
        assert sorted(records) == sorted(datasets), path.name
        for name, record in records.items():
            split = {key: record.pop(key) for key in ("val_seed", "val_size")
                     if key in record}
            expected = ({"val_seed": 7 if "val7" in path.stem else V.VAL_SEED,
                         "val_size": V.VAL_SIZE} if study else {})
            assert split == expected, path.name
            assert record["rows"] == Q.POOL_SIZES[name], path.name
            assert pools.setdefault(name, record) == record, path.name
    assert sorted(pools) == ["digits", "fashion-mnist", "wordnet"]


@pytest.mark.parametrize("coarse", [False, True])
def test_boundary_diagnostics_rows_of_another_pool_are_never_resumed_from(
        tmp_path, monkeypatch, coarse):
    """boundary_diagnostics.py resumed by (dataset, method, budget, seed)
    only, as the validation studies did: rows of another data folder or
    version of the data were kept as the loaded pool's.  It records the pool
    and split as they do, and stops on another; its committed rows pass."""
    import dataclasses
    import shutil

    import numpy as np

    D = _study_module("boundary_diagnostics")
    Q = D.Q
    monkeypatch.setattr(D.V, "activeft", lambda name, X, k, seed: np.arange(
        k) * (X.shape[0] // k))
    digits = Q.load_digits_split()
    loaded = {}
    monkeypatch.setitem(Q.LOADERS, "digits", lambda: loaded["pool"])
    results = tmp_path / "r.csv"

    def run(X):
        loaded["pool"] = dataclasses.replace(digits, X=X)
        if coarse:
            D.run_coarse(["digits"], [0], 0.2, (0.05,), results)
        else:
            monkeypatch.setattr(D.V, "FRACTIONS", (0.05,))
            D.run(["digits"], [0], results)
        return results.read_text()

    first = run(digits.X)
    assert Q.read_pools(Q.pools_path(results))["digits"]["val_seed"] == 6
    assert run(digits.X) == first
    with pytest.raises(SystemExit, match=(
            r"\[digits\] .* holds rows measured on another pool .*--results")
            ) as refused:
        run(digits.X + 1.0)
    assert "--val-seed" not in str(refused.value)  # not an option here
    assert results.read_text() == first
    if coarse:
        return
    committed = tmp_path / "committed.csv"
    shutil.copy(D.RESULTS, committed)
    rows = Q.read_rows(committed, D.FIELDS, D.REQUIRED)
    for dataset in ("fashion-mnist", "wordnet"):
        n_pool = Q.POOL_SIZES[dataset]
        ds = Q.Dataset(dataset, np.zeros((n_pool, 1), np.float32),
                       np.zeros(n_pool, np.intp), np.zeros((1, 1)),
                       np.zeros(1, np.intp), 10)
        D.V.check_same_split(ds, rows, committed, D.V.VAL_SEED,
                             D.V.selection_size(n_pool))
    assert committed.read_bytes() == D.RESULTS.read_bytes()



@pytest.mark.parametrize("kind", ["pools", "machines"])
def test_a_record_being_written_by_another_run_is_read_whole(tmp_path,
                                                             kind):
    """read_pools and read_machines read without the records file's lock:
    a record another run was writing at that moment was read as a line cut
    short by a killed run and left out (its dataset's pool not checked, its
    row's machine unrecorded).  They read under a shared lock, so that
    record is waited for; the writers, which read under their own
    exclusive lock, still finish (they take no shared lock of their own)."""
    import json
    import threading

    pytest.importorskip("fcntl")
    Q = _quality_module()
    results = tmp_path / "quality.csv"
    row = {"dataset": "digits", "method": "random", "n_cores": "",
           "budget": 20, "seed": 0, "finished": "t"}
    if kind == "pools":
        path = Q.pools_path(results)
        Q.record_pool(results, {"dataset": "digits", "rows": 5})
        theirs = {"dataset": "wordnet", "rows": 7}

        def read():
            return sorted(Q.read_pools(path))

        def write():
            Q.record_pool(results, {"dataset": "fashion-mnist", "rows": 9})
    else:
        path = Q.machines_path(results)
        Q.record_machine(results, row, {"cpu": "mine"})
        theirs = {"id": "other", "row": list(Q._key(dict(row, seed=1))),
                  "finished": "t"}

        def read():
            return sorted(key[0][4] for key in Q.read_machines(path)[1])

        def write():
            Q.record_machine(results, dict(row, seed=2), {"cpu": "mine"})
    seen = []
    race_a_half_written_run(path, (json.dumps(theirs) + "\n").encode(),
                            lambda: seen.append(read()), head=20)
    assert seen == [["digits", "wordnet"] if kind == "pools" else ["0", "1"]]
    # A daemon thread: were the writer to wait for itself, the test would
    # fail rather than hang.
    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    writer.join(10)
    assert not writer.is_alive()
    assert len(read()) == 3


@pytest.mark.parametrize("content, problem", [
    (b'{"dataset": "digits"}\n\xff\xfe\n', "is not UTF-8 text (byte 22 is 0xff)"),
    (b'[1, 2]\n', "line 1 of the pools file {pools} is not a pool record: '[1, 2]'"),
    (b'{"dataset": "digits"}\nsome notes\n',
     "line 2 of the pools file {pools} is not a pool record: 'some notes'"),
    (b'{"dataset": 3}\n', "line 1 of the pools file {pools} is not a pool record"),
    ("folder", "{pools} cannot be read (Is a directory)"),
    ("denied", "{pools} cannot be read (Permission denied)"),
])
def test_an_unreadable_pools_file_is_a_usage_error(tmp_path, capsys,
                                                   monkeypatch, content,
                                                   problem):
    """A pools file that could not be read (permissions, a folder), was not
    UTF-8 or held lines that are no pool records counted as "no pool
    recorded": the rows beside it were resumed unchecked against the pool
    loaded.  It is a usage error that names the file and the problem,
    before any data is loaded; a line cut short by a killed run, or a
    record of another kind, is still left out."""
    import os

    Q = _quality_module()
    results = tmp_path / "quality.csv"
    pools = Q.pools_path(results)
    if content == "folder":
        pools.mkdir()
    elif content == "denied":
        pools.write_text('{"dataset": "digits"}\n')
        real_open = os.open

        def denied(path, *args, **kwargs):
            if Path(path) == pools:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", denied)
    else:
        pools.write_bytes(content)
    problem = problem.format(pools=pools)
    with pytest.raises(Q.ResultsFileError) as exc:
        Q.check_appendable(results)
    assert problem in str(exc.value)

    def loaded(*args, **kwargs):
        raise AssertionError("data was loaded")

    monkeypatch.setitem(Q.LOADERS, "digits", loaded)
    with pytest.raises(SystemExit) as exc:
        Q.main(["--quick", "--results-dir", str(tmp_path), "--results-name",
                "quality"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert problem in err and "Traceback" not in err
    monkeypatch.undo()
    if not pools.is_dir():
        # Cut short by killed runs (in the middle, at the end), or of
        # another kind: left out, as before.
        pools.write_text('{"dataset": "dig\n{"note": "n"}\n'
                         '{"dataset": "digits"}\n{"data')
        Q.check_appendable(results)
        assert Q.read_pools(pools) == {"digits": {"dataset": "digits"}}



@pytest.mark.parametrize("script, argv", [
    ("quality_validation", ["--datasets", "wordnet", "--pool-fracs"]),
    ("quality_ideas", ["--datasets", "wordnet", "--configs", "activeft"]),
    ("boundary_diagnostics", ["--datasets", "wordnet", "--seeds", "0"]),
])
def test_the_studies_activeft_cache_folder_is_an_option(
        tmp_path, capsys, monkeypatch, script, argv):
    """The studies cached ActiveFT's selections in benchmarks/results/cache
    whatever their options: a read-only checkout, or runs that should not
    share entries, had no way to put them elsewhere.  --cache-dir does; by
    default the folder is the same."""
    module = _study_module(script)
    V = _study_module("quality_validation")
    default = tmp_path / "default-cache"
    monkeypatch.setattr(V, "CACHE", default)
    monkeypatch.setitem(V.Q.LOADERS, "wordnet", V.Q.load_digits_split)
    cache = tmp_path / "mine"
    assert module.main([*argv, "--results", str(tmp_path / "r.csv"),
                        "--cache-dir", str(cache)]) == 0
    assert list(cache.glob("val-*.npy")) and not default.exists()
    assert V.CACHE == default  # for the next run in this process
    assert module.main([*argv, "--results", str(tmp_path / "s.csv")]) == 0
    assert list(default.glob("val-*.npy"))
    argv = [*argv, "--results", str(tmp_path / "t.csv")]
    # Printing the results file uses no cache: the option is refused there.
    err = _usage_error(module, ["--summary", "--results", str(tmp_path / "r.csv"),
                                "--cache-dir", str(cache)], capsys)
    assert "drop --cache-dir" in err
    file = tmp_path / "file"
    file.write_text("")
    err = _usage_error(module, [*argv, "--cache-dir", str(file)], capsys)
    assert f"--cache-dir: {file} is a file, not a folder" in err
    assert "give --cache-dir a folder" in err


@pytest.mark.parametrize("script", ["quality_validation", "quality_ideas",
                                    "boundary_diagnostics"])
def test_the_studies_help_names_the_cache_option(script, capsys):
    module = _study_module(script)
    with pytest.raises(SystemExit):
        module.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--cache-dir" in out and "benchmarks/results/cache" in out


@pytest.mark.parametrize("content, problem", [
    (b'{"id": "a", "machine": {}}\n\xff\n',
     "{machines} is not UTF-8 text (byte 27 is 0xff)"),
    # Lines no run writes (neither a record nor one cut short) were left
    # out silently, as the machines of the rows they recorded.
    (b'{"id": "a", "machine": {}}\n{"id": "a", "row"\nmachine: a\n',
     "line 3 of the machines file {machines} is not a machine record: "
     "'machine: a'; it should hold one JSON object a line"),
    (b'["a", {}]\n', "line 1 of the machines file {machines} is not a "
     "machine record"),
    (b'{"id": "a", "machine": "mine"}\n', "line 1 of the machines file "
     "{machines} is not a machine record"),
    (b'{"id": "a", "row": "digits"}\n', "line 1 of the machines file "
     "{machines} is not a machine record"),
    ("folder", "{machines} cannot be read (Is a directory)"),
    ("denied", "{machines} cannot be read (Permission denied)"),
])
@pytest.mark.parametrize("render_only", [False, True])
def test_an_unreadable_machines_file_is_a_usage_error(tmp_path, capsys,
                                                      monkeypatch, content,
                                                      problem, render_only):
    """A machines file that could not be read (permissions, a folder) or
    was not UTF-8 counted as one without records: the summary said the
    rows' machines were never recorded.  It is a usage error that names
    the file and the problem, before any data is loaded, for a run and for
    --render-only."""
    import os

    Q = _quality_module()
    results = tmp_path / "quality.csv"
    machines = Q.machines_path(results)
    if content == "folder":
        machines.mkdir()
    elif content == "denied":
        machines.write_text('{"id": "a", "machine": {}}\n')
        real_open = os.open

        def denied(path, *args, **kwargs):
            if Path(path) == machines:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", denied)
    else:
        machines.write_bytes(content)
    problem = problem.format(machines=machines)
    with pytest.raises(Q.ResultsFileError) as exc:
        Q.read_machines(machines)
    assert problem in str(exc.value)

    def loaded(*args, **kwargs):
        raise AssertionError("data was loaded")

    monkeypatch.setitem(Q.LOADERS, "digits", loaded)
    if render_only:
        Q.append_row(results, {field: "1" for field in Q.FIELDS})
        argv = ["--render-only", "--results-dir", str(tmp_path)]
    else:
        argv = ["--quick", "--results-dir", str(tmp_path), "--results-name",
                "quality"]
    with pytest.raises(SystemExit) as exc:
        Q.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert problem in err and "Traceback" not in err


@pytest.mark.parametrize("when", ["resumed", "appended"])
def test_a_pools_file_gone_bad_during_a_run_is_a_usage_error(
        tmp_path, capsys, monkeypatch, when):
    """The pools file is read again when a dataset's rows are resumed
    (check_pool) and when each row is appended (_recorded_pool): one that
    went bad after the start's check (another run, an edit) ended the run
    with a traceback.  It is the usage error the start gives, naming the
    file, and no row is written."""
    import numpy as np

    Q = _quality_module()
    results = tmp_path / "quality.csv"
    pools = Q.pools_path(results)
    digits = Q.load_digits_split()

    def corrupt():
        pools.write_bytes(b'{"dataset": "digits"}\n\xff\n')

    if when == "resumed":
        Q.append_row(results, dict({field: "1" for field in Q.FIELDS},
                                   dataset="digits"))

        def loaded():
            corrupt()
            return digits

        monkeypatch.setitem(Q.LOADERS, "digits", loaded)
    else:
        monkeypatch.setitem(Q.LOADERS, "digits", lambda: digits)

        def select(ctx, method, budget, n_cores, seed):
            corrupt()
            return np.arange(budget), 0.0, {}

        monkeypatch.setattr(Q, "select", select)
    before = results.read_bytes() if results.exists() else b""
    with pytest.raises(SystemExit) as exc:
        Q.main(["--quick", "--results-dir", str(tmp_path), "--results-name",
                "quality", "--no-render"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"the pools file {pools} is not UTF-8 text (byte 22 is 0xff)" in err
    assert "give --results-dir or --results-name" in err
    assert (results.read_bytes() if results.exists() else b"") == before


@pytest.mark.parametrize("script", ["quality_validation", "quality_ideas",
                                    "boundary_diagnostics"])
def test_a_study_s_pools_file_gone_bad_during_a_run_is_a_usage_error(
        tmp_path, capsys, monkeypatch, script):
    """As quality.py's: a pools file that went bad after the start's check
    ended a study's run with a traceback when its rows were resumed."""
    module = _study_module(script)
    V = _study_module("quality_validation")
    Q = V.Q
    results = tmp_path / "r.csv"
    pools = Q.pools_path(results)
    fields, required = ((module.FIELDS, module.REQUIRED)
                        if script == "boundary_diagnostics"
                        else (V.FIELDS, V.REQUIRED))
    Q.append_row(results, dict({field: "1" for field in fields},
                               dataset="digits"), fields, required)
    digits = Q.load_digits_split()

    def loaded(*folder):
        pools.write_bytes(b"[]\n")
        return digits

    # The studies' datasets, loaded as digits (a small pool).
    monkeypatch.setitem(Q.LOADERS, "wordnet", loaded)
    with pytest.raises(SystemExit) as exc:
        module.main(["--datasets", "wordnet", "--seeds", "0", "--results",
                     str(results), "--cache-dir", str(tmp_path / "cache")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"line 1 of the pools file {pools} is not a pool record" in err
    assert "give --results a results file of this" in err


def _under_an_ascii_locale(code):
    """Run ``code`` (with ``Q``, the quality script's module) in a Python
    whose locale encoding is ASCII (no UTF-8 mode); its completed process."""
    import os

    env = dict(os.environ, LC_ALL="C", LANG="C", PYTHONUTF8="0",
               PYTHONCOERCECLOCALE="0", PYTHONIOENCODING="utf-8")
    prelude = (
        "import importlib.util, locale, sys\n"
        "assert locale.getpreferredencoding(False).lower() != 'utf-8'\n"
        f"spec = importlib.util.spec_from_file_location('q', {str(SCRIPT)!r})\n"
        "Q = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(Q)\n")
    return subprocess.run([sys.executable, "-X", "utf8=0", "-c", prelude + code],
                          capture_output=True, text=True, encoding="utf-8",
                          env=env, timeout=300)


def test_wordnet_class_names_are_read_as_utf8_whatever_the_locale(tmp_path):
    """classes.json was read in the locale's encoding: under an ASCII
    locale, class names with non-ASCII letters made the folder "not a JSON
    list" ('ascii' codec can't decode), and WordNet was skipped."""
    import json

    _wordnet_folder(tmp_path)
    (tmp_path / "classes.json").write_text(
        json.dumps(["café", "naïveté", "b"], ensure_ascii=False),
        encoding="utf-8")
    done = _under_an_ascii_locale(
        f"print(Q.load_wordnet({str(tmp_path)!r}).n_classes)")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["3"]


def test_the_recorded_machine_is_read_as_utf8_whatever_the_locale(tmp_path):
    """The summary's machine was read in the locale's encoding: under an
    ASCII locale, a summary with a non-ASCII CPU name read as none, and a
    --render-only of rows without machine records replaced it with the
    rendering machine."""
    import json

    summary = tmp_path / "quality_summary.json"
    machine = {"cpu": "Intel® Xeon® @ 2.2GHz", "cpus": 2}
    summary.write_text(json.dumps({"machine": machine}, ensure_ascii=False),
                       encoding="utf-8")
    done = _under_an_ascii_locale(
        f"import json; print(json.dumps(Q.recorded_machine({str(summary)!r})))")
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout) == machine


def test_the_ideas_summary_is_printed_under_an_ascii_stdout(monkeypatch):
    """quality_ideas.py --summary printed "±" and ended with a
    UnicodeEncodeError where standard output is ASCII (LC_ALL=C without
    UTF-8 mode): "+/-" there, "±" where the encoding has it."""
    import io

    I = _study_module("quality_ideas")
    for encoding, sign in [("ascii", "+/-"), ("utf-8", "±")]:
        out = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
        monkeypatch.setattr(sys, "stdout", out)
        I.summary()
        out.flush()
        lines = out.buffer.getvalue().decode(encoding).splitlines()
        assert f"cell: mean{sign}std" in lines[0]
        rows = [line for line in lines if line.startswith("activeft ")]
        assert rows and all(f"{sign}" in row for row in rows)


def test_tables_are_written_as_utf8_whatever_the_locale(tmp_path):
    """The tables ("±", "—") were written in the locale's encoding: under an
    ASCII locale the render ended with a UnicodeEncodeError; they are UTF-8,
    as Sphinx reads the benchmarks page's includes."""
    path = tmp_path / "quality_tables.md"
    # The program's text in ASCII: the command line is decoded as ASCII.
    done = _under_an_ascii_locale(
        f"print(Q.write_atomic({str(path)!r}, "
        "'66.8 \\u00b1 1.1 | \\u2014\\n'))")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["True"]
    assert path.read_bytes() == "66.8 ± 1.1 | —\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary


@pytest.mark.parametrize("script", ["quality", "quality_validation"])
@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2], lambda data: b"",
    lambda data: b"not a cache entry\n" * 10])
def test_a_damaged_activeft_cache_entry_is_computed_again(
        tmp_path, monkeypatch, capsys, script, damage):
    """An ActiveFT cache entry cut short (a disk that filled up, a copy) or
    damaged ended every later run on the dataset with a BadZipFile,
    EOFError or ValueError traceback: it is computed again, and said so,
    naming the file."""
    import numpy as np

    X = np.random.RandomState(0).rand(80, 4)
    if script == "quality":
        Q = _quality_module()
        ds = Q.Dataset("toy", X, np.arange(80) % 2, X[:10], np.arange(10) % 2,
                       2)
        ctx = Q.Context(ds, tmp_path)

        def select():
            return ctx.activeft(5, seed=0)[0]
    else:
        V = _study_module("quality_validation")
        monkeypatch.setattr(V, "CACHE", tmp_path)

        def select():
            return V.activeft("toy", X, 5, 0)
    first = select()
    [entry] = tmp_path.iterdir()
    entry.write_bytes(damage(entry.read_bytes()))
    capsys.readouterr()
    np.testing.assert_array_equal(select(), first)
    err = capsys.readouterr().err
    assert f"{entry} is not an ActiveFT cache entry" in err
    assert "computed again" in err
    assert [p.name for p in tmp_path.iterdir()] == [entry.name]
    np.testing.assert_array_equal(select(), first)  # written over, served
    assert capsys.readouterr().err == ""


def test_the_cpu_model_is_read_whatever_the_locale(monkeypatch):
    """/proc/cpuinfo was read in the locale's encoding: under an ASCII
    locale, a CPU model with a non-ASCII character ended the run, after
    its first row, with a UnicodeDecodeError (the machine is recorded with
    each row)."""
    Q = _quality_module()
    cpuinfo = "processor\t: 0\nmodel name\t: Intel® Xeon® CPU\n".encode()

    def read_text(self, encoding=None, errors=None):
        # The locale's encoding (ASCII here) unless one is given.
        if str(self) != "/proc/cpuinfo":
            raise AssertionError(self)
        return cpuinfo.decode(encoding or "ascii", errors or "strict")

    monkeypatch.setattr(Q.Path, "read_text", read_text)
    assert Q.machine_info()["cpu"] == "Intel® Xeon® CPU"


def test_the_ideas_summary_columns_line_up(tmp_path, capsys):
    """quality_ideas.py --summary padded a missing cell ("-") to 24
    characters while the others took 20 (22 with "+/-", more with ten
    seeds), and config names longer than 18 characters pushed their row
    right: the columns did not line up.  Every cell of a table now ends in
    the same column, whatever its content or its config's name."""
    I = _study_module("quality_ideas")
    path = tmp_path / "ideas.csv"
    lines = ["dataset,config,budget,seed,n_cores,acc,seconds"]
    for config, budgets, seeds in [
        ("activeft", (100, 200), range(3)),
        ("a-config-with-a-very-long-name", (100, 200), range(12)),
        ("only-at-200", (200,), range(2)),
    ]:
        for budget in budgets:
            for seed in seeds:
                lines.append(f"digits,{config},{budget},{seed},{budget},"
                             f"0.{50 + seed:02d}000,1.0")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    I.summary(path)
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if not line.startswith("==")]
    assert len(rows) == 3, out
    ends = []
    for row in rows:
        table = row.rsplit("  t~", 1)[0]
        # Where each of the two cells ends: after its paired difference,
        # or its "-".
        ends.append([m.end() for m in re.finditer(r"(?:[+-]\d+\.\d\d|(?<= )-)(?= |$)",
                                                  table)])
    assert all(len(e) == 2 for e in ends), rows
    assert len({tuple(e) for e in ends}) == 1, rows
