"""benchmarks/bench_scale.py on a tiny pool: make, run, compare, plot."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from ._races import race_a_half_written_run

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


def test_a_make_killed_midway_leaves_no_pool(bench, tmp_path, monkeypatch):
    """make wrote the pool in place: killed midway, it left a file of the
    full shape whose last rows were zeros, which run accepted as a pool."""
    path = tmp_path / "pool.npy"
    bench.make_pool(path, 3000, n_features=16, chunk=1000, seed=1)
    previous = path.read_bytes()
    default_rng = np.random.default_rng

    class Killed:
        """The generator, with a run killed while drawing the second chunk."""

        def __init__(self, seed):
            self.rng, self.chunks = default_rng(seed), 0

        def __getattr__(self, name):
            return getattr(self.rng, name)

        def choice(self, *args, **kwargs):
            self.chunks += 1
            if self.chunks == 2:
                raise KeyboardInterrupt
            return self.rng.choice(*args, **kwargs)

    monkeypatch.setattr(bench.np.random, "default_rng", Killed)
    with pytest.raises(KeyboardInterrupt):
        bench.make_pool(path, 3000, n_features=16, chunk=1000)
    assert path.read_bytes() == previous  # the earlier pool, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pool.npy"]
    path.unlink()
    with pytest.raises(KeyboardInterrupt):
        bench.make_pool(path, 3000, n_features=16, chunk=1000)
    assert list(tmp_path.iterdir()) == []


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
    png = (tmp_path / "scale.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    # Without matplotlib's version: the same figure, the same bytes.
    assert b"Software" not in png and b"Matplotlib" not in png


# -- bad command-line values are usage errors, found before any work --------


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_pools")
    (folder / "text.npy").write_text("1 2 3\n4 5 6\n")
    np.savez(folder / "archive.npz", X=np.ones((3, 2)))
    np.save(folder / "objects.npy", np.array([{"a": 1}, None], dtype=object))
    np.save(folder / "ints.npy", np.ones((3, 2), dtype=int))
    np.save(folder / "flat.npy", np.ones(6, dtype=np.float32))
    np.save(folder / "empty.npy", np.ones((0, 4), dtype=np.float32))
    np.save(folder / "pool.npy", np.ones((5, 3), dtype=np.float32))
    (folder / "results.jsonl").write_text('{"n_samples": 5}\nnot json\n')
    (folder / "foreign.jsonl").write_text('{"n_samples": 5}\n')
    (folder / "list.jsonl").write_text('[1, 2]\n')
    (folder / "blank.jsonl").write_text('\n')
    return folder


def _usage_error(bench, capsys, argv):
    with pytest.raises(SystemExit) as exc:
        bench.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("argv, message", [
    (["make", "{d}/p.npy", "0"], "argument n_samples: must be at least 1, got 0"),
    (["make", "{d}/p.npy", "-5"], "argument n_samples: must be at least 1, got -5"),
    (["make", "{d}/p.npy", "many"], "argument n_samples: 'many' is not an integer"),
    (["make", "{d}/missing/p.npy", "10"], "missing' does not exist"),
    # Named as typed: Path writes {d}/./missing as {d}/missing.
    (["make", "{d}/./missing/p.npy", "10"], "folder '{d}/./missing' does not "
     "exist; create it"),
    (["make", "{d}/p.npy", "10", "--seed", "-1"],
     "argument --seed: must be 0 or more"),
    (["run", "{d}/missing.npy"], "no such file: '{d}/missing.npy'; make a pool"),
    (["run", "{d}"], "is a folder; pass the pool's .npy file"),
    (["run", "{d}/text.npy"], "is not a .npy file of a 2-D float array"),
    (["run", "{d}/archive.npz"], "is not a .npy file of a 2-D float array"),
    (["run", "{d}/objects.npy"], "is not a .npy file of a 2-D float array"),
    (["run", "{d}/ints.npy"], "holds a 2-D int64 array; the pool must be a 2-D float"),
    (["run", "{d}/flat.npy"], "holds a 1-D float32 array; the pool must be a 2-D"),
    (["run", "{d}/empty.npy"], "holds an empty array of shape (0, 4)"),
    (["run", "{d}/pool.npy", "--batch-size", "0"],
     "argument --batch-size: must be at least 1, got 0"),
    (["run", "{d}/pool.npy", "--n-jobs", "0"], "argument --n-jobs: must be a number"),
    (["run", "{d}/pool.npy", "--dask-workers", "-2"],
     "argument --dask-workers: must be 0 or more"),
    (["run", "{d}/pool.npy", "--out", "{d}/missing/scale.jsonl"],
     "missing' does not exist"),
    (["run", "{d}/pool.npy", "--bogus"], " run: error: "
     "unrecognized arguments: --bogus"),
    (["sensitivity", "{d}/pool.npy", "0"], "argument n_cores: must be at least 1"),
    (["sensitivity", "{d}/pool.npy", "6"],
     "n_cores 6 is more than the pool's 5 rows; ask for at most 5"),
    (["sensitivity", "{d}/pool.npy", "2", "--batch-size", "-1"],
     "argument --batch-size: must be at least 1"),
    (["compare", "{d}/missing.jsonl"], "no such file: '{d}/missing.jsonl'"),
    (["compare", "{d}/results.jsonl"], "line 2 of {d}/results.jsonl is not JSON"),
    # Records of something else: KeyError / AttributeError tracebacks.
    (["compare", "{d}/foreign.jsonl"],
     "line 1 of {d}/foreign.jsonl is not a 'run' record (no batch_size, seed, "),
    (["plot", "{d}/list.jsonl", "{d}/scale.png"],
     "line 1 of {d}/list.jsonl is not a 'run' record"),
    # An empty file: compare printed nothing and exited 0.
    (["compare", "{d}/blank.jsonl"], "holds no 'run' record; pass the file"),
    (["plot", "{d}/results.jsonl", "{d}/missing/scale.png"],
     "missing' does not exist"),
    (["plot", "{d}/results.jsonl", "{d}/./missing/scale.png"],
     "folder '{d}/./missing' does not exist"),
])
def test_bad_values_are_usage_errors(bench, capsys, bad_files, argv, message):
    """Negative or zero sizes, pools that are not 2-D float .npy arrays,
    missing folders and files: argparse usage errors (exit status 2, one
    line saying what to change), not tracebacks, and before any work."""
    d = str(bad_files)
    line = _usage_error(bench, capsys, [a.format(d=d) for a in argv])
    assert message.format(d=d) in line
    assert not (bad_files / "p.npy").exists()


@pytest.mark.parametrize("argv", [
    ["run", "{d}/pool.npy", "--out", "{bad}/scale.jsonl"],
    ["plot", "{d}/results.jsonl", "{bad}/scale.png"],
    ["make", "{bad}/p.npy", "10"],
])
def test_an_output_that_cannot_be_written_is_a_usage_error(
        bench, capsys, bad_files, monkeypatch, argv):
    """An output in a folder where no file can be made was found only when
    it was written: run --out after the whole selection (the record lost
    with a PermissionError traceback)."""
    import os
    import tempfile

    bad = "/proc"
    if not os.path.isdir("/proc/self"):
        pytest.skip("needs Linux's /proc")
    try:
        with tempfile.TemporaryFile(dir=bad):
            pytest.skip("a file could be made in /proc")
    except OSError:
        pass

    def ran(*args, **kwargs):
        raise AssertionError("the work was started")

    for name in ("run", "make_pool", "_read_results"):
        monkeypatch.setattr(bench, name, ran)
    d = str(bad_files)
    line = _usage_error(bench, capsys,
                        [a.format(d=d, bad=bad) for a in argv])
    assert f"folder '{bad}' cannot be written to" in line
    assert "write elsewhere" in line


def test_usage_error_from_the_command_line(bad_files):
    """Run as a script: exit status 2 and the usage, no traceback."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(SCRIPT), "run", str(bad_files / "ints.npy")],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: bench_scale.py run")
    assert "Traceback" not in done.stderr


# -- run --quick: the whole script on a tiny pool, in a few seconds ---------


def test_quick_run_end_to_end(bench, tmp_path, capsys, monkeypatch):
    """run --quick makes a 2,000-row pool in a temporary folder (removed
    after), selects from it on batches of 1,000 and appends its record;
    compare pairs the exact and graph searches on that pool."""
    made = []
    make_pool = bench.make_pool

    def spy(path, *args, **kwargs):
        made.append(path)
        return make_pool(path, *args, **kwargs)

    monkeypatch.setattr(bench, "make_pool", spy)
    results = tmp_path / "scale.jsonl"
    for search in ("auto", "graph"):
        assert bench.main(["run", "--quick", "--centroid-search", search,
                           "--n-jobs", "1", "--verbose", "0",
                           "--out", str(results)]) == 0
    assert len(made) == 2 and not any(Path(p).exists() for p in made)
    summary = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert summary["n_samples"] == bench.QUICK_ROWS == 2000
    assert summary["n_features"] == bench.N_FEATURES
    assert summary["batch_size"] == bench.QUICK_BATCH_SIZE == 1000
    assert summary["n_cores"] == 10 and summary["budget"] == 20
    auto, graph = [json.loads(line) for line in results.read_text().splitlines()]
    assert auto["search_used"] == "exact" and graph["search_used"] == "graph"
    assert len(auto["selected"]) == 20 and auto["quick"] is True
    assert bench.main(["compare", str(results)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["budget"] == 20 and 0 <= row["selection_overlap"] <= 20


def test_plot_leaves_quick_records_out(bench, monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.figure

    def record(n, **extra):
        return {"n_samples": n, "centroid_search": "auto", "seed": 0,
                "search_used": "exact", "seconds": 1.0, "cpu_seconds": 1.0,
                "peak_rss_mib": 100.0, **extra,
                "timings": dict.fromkeys(["cores", "pseudo_classes", "denoise",
                                          "boundary"], 0.1)}

    plotted = []

    def savefig(fig, out, **kw):
        plotted.append(fig.axes[0].lines[0].get_xdata().tolist())
        Path(out).touch()  # for the rename over the plot's path

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    bench.plot([record(50_000), record(2_000, quick=True), record(100_000)],
               tmp_path / "unused.png")
    assert plotted == [[50_000, 100_000]]


@pytest.mark.parametrize("name", ["scale.png", "scale.svg", "scale"])
def test_a_plot_killed_midway_keeps_the_previous_one(bench, tmp_path,
                                                     monkeypatch, name):
    """The plot was saved in place: a run killed while saving left half a
    picture where the previous one (the page's scale.png) was."""
    pytest.importorskip("matplotlib")
    import matplotlib.figure

    record = {"n_samples": 50_000, "centroid_search": "auto", "seed": 0,
              "search_used": "exact", "seconds": 1.0, "cpu_seconds": 1.0,
              "peak_rss_mib": 100.0,
              "timings": dict.fromkeys(["cores", "pseudo_classes", "denoise",
                                        "boundary"], 0.1)}
    bench.plot([record], tmp_path / name)
    if "." not in name:  # savefig's default format, its suffix added
        name += ".png"
    out = tmp_path / name
    whole = out.read_bytes()
    assert whole.startswith(b"\x89PNG" if name != "scale.svg" else b"<?xml")
    savefig = matplotlib.figure.Figure.savefig

    def killed(fig, fname, **kwargs):
        with open(fname, "wb") as handle:
            handle.write(whole[:20])
        raise KeyboardInterrupt

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", killed)
    with pytest.raises(KeyboardInterrupt):
        bench.plot([record], out)
    assert out.read_bytes() == whole
    assert [p.name for p in tmp_path.iterdir()] == [name]
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    bench.plot([record], out)
    assert out.read_bytes()[:5] == whole[:5]
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_plot_without_a_plottable_run_is_a_usage_error(bench, capsys,
                                                       tmp_path):
    """Only --quick (or other seeds', or Dask) runs: nothing the plot draws,
    so a usage error that says which runs it needs, and no empty figure."""
    results = tmp_path / "results.jsonl"
    record = dict.fromkeys(bench.RECORD_KEYS, 0)  # a whole 'run' record
    record.update({"n_samples": 2_000, "centroid_search": "auto", "seed": 0,
                   "quick": True})
    results.write_text(json.dumps(record) + "\n")
    out = tmp_path / "scale.png"
    line = _usage_error(bench, capsys, ["plot", str(results), str(out)])
    assert "has no run to plot" in line and "--seed 0" in line
    assert not out.exists()


def test_compare_without_a_pair_is_a_usage_error(bench, capsys, tmp_path):
    """Only default-search runs: nothing to compare, and compare printed
    nothing and exited 0, as if the selections had been compared."""
    results = tmp_path / "results.jsonl"
    record = dict.fromkeys(bench.RECORD_KEYS, 0)  # a whole 'run' record
    record.update({"n_samples": 2_000, "batch_size": 1_000, "seed": 0,
                   "centroid_search": "auto", "search_used": "exact"})
    results.write_text(json.dumps(record) + "\n")
    line = _usage_error(bench, capsys, ["compare", str(results)])
    assert "nothing to compare" in line
    assert "--centroid-search graph" in line


@pytest.mark.parametrize("argv, batch_size", [
    (["run", "--quick"], 1000),
    (["run", "--quick", "--batch-size", "300"], 300),
    (["run", "{pool}"], 100_000),
])
def test_quick_run_takes_batch_size_when_given(bench, tmp_path, monkeypatch,
                                               capsys, argv, batch_size):
    pool = tmp_path / "pool.npy"
    np.save(pool, np.ones((5, 3), dtype=np.float32))
    seen = []

    def spy(path, batch_size, *args):
        seen.append(batch_size)
        return {"selected": [], "cores_selected": []}

    monkeypatch.setattr(bench, "run", spy)
    monkeypatch.setattr(bench, "make_pool", lambda path, n: None)
    bench.main([a.format(pool=pool) for a in argv])
    assert seen == [batch_size]


@pytest.mark.parametrize("argv, message", [
    (["run"], "the following arguments are required: path (or --quick)"),
    (["run", "--quick", "{pool}"], "give a pool file or --quick, not both"),
])
def test_quick_or_a_pool_file(bench, tmp_path, capsys, argv, message):
    pool = tmp_path / "pool.npy"
    np.save(pool, np.ones((5, 3), dtype=np.float32))
    assert message in _usage_error(bench, capsys,
                                   [a.format(pool=pool) for a in argv])


def test_a_record_cut_short_is_dropped_before_the_next(bench, tmp_path,
                                                      monkeypatch, capsys):
    """run --out appended after a line cut short by a killed run: the new
    record was glued to it and neither could be read."""
    record = dict.fromkeys(bench.RECORD_KEYS, 0)
    results = tmp_path / "scale.jsonl"
    whole = json.dumps(dict(record, seed=1)) + "\n"
    results.write_text(whole + json.dumps(dict(record, seed=2))[:30])
    monkeypatch.setattr(bench, "run", lambda *args: dict(record, seed=3))
    monkeypatch.setattr(bench, "make_pool", lambda path, n: None)
    assert bench.main(["run", "--quick", "--out", str(results)]) == 0
    assert "cut short" in capsys.readouterr().err
    lines = results.read_text().splitlines()
    assert [json.loads(line)["seed"] for line in lines] == [1, 3]
    assert results.read_text().startswith(whole)


def _race_a_half_written_record(results, record, ours):
    """Another run holds the lock of ``results`` (one record, seed 1) with
    the first bytes of its record (seed 2) written while ``ours(results)``
    runs in a thread; then it writes the rest and lets go."""
    first = json.dumps(dict(record, seed=1)) + "\n"
    results.write_text(first)
    theirs = (json.dumps(dict(record, seed=2)) + "\n").encode()
    race_a_half_written_run(results, theirs, ours, results, head=20)


def test_a_record_another_run_is_writing_is_not_cut(bench, tmp_path,
                                                    capsys):
    """append_record cut a last line without its newline back before
    appending: with two runs writing into one results file, a record the
    other run was writing at that moment (some 150 kB at full size, more
    than one write) was cut, and the rest of it landed after the new
    record.  Writers hold the file's lock while they append, so a line half
    written is one whose run holds the lock: waited for."""
    record = dict.fromkeys(bench.RECORD_KEYS, 0)
    results = tmp_path / "scale.jsonl"
    _race_a_half_written_record(
        results, record,
        lambda path: bench.append_record(str(path), dict(record, seed=3)))
    lines = results.read_text().splitlines()
    assert [json.loads(line)["seed"] for line in lines] == [1, 2, 3]
    assert "cut short" not in capsys.readouterr().err


def test_a_record_another_run_is_writing_is_read_whole(bench, tmp_path,
                                                       capsys):
    """compare and plot read the results file without its lock: a record
    another run was writing at that moment was reported cut short by an
    interrupted run and left out.  They read under a shared lock."""
    import argparse

    record = dict.fromkeys(bench.RECORD_KEYS, 0)
    results = tmp_path / "scale.jsonl"
    seen = []
    _race_a_half_written_record(
        results, record, lambda path: seen.extend(
            bench._read_results(argparse.ArgumentParser(), str(path))))
    assert [r["seed"] for r in seen] == [1, 2]
    assert "cut short" not in capsys.readouterr().err


def test_out_may_be_a_pipe_or_a_device(bench, tmp_path, monkeypatch):
    """run --out /dev/null or a pipe (/dev/stdout piped on) wrote the record
    before the check for a line cut short; that check failed on them after
    the whole run ('not seekable', or fsync's 'Invalid argument')."""
    import os
    import threading

    record = dict.fromkeys(bench.RECORD_KEYS, 0)
    monkeypatch.setattr(bench, "run", lambda *args: dict(record, seed=3))
    monkeypatch.setattr(bench, "make_pool", lambda path, n: None)
    assert bench.main(["run", "--quick", "--out", os.devnull]) == 0
    read_end, write_end = os.pipe()
    received = []
    reader = threading.Thread(
        target=lambda: received.append(os.fdopen(read_end, "rb").read()))
    reader.start()
    try:
        assert bench.main(["run", "--quick", "--out", f"/dev/fd/{write_end}"]) == 0
    finally:
        os.close(write_end)
        reader.join(timeout=10)
    assert json.loads(received[0])["seed"] == 3


_TERMINATED = """
import os, signal, sys, time
import numpy as np
sys.path.insert(0, {folder!r})
import bench_scale
default_rng = np.random.default_rng

class Terminated:
    def __init__(self, seed):
        self.rng, self.chunks = default_rng(seed), 0

    def __getattr__(self, name):
        return getattr(self.rng, name)

    def choice(self, *args, **kwargs):
        self.chunks += 1
        if self.chunks == 2:  # the temporary pool half written
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(60)  # the signal ends the process before this does
        return self.rng.choice(*args, **kwargs)

np.random.default_rng = Terminated
bench_scale.make_pool.__defaults__ = (16, 0, 1000)  # n_features, seed, chunk
sys.exit(bench_scale.main({argv!r}))
"""


def test_a_make_terminated_midway_leaves_no_file(tmp_path):
    """SIGTERM (kill, a batch system's time limit) ended make at once: its
    hidden temporary pool, up to 2 GB, stayed beside the path for good."""
    import subprocess
    import sys

    code = _TERMINATED.format(
        folder=str(SCRIPT.parent),
        argv=["make", str(tmp_path / "pool.npy"), "3000"])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 128 + 15, done.stderr[-3000:]
    assert list(tmp_path.iterdir()) == []


def test_compare_and_plot_leave_out_a_record_cut_short(bench, tmp_path,
                                                       monkeypatch, capsys):
    """A run killed while appending its record (a line of some 150 kB at
    full size) leaves it without its newline; compare and plot refused the
    file as 'not JSON', telling to pass the file that run --out appends
    to, which it is.  The next run --out drops that line; until then it
    is left out, with a note."""
    record = dict.fromkeys(bench.RECORD_KEYS, 0)
    record.update({"n_samples": 2_000, "centroid_search": "auto", "seed": 0})
    results = tmp_path / "scale.jsonl"
    results.write_text(json.dumps(record) + "\n" + json.dumps(record)[:30])
    drawn = []
    monkeypatch.setattr(bench, "plot", lambda records, out: drawn.append(records))
    assert bench.main(["plot", str(results), str(tmp_path / "scale.png")]) == 0
    assert drawn == [[record]]
    assert "cut short" in capsys.readouterr().err
    # A last line that is whole but lacks its newline (written by hand) is
    # read; one that is not JSON elsewhere is still refused.
    results.write_text(json.dumps(record) + "\n" + json.dumps(record))
    assert bench.main(["plot", str(results), str(tmp_path / "scale.png")]) == 0
    assert drawn[-1] == [record, record]
    results.write_text(json.dumps(record)[:30] + "\n" + json.dumps(record) + "\n")
    assert "line 1 of" in _usage_error(
        bench, capsys, ["plot", str(results), str(tmp_path / "scale.png")])


@pytest.mark.parametrize("source", ["page", "docstring"])
def test_the_documented_make_runs_as_written(bench, tmp_path, source):
    """The page's and the docstring's ``make`` wrote into /tmp/scale, which
    ``make`` refuses to create (a usage error on a fresh machine), and
    ``sensitivity`` read a pool no documented command made: the commands
    before ``make`` must make the folder, and every pool read must be made.
    Run here into a temporary folder, each pool with 2,000 rows."""
    import re
    import subprocess
    import sys

    root = SCRIPT.parents[1]
    text = ((root / "doc" / "benchmarks.rst").read_text(encoding="utf-8")
            if source == "page" else bench.__doc__)
    text = text.replace("``", "\n").replace("\\\n", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    commands = [line for line in lines
                if re.match(r"(mkdir |python3? benchmarks/bench_scale\.py make )",
                            line)]
    assert any(" make " in command for command in commands)
    for command in commands:
        command = re.sub(r"( make \S+) \d+$", r"\1 2000",
                         command.replace("/tmp/scale", str(tmp_path / "scale")))
        command = command.replace("python ", f"{sys.executable} ", 1)
        done = subprocess.run(command, shell=True, cwd=root, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, (command, done.stderr[-2000:])
    read = {name for line in lines if "bench_scale.py" in line
            for name in re.findall(r"/tmp/scale/(pool_\d+\.npy)", line)}
    assert "pool_1281167.npy" in read
    for name in read:
        assert np.load(tmp_path / "scale" / name, mmap_mode="r").shape == (
            2000, 384), name


@pytest.mark.parametrize("platform, maxrss", [("linux", 3 * 1024),
                                              ("darwin", 3 * 1024 * 1024)])
def test_peak_memory_is_converted_by_platform(bench, monkeypatch, platform,
                                              maxrss):
    """ru_maxrss was taken for KiB everywhere: macOS reports bytes, so a
    3 MiB peak there was recorded as 3,072 MiB."""
    _fake_peak(monkeypatch, bench.peak_rss_mib, platform, maxrss)
    assert bench.peak_rss_mib() == 3


def _fake_peak(monkeypatch, peak_rss_mib, platform, maxrss):
    """``peak_rss_mib``'s module on ``platform``, where getrusage reports
    ``maxrss``."""
    import resource
    import sys
    import types

    module = sys.modules[peak_rss_mib.__module__]
    monkeypatch.setattr(module, "sys", types.SimpleNamespace(platform=platform))
    monkeypatch.setattr(module, "resource", types.SimpleNamespace(
        RUSAGE_SELF=resource.RUSAGE_SELF,
        getrusage=lambda who: types.SimpleNamespace(ru_maxrss=maxrss)))



def test_a_dask_run_records_the_n_jobs_it_ran_with(bench, tmp_path,
                                                   monkeypatch):
    """run --dask-workers fits with n_jobs=-1 (every Dask worker) but
    recorded the --n-jobs given (2 by default), which no stage used.  The
    cluster is faked: the record, not Dask, is tested."""
    import contextlib
    import sys
    import types

    import joblib
    import sklearn.utils  # noqa: F401

    # sklearn.utils (scikit-learn 1.6) subclasses joblib.parallel_backend
    # when first imported: imported before it is faked.
    fake = types.ModuleType("distributed")
    fake.LocalCluster = lambda **kwargs: contextlib.nullcontext()
    fake.Client = lambda cluster: contextlib.nullcontext()
    monkeypatch.setitem(sys.modules, "distributed", fake)
    monkeypatch.setattr(joblib, "parallel_backend",
                        lambda name: contextlib.nullcontext())
    pool = tmp_path / "pool.npy"
    bench.make_pool(pool, 2000, n_features=8)
    record = bench.run(pool, batch_size=1000, n_jobs=2, dask_workers=2)
    assert record["n_jobs"] == -1 and record["dask_workers"] == 2
    assert bench.run(pool, batch_size=1000, n_jobs=2)["n_jobs"] == 2



def test_make_does_not_replace_a_pool_unless_told(bench, tmp_path, capsys,
                                                  monkeypatch):
    """make replaced an existing file silently (a pool other records were
    measured on, or any file given by mistake); it now refuses unless
    --overwrite is given."""
    path = tmp_path / "pool.npy"
    path.write_bytes(b"kept")
    monkeypatch.setattr(bench, "make_pool",
                        lambda p, n, seed=0: Path(p).write_bytes(b"new") and 2)
    line = _usage_error(bench, capsys, ["make", str(path), "10"])
    assert f"{str(path)!r} exists" in line and "--overwrite" in line
    assert path.read_bytes() == b"kept"
    assert bench.main(["make", str(path), "10", "--overwrite"]) == 0
    assert path.read_bytes() == b"new"


@pytest.mark.parametrize("command", ["compare", "plot"])
@pytest.mark.parametrize("content, message", [
    (b'{"n_samples": 5}\n\xff\xfe\n',
     "{results} is not UTF-8 text (byte 17 is 0xff); pass the file"),
    ("denied", "{results} cannot be read (Permission denied); pass the file"),
])
def test_an_unreadable_results_file_is_a_usage_error(
        bench, capsys, monkeypatch, tmp_path, command, content, message):
    """compare and plot read the results file in the locale's encoding and
    ended with a traceback for one that was not UTF-8 (or in that encoding)
    or could not be read: usage errors naming the file."""
    results = tmp_path / "scale.jsonl"
    if content == "denied":
        results.write_text('{"n_samples": 5}\n')
        real_open = open

        def denied(path, *args, **kwargs):
            if Path(path) == results:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(bench, "open", denied, raising=False)
    else:
        results.write_bytes(content)
    argv = [command, str(results)] + (
        [str(tmp_path / "scale.png")] if command == "plot" else [])
    line = _usage_error(bench, capsys, argv)
    assert message.format(results=results) in line
    assert not (tmp_path / "scale.png").exists()


def test_results_are_read_as_utf8_whatever_the_locale(bench, tmp_path):
    """A record with non-ASCII text (here, a host name) was read in the
    locale's encoding: under an ASCII locale, compare ended with a
    traceback."""
    import os
    import subprocess
    import sys

    results = tmp_path / "scale.jsonl"
    record = {key: 0 for key in bench.RECORD_KEYS}
    record.update(host="né", timings={}, search_used="exact")
    results.write_text(json.dumps(record, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    env = dict(os.environ, LC_ALL="C", LANG="C", PYTHONUTF8="0",
               PYTHONCOERCECLOCALE="0")
    done = subprocess.run(
        [sys.executable, "-c",
         "import locale, sys; sys.argv[1:] = ['compare', sys.argv[2]]; "
         "assert locale.getpreferredencoding(False).lower() != 'utf-8'; "
         f"sys.path.insert(0, {str(SCRIPT.parent)!r}); import bench_scale; "
         "bench_scale.main()", "-", str(results)],
        capture_output=True, text=True, encoding="utf-8", env=env)
    assert "Traceback" not in done.stderr, done.stderr
    assert "has nothing to compare" in done.stderr
