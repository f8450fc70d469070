"""The ``bilaf`` command, on files written by the tests.

Outputs are compared with what the Python API gives for the same settings.
Every case runs through ``main()`` in this process by default, and also as a
real subprocess (``python -m sklearn_bilaf``) when slow tests run (CI): each
subprocess spends seconds importing scikit-learn.  A core of subprocess tests
(help, the demo, the README command, one run per output format, the object
array, a missing folder, a bad option) always runs.  Runs use the fast random
core selector, except the README's first command.
"""

import csv
import datetime
import io
import json
import math
import os
import pickle
import re
import shutil
import subprocess
import sys
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf.boundary import BoundarySelector
from sklearn_bilaf.core import KMeansSelector, RandomSelector
from sklearn_bilaf.denoise import DensityDenoiser, DistanceDenoiser, IDCDenoiser

REPO = Path(__file__).resolve().parents[1]


def run_bilaf(*args, env=None, cwd=REPO):
    """``python -m sklearn_bilaf ARGS``, run in ``cwd``.

    The package imported is this checkout's, whatever the folder: from another
    one, ``-m`` would otherwise find whichever copy is installed.
    """
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    return subprocess.run(
        [sys.executable, "-m", "sklearn_bilaf", *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )


def call_bilaf(*args, cwd=REPO):
    """``main(ARGS)`` in this process, captured like a subprocess.

    An exception escaping ``main`` fails the test, as a traceback would.
    """
    from sklearn_bilaf.cli import main

    args = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            status = main(args)
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


@pytest.fixture(
    params=["in-process", pytest.param("subprocess", marks=pytest.mark.slow)]
)
def bilaf(request):
    """Run the command in this process, or (slow) as a subprocess."""
    return call_bilaf if request.param == "in-process" else run_bilaf


def assert_ok(proc):
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def assert_one_line_error(proc, *fragments, status=1, quiet=True):
    """A single ``bilaf: error:`` line naming the problem; no traceback.

    Without ``--quiet``, progress lines may come before it.
    """
    assert proc.returncode == status, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    if not quiet:
        assert all(line.startswith("bilaf: ") for line in lines), proc.stderr
        lines = lines[-1:]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("bilaf: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def assert_nothing_written(folder, before):
    """No output and no leftover temporary file appeared in ``folder``."""
    assert sorted(p.name for p in folder.iterdir()) == before


@pytest.fixture(scope="module")
def digits_xy():
    X, y = load_digits(return_X_y=True)
    return X, y


@pytest.fixture(scope="module")
def digits32(digits_xy):
    return digits_xy[0].astype(np.float32)


def api_selection(X, budget, n_cores="auto", seed=0, **params):
    return BiLAFSampler(
        budget, core_selector=RandomSelector(n_cores=n_cores), random_state=seed,
        **params,
    ).fit(X)


def read_csv_output(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


# -- help, entry points -------------------------------------------------------
def test_help_of_every_command_is_complete(bilaf):
    from sklearn_bilaf.cli import build_parser

    top = bilaf("--help")
    assert_ok(top)
    assert "select" in top.stdout and "demo" in top.stdout

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, subparser in commands.items():
        proc = bilaf(name, "--help")
        assert_ok(proc)
        flat = " ".join(proc.stdout.split())
        for action in subparser._actions:
            assert action.help, f"{name}: {action.option_strings} has no help"
            for option in action.option_strings:
                assert option in proc.stdout, (name, option)
            for choice in action.choices or ():
                assert choice in flat, (name, choice)
    flat = " ".join(bilaf("select", "--help").stdout.split())
    for suffix in (".npy", ".npz", ".csv", ".tsv", ".parquet", ".json"):
        assert suffix in flat
    assert "exit status" in flat


@pytest.mark.parametrize("command", ["select", "demo"])
def test_command_usage_and_errors_name_the_command(bilaf, command):
    """The usage line and a bad value's hint name the command as it is typed
    ('bilaf select'), not argparse's default, the main usage followed by it."""
    usage = bilaf(command, "--help").stdout
    assert usage.startswith(f"usage: bilaf {command} [-h]"), usage[:80]
    proc = bilaf(command, "--budget", "0")
    assert_one_line_error(proc, "a count must be at least 1",
                          f"(see 'bilaf {command} --help')", status=2)
    assert "COMMAND" not in proc.stderr


def test_no_command_runs_select_without_a_file(monkeypatch):
    """Plain ``bilaf`` is ``bilaf select``: the same options, so the same run
    (the demo on the digits), exit status 0; ``bilaf --help`` stays the help."""
    from sklearn_bilaf import cli

    runs = []

    def record(args):
        runs.append({k: v for k, v in vars(args).items() if k != "handler"})
        return cli.EXIT_OK

    monkeypatch.setattr(cli, "_run_select", record)
    assert call_bilaf().returncode == 0
    assert call_bilaf("select").returncode == 0
    assert len(runs) == 2 and runs[0] == runs[1]
    assert runs[0]["command"] == "select" and runs[0]["embeddings"] is None
    top = call_bilaf("--help")
    assert_ok(top)
    assert top.stdout.startswith("usage: bilaf [-h] [--version] [COMMAND ...]")
    assert "Without a command, 'bilaf' is 'bilaf select'" in top.stdout


@pytest.mark.slow
def test_no_command_prints_what_select_prints():
    def without_times(text):
        return re.sub(r"\d+\.\d+s", "_s", text)

    bare, select = run_bilaf(), run_bilaf("select")
    assert_ok(bare)
    assert without_times(bare.stdout) == without_times(select.stdout)
    assert "BiLAF selected 17 of 1797 samples" in bare.stdout


# -- the demo ----------------------------------------------------------------
def _printed_selection(stdout):
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Selected rows"))
    text = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        text.append(line)
    return [int(v) for v in " ".join(text).replace(",", " ").split()]


def test_demo_prints_selection_classes_and_label_spread(digits_xy):
    X, y = digits_xy
    proc = run_bilaf("demo", "--core-selector", "random", "--seed", "3")
    assert_ok(proc)
    expected = api_selection(X, 0.01, seed=3)
    assert _printed_selection(proc.stdout) == expected.selected_indices_.tolist()
    assert len(expected.selected_indices_) == 17
    out = proc.stdout
    assert "1797 rows x 64 features" in out
    assert f"cores (K)  {expected.n_cores_}," in out
    assert "Per pseudo-class:" in out
    for c, core in enumerate(expected.core_indices_):
        assert f"{c:>5}  {core:>8}" in out
    covered = np.unique(y[expected.selected_indices_]).size
    assert f"17 picks cover {covered} of the 10 digits" in out
    assert "never saw" in out
    flat = " ".join(out.split())
    assert re.search(r"time cores [\d.]+s, pseudo-classes [\d.]+s, denoising "
                     r"[\d.]+s, boundary [\d.]+s \(selection", flat), out
    # Progress per stage on stderr.
    assert "stage 1/5" in proc.stderr and "stage 5/5" in proc.stderr
    # 'bilaf demo' takes no file: none is said to be missing.
    assert out.startswith("Running on scikit-learn's handwritten digits")


@pytest.mark.slow
def test_select_without_file_is_the_readme_demo(digits_xy, tmp_path):
    """``bilaf select`` exactly as the README's first command: default ActiveFT.

    Through the installed console script when there is one.
    """
    X, _ = digits_xy
    exe = shutil.which("bilaf")
    if exe is None:
        proc = run_bilaf("select", cwd=tmp_path)
    else:
        proc = subprocess.run([exe, "select"], capture_output=True, text=True,
                              cwd=tmp_path, timeout=600)
    assert_ok(proc)
    expected = BiLAFSampler(0.01, random_state=0).fit(X)
    assert _printed_selection(proc.stdout) == expected.selected_indices_.tolist()
    assert "by ActiveFT" in proc.stdout


def test_quiet_silences_progress_but_keeps_summary(bilaf, tmp_path, digits32):
    path = tmp_path / "emb.npy"
    np.save(path, digits32)
    proc = bilaf("select", path, "-q", "--core-selector", "random")
    assert_ok(proc)
    assert proc.stderr == ""
    assert "BiLAF selected 17 of 1797" in proc.stdout


# -- outputs match the Python API ----------------------------------------------
def test_summary_says_when_every_pick_is_a_core(bilaf, tmp_path, digits32):
    """With K = B the boundary and denoising settings change nothing: the
    summary says so instead of listing a penalty that was never used."""
    np.save(tmp_path / "e.npy", digits32)
    common = ["select", "e.npy", "-q", "--core-selector", "random"]
    all_cores = bilaf(*common, "-b", "20", cwd=tmp_path)
    assert_ok(all_cores)
    flat = " ".join(all_cores.stdout.split())
    assert "boundary 0 samples (every pick is a core" in flat
    assert "(no effect on the selection: cores are always kept)" in flat
    assert "penalty" not in flat
    # K = B by the default rule: how to see the second level.
    auto = bilaf("select", "e.npy", "-q", "-b", "20", cwd=tmp_path)
    assert_ok(auto)
    assert ("boundary 0 samples (every pick is a core; -k paper, the paper's "
            "K, leaves room for boundary samples)") in " ".join(auto.stdout.split())
    mixed = bilaf(*common, "-b", "40", "-k", "8", cwd=tmp_path)
    assert_ok(mixed)
    flat = " ".join(mixed.stdout.split())
    assert "boundary 32 samples, iterative, penalty 1.1" in flat
    assert "no effect" not in flat


def test_summary_hint_names_paper_k_only_where_it_leaves_room(tmp_path):
    """With K = B by the default rule the summary suggested "-k paper", which
    leaves room for boundary samples only where the paper's K (0.5 % of the
    pool) is below the budget: with a budget of 0.5 % or less, "-k paper"
    gave K = B again."""
    X = np.random.RandomState(0).rand(400, 4).astype(np.float32)
    np.save(tmp_path / "e.npy", X)
    common = ["select", "e.npy", "-q", "--core-selector", "random",
              "--denoiser", "none"]
    flat = {}
    for budget, k in [("2", "auto"), ("2", "paper"), ("3", "auto"), ("3", "paper")]:
        proc = call_bilaf(*common, "-b", budget, "-k", k, cwd=tmp_path)
        assert_ok(proc)
        flat[budget, k] = " ".join(proc.stdout.split())
    # 0.5 % of 400 rows is 2: "-k paper" leaves room below a budget of 3 only.
    assert "boundary 0 samples (every pick is a core)" in flat["2", "paper"]
    assert "boundary 1 sample," in flat["3", "paper"]
    assert ("boundary 0 samples (every pick is a core; -k paper, the paper's "
            "K, leaves room for boundary samples)") in flat["3", "auto"]
    assert "-k paper" not in flat["2", "auto"]
    assert ("boundary 0 samples (every pick is a core; a -k below the budget "
            "(2) leaves room for boundary samples)") in flat["2", "auto"]


def test_summary_says_when_denoising_was_skipped(bilaf, tmp_path, digits32):
    """A budget above what the denoiser keeps makes the sampler skip it: the
    summary says so rather than "kept 1797 of 1797", which reads as a
    denoiser that found no outlier."""
    np.save(tmp_path / "e.npy", digits32)
    common = ["select", "e.npy", "-q", "--core-selector", "random", "-k", "8"]
    skipped = bilaf(*common, "-b", "1700", cwd=tmp_path)
    assert_ok(skipped)
    flat = " ".join(skipped.stdout.split())
    assert ("IDC (paper), removal rate 0.1: kept 1797 of 1797 samples (skipped: "
            "it would keep fewer samples than the budget)") in flat
    assert "denoising is skipped" in skipped.stderr
    kept = bilaf(*common, "-b", "100", cwd=tmp_path)
    assert_ok(kept)
    assert "skipped" not in kept.stdout
    # With no denoiser nothing was skipped, whatever the budget.
    none = bilaf(*common, "-b", "1700", "--denoiser", "none", cwd=tmp_path)
    assert_ok(none)
    assert "skipped" not in none.stdout


@pytest.mark.parametrize("prefix, meant", [("--k", "-k"), ("--budg", "--budget"),
                                           ("--see", "--seed")])
def test_long_options_are_not_abbreviated(bilaf, tmp_path, digits32, prefix, meant):
    """argparse would read "--k 3" (a mistyped "-k 3") as "--key 3" and then
    complain about .npz archives: a prefix of an option is refused as
    unknown instead of being read as another option."""
    np.save(tmp_path / "e.npy", digits32)
    proc = bilaf("select", "e.npy", prefix, "3", cwd=tmp_path)
    assert proc.returncode == 2
    assert f"unrecognized arguments: {prefix}" in proc.stderr
    assert "npz" not in proc.stderr


def test_npy_input_json_output(tmp_path, digits32):
    path = tmp_path / "emb.npy"
    np.save(path, digits32)
    out = tmp_path / "selected.json"
    proc = run_bilaf("select", path, "--budget", "0.03", "-o", out,
                     "--core-selector", "random", "--seed", "7")
    assert_ok(proc)
    expected = api_selection(digits32, 0.03, seed=7)
    assert json.loads(out.read_text()) == expected.selected_indices_.tolist()
    assert str(out) in proc.stdout
    assert "float32, memory-mapped" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["emb.npy", "selected.json"]


def test_a_float16_pool_is_said_to_be_copied(bilaf, tmp_path, digits32):
    """A float16 .npy (a common way to store embeddings) is memory-mapped but
    the selection computes on a float32 copy of it: the progress says so and
    how large it is; a float32 pool gets no such note."""
    path = tmp_path / "emb16.npy"
    np.save(path, digits32.astype(np.float16))
    proc = bilaf("select", path, "-b", "20", "--core-selector", "random",
                 "-o", tmp_path / "s.json")
    assert_ok(proc)
    assert "float16, memory-mapped" in proc.stderr
    assert ("computed in float32, from a copy of the whole pool (0.4 MiB; save "
            "it as float32 to read it in place)") in proc.stderr
    np.save(path, digits32)
    proc = bilaf("select", path, "-b", "20", "--core-selector", "random",
                 "-o", tmp_path / "s.json")
    assert_ok(proc)
    assert "computed in" not in proc.stderr


def test_a_big_endian_pool_is_not_told_to_be_saved_as_float32(
        bilaf, tmp_path, digits32):
    """A big-endian float32 .npy (written on another machine, or with
    dtype '>f4') is copied to this machine's float32, not to float64: the
    note says so, and says how to save it to be read in place, instead of
    telling to save as float32 a pool that is float32 already."""
    path = tmp_path / "emb.npy"
    for dtype, work in [(">f4", "float32"), (">f8", "float64")]:
        np.save(path, digits32.astype(dtype))
        proc = bilaf("select", path, "-b", "20", "--core-selector", "random",
                     "-o", tmp_path / "s.json")
        assert_ok(proc)
        size = "0.4" if work == "float32" else "0.9"
        assert (f"computed in {work}, from a copy of the whole pool ({size} "
                f"MiB; save X.astype('{work}'), in this machine's byte order, "
                "to read it in place)") in proc.stderr


def test_a_long_double_pool_is_not_told_of_byte_order():
    """A pool in this machine's byte order but of a wider float (long
    double) is told to be saved as float64, not "in this machine's byte
    order", which it is in already."""
    from sklearn_bilaf.cli import _conversion_note

    note = _conversion_note(np.zeros((4, 2), dtype=np.longdouble), True)
    if np.dtype(np.longdouble).itemsize == 8:
        assert note == ""  # long double is float64 here
    else:
        assert note.endswith("; save X.astype('float64') to read it in place)")
    note = _conversion_note(np.zeros((4, 2), dtype=">f8"), True)
    assert note.endswith("; save X.astype('float64'), in this machine's byte "
                         "order, to read it in place)")


def test_a_copied_pool_read_into_memory_is_not_promised_in_place(
        bilaf, tmp_path, digits32):
    """An integer pool (images' uint8 pixels) from a .npz or a Parquet file is
    read into memory, then copied to float64: saving it as float32 skips the
    copy, but would not make it read in place as a .npy would be."""
    pixels = (digits32 * 15).astype(np.uint8)
    np.savez(tmp_path / "emb.npz", X=pixels)
    np.save(tmp_path / "emb.npy", pixels)
    for name, gain in [("emb.npz", "skip the copy"), ("emb.npy", "read it in place")]:
        proc = bilaf("select", tmp_path / name, "-b", "20", "--core-selector",
                     "random", "-o", tmp_path / "s.json")
        assert_ok(proc)
        assert ("uint8" + (", memory-mapped" if name == "emb.npy" else "")
                in proc.stderr)
        assert ("computed in float64, from a copy of the whole pool (0.9 MiB; "
                f"save it as float32 to {gain})") in proc.stderr


def test_csv_output_with_ids_file(bilaf, tmp_path, digits32):
    path = tmp_path / "emb.npy"
    np.save(path, digits32)
    ids = [f"img/{i:05d}.png" for i in range(len(digits32))]
    (tmp_path / "ids.txt").write_text("\n".join(ids) + "\n")
    out = tmp_path / "selected.csv"
    proc = bilaf("select", path, "--budget", "40", "--ids", tmp_path / "ids.txt",
                     "-o", out, "--core-selector", "random", "-k", "6", "-q")
    assert_ok(proc)
    expected = api_selection(digits32, 40, n_cores=6)
    rows = read_csv_output(out)
    assert list(rows[0]) == ["row", "role", "pseudo_class", "id"]
    assert [int(r["row"]) for r in rows] == expected.selected_indices_.tolist()
    cores = set(expected.core_indices_.tolist())
    assert [r["role"] for r in rows] == [
        "core" if i in cores else "boundary" for i in expected.selected_indices_
    ]
    assert [int(r["pseudo_class"]) for r in rows] == (
        expected.labels_[expected.selected_indices_].tolist())
    assert [r["id"] for r in rows] == [ids[i] for i in expected.selected_indices_]


def test_json_output_gives_ids_and_npy_output_row_numbers(bilaf, tmp_path, digits32):
    path = tmp_path / "emb.npy"
    np.save(path, digits32)
    ids = [f"key-{i}" for i in range(len(digits32))]
    (tmp_path / "ids.tsv").write_text(
        "n\tkey\n" + "".join(f"{i}\t{k}\n" for i, k in enumerate(ids)))
    expected = api_selection(digits32, 25).selected_indices_
    out_json, out_npy = tmp_path / "s.json", tmp_path / "s.npy"
    proc = bilaf("select", path, "-b", "25", "--ids", tmp_path / "ids.tsv",
                 "--id-column", "key", "-o", out_json, "--core-selector", "random")
    assert_ok(proc)
    proc = bilaf("select", path, "-b", "25", "-o", out_npy, "--core-selector",
                 "random")
    assert_ok(proc)
    assert json.loads(out_json.read_text()) == [ids[i] for i in expected]
    saved = np.load(out_npy, allow_pickle=False)
    assert saved.dtype == np.int64 and saved.tolist() == expected.tolist()


@pytest.mark.parametrize("ids", ["ids.txt", "ids.csv"])
def test_ids_with_npy_output_is_a_usage_error(bilaf, tmp_path, ids):
    """A .npy output holds row numbers only: ids given for it would be
    dropped, like other options with no effect they are refused, before
    anything is read."""
    for name in ("e.npy", ids):
        (tmp_path / name).write_text("not read\n")
    column = ["--id-column", "0"] if ids.endswith(".csv") else []
    proc = bilaf("select", "e.npy", "--ids", ids, *column, "-o", "s.npy",
                 cwd=tmp_path)
    assert_one_line_error(
        proc, "--ids has no effect with -o s.npy: a .npy output holds row numbers "
        "only; the ids are written to .json and .csv outputs", status=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["e.npy", ids])


@pytest.mark.parametrize(
    "options, params",
    [
        (["--denoiser", "distance", "--removal-rate", "0.2", "--penalty", "1.5",
          "--metric", "cosine"],
         dict(denoiser=DistanceDenoiser(0.2), metric="cosine",
              boundary_selector=BoundarySelector(penalty=1.5))),
        (["--denoiser", "density", "--strategy", "one-shot", "-j", "2"],
         dict(denoiser=DensityDenoiser(), n_jobs=2,
              boundary_selector=BoundarySelector(strategy="one-shot"))),
        (["--variant", "published", "--removal-rate", "0.3", "-k", "0.004"],
         dict(denoiser=IDCDenoiser(removal_rate=0.3, variant="published"))),
        (["--denoiser", "none", "--penalty", "1"],
         dict(denoiser="none", boundary_selector=BoundarySelector(penalty=1.0))),
    ],
    ids=["distance-cosine", "density-oneshot", "idc-published", "none"],
)
def test_selection_options_reach_the_sampler(bilaf, tmp_path, digits32, options,
                                             params):
    path = tmp_path / "emb.npy"
    np.save(path, digits32)
    out = tmp_path / "s.json"
    # 8 % of the pool: above the default core share (5 %), so that the
    # boundary stage runs and its options matter.
    proc = bilaf("select", path, "-b", "8%", "--seed", "11", "-o", out, "-q",
                     "--core-selector", "random", *options)
    assert_ok(proc)
    n_cores = 0.004 if "-k" in options else "auto"
    expected = api_selection(digits32, 0.08, n_cores=n_cores, seed=11, **params)
    assert json.loads(out.read_text()) == expected.selected_indices_.tolist()


@pytest.mark.parametrize("selector", ["kmeans", "fds"])
def test_other_core_selectors(bilaf, tmp_path, digits32, selector):
    from sklearn_bilaf import core

    cls = {"kmeans": "KMeansSelector", "fds": "FarthestPointSelector"}[selector]
    X = digits32[:400]
    path = tmp_path / "emb.npy"
    np.save(path, X)
    out = tmp_path / "s.json"
    proc = bilaf("select", path, "-b", "30", "-k", "5", "-o", out, "-q",
                 "--core-selector", selector)
    assert_ok(proc)
    expected = BiLAFSampler(30, core_selector=getattr(core, cls)(n_cores=5),
                            random_state=0).fit(X)
    assert json.loads(out.read_text()) == expected.selected_indices_.tolist()


@pytest.mark.parametrize("init", [None, "stratified", "k-means", "random"])
def test_activeft_start(bilaf, tmp_path, digits32, init):
    """``--init`` reaches ActiveFT; without it the start is the library
    default's (``"auto"``: the stratified start on a pool this small), as in
    ``BiLAFSampler``'s default core stage."""
    from sklearn_bilaf.core import ActiveFTSelector

    X = digits32[:400]
    path = tmp_path / "emb.npy"
    np.save(path, X)
    out = tmp_path / "s.json"
    options = [] if init is None else ["--init", init]
    proc = bilaf("select", path, "-b", "30", "-k", "5", "-o", out, *options)
    assert_ok(proc)
    expected = BiLAFSampler(
        30, core_selector=ActiveFTSelector(n_cores=5, init=init or "auto"),
        random_state=0).fit(X)
    start = init or "stratified"
    assert json.loads(out.read_text()) == expected.selected_indices_.tolist()
    assert f"by ActiveFT with a {start} start" in " ".join(proc.stdout.split())
    if init is None:
        assert "stratified k-means start: 5 centres" in proc.stderr


@pytest.mark.parametrize("share", [None, "auto", "0", "0.2"])
def test_exclude_isolated_option(bilaf, tmp_path, digits32, share):
    """``--exclude-isolated`` reaches ActiveFT; without it the library
    default's 0 (every row); the summary says how many rows were left out."""
    from sklearn_bilaf.core import ActiveFTSelector

    X = digits32[:400]
    np.save(tmp_path / "e.npy", X)
    options = [] if share is None else ["--exclude-isolated", share]
    proc = bilaf("select", "e.npy", "-b", "30", "-k", "5", "-o", "s.json", "-q",
                 *options, cwd=tmp_path)
    assert_ok(proc)
    value = {None: 0.0, "auto": "auto"}.get(share) if share in (None, "auto") \
        else float(share)
    expected = BiLAFSampler(
        30, core_selector=ActiveFTSelector(n_cores=5, init="auto",
                                           exclude_isolated=value),
        random_state=0).fit(X)
    assert json.loads((tmp_path / "s.json").read_text()) == (
        expected.selected_indices_.tolist())
    flat = " ".join(proc.stdout.split())
    n_out = {None: 0, "auto": 20, "0": 0, "0.2": 80}[share]
    assert ("without the" in flat) == (n_out > 0)
    if n_out:
        assert (f"with a stratified start, without the {n_out} most isolated "
                "rows") in flat


def test_summary_explains_k_next_to_k_not_after_the_rows_left_out(
        bilaf, tmp_path, digits32):
    """The "(auto: 5% of the pool, at most the budget)" of -k auto follows
    the core count's own words, not "without the 20 most isolated rows",
    which it would seem to describe."""
    np.save(tmp_path / "e.npy", digits32[:400])
    proc = bilaf("select", "e.npy", "-b", "30", "-o", "s.json", "-q",
                 "--exclude-isolated", "auto", cwd=tmp_path)
    assert_ok(proc)
    flat = " ".join(proc.stdout.split())
    assert "isolated rows (auto:" not in flat
    assert ("20, by ActiveFT with a stratified start (auto: 5% of the pool, at "
            "most the budget), without the 20 most isolated rows") in flat


@pytest.mark.parametrize("options, message", [
    (["--exclude-isolated", "1"], "'1': the share must be in [0, 1)"),
    (["--exclude-isolated", "-0.1"], "'-0.1': the share must be in [0, 1)"),
    (["--exclude-isolated", "some"], "'some' is not 'auto' or a number"),
    (["--exclude-isolated", "0.1", "--core-selector", "random"],
     "--exclude-isolated only applies to --core-selector activeft, not random"),
])
def test_exclude_isolated_option_errors(bilaf, tmp_path, digits32, options, message):
    np.save(tmp_path / "e.npy", digits32[:100])
    proc = bilaf("select", "e.npy", *options, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_seed_help_names_the_kmeans_core_stage_thread_dependence(bilaf):
    """--seed promised the same selection for the same command and data;
    --core-selector kmeans runs scikit-learn's KMeans on at most two OpenMP
    threads (repeatable from run to run), whose centres can still change in
    their last bits between one thread and two, as the user guide says."""
    flat = " ".join(bilaf("select", "--help").stdout.split())
    assert "the same command on the same data gives the same selection" in flat
    assert ("except that --core-selector kmeans, which runs scikit-learn's "
            "k-means on at most two OpenMP threads, can pick differently on "
            "one thread than on two or more") in flat
    assert "from run to run" not in flat
    assert "OMP_NUM_THREADS=1" in flat


def test_help_of_the_start_and_defaults_is_unambiguous(bilaf):
    """--init said "then k-means within it" (the pool? the start?),
    --exclude-isolated's default 0 "every row" (left out? kept?) and
    --n-jobs's default "none" (no parallelism?)."""
    flat = " ".join(bilaf("select", "--help").stdout.split())
    assert "within it" not in flat and "every row, as in" not in flat
    assert ("stratified (k-means on the normalised rows cuts the pool into "
            "30 strata, at most K; each stratum gets a share of the start "
            "proportional to its size: the samples nearest to the centres of "
            "k-means within that stratum;") in flat
    assert "0 (default: no row left out, as in the paper)" in flat
    assert ("(default: without joblib, on the library's own threads, as many "
            "as BLAS may use; -1 for all cores)") in flat


def test_help_says_what_the_papers_setting_is(bilaf, tmp_path, digits32):
    """The default K (5 %) and start (k-means) are not the paper's; the help
    says so and gives the paper's setting, which gives ActiveFTSelector's
    n_cores="paper" (0.5 % of the pool, random start)."""
    from sklearn_bilaf.core import ActiveFTSelector

    flat = " ".join(bilaf("select", "--help").stdout.split())
    assert "default, as in the paper" not in flat
    assert "the paper's setting: 0.5%)" not in flat
    assert ("'paper' (the paper's 0.5% of the pool, at most the budget)") in flat
    assert ("The paper's setting is 0.5% of the pool with ActiveFT's random "
            "start: -k paper --init random") in flat
    assert "activeft (default: ActiveFT, the paper's core selector, started as " \
        "--init says)" in flat

    X = digits32[:800]  # 0.5 %: 4 cores
    np.save(tmp_path / "e.npy", X)
    expected = BiLAFSampler(
        12, core_selector=ActiveFTSelector(n_cores="paper"), random_state=0).fit(X)
    assert expected.n_cores_ == 4
    for k in ("paper", "0.5%"):
        proc = bilaf("select", "e.npy", "-b", "12", "-k", k, "--init", "random",
                     "-o", "s.json", "-q", cwd=tmp_path)
        assert_ok(proc)
        assert json.loads((tmp_path / "s.json").read_text()) == (
            expected.selected_indices_.tolist()), k
        flat = " ".join(proc.stdout.split())
        assert "4, by ActiveFT with a random start" in flat
        if k == "paper":
            assert "(paper: 0.5% of the pool, at most the budget)" in flat


def test_n_cores_paper_is_capped_at_the_budget_like_the_api(bilaf, tmp_path,
                                                            digits32):
    """-k paper is n_cores="paper": 0.5 % of the pool, at most the budget
    (where -k 0.5% above the budget is an error)."""
    X = digits32[:1200]  # 0.5 %: 6 cores, above a budget of 4
    np.save(tmp_path / "e.npy", X)
    proc = bilaf("select", "e.npy", "-b", "4", "-k", "paper", "--core-selector",
                 "random", "-o", "s.json", "-q", cwd=tmp_path)
    assert_ok(proc)
    expected = BiLAFSampler(4, core_selector=RandomSelector(n_cores="paper"),
                            random_state=0).fit(X)
    assert expected.n_cores_ == 4
    assert json.loads((tmp_path / "s.json").read_text()) == (
        expected.selected_indices_.tolist())
    flat = " ".join(proc.stdout.split())
    assert "cores (K) 4, by random (paper: 0.5% of the pool, at most the " \
        "budget)" in flat


def test_a_percentage_is_the_fraction_it_reads_as(bilaf, tmp_path, digits32):
    """``0.7%`` is the fraction 0.007, as ``budget=0.007`` in Python: 7 of
    1,000 rows (0.7 / 100 in floating point is just below 0.007, which
    floored to 6), for the budget and the number of cores alike."""
    X = digits32[:1000]
    np.save(tmp_path / "e.npy", X)
    expected = api_selection(X, 0.007)
    assert expected.selected_indices_.size == 7
    proc = bilaf("select", "e.npy", "-b", "0.7%", "--core-selector", "random",
                 "-o", "s.json", "-q", cwd=tmp_path)
    assert_ok(proc)
    assert json.loads((tmp_path / "s.json").read_text()) == (
        expected.selected_indices_.tolist())
    assert "budget 7 (0.7% of the pool)" in " ".join(proc.stdout.split())
    expected = api_selection(X, 20, n_cores=0.007)
    assert expected.n_cores_ == 7
    proc = bilaf("select", "e.npy", "-b", "20", "-k", "0.7%", "--core-selector",
                 "random", "-o", "s.json", "-q", cwd=tmp_path)
    assert_ok(proc)
    assert json.loads((tmp_path / "s.json").read_text()) == (
        expected.selected_indices_.tolist())
    proc = bilaf("select", "e.npy", "-b", "5", "-k", "0.7%", "-q", cwd=tmp_path)
    # Quoted as typed: "0.007" would read as another value than "0.7%".
    assert_one_line_error(proc, "--n-cores 0.7% gives 7 cores but the budget is 5")
    proc = bilaf("select", "e.npy", "-b", "5", "-k", "0.007", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "--n-cores 0.007 gives 7 cores but the budget is 5")


def test_a_fraction_below_one_row_says_it_was_raised(bilaf, tmp_path, digits32):
    """``-b 0.01%`` of 1,000 rows floors to 0 and is raised to 1 sample: the
    summary must not call that one pick 0.01 % of the pool."""
    np.save(tmp_path / "e.npy", digits32[:1000])
    proc = bilaf("select", "e.npy", "-b", "0.01%", "--core-selector", "random",
                 "-o", "s.json", cwd=tmp_path)
    assert_ok(proc)
    assert "budget 1 (0.01% of the pool, raised to the minimum of 1)" in " ".join(
        proc.stdout.split())
    assert len(json.loads((tmp_path / "s.json").read_text())) == 1


# -- input formats -----------------------------------------------------------
def test_npz_with_key(bilaf, tmp_path, digits_xy):
    X, y = digits_xy
    path = tmp_path / "feats.npz"
    np.savez_compressed(path, features=X, labels=y)
    out = tmp_path / "s.json"
    proc = bilaf("select", path, "--key", "features", "-b", "20", "-o", out,
                     "--core-selector", "random", "-q")
    assert_ok(proc)
    expected = api_selection(X, 20).selected_indices_
    assert json.loads(out.read_text()) == expected.tolist()


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
@pytest.mark.parametrize("key", [None, "data"])
def test_scipy_sparse_npz_is_refused_with_a_dense_hint(tmp_path, digits_xy, fmt,
                                                       key):
    """scipy.sparse.save_npz writes an .npz of 4-5 arrays (data, indices,
    indptr, format, shape): the command said "choose one with --key", and
    with --key data it said the 1-D array needs X.reshape(-1, 1), a dead end.
    It says what the file is and how to make it dense instead."""
    import scipy.sparse as sp

    X, _ = digits_xy
    path = tmp_path / "tfidf.npz"
    sp.save_npz(path, sp.csr_matrix(X[:100]).asformat(fmt))
    args = ["select", path, "-b", "5", "-q"] + (["--key", key] if key else [])
    proc = call_bilaf(*args)
    assert_one_line_error(
        proc, "tfidf.npz holds a scipy.sparse matrix",
        f"({fmt}, 100 x 64; scipy.sparse.save_npz)",
        "the selection needs dense embeddings", ".toarray())", "TruncatedSVD")
    assert "--key" not in proc.stderr


def test_scipy_sparse_npz_advice_runs(tmp_path, monkeypatch):
    """The advice for a scipy.sparse archive read "Save X.toarray() with
    np.save", with an X it never said how to get, and no file to save it
    to: it is the call that loads the matrix and saves it dense to a new
    .npy file; run, it writes embeddings that load, and leaves the
    archive as it was."""
    import scipy.sparse as sp

    from sklearn_bilaf.io import InputError, load_embeddings

    monkeypatch.chdir(tmp_path)
    X = np.arange(12.0).reshape(4, 3)
    sp.save_npz("e.npz", sp.csr_matrix(X))
    np.save("e_embeddings.npy", np.ones((1, 1)))  # the user's: kept
    taken = {name: (tmp_path / name).read_bytes()
             for name in ("e.npz", "e_embeddings.npy")}
    with pytest.raises(InputError) as raised:
        load_embeddings("e.npz")
    message = str(raised.value)
    calls = re.findall(r"np\.save\('e_embeddings_2\.npy', scipy\.sparse\."
                       r"load_npz\('e\.npz'\)\.toarray\(\)\)", message)
    assert len(calls) == 1, message
    exec(calls[0], {"np": np, "scipy": __import__("scipy.sparse")})
    assert load_embeddings("e_embeddings_2.npy").X.tolist() == X.tolist()
    for name, content in taken.items():
        assert (tmp_path / name).read_bytes() == content, name


@pytest.mark.parametrize("depth", [2, 3])
def test_parquet_nested_lists_of_numbers_are_told_to_flatten(tmp_path, depth):
    """A .parquet column of nested lists of numbers (images, one list per
    row of pixels) was told it "holds lists of list<element: double>, not
    numbers; name a non-numeric column with id_column or label_column, or
    remove it": its numbers are the embeddings.  It is told to save each
    sample's values as one flat list."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn_bilaf.io import InputError, load_embeddings

    rows = np.arange(2 * 2 ** depth, dtype=float).reshape(2, *[2] * depth)
    path = tmp_path / "images.parquet"
    pq.write_table(pa.table({"img": rows.tolist()}), path)
    with pytest.raises(InputError) as raised:
        load_embeddings(path)
    assert str(raised.value) == (
        f"{path}: column 'img' holds nested lists of numbers (an image's rows "
        "of pixels, say), not one list per sample; save each sample's values "
        "as one flat list of numbers"), str(raised.value)


def test_npz_with_sparse_like_names_but_dense_arrays_is_read(tmp_path, digits_xy):
    """An archive that merely has arrays named data and shape is read as usual."""
    X, _ = digits_xy
    path = tmp_path / "e.npz"
    np.savez(path, data=X, shape=np.array(X.shape))
    proc = call_bilaf("select", path, "--key", "data", "-b", "5", "-q",
                      "--core-selector", "random")
    assert_ok(proc)


def test_authors_feature_file_drop_last_column(bilaf, tmp_path, digits_xy):
    """Label stored in the last column: never a feature, never used."""
    X, y = digits_xy
    path = tmp_path / "train_feats.npy"
    np.save(path, np.c_[X, y].astype(np.float32))
    out = tmp_path / "s.json"
    proc = bilaf("select", path, "--drop-last-column", "-b", "20", "-o", out,
                     "--core-selector", "random")
    assert_ok(proc)
    expected = api_selection(X.astype(np.float32), 20)
    assert json.loads(out.read_text()) == expected.selected_indices_.tolist()
    assert "64 features" in proc.stdout
    assert "never used for selection" in proc.stdout


def test_csv_with_id_and_label_columns(bilaf, tmp_path, digits_xy):
    X, y = digits_xy
    X, y = X[:400], y[:400]
    path = tmp_path / "emb.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path"] + [f"f{j}" for j in range(X.shape[1])] + ["label"])
        for i, row in enumerate(X):
            writer.writerow([f"a/{i}.jpg"] + [repr(float(v)) for v in row] + [y[i]])
    out = tmp_path / "s.csv"
    proc = bilaf("select", path, "--id-column", "path", "--label-column", "label",
                     "-b", "12", "-o", out, "--core-selector", "random", "-q")
    assert_ok(proc)
    expected = api_selection(X, 12)
    rows = read_csv_output(out)
    assert [int(r["row"]) for r in rows] == expected.selected_indices_.tolist()
    assert [r["id"] for r in rows] == [f"a/{i}.jpg" for i in expected.selected_indices_]
    assert "64 features" in proc.stdout


def test_ids_file_that_is_the_embeddings_table_is_its_id_column(tmp_path,
                                                                digits_xy):
    """'e.csv --ids e.csv --id-column path' takes the ids from the table's
    column and leaves it out of the features, as '--id-column path' alone
    does: the column went to the ids file only, so the table's text column
    was read as a feature and the error said to name it with --id-column."""
    X = digits_xy[0][:300]
    path = tmp_path / "emb.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path"] + [f"f{j}" for j in range(X.shape[1])])
        for i, row in enumerate(X):
            writer.writerow([f"a/{i}.jpg"] + [repr(float(v)) for v in row])
    common = ["select", "emb.csv", "--id-column", "path", "-b", "9",
              "--core-selector", "random", "-q"]
    alone = call_bilaf(*common, "-o", "alone.json", cwd=tmp_path)
    assert_ok(alone)
    both = call_bilaf(*common, "--ids", "emb.csv", "-o", "both.json", cwd=tmp_path)
    assert_ok(both)
    expected = [f"a/{i}.jpg" for i in api_selection(X, 9).selected_indices_]
    assert json.loads((tmp_path / "both.json").read_text()) == expected
    assert json.loads((tmp_path / "alone.json").read_text()) == expected


def test_empty_id_in_a_table_names_its_line(tmp_path):
    """An empty id cell is told by its line, with what to do; it was "data
    row 2 has an empty id", a row number counted from 0 after the header."""
    from sklearn_bilaf.io import InputError, load_embeddings

    (tmp_path / "e.csv").write_text("id,a,b\ns0,1,2\n\ns1,3,4\n ,5,6\ns3,7,8\n")
    with pytest.raises(InputError) as info:
        load_embeddings(tmp_path / "e.csv", id_column="id")
    assert str(info.value) == (
        f"{tmp_path / 'e.csv'}: line 5, id column 'id' is empty; every row needs "
        "an id: fill it in or drop that row, and save the file again")
    (tmp_path / "e.tsv").write_text("1\t2\ts0\n3\t4\t\n")
    with pytest.raises(InputError, match="e.tsv: line 2, id column 2 is empty"):
        load_embeddings(tmp_path / "e.tsv", id_column=2, header="no")


def test_tsv_without_header_and_pandas_index_csv(bilaf, tmp_path, digits_xy):
    X = digits_xy[0][:300]
    expected = api_selection(X, 9).selected_indices_.tolist()
    tsv = tmp_path / "emb.tsv"
    tsv.write_text("".join("\t".join(repr(float(v)) for v in row) + "\n" for row in X))
    # What DataFrame(X).to_csv() writes: an unnamed index column, names 0..d-1.
    pandas_csv = tmp_path / "df.csv"
    pandas_csv.write_text(
        "," + ",".join(str(j) for j in range(X.shape[1])) + "\n"
        + "".join(f"{i}," + ",".join(repr(float(v)) for v in row) + "\n"
                  for i, row in enumerate(X)))
    for path in (tsv, pandas_csv):
        out = tmp_path / f"{path.stem}.json"
        proc = bilaf("select", path, "-b", "9", "-o", out, "--core-selector",
                         "random")
        assert_ok(proc)
        assert json.loads(out.read_text()) == expected, path
        assert "300 rows x 64 features" in proc.stdout


@pytest.mark.parametrize("name, text, found", [
    # An id column first, as embeddings of files usually come: the id is no
    # number, which hid the separator ("column 'name;a;b' holds ...").
    ("e.csv", "name;a;b\nimg1.jpg;0.1;0.2\nimg2.jpg;0.3;0.4\n",
     "e.csv is not comma-separated: its line 2 holds numbers separated by "
     "semicolons"),
    ("e.csv", "img1.jpg;0.1;0.2\nimg2.jpg;0.3;0.4\n",
     "its line 1 holds numbers separated by semicolons"),
    # R's write.csv2: quoted row names and names, decimal commas.
    ("e.csv", '"";"a";"b"\n"1";1,5;2,5\n"2";3,5;4,25\n',
     "its line 2 holds numbers separated by semicolons, with decimal commas"),
    # A text label last.
    ("e.csv", "0.1;0.2;cat\n0.3;0.4;dog\n",
     "its line 1 holds numbers separated by semicolons"),
    ("e.csv", "id a b\nx 0.1 0.2\ny 0.3 0.4\n",
     "its line 2 holds numbers separated by spaces"),
    ("e.tsv", "id,a,b\nx,0.1,0.2\ny,0.3,0.4\n",
     "e.tsv is not tab-separated: its line 2 holds numbers separated by "
     "commas; name it .csv"),
])
def test_foreign_separator_is_told_beside_a_text_column(tmp_path, name, text,
                                                         found):
    """A table separated otherwise than its extension says is told so also
    when a column holds text (ids, file names, labels), with or without
    --id-column; the error named a "column" made of whole lines, or said
    that no feature column was left."""
    path = tmp_path / name
    path.write_text(text)
    for extra in ([], ["--id-column", "0"]):
        proc = call_bilaf("select", path, "-b", "1", "-q", *extra)
        assert_one_line_error(proc, found)


@pytest.mark.parametrize("text, shown", [
    # A spreadsheet in a locale with decimal commas, exported as CSV.
    ('a,b\n"1,5","2,5"\n"3,25","4"\n', "'1,5'"),
    # Numbers formatted with thousands separators.
    ('a,b\n1,2\n"1,234.5",7\n', "'1,234.5'"),
])
def test_numbers_written_with_commas_are_told_so(tmp_path, text, shown):
    """A quoted number holding a comma is told as such, not as a text column
    to name with --id-column or --label-column."""
    path = tmp_path / "e.csv"
    path.write_text(text)
    proc = call_bilaf("select", path, "-b", "1", "-q")
    assert_one_line_error(
        proc, f"column 'a' holds {shown}, a number written with a comma (a "
        "decimal comma or a thousands separator); save the numbers without "
        "it, with a point as the decimal mark (1234.5)")
    assert "--id-column" not in proc.stderr


def test_text_with_other_separators_inside_a_table_is_read(tmp_path):
    """Ids holding semicolons or spaces in a comma-separated table, and a
    one-column table whose name has a space and a number, are still read."""
    ids = tmp_path / "ids.csv"
    ids.write_text('id,a,b\n"x;1;2",0.1,0.2\ny 3 4,0.3,0.4\nz,0.5,0.7\n')
    out = tmp_path / "s.csv"
    proc = call_bilaf("select", ids, "-b", "2", "-q", "--id-column", "id",
                      "--core-selector", "random", "-o", out)
    assert_ok(proc)
    assert "3 rows x 2 features" in proc.stdout
    # np.savetxt(..., header="0 1 2") writes a comment line first: told as
    # a comment, not as a space-separated row.
    commented = tmp_path / "commented.csv"
    np.savetxt(commented, np.eye(3), delimiter=",", header="0 1 2")
    proc = call_bilaf("select", commented, "-b", "1", "-q")
    assert_one_line_error(proc, "line 1 is a comment ('# 0 1 2'")
    one = tmp_path / "one.csv"
    one.write_text("feature 1\n" + "".join(f"{v}\n" for v in range(9)))
    proc = call_bilaf("select", one, "-b", "2", "-q", "--core-selector",
                      "random")
    assert_ok(proc)
    assert "9 rows x 1 feature," in proc.stdout


def test_first_row_taken_for_pandas_names_is_reported(tmp_path):
    # One column whose first value is 0 reads like pandas' header "0": the
    # row is dropped as the help says, but not silently.
    path = tmp_path / "one.csv"
    path.write_text("".join(f"{i % 7}\n" for i in range(40)))
    proc = call_bilaf("select", path, "-b", "4", "-k", "2", "--core-selector",
                      "random")
    assert_ok(proc)
    assert ("one.csv: the first row (0) is taken as pandas' column names, not "
            "data; pass --header no if it is data") in proc.stderr
    assert "39 rows x 1 feature," in proc.stdout
    proc = call_bilaf("select", path, "-b", "4", "-k", "2", "--core-selector",
                      "random", "--header", "no")
    assert_ok(proc)
    assert "pandas" not in proc.stderr
    assert "40 rows x 1 feature," in proc.stdout


@pytest.mark.parametrize("options", [[], ["--header", "no"],
                                     ["--header", "yes", "--id-column", "path"]])
def test_space_separated_csv_is_told_whatever_the_options(tmp_path, options):
    """The separator is checked first: neither the header nor the columns
    asked for can turn it into a message about a column named '1.76e+00 ...'."""
    np.savetxt(tmp_path / "emb.csv", np.random.RandomState(0).normal(size=(9, 3)))
    proc = call_bilaf("select", "emb.csv", "-q", *options, cwd=tmp_path)
    assert_one_line_error(proc, "emb.csv is not comma-separated: its line 1 holds "
                          "numbers separated by spaces")
    assert "column" not in proc.stderr


def test_comma_separated_files_with_spaces_still_load(tmp_path):
    """What the separator check must not refuse: a one-column file under a
    header with a space, ids with spaces, padded numbers."""
    from sklearn_bilaf.io import load_embeddings

    (tmp_path / "one.csv").write_text("my feature\n1.5\n 2.5\n-3\n")
    assert load_embeddings(tmp_path / "one.csv").X.ravel().tolist() == [1.5, 2.5, -3]
    (tmp_path / "ids.csv").write_text("name,a,b\nred car,1, 2\nblue 3,3 ,4\n")
    pool = load_embeddings(tmp_path / "ids.csv", id_column="name")
    assert pool.ids == ["red car", "blue 3"]
    assert pool.X.tolist() == [[1, 2], [3, 4]]
    (tmp_path / "t.tsv").write_text("a b\tc\n1\t2\n")
    assert load_embeddings(tmp_path / "t.tsv").X.tolist() == [[1, 2]]


def _label_like_csv(path, names):
    rows = np.random.RandomState(0).randint(0, 5, size=(40, len(names)))
    rows[:, -1] = np.arange(40)  # distinct, to be valid ids too
    path.write_text(",".join(names) + "\n"
                    + "".join(",".join(map(str, r)) + "\n" for r in rows))


@pytest.mark.parametrize("name, option", [
    ("label", "--label-column"), ("Labels", "--label-column"),
    ("target", "--label-column"), ("y", "--label-column"),
    ("CLASS", "--label-column"), ("id", "--id-column"), ("IDs", "--id-column"),
    # df.reset_index().to_csv(path, index=False): the row labels, 0, 1, ...
    ("index", "--id-column"),
])
def test_numeric_column_named_like_labels_or_ids_is_warned_about(
        tmp_path, name, option):
    _label_like_csv(tmp_path / "e.csv", ["f0", "f1", name])
    proc = call_bilaf("select", "e.csv", "-b", "4", "-k", "2", "-q",
                      "--core-selector", "random", cwd=tmp_path)
    assert_ok(proc)
    # Shown under --quiet, on stderr, as the command's other warnings.
    what = "ids" if option == "--id-column" else "labels"
    assert proc.stderr == (
        f"bilaf: warning: e.csv: column {name!r} is used as a feature, but its "
        f"name says it holds {what}; if it does, pass {option} {name} to leave "
        "it out (if it is a feature, rename the column to silence this "
        "warning)\n")
    assert "40 rows x 3 features" in proc.stdout
    proc = call_bilaf("select", "e.csv", "-b", "4", "-k", "2", "-q", option, name,
                      "--core-selector", "random", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr == ""
    assert "40 rows x 2 features" in proc.stdout


def test_label_like_names_that_are_no_warning(tmp_path):
    import warnings

    from sklearn_bilaf.io import InputError, load_embeddings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # x and y are coordinates; "labelled" and "y2" are other names; a
        # file without a header has no names.
        _label_like_csv(tmp_path / "xy.csv", ["x", "y", "labelled", "y2"])
        load_embeddings(tmp_path / "xy.csv")
        (tmp_path / "plain.csv").write_text("1,2\n3,4\n")
        load_embeddings(tmp_path / "plain.csv")
        # A file that fails says its error, not also the warning.
        (tmp_path / "bad.csv").write_text("a,label\n1,2\n3,x\n")
        with pytest.raises(InputError, match="not a number"):
            load_embeddings(tmp_path / "bad.csv")
    # For scripts the warning is a UserWarning.
    _label_like_csv(tmp_path / "e.csv", ["a", "target"])
    with pytest.warns(UserWarning, match="column 'target' is used as a feature"):
        load_embeddings(tmp_path / "e.csv")


def test_parquet_label_like_column_is_warned_about(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    values = np.random.RandomState(0).normal(size=(30, 2))
    pq.write_table(pa.table({"emb": pa.array(values.tolist()),
                             "Target": np.arange(30) % 3}), tmp_path / "e.parquet")
    proc = call_bilaf("select", "e.parquet", "-b", "3", "-k", "1", "-q",
                      "--core-selector", "random", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr.startswith(
        "bilaf: warning: e.parquet: column 'Target' is used as a feature, but its "
        "name says it holds labels; if it does, pass --label-column Target")
    proc = call_bilaf("select", "e.parquet", "-b", "3", "-k", "1", "-q",
                      "--label-column", "Target", "--core-selector", "random",
                      cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr == ""


def test_parquet_with_list_column(bilaf, tmp_path, digits_xy):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    X, y = digits_xy
    X32 = X[:500].astype(np.float32)
    table = pa.table({
        "key": pa.array([f"k{i}" for i in range(500)]),
        "embedding": pa.FixedSizeListArray.from_arrays(pa.array(X32.ravel()), 64),
        "label": pa.array(y[:500]),
    })
    path = tmp_path / "emb.parquet"
    pq.write_table(table, path)
    out = tmp_path / "s.csv"
    proc = bilaf("select", path, "--id-column", "key", "--label-column", "label",
                     "-b", "15", "-o", out, "--core-selector", "random", "-q")
    assert_ok(proc)
    expected = api_selection(X32, 15)
    rows = read_csv_output(out)
    assert [int(r["row"]) for r in rows] == expected.selected_indices_.tolist()
    assert [r["id"] for r in rows] == [f"k{i}" for i in expected.selected_indices_]
    assert "float32" in proc.stdout


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    path = tmp_path / "emb.parquet"
    path.write_bytes(b"PAR1")
    # None in sys.modules makes ``import pyarrow`` raise ImportError.
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    proc = call_bilaf("select", path, "-q")
    assert_one_line_error(proc, "pip install 'sklearn_bilaf[parquet]'")


@pytest.mark.slow
def test_parquet_without_pyarrow_subprocess(tmp_path):
    stub = tmp_path / "stub"
    (stub / "pyarrow").mkdir(parents=True)
    (stub / "pyarrow" / "__init__.py").write_text("raise ImportError('hidden')\n")
    path = tmp_path / "emb.parquet"
    path.write_bytes(b"PAR1")
    env = {**os.environ, "PYTHONPATH": str(stub)}
    proc = run_bilaf("select", path, "-q", env=env)
    assert_one_line_error(proc, "pip install 'sklearn_bilaf[parquet]'")


# -- bad input -----------------------------------------------------------------
class _Pickled:
    """Unpickling it creates a marker file: proof that nothing got unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _bad_inputs(tmp_path, X):
    """(name, files to write, command arguments, expected fragment) cases."""
    marker = tmp_path / "unpickled"
    objects = np.array([_Pickled(marker), 1.0], dtype=object)
    inf = X[:50].copy()
    inf[7, 3] = np.inf
    return {
        "missing file": (lambda: None, ["nope.npy"], "nope.npy: no such file"),
        "folder": (lambda: (tmp_path / "dir.npy").mkdir(), ["dir.npy"],
                   "is a folder"),
        "wrong extension": (lambda: np.savetxt(tmp_path / "e.txt", X[:5]),
                            ["e.txt"], "unknown embeddings format '.txt'"),
        "not npy": (lambda: (tmp_path / "e.npy").write_text("1,2,3\n"), ["e.npy"],
                    "not a NumPy .npy file"),
        "truncated npy": (
            lambda: (tmp_path / "e.npy").write_bytes(_npy_bytes(X)[:500]),
            ["e.npy"], "truncated"),
        "object npy": (
            lambda: np.save(tmp_path / "e.npy", objects, allow_pickle=True),
            ["e.npy"], "Python objects"),
        "object npz": (
            lambda: np.savez(tmp_path / "e.npz", X=objects),
            ["e.npz"], "Python objects"),
        "npz member not npy": (
            lambda: _write_zip(tmp_path / "e.npz", {"x.npy": b"1,2,3\n"}),
            ["e.npz"], "e.npz[x] is not a NumPy array"),
        "truncated npz member": (
            lambda: _write_zip(tmp_path / "e.npz", {"x.npy": _npy_bytes(X)[:500]}),
            ["e.npz"], "e.npz[x]: unreadable (EOF"),
        # np.savetxt(path, X, delimiter=",", header="...") writes "# ..." first:
        # "line 2 has 64 fields but the first row has 1" was all it said.
        "savetxt comment header": (
            lambda: np.savetxt(tmp_path / "e.csv", X, delimiter=",",
                               header="digits, 8x8 pixels"),
            ["e.csv"], "e.csv: line 2 has 64 fields but the first row has 2; "
            "every row needs the same columns; line 1 is a comment ('# digits, "
            "8x8 pixels', as np.savetxt's header= writes), which is not skipped: "
            "remove it, or save with np.savetxt(..., comments='') for a header "
            "row"),
        # The header read as data: the error said to name the column with
        # --id-column.
        "header with --header no": (
            lambda: (tmp_path / "e.csv").write_text("a,b\n1,2\n3,4\n"),
            ["e.csv", "--header", "no"],
            "e.csv: line 1, column 0 holds 'a', not a number; name a non-numeric "
            "column with --id-column or --label-column, or remove it; if line 1 "
            "is a header, not data, leave out --header no"),
        # Compressed tables: told to be saved with np.save, or an unknown
        # format '.gz'.
        "gzip named csv": (
            lambda: (tmp_path / "e.csv").write_bytes(
                __import__("gzip").compress(b"a,b\n1,2\n")),
            ["e.csv"], "e.csv: not UTF-8 text: it is gzip-compressed; decompress "
            "it first (gunzip)"),
        "csv.gz": (
            lambda: (tmp_path / "e.csv.gz").write_bytes(
                __import__("gzip").compress(b"a,b\n1,2\n")),
            ["e.csv.gz"], "e.csv.gz: is compressed (.gz); decompress it first, "
            "and give the .csv file"),
        # zipfile's "File is not a zip file" was all it said.
        "truncated npz": (
            lambda: np.savez(tmp_path / "e.npz", x=X) or (tmp_path / "e.npz")
            .write_bytes((tmp_path / "e.npz").read_bytes()[:1000]),
            ["e.npz"], "e.npz: unreadable .npz archive: it starts as one, but its "
            "end (the list of its arrays) is missing or damaged; is it "
            "truncated? write it again"),
        # zlib's error escaped as a traceback.
        "damaged compressed npz member": (
            lambda: _damaged_compressed_npz(tmp_path / "e.npz", X),
            ["e.npz"], "e.npz[x]: unreadable (Error -3 while decompressing "
            "data"),
        "empty npy": (lambda: (tmp_path / "e.npy").write_bytes(b""), ["e.npy"],
                      "e.npy is empty (0 bytes)"),
        "empty npz": (lambda: (tmp_path / "e.npz").write_bytes(b""), ["e.npz"],
                      "e.npz is empty (0 bytes)"),
        "empty parquet": (lambda: (tmp_path / "e.parquet").write_bytes(b""),
                          ["e.parquet"], "e.parquet is empty (0 bytes)"),
        "npz named npy": (
            lambda: np.savez(tmp_path / "e.npy.npz", X=X) or
            (tmp_path / "e.npy.npz").rename(tmp_path / "e.npy"),
            ["e.npy"], "e.npy: not a NumPy .npy file: it is a zip archive, as "
            "np.savez writes; name it .npz"),
        "npy named npz": (
            lambda: (tmp_path / "e.npz").write_bytes(_npy_bytes(X)),
            ["e.npz"], "e.npz: not a NumPy .npz archive: it is a NumPy .npy "
            "file; name it .npy"),
        "npy named csv": (
            lambda: (tmp_path / "e.csv").write_bytes(_npy_bytes(X)),
            ["e.csv"], "e.csv: not UTF-8 text: it is a NumPy .npy file; name it "
            ".npy"),
        "parquet named npy": (
            lambda: (tmp_path / "e.npy").write_bytes(b"PAR1" + bytes(40) + b"PAR1"),
            ["e.npy"], "it is a Parquet file; name it .parquet"),
        "pickle npy": (
            lambda: (tmp_path / "e.npy").write_bytes(
                pickle.dumps(_Pickled(tmp_path / "unpickled"))),
            ["e.npy"], "e.npy: not a NumPy .npy file: it is a Python pickle, "
            "which is never unpickled; save the embeddings with np.save"),
        "pickle npz": (
            lambda: (tmp_path / "e.npz").write_bytes(pickle.dumps(X)),
            ["e.npz"], "it is a Python pickle, which is never unpickled"),
        "npz without arrays": (
            lambda: np.savez(tmp_path / "e.npz"), ["e.npz"],
            "e.npz holds no arrays"),
        "text npy": (lambda: np.save(tmp_path / "e.npy", np.array([["a", "b"]])),
                     ["e.npy"], "holds text"),
        "1-D npy": (lambda: np.save(tmp_path / "e.npy", X[:, 0]), ["e.npy"],
                    "must be 2-D"),
        # Images as they come, (n, height, width): the message says how to
        # flatten them.
        "3-D npy": (lambda: np.save(tmp_path / "e.npy", X[:20].reshape(20, 2, -1)),
                    ["e.npy"], f"shape (20, 2, {X.shape[1] // 2}); embeddings "
                    "must be 2-D, one row per sample and one column per feature; "
                    f"to use each sample's {X.shape[1]} values (an image's "
                    "pixels, say) as its features, save them flat by running "
                    "np.save('e_embeddings.npy', np.load('e.npy').reshape(20, -1)) "
                    "instead"),
        "inf in npy": (lambda: np.save(tmp_path / "e.npy", inf), ["e.npy"],
                       "row 7, column 3 is inf"),
        "nan in csv": (
            lambda: (tmp_path / "e.csv").write_text("a,b\n1,2\n3,nan\n4,5\n"),
            ["e.csv"], "line 3, column 'b' is nan"),
        "non-numeric column": (
            lambda: (tmp_path / "e.csv").write_text("a,b\n1,2\n3,cat\n"),
            ["e.csv"], "column 'b' holds 'cat', not a number"),
        "empty cell": (
            lambda: (tmp_path / "e.csv").write_text("a,b\n1,2\n3,\n"),
            ["e.csv"], "line 3, column 'b' is empty"),
        "ragged csv": (
            lambda: (tmp_path / "e.csv").write_text("a,b\n1,2\n3,4,5\n"),
            ["e.csv"], "line 3 has 3 fields"),
        "space-separated csv": (
            lambda: np.savetxt(tmp_path / "e.csv", X[:5]), ["e.csv"],
            "e.csv is not comma-separated: its line 1 holds numbers separated by "
            "spaces; save it with commas, e.g. in Python, with csv imported: "
            "with open("),
        "space-separated csv with a header": (
            lambda: np.savetxt(tmp_path / "e.csv", X[:5], header="a b c"),
            ["e.csv"], "its line 2 holds numbers separated by spaces"),
        "tab-separated csv": (
            lambda: np.savetxt(tmp_path / "e.csv", X[:5], delimiter="\t"),
            ["e.csv"], "separated by tabs; name it .tsv, or save it with commas"),
        "semicolon-separated csv": (
            lambda: np.savetxt(tmp_path / "e.csv", X[:5], delimiter=";"),
            ["e.csv"], "e.csv is not comma-separated: its line 1 holds numbers "
            "separated by semicolons"),
        "decimal-comma csv": (
            lambda: (tmp_path / "e.csv").write_text("a;b\n1,5;2\n0,25;3,5\n"),
            ["e.csv"], "its line 2 holds numbers separated by semicolons, with "
            "decimal commas; save it with commas between values and points as "
            "decimal marks"),
        "comma-separated tsv": (
            lambda: np.savetxt(tmp_path / "e.tsv", X[:5], delimiter=","),
            ["e.tsv"], "e.tsv is not tab-separated: its line 1 holds numbers "
            "separated by commas; name it .csv"),
        "space-separated tsv": (
            lambda: np.savetxt(tmp_path / "e.tsv", X[:5]), ["e.tsv"],
            "separated by spaces; save it with tabs"),
        "binary csv": (lambda: (tmp_path / "e.csv").write_bytes(b"\xff\xfe\x00" * 9),
                       ["e.csv"], "not UTF-8 text"),
        "zero rows npy": (lambda: np.save(tmp_path / "e.npy", np.zeros((0, 4))),
                          ["e.npy"], "zero rows"),
        "zero rows csv": (lambda: (tmp_path / "e.csv").write_text("a,b\n"),
                          ["e.csv"], "zero data rows"),
        "whitespace-only csv": (
            lambda: (tmp_path / "e.csv").write_text("  \n\n \t \n"), ["e.csv"],
            "e.csv is empty: there is nothing to select from"),
        "unnamed column": (
            lambda: (tmp_path / "e.csv").write_text("a,b,\n1,2,\n3,4,\n"),
            ["e.csv"], "e.csv: line 2 ends with a separator, which leaves an "
            "empty last column"),
        "unnamed column with nan": (
            lambda: (tmp_path / "e.csv").write_text("a,,c\n1,2,3\n3,nan,4\n"),
            ["e.csv"], "e.csv: line 3, column 1 (unnamed) is nan"),
        "empty csv": (lambda: (tmp_path / "e.csv").write_text(""), ["e.csv"],
                      "is empty"),
        "budget above pool": (lambda: np.save(tmp_path / "e.npy", X[:50]),
                              ["e.npy", "--budget", "51"],
                              "--budget 51 is more than the 50 rows"),
        # A fraction: the pool decides (two counts are a bad command line).
        "cores above budget": (lambda: np.save(tmp_path / "e.npy", X[:50]),
                               ["e.npy", "-b", "0.08", "-k", "5"],
                               "the budget is 4"),
        # A count above the pool: said so, not "gives more than the pool cores".
        "cores above pool": (lambda: np.save(tmp_path / "e.npy", X[:50]),
                             ["e.npy", "-b", "0.08", "-k", "60"],
                             "--n-cores 60 is more than the 50 rows of "),
        "NA in csv": (
            lambda: (tmp_path / "e.csv").write_text("a,b\n1,2\n3,NA\n4,5\n"),
            ["e.csv"], "e.csv: line 3, column 'b' holds 'NA', a missing value; "
            "missing values are not supported"),
        "text ids without header": (
            lambda: (tmp_path / "e.csv").write_text(
                "p0,0.5,1.5\np1,2.5,3.5\np2,4.5,5.5\n"),
            ["e.csv"], "column 'p0' holds 'p1', not a number; name a non-numeric "
            "column with --id-column or --label-column, or remove it; if line 1 "
            "is data, not a header, pass --header no"),
        "npz without key": (lambda: np.savez(tmp_path / "e.npz", a=X, b=X),
                            ["e.npz"], "choose one with --key"),
        "npz wrong key": (lambda: np.savez(tmp_path / "e.npz", a=X),
                          ["e.npz", "--key", "b"], "no array named 'b'"),
        "missing id column": (
            lambda: (tmp_path / "e.csv").write_text("a,b\n1,2\n"),
            ["e.csv", "--id-column", "path"], "--id-column 'path' is not a column"),
        "ids count": (
            lambda: (np.save(tmp_path / "e.npy", X[:50]),
                     (tmp_path / "ids.txt").write_text("a\nb\n")),
            ["e.npy", "--ids", "ids.txt"], "gives 2 ids but the embeddings have 50"),
        # One id too many in a text file: likely a header line, which was
        # not said.
        "ids file with a header line": (
            lambda: (np.save(tmp_path / "e.npy", X[:3]),
                     (tmp_path / "ids.txt").write_text("path\na\nb\nc\n")),
            ["e.npy", "--ids", "ids.txt"],
            "--ids ids.txt gives 4 ids but the embeddings have 3 rows; it needs "
            "exactly one id per row, in row order; is line 1 ('path') a header? "
            "a file of one id per line has none: remove that line, or rename "
            "the file ids.csv to read it as a table with that header"),
        "missing ids file": (
            lambda: np.save(tmp_path / "e.npy", X[:50]),
            ["e.npy", "--ids", "nope.txt"], "--ids nope.txt: no such file"),
        "ids file is a folder": (
            lambda: (np.save(tmp_path / "e.npy", X[:50]),
                     (tmp_path / "ids").mkdir()),
            ["e.npy", "--ids", "ids"], "--ids ids: is a folder, not a file"),
        "repeated ids": (
            lambda: (np.save(tmp_path / "e.npy", X[:4]),
                     (tmp_path / "ids.txt").write_text("a\nb\na\nc\n")),
            ["e.npy", "--ids", "ids.txt"],
            "--ids ids.txt: the id 'a' is repeated, at rows 0 and 2 (lines 1 and "
            "3)"),
        "repeated ids in a table": (
            lambda: (np.save(tmp_path / "e.npy", X[:5]),
                     (tmp_path / "ids.csv").write_text(
                         "n,key\n0,x\n1,y\n2,x\n3,x\n4,x\n")),
            ["e.npy", "--ids", "ids.csv", "--id-column", "key"],
            "the id 'x' is repeated, at rows 0, 2, 3 and 1 more (lines 2, 4, 5 "
            "and 1 more)"),
        # Every message about the ids file names the option it came from.
        "ids column out of range": (
            lambda: (np.save(tmp_path / "e.npy", X[:2]),
                     (tmp_path / "ids.csv").write_text("n,key\n0,x\n1,y\n")),
            ["e.npy", "--ids", "ids.csv", "--id-column", "2"],
            "--ids ids.csv: --id-column 2 is out of range"),
        "ragged ids table": (
            lambda: (np.save(tmp_path / "e.npy", X[:2]),
                     (tmp_path / "ids.csv").write_text("n,key\n0,x\n1\n")),
            ["e.npy", "--ids", "ids.csv", "--id-column", "key"],
            "--ids ids.csv: line 3 has 1 field but the header has 2"),
        "repeated id column": (
            lambda: (tmp_path / "e.csv").write_text("id,a\nq,1\nr,2\n\nq,3\n"),
            ["e.csv", "--id-column", "id"],
            "e.csv, id column 'id': the id 'q' is repeated, at rows 0 and 2 "
            "(lines 2 and 5)"),
        "output folder missing": (lambda: np.save(tmp_path / "e.npy", X[:50]),
                                  ["e.npy", "-o", "no/such/dir/s.json"],
                                  "does not exist"),
        "output under a file": (lambda: np.save(tmp_path / "e.npy", X[:50]),
                                ["e.npy", "-o", "e.npy/sub/s.json"],
                                "'e.npy' is a file, not a folder"),
        "output is a folder": (
            lambda: (np.save(tmp_path / "e.npy", X[:50]),
                     (tmp_path / "out").mkdir()),
            ["e.npy", "-o", "out"], "-o out: is a folder; give a file name"),
        "input folder without extension": (
            lambda: (tmp_path / "emb").mkdir(), ["emb"],
            "emb: is a folder, not a file"),
        "output is input": (lambda: np.save(tmp_path / "e.npy", X[:50]),
                            ["e.npy", "-o", "e.npy"], "also an input file"),
        "cosine zero row": (
            lambda: np.save(tmp_path / "e.npy", np.r_[X[:50], [X[0] * 0]]),
            ["e.npy", "--metric", "cosine", "--core-selector", "random"],
            "all-zero rows"),
    }


def _write_zip(path, members):
    """A zip archive of raw members, as a hand-made or damaged .npz would be."""
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _damaged_compressed_npz(path, X):
    """``np.savez_compressed``'s archive with its member's deflate stream
    damaged (a bad disk block, say); the archive's directory is intact."""
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", _npy_bytes(X))
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("x.npy")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 2, start + info.compress_size - 2):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _npy_bytes(X):
    import io

    buffer = io.BytesIO()
    np.save(buffer, X)
    return buffer.getvalue()


BAD_INPUTS = sorted(_bad_inputs(Path("."), np.zeros((60, 4))))


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_one_line_error_and_no_output(bilaf, tmp_path, digits_xy, case):
    X = digits_xy[0]
    make, args, fragment = _bad_inputs(tmp_path, X)[case]
    make()
    if "-o" not in args:
        args = [*args, "-o", "out.json"]
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = bilaf("select", *args, "-q", cwd=tmp_path)
    assert_one_line_error(proc, fragment)
    assert_nothing_written(tmp_path, before)
    assert not (tmp_path / "unpickled").exists()


@pytest.mark.parametrize("case", ["object npy"])
def test_bad_input_real_command(tmp_path, digits_xy, case):
    """Always as a subprocess: the console entry point's own error handling."""
    make, args, fragment = _bad_inputs(tmp_path, digits_xy[0])[case]
    make()
    if "-o" not in args:
        args = [*args, "-o", "out.json"]
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = run_bilaf("select", *args, cwd=tmp_path)
    assert_one_line_error(proc, fragment, quiet=False)
    assert_nothing_written(tmp_path, before)
    assert not (tmp_path / "unpickled").exists()


def _library_error_cases(X):
    """(pool, options, fragments) where the library's own check stops the run."""
    with_zero_rows = X[:200] > 8  # a bool pool, as in a bag of flags
    with_zero_rows[[3, 40]] = False
    return {
        "all-zero rows, activeft": (
            with_zero_rows, [],
            ["e.npy has 2 all-zero rows (rows 3 and 40) and --core-selector "
             "activeft (the default) normalises every row",
             "or choose the cores with --core-selector kmeans, random or fds"]),
        "all-zero rows, activeft and cosine": (
            with_zero_rows, ["--metric", "cosine"],
            ["--core-selector activeft (the default) and --metric cosine "
             "normalise every row", "kmeans, random or fds and use --metric "
             "euclidean (the default)"]),
        "all-zero rows, cosine": (
            with_zero_rows, ["--metric", "cosine", "--core-selector", "random"],
            ["e.npy has 2 all-zero rows (rows 3 and 40) and --metric cosine "
             "normalises every row", "or use --metric euclidean (the default)"]),
        "huge values": (
            X[:200] * 1e200, ["--core-selector", "random"],
            ["e.npy has values as large as 1.6e+201", "rescale the embeddings "
             "(e.g. divide them by 1.6e+201) and save them again"]),
        "values too small": (
            X[:200] * 1e-200, ["--core-selector", "random"],
            ["e.npy has no value larger than 1.6e-199 in absolute value, so "
             "squared distances between its rows underflow to 0 even in float64: "
             "rescale the embeddings (e.g. divide them by 1.6e-199) and save "
             "them again"]),
        "tiny norms": (
            (X[:200] * 1e-44).astype(np.float32), [],
            ["rows 0, 1, 2, 3, 4 and 195 more) have norms too small for "
             "--core-selector "
             "activeft (the default) to normalise in float32: rescale the "
             "embeddings (e.g. multiply them by a power of 10) or save them as "
             "float64, or choose the cores with --core-selector kmeans, random "
             "or fds"]),
    }


@pytest.mark.parametrize("case", sorted(_library_error_cases(np.zeros((200, 2)))))
def test_library_errors_are_told_in_command_line_terms(bilaf, tmp_path, digits_xy,
                                                      case):
    """The estimators' checks name Python parameters and classes; the command
    names its options instead (the library's messages stay as they are)."""
    X, options, fragments = _library_error_cases(digits_xy[0])[case]
    np.save(tmp_path / "e.npy", X)
    proc = bilaf("select", "e.npy", "-b", "10", "-o", "s.json", "-q", *options,
                 cwd=tmp_path)
    assert_one_line_error(proc, *fragments)
    for python in ("Selector", "metric=", "Rescale X", "pass it as"):
        assert python not in proc.stderr, python
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy"]


def test_kmeans_warning_is_told_in_command_line_terms(bilaf, tmp_path):
    """KMeansSelector's warning about fewer distinct clusters than cores
    names n_cores; say it with --n-cores (-k)."""
    X = np.repeat(np.eye(3), 20, axis=0)  # 3 distinct rows, 60 samples
    np.save(tmp_path / "e.npy", X)
    proc = bilaf("select", "e.npy", "-b", "6", "-k", "5", "-q", "--core-selector",
                 "kmeans", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr.strip() == (
        "bilaf: warning: k-means found only 3 distinct clusters for the 5 cores "
        "(--n-cores), probably because the pool has fewer than 5 distinct rows; "
        "each core is still a different row: lower --n-cores to at most 3")


def test_kmeans_warning_of_one_cluster_is_told_in_command_line_terms():
    """The library's message itself (one distinct cluster: singular) is the
    one the command rewords, so the two stay in step."""
    from sklearn_bilaf.cli import _warning_for_command_line

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        KMeansSelector(n_cores=4, random_state=0).fit(np.ones((12, 2)))
    assert [_warning_for_command_line(str(w.message)) for w in caught] == [
        "k-means found only 1 distinct cluster for the 4 cores (--n-cores), "
        "probably because the pool has fewer than 4 distinct rows; each core "
        "is still a different row: lower --n-cores to at most 1"]


def test_single_feature_activeft_warning_is_told_in_command_line_terms(
        bilaf, tmp_path):
    """ActiveFT's warning that a single feature leaves its picks arbitrary
    names Python selectors; the command names its options."""
    np.save(tmp_path / "e.npy", np.random.RandomState(0).randn(60, 1))
    proc = bilaf("select", "e.npy", "-b", "6", "-k", "3", "-q", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr.strip() == (
        "bilaf: warning: with a single feature every row normalises to +1 or "
        "-1 for --core-selector activeft (the default), so which 3 rows of the "
        "60 it picks as cores is arbitrary: choose the cores with "
        "--core-selector kmeans, random or fds, or give the embeddings more "
        "features")
    proc = bilaf("select", "e.npy", "-b", "6", "-k", "3", "-q",
                 "--core-selector", "kmeans", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr == ""


def test_a_librarys_deprecation_is_not_told_to_the_user(monkeypatch, tmp_path):
    """Deprecations inside the fit (pyparsing's under old matplotlib, say)
    are for the code calling the library: the command keeps them off stderr,
    as Python does outside __main__, while other warnings still show."""
    import warnings

    fit = BiLAFSampler.fit

    def warning_fit(self, X, y=None, **params):
        warnings.warn("'parseString' deprecated - use 'parse_string'",
                      DeprecationWarning, stacklevel=2)
        warnings.warn("going away later", PendingDeprecationWarning,
                      stacklevel=2)
        warnings.warn("a change users should know of", FutureWarning,
                      stacklevel=2)
        return fit(self, X, y, **params)

    monkeypatch.setattr(BiLAFSampler, "fit", warning_fit)
    np.save(tmp_path / "e.npy", np.random.default_rng(0).normal(size=(40, 3)))
    proc = call_bilaf("select", "e.npy", "-b", "4", "-q", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr.strip() == "bilaf: warning: a change users should know of"


def test_existing_output_survives_a_failed_run(bilaf, tmp_path):
    (tmp_path / "e.csv").write_text("a,b\n1,2\n3,x\n")
    out = tmp_path / "s.json"
    out.write_text("[1, 2, 3]\n")
    proc = bilaf("select", tmp_path / "e.csv", "-o", out, "-q")
    assert_one_line_error(proc, "not a number")
    assert out.read_text() == "[1, 2, 3]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.csv", "s.json"]


def test_existing_output_is_replaced_as_the_help_says(bilaf, tmp_path, digits32):
    np.save(tmp_path / "e.npy", digits32)
    out = tmp_path / "s.json"
    out.write_text("[1, 2, 3]\n")
    proc = bilaf("select", "e.npy", "-o", "s.json", "-q", "--core-selector",
                 "random", cwd=tmp_path)
    assert_ok(proc)
    expected = api_selection(digits32, 0.01).selected_indices_.tolist()
    assert json.loads(out.read_text()) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy", "s.json"]
    for command in ("select", "demo"):
        flat = " ".join(bilaf(command, "--help").stdout.split())
        assert "an existing file is replaced, atomically" in flat, command


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_read_only_output_run_by_root_is_replaced_as_the_help_says(
        bilaf, tmp_path, digits32, monkeypatch):
    """The help said "a read-only file is refused", but root (for whom
    ``os.access`` allows everything, as in many containers) has it replaced,
    as a shell redirection would: the help says so."""
    np.save(tmp_path / "e.npy", digits32[:200])
    out = tmp_path / "s.json"
    out.write_text("[1, 2, 3]\n")
    out.chmod(0o444)
    # Root's answer, whoever runs the test.
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: True)
    proc = call_bilaf("select", "e.npy", "-b", "5", "-o", "s.json", "-q",
                      "--core-selector", "random", cwd=tmp_path)
    if os.geteuid() == 0:
        assert_ok(proc)
        assert json.loads(out.read_text()) == api_selection(
            digits32[:200], 5).selected_indices_.tolist()
    for command in ("select", "demo"):
        flat = " ".join(bilaf(command, "--help").stdout.split())
        assert ("a read-only file is refused, except when run by root (as by "
                "a shell redirection)") in flat, command


@pytest.mark.parametrize("fmt", ["csv", "json", None])
def test_output_to_stdout_is_the_file_output(bilaf, tmp_path, digits32, fmt):
    """'-o -' writes what the file output holds (csv by default) to stdout and
    nothing else there: the summary goes to stderr; --quiet silences it."""
    np.save(tmp_path / "e.npy", digits32)
    (tmp_path / "ids.txt").write_text("".join(f"id{i}\n" for i in range(1797)))
    suffix = fmt or "csv"
    common = ["select", "e.npy", "-b", "30", "-k", "5", "--core-selector", "random",
              "--ids", "ids.txt"]
    to_file = bilaf(*common, "-o", f"s.{suffix}", "-q", cwd=tmp_path)
    assert_ok(to_file)
    chosen = [] if fmt is None else ["--output-format", fmt]
    loud = bilaf(*common, "-o", "-", *chosen, cwd=tmp_path)
    assert_ok(loud)
    assert loud.stdout == (tmp_path / f"s.{suffix}").read_text()
    assert "BiLAF selected 30 of 1797 samples" in loud.stderr
    assert "standard output (30 " in " ".join(loud.stderr.split())
    quiet = bilaf(*common, "-o", "-", *chosen, "-q", cwd=tmp_path)
    assert_ok(quiet)
    assert quiet.stdout == loud.stdout and quiet.stderr == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "e.npy", "ids.txt", f"s.{suffix}"]


@pytest.mark.skipif(not os.path.exists("/dev/fd/1"), reason="no /dev/fd")
@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_output_naming_standard_output_is_dash(bilaf, tmp_path, digits32, name):
    """'-o /dev/stdout' is '-o -': the selection alone on stdout, the summary
    on stderr.  It was a usage error ("unknown output format '(no
    extension)'") when stdout was a file, and with a pipe the summary
    followed the selection on stdout, even with --quiet."""
    if not os.path.exists(name):
        pytest.skip(f"no {name}")
    np.save(tmp_path / "e.npy", digits32)
    common = ["select", "e.npy", "-b", "30", "-k", "5", "--core-selector", "random"]
    dash = bilaf(*common, "-o", "-", "--output-format", "json", cwd=tmp_path)
    assert_ok(dash)
    proc = bilaf(*common, "-o", name, "--output-format", "json", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stdout == dash.stdout
    assert json.loads(proc.stdout) == api_selection(
        digits32, 30, n_cores=5).selected_indices_.tolist()
    assert "BiLAF selected 30 of 1797 samples" in proc.stderr
    quiet = bilaf(*common, "-o", name, "-q", cwd=tmp_path)
    assert_ok(quiet)
    assert quiet.stdout.startswith("row,role,pseudo_class\n") and quiet.stderr == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy"]


def test_npy_output_to_stdout(tmp_path, digits32):
    np.save(tmp_path / "e.npy", digits32)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_bilaf", "select", "e.npy", "-b", "25",
         "--core-selector", "random", "-o", "-", "--output-format", "npy", "-q"],
        cwd=tmp_path, env=env, capture_output=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    saved = np.load(io.BytesIO(proc.stdout), allow_pickle=False)
    assert saved.dtype == np.int64
    assert saved.tolist() == api_selection(digits32, 25).selected_indices_.tolist()


def test_output_format_misuse_is_a_usage_error(bilaf, tmp_path, monkeypatch):
    (tmp_path / "e.npy").write_text("not read\n")
    (tmp_path / "ids.txt").write_text("not read\n")
    proc = bilaf("select", "e.npy", "-o", "s.json", "--output-format", "csv",
                 cwd=tmp_path)
    assert_one_line_error(proc, "--output-format only applies to '-o -'",
                          "-o s.json gets its format from its extension", status=2)
    proc = bilaf("select", "e.npy", "--output-format", "csv", cwd=tmp_path)
    assert_one_line_error(proc, "--output-format only applies to '-o -'", status=2)
    proc = bilaf("select", "e.npy", "--ids", "ids.txt", "-o", "-",
                 "--output-format", "npy", cwd=tmp_path)
    assert_one_line_error(proc, "--ids has no effect with -o - --output-format npy",
                          status=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy", "ids.txt"]


def test_output_format_is_read_in_any_case(tmp_path, digits32):
    """--output-format JSON is json, as -o s.JSON and write_selection's
    output_format="JSON" are read; it was refused ("invalid choice: 'JSON'").
    --help still lists the formats in lower case, and a format that is none
    is quoted as typed."""
    np.save(tmp_path / "e.npy", digits32[:200])
    common = ["select", "e.npy", "-b", "10", "-k", "3", "--core-selector",
              "random", "-o", "-", "-q"]
    lower = call_bilaf(*common, "--output-format", "json", cwd=tmp_path)
    assert_ok(lower)
    for typed in ["JSON", "Json"]:
        proc = call_bilaf(*common, "--output-format", typed, cwd=tmp_path)
        assert_ok(proc)
        assert proc.stdout == lower.stdout
    (tmp_path / "ids.txt").write_text("".join(f"id{i}\n" for i in range(200)))
    proc = call_bilaf(*common, "--ids", "ids.txt", "--output-format", "NPY",
                      cwd=tmp_path)
    assert_one_line_error(proc, "--ids has no effect with -o - --output-format npy",
                          status=2)
    proc = call_bilaf(*common, "--output-format", "XML", cwd=tmp_path)
    assert_one_line_error(proc, "invalid choice: 'XML'", status=2)
    helped = call_bilaf("select", "--help")
    assert "--output-format {json,csv,npy}" in helped.stdout


def test_binary_output_to_a_terminal_is_refused(tmp_path, monkeypatch):
    (tmp_path / "e.npy").write_text("not read\n")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    from sklearn_bilaf.cli import main

    err = io.StringIO()
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        with redirect_stderr(err):
            status = main(["select", "e.npy", "-o", "-", "--output-format", "npy"])
    finally:
        os.chdir(previous)
    assert status == 2
    assert "standard output is a terminal" in err.getvalue()
    assert "--output-format json or csv" in err.getvalue()


@pytest.mark.parametrize(
    "args, fragments, prog",
    [
        # Plain 'bilaf' runs 'bilaf select', so a file or an option may come
        # first; argparse took them for mistyped commands ("invalid choice: '5'").
        (["e.npy"], ["'e.npy' is not a command (choose from select, demo); to "
                     "select from a file: bilaf select e.npy"], "bilaf"),
        # A mistyped command is not a file to select from ('bilaf select sel
        # e.npy' was suggested).
        (["sel", "e.npy", "-b", "5"],
         ["'sel' is not a command (choose from select, demo); did you mean "
          "'select'? bilaf select e.npy -b 5"], "bilaf"),
        (["demmo"], ["did you mean 'demo'? bilaf demo"], "bilaf"),
        (["selct", "e.npy"], ["'selct' is not a command (choose from select, "
                              "demo); did you mean 'select'? bilaf select e.npy"],
         "bilaf"),
        (["Demo"], ["did you mean 'demo'? bilaf demo"], "bilaf"),
        (["--budget", "5", "e.npy"],
         ["--budget is an option of a command; put it after the command: bilaf "
          "select --budget 5 e.npy"], "bilaf"),
        (["-qb5", "e.npy"], ["-qb5 is an option of a command; put it after the "
                             "command: bilaf select -qb5 e.npy"], "bilaf"),
        # Long options are taken only as spelled out: a prefix was said to go
        # after the command, where it is refused too.
        (["--budg", "5", "e.npy"],
         ["unrecognized arguments: --budg; before the command, bilaf takes only "
          "--help and --version, and --budg is not an option of bilaf select "
          "either"], "bilaf select"),
        (["--vers"], ["unrecognized arguments: --vers; before the command"],
         "bilaf select"),
        (["--", "-e.npy"], ["'--' comes after the command, before a file name "
                            "starting with '-': bilaf select -- -e.npy"], "bilaf"),
        # Unknown arguments point to the command's help, not the main one's.
        (["select", "e.npy", "--bogus"], ["unrecognized arguments: --bogus"],
         "bilaf select"),
        (["select", "-q", "-e.npy"],
         ["unrecognized arguments: -e.npy; a file name starting with '-' goes "
          "after '--' (bilaf select -- -e.npy) or as ./-e.npy"], "bilaf select"),
        # A file option's value starting with '-' was taken for an option,
        # with argparse's bare "expected one argument".
        (["select", "e.npy", "-o", "-x.json"],
         ["argument -o/--output: expected one argument; a file name starting "
          "with '-' is written ./-x.json or --output=-x.json"], "bilaf select"),
        (["select", "--ids", "-i$x.txt", "e.npy"],
         ["argument --ids: expected one argument; a file name starting with "
          "'-' is written './-i$x.txt' or '--ids=-i$x.txt'"], "bilaf select"),
        (["demo", "--ids", "ids.txt"],
         ["unrecognized arguments: --ids ids.txt; the demo runs on the digits and "
          "takes no input options: for a file, use bilaf select FILE"],
         "bilaf demo"),
    ],
)
def test_misplaced_arguments_say_where_they_go(bilaf, tmp_path, args, fragments,
                                               prog):
    (tmp_path / "e.npy").write_text("not read\n")
    proc = bilaf(*args, cwd=tmp_path)
    assert_one_line_error(proc, *fragments, f"(see '{prog} --help')", status=2)
    assert "invalid choice" not in proc.stderr


@pytest.mark.parametrize("args", [["-o", "--seed", "3"], ["-o"], ["--ids", "-q"],
                                  ["--ids", "--", "e.npy"]])
def test_a_missing_file_option_value_gets_no_dash_hint(bilaf, tmp_path, args):
    """Only a value that is no option of the command is a dashed file name."""
    (tmp_path / "e.npy").write_text("not read\n")
    proc = bilaf("select", "e.npy", *args, cwd=tmp_path)
    assert_one_line_error(proc, "expected one argument", status=2)
    assert "starting with '-'" not in proc.stderr


def test_closed_stdout_is_refused_before_the_selection(tmp_path, monkeypatch):
    """'-o - >&-': Python's sys.stdout is None; was an AttributeError
    traceback after the selection (and for npy, before it)."""
    from sklearn_bilaf.cli import main

    (tmp_path / "e.npy").write_text("not read\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdout", None)
    for fmt in ("csv", "npy"):
        err = io.StringIO()
        with redirect_stderr(err):
            status = main(["select", "e.npy", "-o", "-", "--output-format", fmt])
        assert status == 1, err.getvalue()
        assert err.getvalue() == (
            "bilaf: error: -o -: standard output is closed; redirect it (> "
            "selected.csv) or write the selection to a file with -o FILE\n")


@pytest.mark.slow
def test_closed_stdout_real_command(tmp_path):
    np.save(tmp_path / "e.npy", np.eye(20))
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_bilaf", "select", "e.npy", "-o", "-",
         "-q"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)}, text=True, timeout=600,
        preexec_fn=lambda: os.close(1),
    )
    assert_one_line_error(proc, "-o -: standard output is closed")


def test_failed_write_to_stdout_says_what_failed(tmp_path, digits32, monkeypatch):
    """A full disk behind '> file' (e.g. /dev/full) was told as a bare
    "No space left on device"."""
    from sklearn_bilaf.cli import main

    class Full(io.BytesIO):
        def write(self, data):
            raise OSError(28, "No space left on device")

    class Stdout(io.StringIO):
        buffer = Full()

    np.save(tmp_path / "e.npy", digits32[:100])
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    with redirect_stdout(Stdout()), redirect_stderr(err):
        status = main(["select", "e.npy", "-b", "3", "--core-selector", "random",
                       "-o", "-", "-q"])
    assert status == 1
    assert err.getvalue() == (
        "bilaf: error: -o -: could not write the selection to standard output "
        "(No space left on device)\n")


def test_failed_summary_says_what_failed_and_where_the_selection_is(
        tmp_path, digits32):
    """'bilaf select e.npy -o s.json > /dev/full': the summary cannot be
    printed; the error was a bare "No space left on device", which did not
    say that the selection had been written."""
    from sklearn_bilaf.cli import main

    class Full(io.StringIO):
        def write(self, text):
            raise OSError(28, "No space left on device")

    np.save(tmp_path / "e.npy", digits32[:100])
    common = ["select", "e.npy", "-b", "3", "--core-selector", "random", "-q"]
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        # -o named as typed ('./s.json' was told as 's.json').
        for extra, where in ((["-o", "s.json"], "; the selection was written to "
                              "s.json"),
                             (["-o", "./s.json"], "; the selection was "
                              "written to ./s.json"), ([], "")):
            err = io.StringIO()
            with redirect_stdout(Full()), redirect_stderr(err):
                status = main([*common, *extra])
            assert status == 1
            assert err.getvalue() == (
                "bilaf: error: could not write the summary to standard output "
                f"(No space left on device){where}\n")
    finally:
        os.chdir(previous)
    assert json.loads((tmp_path / "s.json").read_text()) == api_selection(
        digits32[:100], 3).selected_indices_.tolist()


def test_headerless_file_with_text_ids_is_warned_about(tmp_path):
    """Its first row, taken for a header, would silently lose its sample."""
    (tmp_path / "e.csv").write_text("p0,0.5,1.5\np1,2.5,3.5\np2,4.5,5.5\n")
    common = ["select", "e.csv", "-b", "1", "--core-selector", "random",
              "--id-column", "0", "-q"]
    proc = call_bilaf(*common, cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr == (
        "bilaf: warning: e.csv: the first row (p0,0.5,1.5,...) is taken as the "
        "header, but it holds decimal numbers; if it is data, pass --header no "
        "(else its sample is left out)\n")
    assert "of 2 samples" in proc.stdout
    proc = call_bilaf(*common, "--header", "no", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr == "" and "of 3 samples" in proc.stdout
    # Integer names (pandas' 0, 1, 2, ... after an id column) are a header.
    (tmp_path / "e.csv").write_text("id,0,1\np0,0.5,1.5\np1,2.5,3.5\n")
    proc = call_bilaf("select", "e.csv", "-b", "1", "--core-selector", "random",
                      "--id-column", "id", "-q", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr == ""


@pytest.mark.parametrize("where", [["-"], ["e.npy", "--ids", "-"]])
def test_standard_input_is_refused_with_the_fix(bilaf, tmp_path, where):
    (tmp_path / "e.npy").write_text("not read\n")
    proc = bilaf("select", *where, cwd=tmp_path)
    option = "EMBEDDINGS" if where == ["-"] else "--ids"
    assert_one_line_error(
        proc, f"{option} -: reading from standard input is not supported",
        "save the data to a file and give its name", status=2)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_read_only_output_is_refused_before_the_selection(tmp_path, digits32,
                                                         monkeypatch):
    """A file its owner made read-only is not replaced (as a shell redirection
    would refuse to overwrite it); told before any work.  ``os.access``
    answers for the test's user, who may be root (allowed everything)."""
    np.save(tmp_path / "e.npy", digits32[:200])
    out = tmp_path / "s.json"
    out.write_text("[1, 2, 3]\n")
    out.chmod(0o444)
    real_access = os.access
    monkeypatch.setattr(
        os, "access",
        lambda path, mode, **kw: (False if Path(os.path.abspath(path)) == out
                                  and mode & os.W_OK
                                  else real_access(path, mode, **kw)))
    import sklearn_bilaf.sampler

    monkeypatch.setattr(sklearn_bilaf.sampler.BiLAFSampler, "fit",
                        lambda *a, **k: pytest.fail("selection ran"))
    proc = call_bilaf("select", "e.npy", "-b", "5", "-o", "s.json", "-q",
                      cwd=tmp_path)
    assert_one_line_error(proc, "-o s.json: the file exists and is read-only",
                          "chmod u+w s.json")
    assert out.read_text() == "[1, 2, 3]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy", "s.json"]


def test_replaced_output_leaves_hard_links_with_the_old_content(
        bilaf, tmp_path, digits32):
    """As the help says: the output is replaced (atomically), not rewritten in
    place, so another hard link to the old file keeps the old content."""
    np.save(tmp_path / "e.npy", digits32[:200])
    out = tmp_path / "s.json"
    out.write_text("[1, 2, 3]\n")
    try:
        os.link(out, tmp_path / "other.json")
    except OSError as exc:
        pytest.skip(f"cannot create hard links here: {exc}")
    proc = bilaf("select", "e.npy", "-b", "5", "-q", "--core-selector", "random",
                 "-o", "s.json", cwd=tmp_path)
    assert_ok(proc)
    assert json.loads(out.read_text()) == api_selection(
        digits32[:200], 5).selected_indices_.tolist()
    assert (tmp_path / "other.json").read_text() == "[1, 2, 3]\n"
    flat = " ".join(bilaf("select", "--help").stdout.split())
    assert "a hard link to the old file keeps the old content" in flat


def _refuse_new_files_in(folder, monkeypatch, error):
    """Make creating files in ``folder`` fail with ``error`` (e.g. EACCES),
    whoever runs the tests (``os.access`` is always true for root)."""
    real_open = os.open

    def open_refusing(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(os.path.abspath(path)).parent == folder:
            raise OSError(error, os.strerror(error), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_refusing)


def test_output_folder_refusing_files_fails_before_the_selection(
        tmp_path, monkeypatch, digits32):
    import errno

    np.save(tmp_path / "e.npy", digits32)
    locked = tmp_path / "locked"
    locked.mkdir()
    _refuse_new_files_in(locked, monkeypatch, errno.EROFS)
    # Not --quiet: a single line on stderr means nothing was even read.
    proc = call_bilaf("select", "e.npy", "-o", "locked/s.json",
                      "--core-selector", "random", cwd=tmp_path)
    assert_one_line_error(proc, "-o locked/s.json: cannot create a file in the "
                          "folder 'locked' (Read-only file system)")
    assert proc.stdout == ""
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_output_in_proc_fails_before_the_selection(bilaf, tmp_path, digits32):
    """/proc exists but takes no new files, for root too."""
    np.save(tmp_path / "e.npy", digits32)
    proc = bilaf("select", "e.npy", "-o", "/proc/x.json", "--core-selector",
                 "random", cwd=tmp_path)
    assert_one_line_error(proc, "-o /proc/x.json: cannot create a file in the "
                          "folder '/proc'")
    assert ".tmp" not in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("existing", [False, True])
def test_failed_write_names_the_output_and_leaves_no_file(
        tmp_path, monkeypatch, digits32, existing):
    """A disk that fills up during the write: the message names the file
    asked for, not the temporary one, and nothing is left behind."""
    import errno

    np.save(tmp_path / "e.npy", digits32)
    out = tmp_path / "s.json"
    if existing:
        out.write_text("[1, 2, 3]\n")
    before = sorted(p.name for p in tmp_path.iterdir())

    def fsync_on_full_disk(fd):
        # Where a full disk shows on file systems that write lazily.
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync_on_full_disk)
    proc = call_bilaf("select", "e.npy", "-o", "s.json", "-q", "--core-selector",
                      "random", cwd=tmp_path)
    left = ("s.json was left as it was" if existing else "nothing was written")
    assert_one_line_error(proc, "-o s.json: could not write the selection (No "
                          "space left on device)", left)
    assert ".tmp" not in proc.stderr
    assert_nothing_written(tmp_path, before)
    if existing:
        assert out.read_text() == "[1, 2, 3]\n"


def _symlink(link, target):
    try:
        os.symlink(target, link)
    except (OSError, NotImplementedError) as exc:  # e.g. Windows without rights
        pytest.skip(f"cannot create symbolic links here: {exc}")


@pytest.mark.parametrize("target_exists", [True, False])
def test_output_symlink_writes_its_target(bilaf, tmp_path, digits32, target_exists):
    """-o LINK writes the file the link leads to (creating it when the link
    dangles), atomically as ever; the link stays a link."""
    np.save(tmp_path / "e.npy", digits32)
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "real.json"
    if target_exists:
        real.write_text("[1, 2, 3]\n")
    _symlink(tmp_path / "live.json", Path("runs") / "real.json")
    proc = bilaf("select", "e.npy", "-o", "live.json", "-q", "--core-selector",
                 "random", cwd=tmp_path)
    assert_ok(proc)
    expected = api_selection(digits32, 0.01).selected_indices_.tolist()
    assert (tmp_path / "live.json").is_symlink()
    assert json.loads(real.read_text()) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy", "live.json",
                                                           "runs"]
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["real.json"]


def test_output_symlink_to_a_missing_folder_or_in_a_loop(bilaf, tmp_path, digits32):
    np.save(tmp_path / "e.npy", digits32)
    _symlink(tmp_path / "gone.json", Path("gone") / "real.json")
    _symlink(tmp_path / "loop.json", "loop.json")
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = bilaf("select", "e.npy", "-o", "gone.json", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "-o gone.json: is a link to ", "real.json', but "
                          "the folder ", "does not exist; create it or change "
                          "the link")
    proc = bilaf("select", "e.npy", "-o", "loop.json", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "-o loop.json: is a symbolic link that leads back "
                          "to itself")
    assert_nothing_written(tmp_path, before)
    assert (tmp_path / "loop.json").is_symlink()


@pytest.mark.parametrize("stem", ["s" * 245, "é" * 122], ids=["ascii", "utf-8"])
def test_longest_output_names_are_accepted(tmp_path, digits32, stem):
    """A name the file system takes (250 and 249 bytes here; most allow 255)
    is not refused because of the hidden temporary name next to it."""
    name = stem + ".json"
    assert len(os.fsencode(name)) <= 255
    np.save(tmp_path / "e.npy", digits32)
    (tmp_path / "out").mkdir()
    proc = call_bilaf("select", "e.npy", "-o", f"out/{name}", "-q",
                      "--core-selector", "random", cwd=tmp_path)
    assert_ok(proc)
    expected = api_selection(digits32, 0.01).selected_indices_.tolist()
    assert json.loads((tmp_path / "out" / name).read_text()) == expected
    assert [p.name for p in (tmp_path / "out").iterdir()] == [name]


def test_temporary_names_fit_the_name_limit_and_stay_distinct(tmp_path):
    from sklearn_bilaf import io as bilaf_io

    for name in ("s.json", "a" * 250 + ".json", "é" * 125 + ".json"):
        made = set()
        for kind in ("probe", "tmp") * 4:
            temporary, fd = bilaf_io._create_beside(tmp_path / name, kind)
            os.close(fd)
            made.add(temporary.name)
            raw = os.fsencode(temporary.name)
            assert len(raw) <= 255 and raw.decode("utf-8")  # whole characters
            assert temporary.name.startswith(".") and temporary.parent == tmp_path
            assert temporary.name.endswith(f".{kind}")
            if len(name) < 20:
                assert temporary.name.startswith(f".{name}.")
        assert len(made) == 8
    # A file system with a shorter limit gets shorter names.
    assert len(os.fsencode(bilaf_io._hidden_name("é" * 100, "tmp", 143))) <= 143


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--budget", "abc"], "'abc' is not a count"),
        (["--budget", "1.5"], "a fraction must be in (0, 1]"),
        (["--budget", "0"], "a count must be at least 1"),
        (["-b", "-1"], "'-1': a count must be at least 1"),
        (["-k", "-3"], "'-3': a count must be at least 1"),
        (["--budget=-0.5"], "a fraction must be in (0, 1]"),
        # Not plain negative numbers, which argparse would take for options.
        (["-b", "-1%"], "'-1%': a fraction must be in (0, 1]"),
        (["--budget", "-0.5"], "'-0.5': a fraction must be in (0, 1]"),
        (["-k", "-0.5%"], "'-0.5%': a fraction must be in (0, 1]"),
        (["-b", "1e9999999%"], "'1e9999999%': a fraction must be in (0, 1]"),
        (["--removal-rate", "-.1"], "the rate must be in [0, 1)"),
        (["--core-selector", "typiclust"], "invalid choice"),
        (["--removal-rate", "1"], "the rate must be in [0, 1)"),
        (["--penalty", "0.5"], "at least 1"),
        (["--denoiser", "none", "--removal-rate", "0.2"], "no effect"),
        (["--denoiser", "distance", "--variant", "published"], "only applies"),
        (["--strategy", "one-shot", "--penalty", "2"], "no effect"),
        (["--core-selector", "kmeans", "--init", "random"], "only applies"),
        (["--init", "k-means++"], "invalid choice"),
        (["-k", "papers"], "'papers' is not 'auto', 'paper', a count"),
        (["--ids", "ids.txt"], "needs an EMBEDDINGS file"),
        # Two counts: wrong whatever the file (none here: the demo's digits).
        (["-b", "4", "-k", "5"], "--n-cores 5 is more than --budget 4"),
        (["--unknown"], "unrecognized arguments"),
    ],
)
def test_bad_command_line_exits_2_with_one_line(bilaf, args, fragment):
    proc = bilaf("select", *args)
    assert_one_line_error(proc, fragment, status=2)


def test_counts_with_digit_separators_are_counts():
    """'-b 1_000' is the count 1000, as Python writes it; float() read it as
    1000.0, a fraction "not in (0, 1]", and the error said to give a count
    as a whole number."""
    from sklearn_bilaf.cli import _budget, _n_cores

    assert _budget("1_000") == 1000 and isinstance(_budget("1_000"), int)
    assert _n_cores("2_500") == 2500
    assert _budget("0.01") == 0.01 and _budget("1%") == 0.01


def test_a_budget_written_with_a_comma_is_told_to_use_a_point():
    """'-b 0,01' (a decimal comma) was told only that it "is not a count or
    a fraction"; '-b 1,000' (a thousands separator) too.  The message says
    how to write it."""
    import argparse

    from sklearn_bilaf.cli import _budget, _n_cores

    for parse, text, hint in (
            (_budget, "0,01", "; write a fraction with a decimal point, not a "
                              "comma ('0.01')"),
            (_budget, "1,5%", "; write a fraction with a decimal point, not a "
                              "comma ('1.5%')"),
            (_n_cores, "0,5", "; write a fraction with a decimal point, not a "
                              "comma ('0.5')"),
            (_budget, "1,000", "; write a fraction with a decimal point, not a "
                               "comma ('1.000'), or a count without a "
                               "thousands separator ('1000')"),
            (_budget, "2,000,000", "; write a count without a thousands "
                                   "separator ('2000000')")):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            parse(text)
        assert str(info.value).startswith(f"{text!r} is not "), info.value
        assert str(info.value).endswith(hint), info.value
    # Nothing to say about a comma that is neither.
    with pytest.raises(argparse.ArgumentTypeError) as info:
        _budget("a,b")
    assert str(info.value).endswith("(e.g. 0.01 or 1%)"), info.value


def test_a_rate_share_or_penalty_written_with_a_comma_is_told_to_use_a_point():
    """'--removal-rate 0,1' was told only "'0,1' is not a number", where the
    budget says how to write it; the same hint (a rate or share is under 1:
    no thousands-separator hint).  '--penalty 1,000' was told only to write
    '1.000' (a penalty of 1, none), where a thousand may have been meant."""
    import argparse

    from sklearn_bilaf.cli import _exclude_isolated, _penalty, _removal_rate

    for parse, text, shown in ((_removal_rate, "0,1", "0.1"),
                               (_exclude_isolated, "0,05", "0.05"),
                               (_penalty, "1,5", "1.5")):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            parse(text)
        message = str(info.value)
        assert message.startswith(f"{text!r} is not "), message
        assert message.endswith(
            f"; write a number with a decimal point, not a comma ({shown!r})"
        ), message
    # A penalty of 1,000 may be a thousand (any penalty from 1 up is taken),
    # not only 1.000, which disables it: both readings are offered, as for
    # '-b 1,000'.  A rate or share under 1 has no thousands.
    for text, hint in (
            ("1,000", "; write a number with a decimal point, not a comma "
                      "('1.000'), or a number without a thousands separator "
                      "('1000')"),
            ("2,000,000", "; write a number without a thousands separator "
                          "('2000000')")):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            _penalty(text)
        assert str(info.value) == f"{text!r} is not a number{hint}", info.value
    with pytest.raises(argparse.ArgumentTypeError) as info:
        _removal_rate("1,000")
    assert "thousands" not in str(info.value), info.value
    # Nothing to say about a comma that is neither.
    for parse in (_removal_rate, _exclude_isolated, _penalty):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            parse("a,b")
        assert "comma" not in str(info.value), info.value


def test_negative_looking_values_keep_their_option():
    from sklearn_bilaf.cli import _attach_negative_values

    assert _attach_negative_values(["select", "-b", "-1%", "-j", "-1", "x.npy"]) == [
        "select", "-b-1%", "-j-1", "x.npy"]
    assert _attach_negative_values(["--seed", "-3", "-o", "s.json"]) == [
        "--seed=-3", "-o", "s.json"]
    # Only values that look like numbers, and nothing after "--".
    assert _attach_negative_values(["-b", "-q", "--", "-k", "-1"]) == [
        "-b", "-q", "--", "-k", "-1"]
    assert _attach_negative_values(["-b"]) == ["-b"]


@pytest.mark.parametrize(
    "output, fragment",
    [
        ("", "-o '': the output file name is empty; give one such as "
             "selected.json"),
        ("new/", "-o new/: ends with a separator, so it names a folder; give a "
                 "file name, e.g. new/selected.json"),
        # So does a name whose last part is . or .. (a folder that does not
        # exist yet): it said "-o new: unknown output format '(no
        # extension)'", quoting a name that was not given.
        ("new/.", "-o new/.: ends with '.', so it names a folder; give a file "
                  "name, e.g. new/selected.json"),
        ("new/..", "-o new/..: ends with '..', so it names a folder; give a "
                   "file name, e.g. new/../selected.json"),
        ("s.txt", "-o s.txt: unknown output format '.txt'; use .json, .csv, .npy"),
        ("selected", "-o selected: unknown output format '(no extension)'"),
        # A compressed name: the output is not compressed, a pipe can be
        # (the doc's -o >(gzip > selected.csv.gz)), in the name's format.
        ("picks.csv.gz", "-o picks.csv.gz: unknown output format '.gz'; use "
                         ".json, .csv, .npy; to compress the selection, write "
                         "it through a pipe: -o >(gzip > picks.csv.gz)"),
        ("out/p.json.xz", "-o out/p.json.xz: unknown output format '.xz'; use "
                          ".json, .csv, .npy; to compress the selection, write "
                          "it through a pipe: -o >(xz > out/p.json.xz) "
                          "--output-format json"),
        ("my picks.bz2", "; to compress the selection, write it through a "
                         "pipe: -o >(bzip2 > 'my picks.csv.bz2')"),
        ("p.txt.zst", "pipe: -o >(zstd > p.csv.zst)"),
        ("p.csv.zip", "-o p.csv.zip: unknown output format '.zip'; use .json, "
                      ".csv, .npy (see"),
        # The name as given, not as Path writes it ("-o x.txt", "-o a/b.txt").
        ("./x.txt", "-o ./x.txt: unknown output format '.txt'; use .json"),
        ("a//b.txt", "-o a//b.txt: unknown output format '.txt'; use .json"),
        # A name that is only an extension has none for Python (a hidden
        # file): it said "unknown output format '(no extension)'".
        (".json", "-o .json: the name is only an extension (a name starting "
                  "with a dot has none); give a file name such as picks.json"),
        ("out/.CSV", "-o out/.CSV: the name is only an extension (a name "
                     "starting with a dot has none); give a file name such as "
                     "out/picks.CSV"),
        (".npy", "-o .npy: the name is only an extension (a name starting with "
                 "a dot has none); give a file name such as picks.npy"),
        # One that is not an output format said "unknown output format
        # '(no extension)'" too.
        (".txt", "-o .txt: the name has no extension (a name starting with a "
                 "dot and with no other has none), so it names no output format "
                 "(.json, .csv, .npy); give a file name such as picks.json"),
        ("out/.parquet", "-o out/.parquet: the name has no extension (a name "
                         "starting with a dot and with no other has none), so "
                         "it names no output format (.json, .csv, .npy); give "
                         "a file name such as out/picks.json"),
        # A dot file is not called an extension: that read oddly for one
        # that is no extension at all.
        (".selected", "-o .selected: the name has no extension (a name "
                      "starting with a dot and with no other has none), so it "
                      "names no output format (.json, .csv, .npy)"),
        # Not only an extension: a hidden file's, or none at all.
        (".a.txt", "-o .a.txt: unknown output format '.txt'; use .json"),
        ("...", "-o ...: unknown output format '(no extension)'; use .json"),
    ],
)
def test_unusable_output_name_is_a_usage_error(bilaf, tmp_path, output, fragment):
    """A name no file could satisfy is a mistake of the command line: exit 2,
    told before the (here unreadable) embeddings are read."""
    (tmp_path / "e.npy").write_text("not read\n")
    proc = bilaf("select", "e.npy", "-o", output, cwd=tmp_path)
    assert_one_line_error(proc, fragment, "(see 'bilaf select --help')", status=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy"]


def test_a_compressed_output_name_from_python_is_told_what_python_can_do(
        tmp_path, monkeypatch):
    """From Python, output_name_problem("picks.csv.gz") suggested the shell's
    "-o >(gzip > picks.csv.gz)", which a Python caller cannot type, and
    write_selection gave no hint: both say to compress what format_selection
    returns, in the format the name gives (csv otherwise, as the command),
    with the keyword arguments it requires (format_selection('.csv', ...)
    left out roles and pseudo_classes, without which it fails; .json and
    .npy need neither, and are not told to pass them)."""
    from sklearn_bilaf.io import (
        InputError,
        _command_line_spelling,
        output_name_problem,
        write_selection,
    )

    monkeypatch.chdir(tmp_path)
    for name, fmt, hint in (
            ("picks.csv.gz", ".csv", "gzip.open('picks.csv.gz', 'wb')"),
            ("out/p.json.xz", ".json", "lzma.open('out/p.json.xz', 'wb')"),
            ("my picks.bz2", ".csv", "bz2.open('my picks.csv.bz2', 'wb')"),
            ("p.txt.zst", ".csv", "compression.zstd.open('p.csv.zst', 'wb') "
                                  "(Python 3.14 or later; before it, "
                                  "zstandard.open)")):
        roles = (", roles=roles, pseudo_classes=pseudo_classes"
                 if fmt == ".csv" else "")
        expected = ("; to compress the selection, write the bytes "
                    f"format_selection({fmt!r}, indices{roles}) returns "
                    f"(with ids=ids if there are ids) to {hint}")
        problem = output_name_problem(name)
        assert problem.startswith(f"{name}: unknown output format"), problem
        assert problem.endswith(expected) and "-o" not in problem, problem
        with pytest.raises(InputError) as raised:
            write_selection(name, [0], roles=["core"],
                            pseudo_classes=[0])
        # write_selection knows it was given no ids.
        assert str(raised.value).endswith(expected.replace(
            " (with ids=ids if there are ids)", "")), raised.value
        # The command keeps its pipe.
        with _command_line_spelling():
            assert "through a pipe: -o >(" in output_name_problem(name)
    assert sorted(tmp_path.iterdir()) == []


def _save_as_given(path, X, saved):
    """X saved to ``path``: a .npy when ``saved`` is None, else a .npz of
    ``saved``'s arrays with X under the key whose value is None."""
    if saved is None:
        np.save(path, X)
    else:
        np.savez(path, **{k: X if v is None else v for k, v in saved.items()})


def _advised_file(advice):
    """The file the advice ``np.save(name, ...)`` or ``np.savez(name,
    ...)`` writes: a new file (np.save over the .npy file read would
    truncate it, and np.savez would write over the archive it reads)."""
    return Path(re.search(r"np\.savez?\('([^']+)'", advice).group(1))


@pytest.mark.parametrize("suffix, saved", [
    (".npy", None),
    (".npz", {"features": None}),
    (".npz", {"features": None, "labels": np.arange(5)}),
    (".npz", {"my features": None}),
])
def test_one_dimensional_file_is_told_how_to_save_it_right(
        tmp_path, suffix, saved):
    """A 1-D .npy or .npz array was told to "reshape it with X.reshape(-1,
    1)", which a file cannot be: the advice is the np.save (np.savez, under
    the same key, the archive's other arrays kept) that writes it 2-D, for
    values that are one feature per sample or one sample; run, it writes a
    file that loads."""
    from sklearn_bilaf.io import InputError, load_embeddings

    X = np.arange(5.0)
    path = tmp_path / f"e{suffix}"
    key = None if saved is None else next(
        k for k, v in saved.items() if v is None)

    _save_as_given(path, X, saved)
    with pytest.raises(InputError) as raised:
        load_embeddings(path, key=key)
    message = str(raised.value)
    assert "shape (5,); embeddings must be 2-D" in message, message
    call = (r"(?:with np\.load\('[^']+'\) as z: )?"
            r"np\.savez?\(.*?\.reshape\([-1, ]+\)\}?\)")
    calls = re.findall(call, message)
    assert len(calls) == 2 and "one feature per sample" in message and (
        "one sample" in message), message
    for advice, shape in zip(calls, [(5, 1), (1, 5)], strict=True):
        _save_as_given(path, X, saved)
        exec(advice, {"np": np})
        pool = load_embeddings(_advised_file(advice), key=key)
        assert pool.X.shape == shape and pool.X.ravel().tolist() == X.tolist()
        if saved is not None:
            with np.load(_advised_file(advice)) as archive:
                assert sorted(archive.files) == sorted(saved)
                for k, v in saved.items():
                    if v is not None:
                        assert archive[k].tolist() == v.tolist()


@pytest.mark.parametrize("saved", [None, {"images": None},
                                   {"images": None, "labels": np.arange(4)}])
def test_images_file_is_told_how_to_save_it_flat(tmp_path, saved):
    """A .npy or .npz array of images, (n, height, width), was told to
    "save X.reshape(len(X), -1) instead", which named neither the file nor,
    in an archive, the key to save it under: the advice is the np.save
    (np.savez, under the same key, the archive's other arrays kept) that
    writes it flat; run, it writes a file that loads."""
    from sklearn_bilaf.io import InputError, load_embeddings

    X = np.arange(24.0).reshape(4, 3, 2)
    path = tmp_path / ("e.npy" if saved is None else "e.npz")
    key = None if saved is None else "images"

    _save_as_given(path, X, saved)
    with pytest.raises(InputError) as raised:
        load_embeddings(path, key=key)
    message = str(raised.value)
    assert "to use each sample's 6 values (an image's pixels, say) as its " \
        "features, save them flat by running " in message, message
    calls = re.findall(r"(?:with np\.load\('[^']+'\) as z: )?"
                       r"np\.savez?\(.*?\.reshape\(4, -1\)\}?\)",
                       message)
    assert len(calls) == 1, message
    exec(calls[0], {"np": np})
    pool = load_embeddings(_advised_file(calls[0]), key=key)
    assert pool.X.shape == (4, 6) and pool.X.ravel().tolist() == X.ravel().tolist()
    if saved is not None:
        with np.load(_advised_file(calls[0])) as archive:
            assert sorted(archive.files) == sorted(saved)


def test_npz_of_several_arrays_names_the_key_as_the_caller_gives_it(tmp_path):
    """From Python, "choose one with key" named the argument bare; it reads
    key='a' from Python, --key a from the command."""
    from sklearn_bilaf.io import InputError, _command_line_spelling, load_embeddings

    np.savez(tmp_path / "two.npz", a=np.ones((3, 2)), b=np.ones((3, 2)))
    np.savez(tmp_path / "odd.npz", **{"my x": np.ones((3, 2)), "y": np.ones(3)})
    for name, python, command in (
            ("two.npz", "holds 2 arrays (a, b); choose one with key='a'",
             "holds 2 arrays (a, b); choose one with --key a"),
            ("odd.npz", "choose one with key='my x'",
             "choose one with --key 'my x'")):
        with pytest.raises(InputError) as raised:
            load_embeddings(tmp_path / name)
        assert str(raised.value).endswith(python), raised.value
        with _command_line_spelling(), pytest.raises(InputError) as raised:
            load_embeddings(tmp_path / name)
        assert str(raised.value).endswith(command), raised.value


def test_output_name_too_long_for_the_file_system_is_told(tmp_path, monkeypatch):
    """A -o name longer than a file name may be came out as the OS's "NAME:
    File name too long", which did not say it was the output name (as it
    does not for the embeddings or --ids, whose errors name only them)."""
    from sklearn_bilaf.io import InputError, check_output_path

    (tmp_path / "e.npy").write_text("not read\n")
    long = "a" * 300
    for output in (f"{long}.json", f"{long}/s.json"):
        proc = call_bilaf("select", "e.npy", "-q", "-o", output, cwd=tmp_path)
        assert_one_line_error(proc, f"-o {output}: the output file name is too "
                              "long for the file system")
        assert "choose a shorter one" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy"]
    # Where Path's checks answer False for such a name (as os.path's do),
    # the probe file, whose borrowed name is shortened, would not find it.
    _path_checks_answer_false(monkeypatch)
    with pytest.raises(InputError, match=r"the output file name is too long for "
                       r"the file system \(\d+ bytes at most\)"):
        check_output_path(tmp_path / f"{long}.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy"]


@pytest.mark.parametrize("checks_raise", [True, False])
def test_input_name_too_long_for_the_file_system_is_told(
        tmp_path, monkeypatch, checks_raise):
    """An embeddings or --ids name longer than a file name may be came out
    as the OS's "NAME: File name too long", which did not say which file it
    was (or, with an existing -o file, as the -o name being too long)."""
    from sklearn_bilaf.io import InputError, load_embeddings, read_ids

    if not checks_raise:
        # As Python 3.14's Path checks answer: that said "no such file".
        _path_checks_answer_false(monkeypatch)
    np.save(tmp_path / "e.npy", np.ones((5, 3)))
    (tmp_path / "s.json").write_text("{}")
    long = "a" * 300
    told = "file name is too long for the file system, so no file has it; " \
           "check the name"
    for name in (f"{long}.npy", f"{long}/e.csv"):
        for output in ((), ("-o", "s.json")):
            proc = call_bilaf("select", name, "-q", *output, cwd=tmp_path)
            assert_one_line_error(proc, f"{name}: the embeddings {told}")
        proc = call_bilaf("select", name, "--ids", "ids.txt", "-q", cwd=tmp_path)
        assert_one_line_error(proc, f"{name}: the embeddings {told}")
        with pytest.raises(InputError, match=f"the embeddings {told}"):
            load_embeddings(tmp_path / name)
    for name in (f"{long}.txt", f"{long}.csv", f"{long}/ids.txt"):
        for output in ((), ("-o", "s.json")):
            proc = call_bilaf("select", "e.npy", "--ids", name, "-q", *output,
                              cwd=tmp_path)
            assert_one_line_error(proc, f"--ids {name}: the ids {told}")
        with pytest.raises(InputError, match=f"^{tmp_path}/.*: the ids {told}"):
            read_ids(tmp_path / name, 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy", "s.json"]


def _path_checks_answer_false(monkeypatch):
    """Path's is_dir, exists and is_symlink answer False where the system
    refuses the name (as os.path's checks do), instead of raising."""
    for method in ("is_dir", "exists", "is_symlink"):
        original = getattr(Path, method)

        def answers_false(self, *args, _original=original, **kwargs):
            try:
                return _original(self, *args, **kwargs)
            except OSError:
                return False
        monkeypatch.setattr(Path, method, answers_false)


def test_output_name_length_is_checked_only_where_the_system_says_its_limit(
        tmp_path, monkeypatch):
    """Where os.pathconf gives no limit (Windows), 255 bytes were assumed
    for the -o name's check: NTFS allows 255 UTF-16 units, so a name of 150
    accented letters (300 bytes of UTF-8) was refused as too long for the
    file system, which takes it."""
    from sklearn_bilaf.io import check_output_path

    # This file system refuses such a name itself: answer as NTFS would.
    _path_checks_answer_false(monkeypatch)
    monkeypatch.delattr(os, "pathconf")
    name = tmp_path / ("\N{LATIN SMALL LETTER E WITH ACUTE}" * 150 + ".json")
    assert check_output_path(name) == name
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_name_that_is_only_an_extension_is_told(tmp_path):
    """An embeddings file named '.npy', or a selection written to '.json',
    has no extension for Python (a hidden file): the messages said the
    format was '(no extension)'."""
    from sklearn_bilaf.io import InputError, load_embeddings, write_selection

    np.save(tmp_path / "x.npy", np.ones((5, 3)))
    (tmp_path / "x.npy").rename(tmp_path / ".npy")
    message = ("the name is only an extension (a name starting with a dot has "
               "none); give the file a name such as ")
    proc = call_bilaf("select", ".npy", "-b", "2", "-q", cwd=tmp_path)
    assert_one_line_error(proc, f".npy: {message}embeddings.npy")
    with pytest.raises(InputError, match=re.escape(
            f"{tmp_path / '.NPZ'}: {message}{tmp_path / 'embeddings.NPZ'}")):
        load_embeddings(tmp_path / ".NPZ")
    with pytest.raises(InputError, match="^" + re.escape(
            f"{tmp_path / '.json'}: the name is only an extension (a name "
            "starting with a dot has none); give a file name such as "
            f"{tmp_path / 'picks.json'}")):
        write_selection(tmp_path / ".json", [1], roles=["core"], pseudo_classes=[0])
    # Nor was a name that is only an extension of another format told so.
    unknown = ("the name has no extension (a name starting with a dot and "
               "with no other has none), so it names no embeddings format "
               "(.npy, .npz, .csv, .tsv, .parquet); give the file a name such "
               "as ")
    proc = call_bilaf("select", ".txt", "-b", "2", "-q", cwd=tmp_path)
    assert_one_line_error(proc, f".txt: {unknown}embeddings.npy")
    with pytest.raises(InputError, match=re.escape(
            f"{tmp_path / '.TXT'}: {unknown}"
            f"{tmp_path / 'embeddings.npy'}")):
        load_embeddings(tmp_path / ".TXT")
    with pytest.raises(InputError, match="^" + re.escape(
            f"{tmp_path / '.txt'}: the name has no extension (a name "
            "starting with a dot and with no other has none), so it names no "
            "output format (.json, .csv, .npy); give a file name such as "
            f"{tmp_path / 'picks.json'}")):
        write_selection(tmp_path / ".txt", [1], roles=["core"], pseudo_classes=[0])
    # A name with no extension at all was quoted as the format ''.
    with pytest.raises(InputError, match=re.escape(
            "unknown output format '(no extension)'; use .json, .csv, .npy")):
        write_selection(tmp_path / "picks", [1], roles=["core"], pseudo_classes=[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == [".npy"]
    # A format given outright needs no extension: such a name is written.
    write_selection(tmp_path / ".json", [1], roles=["core"], pseudo_classes=[0],
                    output_format="json")
    assert json.loads((tmp_path / ".json").read_text())


@pytest.mark.parametrize("name, ending", [
    ("new/.", "'.'"), ("new/..", "'..'"), ("new/", "a separator"),
    ("e.npy/.", "'.'"), ("e.npy/", "a separator"), ("old/.", "'.'")])
def test_embeddings_name_of_a_folder_is_told(tmp_path, name, ending):
    """An embeddings name ending with '.', '..' or a separator names a
    folder: 'new/.' (no such folder) was told "new: unknown embeddings
    format '(no extension)'", quoting a name that was not given (Path drops
    a trailing '.' and separator), and 'e.npy/.' read the file e.npy, which
    the system refuses as "Not a directory".  It is told, as '-o new/.' is,
    that the name is a folder's."""
    from sklearn_bilaf.io import InputError, load_embeddings

    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    (tmp_path / "old").mkdir()
    message = (f"{name}: ends with {ending}, so it names a folder, not a file; "
               "give the embeddings file (.npy, .npz, .csv, .tsv, .parquet)")
    proc = call_bilaf("select", name, "-b", "2", "-q", cwd=tmp_path)
    assert_one_line_error(proc, message)
    with pytest.raises(InputError, match=re.escape(f"{tmp_path}/{message}")):
        load_embeddings(f"{tmp_path}/{name}")


def test_embeddings_file_is_named_as_given(tmp_path):
    """'bilaf select ./nope.npy' was told "nope.npy: no such file": Path
    drops the './', and the command's own messages ("the 1 row of
    ./t.csv") named the file as typed.  load_embeddings's messages now
    do too."""
    from sklearn_bilaf.io import InputError, load_embeddings

    X = np.random.RandomState(0).rand(20, 3)
    X[4, 1] = np.nan
    np.save(tmp_path / "nan.npy", X)
    (tmp_path / "d").mkdir()
    (tmp_path / "e.txt").write_text("1 2\n")
    (tmp_path / ".csv").write_text("a,b\n1,2\n")
    for name, message in (
            ("./nope.npy", "./nope.npy: no such file"),
            ("./d", "./d: is a folder, not a file"),
            ("./e.txt", "./e.txt: unknown embeddings format '.txt'"),
            ("./.csv", "./.csv: the name is only an extension"),
            ("./nan.npy", "./nan.npy: row 4, column 1 is nan")):
        proc = call_bilaf("select", name, "-b", "2", "-q", cwd=tmp_path)
        assert_one_line_error(proc, message)
        with pytest.raises(InputError, match="^" + re.escape(
                f"{tmp_path}/{message}")):
            load_embeddings(f"{tmp_path}/{name}")


def test_name_that_is_only_an_extension_is_quoted_as_given(tmp_path):
    """'--ids ./.csv' was told as "--ids .csv: the name is only an
    extension" and '-o ./.json' as "-o .json: ...": Path drops the './'.
    Both are named as typed, as an embeddings file named './.csv' is."""
    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    (tmp_path / ".csv").write_text("id\n" + "".join(f"r{i}\n" for i in range(20)))
    for args, message, status in (
            (["--ids", "./.csv"], "--ids ./.csv: the name is only an extension",
             1),
            # A mistake of the command line, as -o .json is: a usage error.
            (["-o", "./.json"], "-o ./.json: the name is only an extension", 2),
            (["-o", "./.txt"], "-o ./.txt: the name has no extension", 2)):
        proc = call_bilaf("select", "e.npy", "-b", "2", "-q", *args,
                          cwd=tmp_path)
        assert_one_line_error(proc, message, status=status)


@pytest.mark.parametrize("name", ["ids.txt/.", "sub/.csv/.", "ids.csv/"])
def test_ids_folder_name_with_id_column_is_told_it_names_a_folder(tmp_path,
                                                                  name):
    """With --id-column, '--ids ids.txt/.' was told that --id-column only
    applies to .csv/.tsv id files, and 'sub/.csv/.' that its name is only
    an extension: the name is a folder's, which is the mistake to tell."""
    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    proc = call_bilaf("select", "e.npy", "-b", "2", "-q", "--ids", name,
                      "--id-column", "id", cwd=tmp_path)
    assert_one_line_error(proc, f"--ids {name}: ends with ", "so it names a "
                          "folder, not a file")


def test_embeddings_notes_and_warnings_name_the_file_as_given(tmp_path):
    """The notes and warnings of load_embeddings (a row index column, a
    header of pandas' names or of decimals, a column named like labels, a
    pandas index in a .parquet) and an .npz member's messages named the
    file by its Path: './t.csv' as 't.csv', after its errors had been made
    to name it as given."""
    import warnings

    from sklearn_bilaf.io import InputError, load_embeddings

    rows = "\n".join(f"{i},{i / 10},{i / 7}" for i in range(1, 21))
    (tmp_path / "index.csv").write_text(",a,b\n" + rows + "\n")
    (tmp_path / "pandas.csv").write_text("0,1,2\n" + rows + "\n")
    (tmp_path / "decimals.csv").write_text("x,0.5,0.25\n" + rows + "\n")
    (tmp_path / "label.csv").write_text("a,b,label\n" + rows + "\n")
    np.savez(tmp_path / "flat.npz", X=np.arange(20.0))
    given = f"{tmp_path}/./"  # Path writes it as f"{tmp_path}/"
    for name, fragment in (
            ("index.csv", "index.csv: the first column has no name"),
            ("pandas.csv", "pandas.csv: the first row (0,1,2) is taken as "
                           "pandas'"),
            ("decimals.csv", "decimals.csv: the first row (x,0.5,0.25,...) "
                             "is taken as the header"),
            ("label.csv", "label.csv: column 'label' is used as a feature")):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pool = load_embeddings(given + name)
        told = [str(w.message) for w in caught] + list(pool.notes)
        assert [m for m in told if m.startswith(given + fragment)], told
        proc = call_bilaf("select", "./" + name, "-b", "2", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert f"./{fragment}" in proc.stderr, proc.stderr
    with pytest.raises(InputError, match="^" + re.escape(
            f"{given}flat.npz[X] holds an array of shape (20,)")):
        load_embeddings(given + "flat.npz")


def test_parquet_notes_name_the_file_as_given(tmp_path):
    """A .parquet file's pandas-index note named it by its Path."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    from sklearn_bilaf.io import load_embeddings

    frame = pd.DataFrame(np.random.RandomState(0).rand(30, 3),
                         columns=["a", "b", "c"])
    frame.index = np.arange(30) * 7 + 1000  # as left by a filter
    frame.to_parquet(tmp_path / "filtered.parquet")
    given = f"{tmp_path}/./filtered.parquet"
    pool = load_embeddings(given)
    assert [n for n in pool.notes if n.startswith(
        f"{given}: column '__index_level_0__' is the pandas index")], pool.notes


def test_unreadable_ids_file_is_named_as_given(tmp_path, monkeypatch):
    """An ids file that cannot be opened (no read permission, which root
    does not lack: the refusal is simulated) was told by its Path: '--ids
    ./ids.txt' as "--ids ids.txt: cannot be read"."""
    import builtins
    import errno

    import sklearn_bilaf.io as bilaf_io

    def refusing_open(file, *args, **kwargs):
        if os.fspath(file).endswith("ids.txt"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return builtins.open(file, *args, **kwargs)

    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    (tmp_path / "ids.txt").write_text("\n".join(map(str, range(20))) + "\n")
    monkeypatch.setattr(bilaf_io, "open", refusing_open, raising=False)
    proc = call_bilaf("select", "e.npy", "--ids", "./ids.txt", "-b", "2", "-q",
                      cwd=tmp_path)
    assert_one_line_error(proc, "--ids ./ids.txt: cannot be read (Permission "
                          "denied)")
    given = f"{tmp_path}/./ids.txt"
    with pytest.raises(bilaf_io.InputError, match="^" + re.escape(
            f"{given}: cannot be read")):
        bilaf_io.read_ids(given, 20)


def test_example_name_for_a_name_that_is_only_an_extension_is_as_given(
        tmp_path):
    """A name that is only an extension ('./sub/.csv') was told so, but the
    example name suggested for it was written by Path ('sub/ids.csv', not
    './sub/ids.csv'); and write_selection named './sub/.json' itself as
    'sub/.json'."""
    from sklearn_bilaf.io import (
        InputError,
        load_embeddings,
        output_name_problem,
        write_selection,
    )

    sub = tmp_path / "sub"
    sub.mkdir()
    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    (sub / ".csv").write_text("id\n" + "\n".join(map(str, range(20))) + "\n")
    (sub / ".csv.gz").write_bytes(b"\x1f\x8b")
    for args, message in (
            (("./sub/.csv",), "give the file a name such as "
                              "./sub/embeddings.csv"),
            (("./sub/.csv.gz",), "a name such as ./sub/embeddings.csv"),
            (("e.npy", "--ids", "./sub/.csv"), "give the file a name such as "
                                               "./sub/ids.csv"),
            (("e.npy", "-o", "./sub/.json"), "-o ./sub/.json: the name is only "
             "an extension (a name starting with a dot has none); give a file "
             "name such as ./sub/picks.json"),
            (("e.npy", "-o", "./sub/.txt"), "give a file name such as "
                                            "./sub/picks.json")):
        proc = call_bilaf("select", *args, "-b", "2", "-q", cwd=tmp_path)
        # -o's name is a usage error.
        assert_one_line_error(proc, message, status=2 if "-o" in args else 1)
    given = f"{tmp_path}/./sub/"  # Path writes it as f"{tmp_path}/sub/"
    with pytest.raises(InputError, match=re.escape(
            f"such as {given}embeddings.csv")):
        load_embeddings(given + ".csv")
    assert output_name_problem(given + ".json").endswith(
        f"such as {given}picks.json")
    with pytest.raises(InputError, match="^" + re.escape(
            f"{given}.json: the name is only an extension (a name starting "
            f"with a dot has none); give a file name such as "
            f"{given}picks.json")):
        write_selection(given + ".json", [0], roles=["core"],
                        pseudo_classes=[0])
    assert sorted(p.name for p in sub.iterdir()) == [".csv", ".csv.gz"]


def test_compressed_file_named_only_by_extensions_is_told(tmp_path):
    """An embeddings file named '.csv.gz' (or '.npy.gz') is a compressed file
    of a known format, as 'emb.csv.gz' is, but its format's name stands
    alone before '.gz': Python reads it as a hidden file '.csv' whose
    extension is '.gz', and it was told "unknown embeddings format '.gz'".
    It is told, as 'emb.csv.gz' is, that it is compressed, and, as '.csv'
    is, that the rest of its name is only an extension."""
    import gzip

    from sklearn_bilaf.io import InputError, load_embeddings

    text = b"1,2\n3,4\n5,6\n"
    (tmp_path / ".csv.gz").write_bytes(gzip.compress(text))
    proc = call_bilaf("select", ".csv.gz", "-b", "2", "-q", cwd=tmp_path)
    assert_one_line_error(
        proc, ".csv.gz: is compressed (.gz), and the rest of the name is only "
        "an extension (a name starting with a dot has none); decompress it "
        "first, and give the .csv file a name such as embeddings.csv")
    with pytest.raises(InputError, match=re.escape(
            f"{tmp_path / '.NPY.xz'}: is compressed (.xz), and the rest of the "
            "name is only an extension (a name starting with a dot has none); "
            "decompress it first, and give the .npy file a name such as "
            f"{tmp_path / 'embeddings.NPY'}")):
        load_embeddings(tmp_path / ".NPY.xz")
    # As before: a name with more before the format, and a dot file whose
    # rest is no format (a hidden file '.a' compressed, for Python).
    proc = call_bilaf("select", "e.csv.gz", "-b", "2", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "e.csv.gz: is compressed (.gz); decompress it "
                          "first, and give the .csv file")
    with pytest.raises(InputError, match=re.escape(
            f"{tmp_path / '.a.gz'}: unknown embeddings format '.gz'")):
        load_embeddings(tmp_path / ".a.gz")


@pytest.mark.parametrize("name", [".csv", ".TSV"])
@pytest.mark.parametrize("id_column", [None, "id"])
def test_ids_file_named_only_by_an_extension_is_told(tmp_path, name, id_column):
    """'--ids .csv' (a hidden file named '.csv') was read as a text file of
    one id per line, since the name has no extension for Python: its header
    was counted as an id ("is line 1 a header? ... save the ids as a .csv
    file"), and with --id-column it was told that --id-column only applies
    to .csv/.tsv id files.  It is told, as an embeddings file named '.csv'
    is, that the name is only an extension."""
    from sklearn_bilaf.io import InputError, read_ids

    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    separator = "\t" if name.lower() == ".tsv" else ","
    (tmp_path / name).write_text(
        f"id{separator}x\n" + "".join(f"r{i}{separator}{i}\n" for i in range(20)))
    extra = [] if id_column is None else ["--id-column", id_column]
    proc = call_bilaf("select", "e.npy", "-b", "4", "-q", "--ids", name, *extra,
                      cwd=tmp_path)
    assert_one_line_error(
        proc, f"--ids {name}: the name is only an extension (a name starting "
        f"with a dot has none); give the file a name such as ids{name}")
    with pytest.raises(InputError, match="^" + re.escape(
            f"{tmp_path / name}: the name is only an extension")):
        read_ids(tmp_path / name, 20, column=id_column)
    # Any other name is an ids file as before: a dot file holds one id a line.
    (tmp_path / ".ids").write_text("".join(f"r{i}\n" for i in range(20)))
    assert read_ids(tmp_path / ".ids", 20) == [f"r{i}" for i in range(20)]
    (tmp_path / name).rename(tmp_path / f"ids{name}")
    assert read_ids(tmp_path / f"ids{name}", 20, column="id")[:2] == ["r0", "r1"]


@pytest.mark.parametrize("name, separator", [("ids.csv", ","),
                                             ("ids.tsv", "\t")])
def test_ids_table_without_a_header_is_told_its_first_line_is_one(
        tmp_path, name, separator):
    """A .csv/.tsv ids file with no header line (pandas' to_csv(...,
    header=False), or ids typed one per line) had its first id taken for
    the column names: "gives 19 ids but the embeddings have 20 rows", with
    no word of the header.  It is asked whether line 1 is an id, and told to
    add a header line or save the ids one per line as .txt; the advice, run,
    gives a file that reads."""
    from sklearn_bilaf.io import InputError, read_ids

    path = tmp_path / name
    ids = [f"r{i}" for i in range(20)]
    path.write_text("".join(f"{i}{separator}{i[1:]}\n" for i in ids))
    with pytest.raises(InputError, match="^" + re.escape(
            f"{path} gives 19 ids but the embeddings have 20 rows; it needs "
            "exactly one id per row, in row order; is line 1 "
            # On one line: a tab shown as a space.
            f"({' '.join(f'r0{separator}0'.split())!r}) an id? the first "
            "line of a ") + r"\.(csv|tsv) " + re.escape(
            "ids file is its header, the column names: add one (such as "
            "'id') as line 1")):
        read_ids(path, 20, column=0)
    # The advice, taken.
    path.write_text(f"id{separator}n\n" + path.read_text())
    assert read_ids(path, 20, column="id") == ids
    # One column: or one id per line, as .txt.
    path.write_text("".join(f"{i}\n" for i in ids))
    with pytest.raises(InputError, match=re.escape(
            "or save the ids one per line, with no header, as a .txt file")):
        read_ids(path, 20)
    path.rename(tmp_path / "ids.txt")
    assert read_ids(tmp_path / "ids.txt", 20) == ids
    # A header named as ids are ('id'), and one id short: no such question.
    (tmp_path / name).write_text("id\n" + "".join(f"{i}\n" for i in ids[:19]))
    with pytest.raises(InputError, match=r"in row order$"):
        read_ids(tmp_path / name, 20)


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".json", ".parquet"])
@pytest.mark.parametrize("kind", ["str", "int"])
def test_ids_file_of_another_format_is_told_how_to_save_it_as_text(
        tmp_path, suffix, kind):
    """Ids in a .npy, .npz, .json or .parquet file were told only that ids
    come from text: the message gives the np.savetxt call that writes them
    one per line to a .txt file beside it (KEY or COLUMN standing for the
    archive's array or the table's column), and the call, run, writes a
    file that read_ids reads to the same ids."""
    from sklearn_bilaf.io import InputError, read_ids

    ids = [f"r{i}" for i in range(20)] if kind == "str" else list(range(20))
    path = tmp_path / f"ids{suffix}"
    if suffix == ".npy":
        np.save(path, np.array(ids))
    elif suffix == ".npz":
        np.savez(path, sample_ids=np.array(ids))
    elif suffix == ".json":
        path.write_text(json.dumps(ids))
    else:
        pd = pytest.importorskip("pandas")
        pytest.importorskip("pyarrow")
        pd.DataFrame({"sample_id": ids, "x": 0}).to_parquet(path)
    with pytest.raises(InputError) as raised:
        read_ids(path, 20)
    message = str(raised.value)
    # A table's column may hold line breaks: pandas writes it as a .csv file.
    how, written = (("as a .csv file", "ids.csv") if suffix == ".parquet"
                    else ("one per line", "ids.txt"))
    assert message.startswith(f"{path}: ids must come from a text file (one id "
                              "per line) or a column of a .csv/.tsv file; "
                              f"save them {how} first: "), message
    scope = {"np": np, "json": json}
    if suffix == ".parquet":
        scope["pd"] = pytest.importorskip("pandas")
    assert _run_ids_advice(message, scope) == str(tmp_path / written)
    assert read_ids(tmp_path / written, 20) == [str(i) for i in ids]


def test_binary_ids_file_is_told_ids_come_from_text(tmp_path):
    """An ids file holding a NumPy array, an np.savez archive or a pickle
    was given the embeddings' advice: "name it .npy" (and '--ids ids.npy'
    is refused), "save the embeddings with np.save"; another binary file
    with no extension was asked whether it was "a binary file with a  name".
    Each is told that ids come from text."""
    import pickle

    from sklearn_bilaf.io import InputError, read_ids

    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    advice = ("ids must come from a text file (one id per line) or a column "
              "of a .csv/.tsv file")
    np.save(tmp_path / "array.npy", np.arange(20))
    (tmp_path / "array.npy").rename(tmp_path / "ids.txt")
    np.savez(tmp_path / "archive.npz", ids=np.arange(20))
    (tmp_path / "archive.npz").rename(tmp_path / "ids.csv")
    (tmp_path / "ids.pkl").write_bytes(pickle.dumps([str(i) for i in range(20)]))
    (tmp_path / "ids").write_bytes(b"\x00\x01\xff" * 20)
    for name, what in (("ids.txt", "it is a NumPy .npy file; "),
                       ("ids.csv", "it is a zip archive, as np.savez writes; "),
                       ("ids.pkl", "it is a Python pickle; "),
                       ("ids", "it holds NUL bytes, as binary files do; ")):
        proc = call_bilaf("select", "e.npy", "-b", "4", "-q", "--ids", name,
                          cwd=tmp_path)
        assert_one_line_error(proc, f"--ids {name}: not UTF-8 text: {what}{advice}")
        with pytest.raises(InputError, match=re.escape(what + advice)):
            read_ids(tmp_path / name, 20)


def _torch_save_like(path):
    """A zip archive laid out as torch.save writes one (a pickle of the
    object, and its storages as members beside it), without torch."""
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
        archive.writestr("archive/byteorder", "little")
        archive.writestr("archive/data/0", b"\x00" * 16)
        archive.writestr("archive/version", "3\n")


@pytest.mark.parametrize("name", ["emb.npy", "emb.NPY", "emb.npz"])
def test_a_torch_save_file_is_told_how_to_convert_it(tmp_path, name,
                                                    monkeypatch):
    """torch.save(X, "emb.npy") writes a zip archive: it was told to be named
    .npz, as np.savez writes, and as .npz that its member
    "archive/data.pkl" lacks the .npy header, "save embeddings with
    np.savez".  Both say it is a PyTorch file and how to convert it, to a
    new file: for emb.npy the advice named emb.npy, overwriting the tensor
    it loads."""
    from sklearn_bilaf.io import InputError, load_embeddings

    _torch_save_like(tmp_path / name)
    npy = name.lower().endswith(".npy")
    kind = "a NumPy .npy file" if npy else "a NumPy .npz archive"
    new = "emb_array.npy" if npy else "emb.npy"
    expected = (f"{name}: not {kind}: it is a PyTorch file (torch.save's zip "
                "archive), which is never unpickled; save the tensor as an "
                f"array in a new file: np.save({new!r}, torch.load("
                f"{name!r}).cpu().numpy())")
    proc = call_bilaf("select", name, "-q", cwd=tmp_path)
    assert_one_line_error(proc, expected)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=f"^{re.escape(expected)}$"):
        load_embeddings(name)
    # np.savez's archives are read as before.
    np.savez(tmp_path / "e.npz", X=np.ones((4, 2)))
    assert load_embeddings(tmp_path / "e.npz").X.shape == (4, 2)


@pytest.mark.parametrize("name, question", [
    ("blob", "is it a binary file?"),
    (".csv", "is it a binary file?"),
    ("e.CSV", "is it a binary file with a .csv name?")])
def test_not_utf8_binary_question_reads_without_an_extension(tmp_path, name,
                                                             question):
    """The question asked of a text file holding NUL bytes was built as "a
    binary file with a {extension} name": for a name with no extension it
    read "is it a binary file with a  name?"."""
    from sklearn_bilaf.io import _not_utf8

    path = tmp_path / name
    path.write_bytes(b"a,b\n\x00\x9f\n")
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        error = exc
    assert _not_utf8(path, error) == f"not UTF-8 text; {question}"


def test_object_array_advice_works_for_an_array_of_rows(tmp_path):
    """The advice for an object .npy file was X.astype(np.float32), which
    fails on an array of row arrays (one per sample, as a DataFrame column
    of arrays gives); the code the message suggests now saves a file the
    command reads, for that and for a 2-D object array of numbers: a new
    file for a .npy file, and for a .npz one a new archive (with its other
    arrays, which are kept); run with the loading it says, it works."""
    from sklearn_bilaf.io import InputError, load_embeddings

    table = np.arange(12.0).reshape(4, 3)
    rows = np.empty(4, dtype=object)
    rows[:] = list(table)
    for name, X in (("rows.npy", rows), ("table.npy", table.astype(object)),
                    ("rows.npz", rows), ("labelled.npz", rows)):
        path = tmp_path / name
        if name.endswith(".npy"):
            np.save(path, X, allow_pickle=True)
        else:
            # An archive's advice named no call: it is np.savez, same key,
            # its other arrays kept (and read without the objects).
            # (np.savez pickles object arrays by default; numpy 1.x's has no
            # allow_pickle and would save it as an array.)
            others = {"labels": np.arange(4)} if name == "labelled.npz" else {}
            np.savez(path, emb=X, **others)
        with pytest.raises(InputError) as info:
            load_embeddings(path, key="emb" if name == "labelled.npz" else None)
        advice = re.search(r"e\.g\. ((?:with np\.load\('[^']+'\) as z: )?"
                           r"np\.savez?\(.*\))$", str(info.value))
        assert advice, str(info.value)
        saved = re.search(r"np\.savez?\('([^']+)'", advice.group(1)).group(1)
        assert saved == str(path.with_name(
            f"{path.stem}_embeddings{path.suffix}")), advice.group(1)
        load = re.search(r"load it with (X = np\.load\(.*?\)(?:\[[^]]+\])?) "
                         r"and save", str(info.value))
        namespace = {"np": np}
        exec(load.group(1), namespace)
        exec(advice.group(1), namespace)
        if name == "labelled.npz":
            with np.load(saved) as archive:
                assert archive["labels"].tolist() == [0, 1, 2, 3]
        read = load_embeddings(
            saved, key="emb" if name == "labelled.npz" else None).X
        assert read.dtype == np.float32
        np.testing.assert_array_equal(read, table)


def test_unexpanded_tilde_is_told(tmp_path, monkeypatch):
    """'--output=~/s.json' or a quoted '~/e.npy' reaches the command with its
    '~' (only a shell expands it): "create the folder '~' first" would make
    a folder named '~'; say to write the expanded path instead."""
    monkeypatch.setenv("HOME", str(tmp_path))
    np.save(tmp_path / "e.npy", np.zeros((10, 2)))
    here = tmp_path / "work"
    here.mkdir()
    proc = call_bilaf("select", "../e.npy", "-q", "--output=~/s.json", cwd=here)
    assert_one_line_error(
        proc, "-o ~/s.json: the folder '~' does not exist; '~' is not expanded "
        "here, only by a shell at the start of an unquoted word; write "
        f"{tmp_path / 's.json'}")
    proc = call_bilaf("select", "~/e.npy", "-q", cwd=here)
    assert_one_line_error(
        proc, f"~/e.npy: no such file ('~' is not expanded here, only by a shell "
        f"at the start of an unquoted word; write {tmp_path / 'e.npy'})")
    proc = call_bilaf("select", "../e.npy", "-q", "--ids=~/ids.txt", cwd=here)
    assert_one_line_error(proc, "--ids ~/ids.txt: no such file ('~' is not "
                          "expanded here")
    assert sorted(p.name for p in here.iterdir()) == []


def test_output_name_naming_an_existing_folder_says_so(bilaf, tmp_path, digits32):
    """Without an extension or with a trailing separator, an existing folder
    is told as such (the file system, not the name, is the problem: exit 1)."""
    np.save(tmp_path / "e.npy", digits32)
    (tmp_path / "out").mkdir()
    for output in ("out", "out/"):
        proc = bilaf("select", "e.npy", "-o", output, "-q", cwd=tmp_path)
        assert_one_line_error(proc, f"-o {output}: is a folder; give a file name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy", "out"]


def test_output_file_is_named_as_given(tmp_path, monkeypatch):
    """'-o ./nd/s.json' was told as "-o nd/s.json: the folder 'nd' does not
    exist": Path drops the './'.  The -o name (and its folder, see
    test_output_folder_is_named_as_given) is quoted as typed, as its
    unknown-format and folder messages already were, by the command and
    check_output_path, and when the write fails after the selection."""
    import errno

    from sklearn_bilaf.io import InputError, check_output_path

    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    (tmp_path / "loop.json").symlink_to("loop.json")
    long_name = "./" + "x" * 300 + ".json"
    cases = (
        ("./nd/s.json", "-o ./nd/s.json: the folder './nd' does not exist"),
        ("./e.npy/s.json", "-o ./e.npy/s.json: './e.npy' is a file, not a "
         "folder"),
        ("./loop.json", "-o ./loop.json: is a symbolic link that leads back"),
        (long_name, f"-o {long_name}: the output file name is too long"),
        ("./e.npy", "-o ./e.npy is also an input file"),
    )
    for name, message in cases:
        proc = call_bilaf("select", "e.npy", "-b", "2", "-q", "-o", name,
                          cwd=tmp_path)
        assert_one_line_error(proc, message)
    with pytest.raises(InputError, match="^" + re.escape(
            f"{tmp_path}/./nd/s.json: the folder")):
        check_output_path(f"{tmp_path}/./nd/s.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy", "loop.json"]

    def fsync_on_full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", fsync_on_full_disk)
    proc = call_bilaf("select", "e.npy", "-b", "2", "-q", "-o", "./s.json",
                      cwd=tmp_path)
    assert_one_line_error(proc, "-o ./s.json: could not write the selection "
                          "(No space left on device); nothing was written")


def test_output_folder_is_named_as_given(tmp_path, monkeypatch):
    """The folder of '-o ./nd/s.json' was told as 'nd', that of
    'a/./nd/s.json' as 'a/nd' (the Path form), while the -o name itself is
    quoted as typed: the folder part is now quoted as typed too, by
    check_output_path, write_selection and the command."""
    from sklearn_bilaf import io as bilaf_io
    from sklearn_bilaf.io import InputError, check_output_path, write_selection

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    cases = (
        ("./nd/s.json", "the folder './nd' does not exist; create it first"),
        # The separators as typed, but the one before the file name.
        ("nd//s.json", "the folder 'nd/' does not exist; create it first"),
        ("a/./nd/s.json", "the folder 'a/./nd' does not exist; create it first"),
        (f"{tmp_path}/./nd/s.json", f"the folder '{tmp_path}/./nd' does not"),
        ("~/nd/s.json", "the folder '~/nd' does not exist; '~' is not expanded"),
        ("./e.npy/s.json", "'./e.npy' is a file, not a folder"),
        ("./e.npy/./x/s.json", "'./e.npy' is a file, not a folder"),
    )
    for name, message in cases:
        with pytest.raises(InputError) as info:
            check_output_path(name)
        assert str(info.value).startswith(f"{name}: {message}"), info.value
    proc = call_bilaf("select", "e.npy", "-b", "2", "-q", "-o", "./nd/s.json",
                      cwd=tmp_path)
    assert_one_line_error(proc, "-o ./nd/s.json: the folder './nd' does not "
                          "exist; create it first")
    # write_selection checks it too (a bare FileNotFoundError said neither
    # which folder was missing nor what to do), and names the file as given.
    for name, message in cases:
        with pytest.raises(InputError) as info:
            write_selection(name, [0], roles=["core"], pseudo_classes=[0])
        assert str(info.value).startswith(f"{name}: {message}"), info.value

    def refused(path, kind):
        raise PermissionError(13, os.strerror(13))

    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(bilaf_io, "_create_beside", refused)
    with pytest.raises(InputError, match="^" + re.escape(
            "./ro/s.json: cannot create a file in the folder './ro' (")):
        check_output_path("./ro/s.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy", "ro"]


def _pretend_read_only(monkeypatch, paths):
    """Write read-only files at ``paths`` and make ``os.access`` say so even
    to root (allowed everything), for whom the permission bits do not."""
    read_only = set(paths)
    for path in read_only:
        path.write_text("[1, 2, 3]\n")
        path.chmod(0o444)
    real_access = os.access
    monkeypatch.setattr(
        os, "access",
        lambda path, mode, **kw: (False if Path(os.path.abspath(path))
                                  in read_only and mode & os.W_OK
                                  else real_access(path, mode, **kw)))


def _assert_read_only_hint(name, hint):
    from sklearn_bilaf.io import InputError, _command_line_spelling, check_output_path

    message = (f"{name}: the file exists and is read-only; make it writable "
               f"({hint}) or choose another name")
    with pytest.raises(InputError) as info:
        check_output_path(name)
    assert str(info.value).startswith(message), info.value
    with _command_line_spelling(), pytest.raises(InputError) as info:
        check_output_path(name)
    assert str(info.value).startswith(f"-o {message}"), info.value


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_read_only_output_hint_names_the_file_as_given(tmp_path, monkeypatch):
    """The "chmod u+w" hint for a read-only '-o ./s.json' named 's.json'
    (the Path form) while the message around it quotes '-o ./s.json': it
    names the file as typed too; a link's target, which was not typed, as
    Path has it.  ``os.access`` answers for the test's user, who may be
    root (allowed everything)."""

    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    _pretend_read_only(monkeypatch, [tmp_path / "s.json",
                                     tmp_path / "out" / "a b.json"])
    (tmp_path / "link.json").symlink_to("out/a b.json")
    cases = (
        ("./s.json", "chmod u+w ./s.json"),
        ("out/./a b.json", "chmod u+w 'out/./a b.json'"),
        ("./link.json", f"chmod u+w '{tmp_path}/out/a b.json'"),
    )
    for name, hint in cases:
        _assert_read_only_hint(name, hint)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_read_only_output_hint_works_for_a_name_with_a_leading_dash(
        tmp_path, monkeypatch):
    """'-o=-x.json' (or '--output=-x.json') was told "chmod u+w -x.json",
    which chmod reads as options: the hint ends the options with '--'
    first, and still names the file as typed.  ``os.access`` answers for
    the test's user, who may be root (allowed everything)."""

    monkeypatch.chdir(tmp_path)
    _pretend_read_only(monkeypatch, [tmp_path / "-x.json",
                                     tmp_path / "-a b.json"])
    cases = (
        ("-x.json", "chmod u+w -- -x.json"),
        ("-a b.json", "chmod u+w -- '-a b.json'"),
        ("./-x.json", "chmod u+w ./-x.json"),
    )
    for name, hint in cases:
        _assert_read_only_hint(name, hint)
        # The hint is a command that works: it makes the file writable.
        subprocess.run(hint, shell=True, check=True, cwd=tmp_path)
        assert (tmp_path / name).stat().st_mode & 0o200
        (tmp_path / name).chmod(0o444)


def test_example_name_in_a_folder_keeps_the_folder_as_given(tmp_path):
    """'-o ./out' (a folder) and '-o ./new/' were told to give a file name
    "e.g. out/selected.json", "new/selected.json": Path drops the './'."""
    from sklearn_bilaf.io import InputError, check_output_path, write_selection

    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    (tmp_path / "out").mkdir()
    for name, example in (("./out", "./out/selected.json"),
                          ("./out/", "./out/selected.json"),
                          ("./new/", "./new/selected.json"),
                          ("./new/.", "./new/selected.json"),
                          ("./new/..", "./new/../selected.json"),
                          ("./.", "./selected.json")):
        proc = call_bilaf("select", "e.npy", "-b", "2", "-q", "-o", name,
                          cwd=tmp_path)
        assert proc.returncode in (1, 2), proc.stderr
        assert_one_line_error(proc, f"-o {name}: ", f"e.g. {example}",
                              status=proc.returncode)
    given = f"{tmp_path}/./out"
    with pytest.raises(InputError, match=re.escape(
            f"e.g. {given}/selected.json")):
        check_output_path(given)
    with pytest.raises(InputError, match=re.escape(
            f"e.g. {given}/selected.json")):
        write_selection(given + "/", [0], roles=["core"], pseudo_classes=[0])
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["e.npy", "out"]


def test_written_output_file_is_named_as_given(tmp_path):
    """'-o ./s.json' was reported as "wrote s.json" and in the summary's
    output line as "s.json" (the Path that check_output_path returns drops
    the './'), while the command's messages about -o quote it as typed."""
    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    (tmp_path / "out").mkdir()
    for name in ("./s.json", "out/./s.csv"):
        proc = call_bilaf("select", "e.npy", "-b", "2", "-o", name,
                          cwd=tmp_path)
        assert_ok(proc)
        assert f"bilaf: wrote {name}\n" in proc.stderr, proc.stderr
        assert re.search(rf"^  output +{re.escape(name)} \(2 ", proc.stdout,
                         flags=re.M), proc.stdout
    assert (tmp_path / "s.json").exists() and (tmp_path / "out/s.csv").exists()


@pytest.mark.parametrize(
    "files, args, fragment",
    [
        (["e.npy"], ["--id-column", "0"],
         "--id-column only applies to tables (.csv, .tsv, .parquet); give the ids "
         "of a .npy file with --ids"),
        (["e.npz"], ["--label-column", "label"],
         "--label-column only applies to tables"),
        (["e.npy"], ["--key", "a"], "--key only applies to .npz archives, not .npy"),
        (["e.csv"], ["--key", "a"], "--key only applies to .npz archives, not .csv"),
        (["e.npy"], ["--header", "no"],
         "--header only applies to .csv and .tsv files, not .npy"),
        (["e.parquet"], ["--header", "yes"], "--header only applies"),
        (["e.npy", "ids.txt"], ["--ids", "ids.txt", "--id-column", "0"],
         "--id-column with --ids only applies to .csv/.tsv id files"),
    ],
)
def test_option_not_for_the_input_format_is_a_usage_error(bilaf, tmp_path, files,
                                                          args, fragment):
    """Told before reading (the files are not even valid) and exits 2."""
    for name in files:
        (tmp_path / name).write_text("not read\n")
    proc = bilaf("select", files[0], *args, "-o", "s.json", cwd=tmp_path)
    assert_one_line_error(proc, fragment, "(see 'bilaf select --help')", status=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)


# -- io, in process ------------------------------------------------------------


@pytest.mark.parametrize("indices, error, match", [
    ([1.7, 2], TypeError, "whole row numbers; got an array of dtype float64"),
    ([True, False], TypeError, "dtype bool"),
    ([0, -1], ValueError, r"rows of the 3 ids, in \[0, 2\]; got \[-1\]"),
    ([3], ValueError, r"got \[3\]"),
])
def test_format_selection_refuses_rows_it_would_misread(indices, error, match):
    """A cast truncated 1.7 to row 1, and row -1 took the last id."""
    from sklearn_bilaf.io import format_selection

    with pytest.raises(error, match=match):
        format_selection(".json", indices, roles=None, pseudo_classes=None,
                         ids=["a", "b", "c"])
    assert format_selection(".json", [2.0, 0], roles=None, pseudo_classes=None,
                            ids=["a", "b", "c"]) == b'["c", "a"]\n'


def test_format_selection_json_and_npy_need_no_roles(tmp_path):
    """roles and pseudo_classes were keyword arguments without a default,
    which .json and .npy never use: every call had to pass None.  They
    default to None, and .csv, which writes them, says which one it lacks."""
    from sklearn_bilaf.io import format_selection, write_selection

    assert format_selection(".json", [2, 0]) == b"[2, 0]\n"
    assert format_selection(".json", [2, 0], ids=["a", "b", "c"]) == (
        b'["c", "a"]\n')
    assert np.load(io.BytesIO(format_selection(".npy", [2, 0]))).tolist() == [
        2, 0]
    write_selection(tmp_path / "s.json", [1, 0])
    assert json.loads((tmp_path / "s.json").read_text()) == [1, 0]
    write_selection(tmp_path / "s.npy", [1, 0])
    assert np.load(tmp_path / "s.npy").tolist() == [1, 0]
    for call in (lambda: format_selection(".csv", [2, 0]),
                 lambda: write_selection(tmp_path / "s.csv", [2, 0],
                                         pseudo_classes=[0, 1])):
        with pytest.raises(TypeError, match=r"got roles=None: pass roles="):
            call()
    with pytest.raises(TypeError, match=r"got pseudo_classes=None: pass "):
        write_selection(tmp_path / "s.csv", [2, 0], roles=["core"] * 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.npy"]


@pytest.mark.parametrize("roles, pseudo_classes, error, match", [
    (["core"], [0, 0], ValueError,
     r"^\.csv needs roles and pseudo_classes, one per selected row \(2\); got "
     r"1 roles and 2 pseudo_classes\.$"),
    (["core", "boundary"], [0], ValueError, r"got 2 roles and 1 pseudo_classes"),
    (None, [0, 0], TypeError,
     r"^\.csv needs roles and pseudo_classes, one per selected row \(2\); got "
     r"roles=None: pass roles=\[\.\.\.\], 'core' or 'boundary' for each "
     r"selected row, or write \.json or \.npy, which need neither\.$"),
    (["core", "core"], None, TypeError,
     r"got pseudo_classes=None: pass pseudo_classes=\[\.\.\.\], the "
     r"pseudo-class of each selected row, or write \.json or \.npy"),
])
def test_format_selection_csv_refuses_roles_not_one_per_row(
        roles, pseudo_classes, error, match):
    # A bare IndexError ("list index out of range") or TypeError ("'NoneType'
    # object is not subscriptable"); longer lists were cut silently.
    from sklearn_bilaf.io import format_selection

    with pytest.raises(error, match=match):
        format_selection(".csv", [2, 0], roles=roles,
                         pseudo_classes=pseudo_classes)
    with pytest.raises(ValueError, match="got 3 roles and 2 pseudo_classes"):
        format_selection(".csv", [2, 0], roles=["core"] * 3,
                         pseudo_classes=[0, 0])


@pytest.mark.parametrize("suffix, indices, roles, pseudo_classes, error, match", [
    # .json and .npy wrote a nested list, a bare number or row -1, which no
    # pool has; .csv failed in numpy ("only 0-dimensional arrays ...").
    (".json", [[2, 0]], None, None, ValueError, r"1-D .*got shape \(1, 2\)"),
    (".npy", 2, None, None, ValueError, r"1-D .*got shape \(\)"),
    (".csv", [[2, 0]], ["core", "core"], [0, 0], ValueError, r"shape \(1, 2\)"),
    (".npy", [2, -1], None, None, ValueError, r"row numbers >= 0; got \[-1\]"),
    # int() truncated class 0.5 to 0; roles were written whatever they said.
    (".csv", [2, 0], ["core", "boundary"], [0.5, 1], TypeError,
     "pseudo_classes must be whole class numbers; got an array of dtype float64"),
    (".csv", [2, 0], ["core", "boundary"], [0, -1], ValueError,
     r"class numbers >= 0; got \[-1\]"),
    (".csv", [2, 0], ["core", "Boundary"], [0, 1], ValueError,
     r"'core' or 'boundary'.*got 'Boundary'"),
])
def test_format_selection_refuses_what_no_reader_takes_for_a_selection(
        suffix, indices, roles, pseudo_classes, error, match):
    from sklearn_bilaf.io import format_selection

    with pytest.raises(error, match=match):
        format_selection(suffix, indices, roles=roles,
                         pseudo_classes=pseudo_classes)
    # numpy arrays of roles and classes, as a sampler's attributes give them.
    assert format_selection(
        ".csv", np.array([2, 0]), roles=np.array(["core", "boundary"]),
        pseudo_classes=np.array([0.0, 1.0])).decode().splitlines() == [
        "row,role,pseudo_class", "2,core,0", "0,boundary,1"]


@pytest.mark.parametrize("suffix", [".json", ".csv", ".npy"])
@pytest.mark.parametrize("ids", [None, ["a", "b", "c", "d"]])
def test_format_selection_refuses_a_row_selected_twice(tmp_path, suffix, ids):
    """A selection never holds a row twice: repeats came from a caller's bug,
    and were written as is (a label file listing a sample twice)."""
    from sklearn_bilaf.io import format_selection, write_selection

    kwargs = dict(roles=["core", "boundary", "boundary", "core", "boundary"],
                  pseudo_classes=[0, 0, 1, 1, 1], ids=ids)
    match = r"^indices must be distinct rows, each selected once; repeated: \[1, 3\]\.$"
    with pytest.raises(ValueError, match=match):
        format_selection(suffix, [3, 1, 0, 1, 3], **kwargs)
    out = tmp_path / f"s{suffix}"
    with pytest.raises(ValueError, match=match):
        write_selection(out, [3, 1, 0, 1, 3], **kwargs)
    assert list(tmp_path.iterdir()) == []
    kwargs.update(roles=kwargs["roles"][:3], pseudo_classes=[0, 0, 1])
    assert format_selection(suffix, [3, 1, 0], **kwargs)


def test_format_selection_takes_a_series_of_ids_by_position():
    """ids[row] (and roles[i]) on a pandas Series looks up the *label*: a frame
    sorted or filtered before (index 3, 2, 1, 0) gave row 0 the id of the
    last row, silently, and an index 10, 11, ... failed with a KeyError."""
    pd = pytest.importorskip("pandas")
    from sklearn_bilaf.io import format_selection

    kwargs = dict(roles=["core", "boundary"], pseudo_classes=[0, 1])
    for index in ([3, 2, 1, 0], [10, 11, 12, 13], list("wxyz"), None):
        ids = pd.Series(["a", "b", "c", "d"], index=index)
        assert format_selection(".json", [0, 2], ids=ids, **kwargs) == (
            b'["a", "c"]\n'), index
        assert format_selection(".csv", [0, 2], ids=ids, **kwargs).decode(
        ).splitlines() == ["row,role,pseudo_class,id", "0,core,0,a",
                           "2,boundary,1,c"], index
    numbers = pd.Series([7, 8, 9], index=[2, 1, 0])
    assert format_selection(".json", [2, 0], ids=numbers, **kwargs) == (
        b"[9, 7]\n")
    # roles likewise (pseudo_classes always were taken by position).
    assert format_selection(
        ".csv", [5, 7], roles=pd.Series(["core", "boundary"], index=[1, 0]),
        pseudo_classes=pd.Series([0, 1], index=[1, 0])).decode().splitlines() == [
        "row,role,pseudo_class", "5,core,0", "7,boundary,1"]


@pytest.mark.parametrize("dtype", ["Int64", "int64[pyarrow]"])
def test_format_selection_keeps_integer_ids_of_a_nullable_series(dtype):
    """A pandas Series of integer ids with a missing one (a nullable Int64
    column, as read from a table) gave its ids as floats: the selected rows'
    ids were written 12.0 and 10.0, which are no sample's id."""
    pd = pytest.importorskip("pandas")
    if dtype.endswith("[pyarrow]"):
        pytest.importorskip("pyarrow")
    from sklearn_bilaf.io import format_selection

    ids = pd.Series([10, None, 12, 13], dtype=dtype, index=[3, 2, 1, 0])
    kwargs = dict(roles=["core", "boundary"], pseudo_classes=[0, 0])
    assert format_selection(".json", [2, 0], ids=ids, **kwargs) == b"[12, 10]\n"
    assert format_selection(".csv", [2, 0], ids=ids, **kwargs).decode(
    ).splitlines() == ["row,role,pseudo_class,id", "2,core,0,12",
                       "0,boundary,0,10"]


@pytest.mark.parametrize("ids, match", [
    # json.dumps wrote Infinity (and NaN, a missing id: below), which no
    # JSON reader accepts.
    ([1.0, float("inf"), 2.0], r"id of row 1 is inf"),
    # json.dumps failed with "Object of type date is not JSON serializable".
    ([datetime.date(2020, 1, 1)] * 3, r"id of row 0 is a date"),
    ([b"x", b"y", b"z"], r"id of row 0 is a bytes"),
    # .item() of a nanosecond datetime64 or a timedelta64 is an int: the
    # dates were written as nanosecond counts, where microsecond ones were
    # refused.
    (np.array(["2020-01-01", "2020-01-02", "2020-01-03"], dtype="datetime64[ns]"),
     r"id of row 0 is a datetime64"),
    (np.array([1, 2, 3], dtype="timedelta64[ns]"), r"id of row 0 is a timedelta64"),
])
def test_format_selection_json_refuses_ids_json_cannot_hold(tmp_path, ids, match):
    from sklearn_bilaf.io import format_selection, write_selection

    kwargs = dict(roles=["core", "boundary"], pseudo_classes=[0, 1], ids=ids)
    with pytest.raises(ValueError, match=match) as info:
        format_selection(".json", [0, 1], **kwargs)
    assert ".csv" in str(info.value) and "str(" in str(info.value)
    with pytest.raises(ValueError, match=match):
        write_selection(tmp_path / "s.json", [0, 1], **kwargs)
    assert list(tmp_path.iterdir()) == []
    # The other formats still take them (.csv writes str(id)).
    assert format_selection(".csv", [0, 1], **kwargs)


@pytest.mark.parametrize("make_ids, shown", [
    (lambda pd: np.array([1.5, np.nan, 2.5]), "nan"),
    (lambda pd: [1.0, float("nan"), 2.0], "nan"),
    (lambda pd: pd.Series([10, None, 12], dtype="Int64"), "<NA>"),
    (lambda pd: pd.Series(["a", pd.NA, "c"], dtype="string"), "<NA>"),
    (lambda pd: ["a", pd.NA, "c"], "<NA>"),
    (lambda pd: ["a", pd.NaT, "c"], "NaT"),
    (lambda pd: ["a", np.datetime64("NaT"), "c"], "NaT"),
    (lambda pd: np.array([1.5, np.nan, 2.5], dtype=np.float32), "nan"),
], ids=["nan", "nan-list", "Int64", "string", "pd.NA", "pd.NaT", "np.NaT",
        "float32"])
def test_format_selection_json_says_a_selected_id_is_missing(tmp_path, make_ids,
                                                              shown):
    """A missing id (NaN, pd.NA, NaT) was refused with the advice to pass the
    ids as str, which would write "nan" or "<NA>" as the sample's id: the
    error says that the id is missing and how to give the row one."""
    pd = pytest.importorskip("pandas")
    from sklearn_bilaf.io import format_selection, write_selection

    kwargs = dict(roles=["core", "boundary"], pseudo_classes=[0, 1],
                  ids=make_ids(pd))
    match = (rf"^a \.json selection lists the ids as JSON strings or numbers, "
             rf"but row 1 is selected and its id is missing \({shown}\)\. ")
    with pytest.raises(ValueError, match=match) as info:
        format_selection(".json", [0, 1], **kwargs)
    message = str(info.value)
    assert "str(" not in message
    assert "fill in" in message and "drop" in message and ".csv" in message
    with pytest.raises(ValueError, match=match):
        write_selection(tmp_path / "s.json", [0, 1], **kwargs)
    assert list(tmp_path.iterdir()) == []
    # Only the selected rows' ids count.
    assert format_selection(".json", [0, 2], **kwargs)


def test_format_selection_documents_where_each_format_puts_the_ids():
    """``ids`` was documented as "written instead of row numbers", which
    only ``.json`` does: ``.csv`` adds an ``id`` column beside the row
    numbers, and ``.npy`` holds the row numbers only."""
    import inspect
    import itertools

    from sklearn_bilaf.io import format_selection, write_selection

    kwargs = dict(roles=["core", "boundary"], pseudo_classes=[0, 0],
                  ids=["a", "b", "c"])
    assert format_selection(".json", [2, 0], **kwargs) == b'["c", "a"]\n'
    assert format_selection(".csv", [2, 0], **kwargs).decode().splitlines() == [
        "row,role,pseudo_class,id", "2,core,0,c", "0,boundary,0,a"]
    assert format_selection(".npy", [2, 0], **kwargs) == format_selection(
        ".npy", [2, 0], **{**kwargs, "ids": None})
    for function in (format_selection, write_selection):
        doc = inspect.getdoc(function)
        entry = doc.split("\nids : ")[1].split("\n")[1:]
        ids = " ".join(" ".join(itertools.takewhile(
            lambda line: line.startswith(" "), entry)).split())
        assert "``.json``" in ids and "``id`` column" in ids and "``.npy``" in ids, (
            function.__name__, ids)


def test_damaged_npz_leaves_no_file_open(tmp_path):
    """numpy's np.load left its handle to a damaged archive for the garbage
    collector to close (a ResourceWarning)."""
    import gc
    import warnings

    from sklearn_bilaf.io import InputError, load_embeddings

    np.savez(tmp_path / "ok.npz", X=np.ones((5, 3)))
    (tmp_path / "bad.npz").write_bytes(
        (tmp_path / "ok.npz").read_bytes()[:40] + bytes(100))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with pytest.raises(InputError, match="unreadable .npz archive"):
            load_embeddings(tmp_path / "bad.npz")
        assert load_embeddings(tmp_path / "ok.npz").X.shape == (5, 3)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
def test_npy_is_memory_mapped_and_last_column_dropped_as_view(tmp_path):
    from sklearn_bilaf.io import load_embeddings

    X = np.arange(60, dtype=np.float32).reshape(10, 6)
    np.save(tmp_path / "e.npy", X)
    pool = load_embeddings(tmp_path / "e.npy")
    assert isinstance(pool.X, np.memmap) and pool.X.dtype == np.float32
    assert pool.memory_mapped and not pool.X.flags.writeable
    pool = load_embeddings(tmp_path / "e.npy", drop_last_column=True)
    assert isinstance(pool.X.base, np.memmap) or isinstance(pool.X, np.memmap)
    assert pool.X.shape == (10, 5) and pool.X.dtype == np.float32
    np.testing.assert_array_equal(pool.X, X[:, :-1])
    np.testing.assert_array_equal(pool.labels, X[:, -1].astype(int))


def test_parquet_numeric_columns_keep_float32(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn_bilaf.io import InputError, load_embeddings

    X = np.random.RandomState(0).normal(size=(20, 3)).astype(np.float32)
    columns = {f"x{j}": X[:, j] for j in range(3)}
    pq.write_table(pa.table(columns), tmp_path / "a.parquet")
    pool = load_embeddings(tmp_path / "a.parquet")
    assert pool.X.dtype == np.float32
    np.testing.assert_array_equal(pool.X, X)
    pq.write_table(pa.table({"x": X[:, 0], "name": ["a"] * 20}), tmp_path / "b.parquet")
    with pytest.raises(InputError, match="column 'name' holds string"):
        load_embeddings(tmp_path / "b.parquet")


def test_parquet_repeated_ids_are_refused(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn_bilaf.io import InputError, load_embeddings

    pq.write_table(pa.table({"key": [7, 8, 7], "x": [0.0, 1.0, 2.0]}),
                   tmp_path / "e.parquet")
    with pytest.raises(InputError, match=r"id column 'key': the id 7 is repeated, "
                       r"at rows 0 and 2;"):
        load_embeddings(tmp_path / "e.parquet", id_column="key")


def test_parquet_empty_ids_are_refused(tmp_path):
    """An empty (or blank) string id is refused, as in a CSV id column or an
    --ids file; it was written to the outputs as an id ""."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn_bilaf.io import InputError, load_embeddings

    pq.write_table(pa.table({"key": ["a", "b", "", " ", "e"],
                             "x": [0.0, 1.0, 2.0, 3.0, 4.0]}),
                   tmp_path / "e.parquet")
    with pytest.raises(InputError, match=r"e\.parquet: the id column 'key' has 2 "
                       r"empty ids, in rows 2 and 3; every row needs an id: "
                       r"fill them in or drop those rows"):
        load_embeddings(tmp_path / "e.parquet", id_column="key")


def test_parquet_list_label_column_gives_one_label_per_row(tmp_path):
    """A label column of lists (multi-label tags, say) gives one label per
    row, the list; its entries were taken for labels of their own, so the
    summary counted each pick once per entry ("3 picks cover 2 of the 2
    labels" for [1, 2] on every row)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn_bilaf.io import load_embeddings

    pq.write_table(pa.table({"x": [0.0, 1.0, 2.0], "tags": [[1, 2], [1, 2], [3, 4]]}),
                   tmp_path / "e.parquet")
    pool = load_embeddings(tmp_path / "e.parquet", label_column="tags")
    assert pool.labels.tolist() == ["[1, 2]", "[1, 2]", "[3, 4]"]
    assert pool.X.shape == (3, 1)


def test_parquet_non_finite_value_names_the_files_column(tmp_path):
    # With an id column first, X's column 2 is the file's column 'c' (position
    # 3); the message named "column 2", which in the file is 'b'.
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn_bilaf.io import InputError, load_embeddings

    values = np.arange(12.0).reshape(4, 3)
    values[1, 2] = np.nan
    pq.write_table(pa.table({"id": ["p", "q", "r", "s"], "a": values[:, 0],
                             "b": values[:, 1], "c": values[:, 2]}),
                   tmp_path / "e.parquet")
    with pytest.raises(InputError, match=r"e\.parquet: row 1, column 'c' is nan"):
        load_embeddings(tmp_path / "e.parquet", id_column="id")
    pq.write_table(pa.table({"id": ["p", "q", "r", "s"],
                             "emb": pa.array(values.tolist())}),
                   tmp_path / "e.parquet")
    with pytest.raises(InputError, match=r"row 1, column 'emb\[2\]' is nan"):
        load_embeddings(tmp_path / "e.parquet", id_column="id")


def test_parquet_missing_values_name_their_rows(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn_bilaf.io import InputError, load_embeddings

    f2 = [0.5] * 12
    for row in (3, 7, 8, 10, 11):
        f2[row] = None
    one = [0.5] * 12
    one[4] = None
    path = tmp_path / "e.parquet"
    cases = [
        ({"f1": [1.0] * 12, "f2": one}, {},
         "e.parquet: column 'f2' has 1 missing value, in row 4; fill it in or "
         "drop that row, and save the file again"),
        ({"f1": [1.0] * 12, "f2": f2}, {},
         "column 'f2' has 5 missing values, in rows 3, 7, 8 and 2 more; fill "
         "them in or drop those rows, and save the file again"),
        ({"emb": [[1.0, 2.0]] * 5 + [[1.0, None]] + [[2.0, 2.0]] * 2
          + [[None, None]]}, {},
         "column 'emb' has missing values inside its lists, in rows 5 and 8; "
         "fill them in or drop those rows"),
        ({"key": ["a", None, "c"], "x": [1.0, 2.0, 3.0]}, {"id_column": "key"},
         "the id column 'key' has 1 missing value, in row 1; fill it in"),
        ({"x": [1.0, 2.0, 3.0], "y": [0, 1, None]}, {"label_column": "y"},
         "the label column 'y' has 1 missing value, in row 2"),
    ]
    for columns, options, message in cases:
        pq.write_table(pa.table(columns), path)
        with pytest.raises(InputError) as raised:
            load_embeddings(path, **options)
        assert message in str(raised.value), (str(raised.value), message)


def test_atomic_write_leaves_no_trace_when_writing_fails(tmp_path, monkeypatch):
    from sklearn_bilaf import io as bilaf_io

    out = tmp_path / "s.json"
    out.write_text("old\n")

    real_fdopen = os.fdopen

    class FillsUp:
        """A file that takes the first bytes, then finds the disk full."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[:5])
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.handle, name)

    monkeypatch.setattr(bilaf_io.os, "fdopen",
                        lambda *a, **k: FillsUp(real_fdopen(*a, **k)))
    with pytest.raises(OSError) as raised:
        bilaf_io.write_selection(out, [1, 2, 3], roles=["core"] * 3,
                                 pseudo_classes=[0, 0, 0])
    # The error names the file asked for, not the temporary file.
    assert raised.value.errno == 28 and raised.value.filename == str(out)
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


@pytest.mark.parametrize("error", [OSError(1, "Operation not permitted"),
                                   KeyboardInterrupt()])
def test_atomic_write_closes_the_temporary_file_when_keeping_the_mode_fails(
        tmp_path, monkeypatch, error):
    """Keeping the replaced file's mode (fchmod, which some network and FUSE
    file systems refuse) failed before the temporary file was wrapped in a
    file object: its descriptor stayed open, one per failed write."""
    import errno

    from sklearn_bilaf import io as bilaf_io

    out = tmp_path / "s.json"
    out.write_text("old\n")
    seen = []

    def refuses(target, fd):
        seen.append(fd)
        raise error

    monkeypatch.setattr(bilaf_io, "_keep_mode", refuses)
    with pytest.raises(type(error)):
        bilaf_io.write_selection(out, [1, 2, 3], roles=["core"] * 3,
                                 pseudo_classes=[0, 0, 0])
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]
    with pytest.raises(OSError) as raised:
        os.fstat(seen[0])
    assert raised.value.errno == errno.EBADF


def test_atomic_write_names_the_target_when_no_file_can_be_created(
        tmp_path, monkeypatch):
    import errno

    from sklearn_bilaf import io as bilaf_io

    out = tmp_path / "s.npy"
    _refuse_new_files_in(tmp_path, monkeypatch, errno.EACCES)
    with pytest.raises(PermissionError) as raised:
        bilaf_io.write_selection(out, [1, 2, 3], roles=["core"] * 3,
                                 pseudo_classes=[0, 0, 0])
    assert raised.value.filename == str(out)
    assert list(tmp_path.iterdir()) == []


def test_column_position_equal_to_the_column_count_is_out_of_range(tmp_path):
    """--id-column/--label-column positions are 0-based: a CSV with 3 columns
    accepts 0..2 and refuses 3 with a clear error (not an IndexError)."""
    from sklearn_bilaf.io import InputError, load_embeddings

    (tmp_path / "e.csv").write_text("1,2,3\n4,5,6\n7,8,9\n")
    pool = load_embeddings(tmp_path / "e.csv", label_column="2")
    assert pool.X.shape == (3, 2)
    with pytest.raises(InputError, match="out of range.*positions 0 to 2"):
        load_embeddings(tmp_path / "e.csv", label_column="3")


def test_python_api_refuses_column_and_header_values_it_would_misread(tmp_path):
    """From Python, a bool or float column was read by int() (True as column 1,
    1.7 as column 1) and a header other than auto/yes/no meant "auto"."""
    from sklearn_bilaf.io import InputError, load_embeddings, read_ids

    (tmp_path / "e.csv").write_text("1,2,3\n4,5,6\n7,8,9\n")
    (tmp_path / "ids.csv").write_text("a,b\nx,1\ny,2\nz,3\n")
    # numpy counts a timedelta64 as an Integral: int() of one failed bare.
    for column in (True, 1.7, 0.0, b"1", np.timedelta64(2, "s")):
        with pytest.raises(InputError, match="neither a column name .* nor a "
                                             "0-based column position"):
            load_embeddings(tmp_path / "e.csv", label_column=column)
        with pytest.raises(InputError, match="neither a column name .* nor a "
                                             "0-based column position"):
            load_embeddings(tmp_path / "e.csv", id_column=column)
    for column in (False, np.timedelta64(1, "s")):
        with pytest.raises(InputError, match="neither a column name"):
            read_ids(tmp_path / "ids.csv", 3, column=column)
    for header in ("maybe", True, None):
        with pytest.raises(InputError, match="is not one of 'auto', 'yes', 'no'"):
            load_embeddings(tmp_path / "e.csv", header=header)
    # Spelled as pandas' read_csv or as a flag: told the value that reads so.
    for header, meant in ((True, "yes"), (0, "yes"), (np.int64(0), "yes"),
                          (False, "no"), (None, "no"), ("Yes", "yes"),
                          (" no ", "no"), ("infer", "auto")):
        with pytest.raises(InputError, match=re.escape(
                f"header={header!r} is not one of 'auto', 'yes', 'no'; pass "
                f"header={meant!r}")):
            load_embeddings(tmp_path / "e.csv", header=header)
    with pytest.raises(InputError, match=r"'no'$"):
        load_embeddings(tmp_path / "e.csv", header="maybe")
    assert load_embeddings(tmp_path / "e.csv", label_column=np.int64(2)).X.shape \
        == (3, 2)


def test_seed_range_is_half_open():
    """--seed takes numpy's seed range [0, 2**32): 2**32 - 1 is the largest."""
    import argparse

    from sklearn_bilaf.cli import _seed

    assert _seed("4294967295") == 2**32 - 1
    with pytest.raises(argparse.ArgumentTypeError, match=r"\[0, 2\*\*32\)"):
        _seed("4294967296")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")
def test_names_and_ids_the_terminal_cannot_encode_are_escaped(tmp_path, digits32):
    """A file name that is not UTF-8, or ids outside the terminal's encoding,
    are printed escaped: the run succeeded, it must not end in a traceback."""
    name = os.fsdecode(b"emb\xff.npy")
    np.save(tmp_path / name, digits32[:200])
    (tmp_path / "ids.txt").write_text(
        "".join(f"\u00e9l\u00e8ve{i}\n" for i in range(200)), encoding="utf-8")
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    proc = run_bilaf("select", name, "--ids", "ids.txt", "-b", "5", "-q",
                     "--core-selector", "random", "-o", "s.json", env=env,
                     cwd=tmp_path)
    assert_ok(proc)
    assert "emb\\udcff.npy" in proc.stdout or "emb\\xff.npy" in proc.stdout
    proc = run_bilaf("select", name, "--ids", "ids.txt", "-b", "5", "-q",
                     "--core-selector", "random", env=env, cwd=tmp_path)
    assert_ok(proc)
    assert "\\xe9l\\xe8ve" in proc.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_replaced_output_keeps_its_permissions(bilaf, tmp_path, digits32):
    """Replacing an existing output keeps its mode: a private (0600) selection
    must not become readable by everyone because it was written again."""
    np.save(tmp_path / "e.npy", digits32[:200])
    for name, mode in (("s.json", 0o600), ("s.csv", 0o640), ("s.npy", 0o660)):
        out = tmp_path / name
        out.write_text("old\n")
        out.chmod(mode)
        proc = bilaf("select", "e.npy", "-b", "5", "-q", "--core-selector",
                     "random", "-o", name, cwd=tmp_path)
        assert_ok(proc)
        assert out.read_text(errors="replace") != "old\n"
        assert out.stat().st_mode & 0o7777 == mode, name


def test_input_links_that_lead_nowhere_say_so(tmp_path):
    from sklearn_bilaf.io import InputError, load_embeddings, read_ids

    (tmp_path / "loop.npy").symlink_to("loop.npy")
    (tmp_path / "gone.csv").symlink_to("moved/e.csv")
    with pytest.raises(InputError, match="loop.npy: is a symbolic link that "
                       "leads back to itself"):
        load_embeddings(tmp_path / "loop.npy")
    with pytest.raises(InputError, match="gone.csv: is a symbolic link to "
                       "'moved/e.csv', which does not exist"):
        load_embeddings(tmp_path / "gone.csv")
    with pytest.raises(InputError, match="is a symbolic link to"):
        read_ids(tmp_path / "gone.csv", 3)


# Seconds a call given a pipe may take (a first selection compiles kernels,
# on a shared machine) before it is taken to be stuck on the pipe.
_PIPE_TIMEOUT = 120


def _unless_blocked(call, *args, unblock, timeout=_PIPE_TIMEOUT, **kwargs):
    """``call(*args, **kwargs)``, failing the test when it has not returned
    within ``timeout`` seconds, as when it waits on a pipe nothing will write
    to (or read from).  There is no pytest timeout: such a call hung the
    whole suite instead of failing its test.

    The call runs in a daemon thread; ``unblock()`` then frees it (opens the
    pipe's other end, closes one held open), so that the thread ends rather
    than keep the working directory and the redirected output it changed.
    What the call returns is returned, what it raises is raised.
    """
    import threading

    outcome = {}

    def run():
        try:
            outcome["value"] = call(*args, **kwargs)
        except BaseException as exc:  # raised again in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        unblock()
        thread.join(timeout)
        pytest.fail(f"{call.__name__}{tuple(map(str, args))} did not return "
                    f"within {timeout} s: blocked on a pipe?")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _free_fifo(path):
    """Open and close the named pipe ``path`` at both ends, without waiting:
    a reader or a writer waiting for the other end goes on (a reader to the
    end of the data, a writer to a broken pipe)."""
    os.close(os.open(path, os.O_RDWR | os.O_NONBLOCK))


def _closing_once(fd):
    """A function that closes ``fd`` the first time it is called only: a
    number closed twice may by then be another file's."""
    open_fds = [fd]

    def close():
        while open_fds:
            os.close(open_fds.pop())

    return close


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_named_pipes_stream_tables_and_refuse_arrays(tmp_path, digits32):
    """A CSV can come through a pipe (read once, never rewound); .npy, .npz
    and .parquet are read in place, so a pipe is refused as one, before
    anything is read from it."""
    import threading

    X = digits32[:200]
    np.savetxt(tmp_path / "e.csv", X, delimiter=",", fmt="%g")
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)

    def feed_pipe():
        try:
            pipe.write_bytes((tmp_path / "e.csv").read_bytes())
        except BrokenPipeError:
            pass  # the command left the pipe unread: its result tells

    feed = threading.Thread(target=feed_pipe, daemon=True)
    feed.start()
    try:
        proc = _unless_blocked(call_bilaf, "select", "pipe.csv", "-b", "9", "-q",
                               "--core-selector", "random", "-o", "s.json",
                               cwd=tmp_path, unblock=lambda: _free_fifo(pipe))
    finally:
        feed.join(_PIPE_TIMEOUT)
        if feed.is_alive():  # unblock the writer if nothing read the pipe
            _free_fifo(pipe)
            feed.join(_PIPE_TIMEOUT)
    assert not feed.is_alive()
    assert_ok(proc)
    expected = api_selection(X.astype(np.float64), 9).selected_indices_.tolist()
    assert json.loads((tmp_path / "s.json").read_text()) == expected
    # Each call is bounded: one that opened the pipe would wait for a writer
    # for ever.
    for suffix in (".npy", ".npz", ".parquet"):
        os.mkfifo(tmp_path / f"pipe{suffix}")
        proc = _unless_blocked(
            call_bilaf, "select", f"pipe{suffix}", "-q", cwd=tmp_path,
            unblock=lambda suffix=suffix: _free_fifo(tmp_path / f"pipe{suffix}"))
        assert_one_line_error(proc, f"pipe{suffix}: is not a regular file (a "
                              "pipe or a device)", f"{suffix} files are read in "
                              "place: save the embeddings to a file first")
    # Standard input or a shell's <(...) (/dev/fd/63) has no extension: it
    # was told to use one of the extensions, which it cannot have.
    os.mkfifo(tmp_path / "fd63")
    proc = _unless_blocked(call_bilaf, "select", "fd63", "-q", cwd=tmp_path,
                           unblock=lambda: _free_fifo(tmp_path / "fd63"))
    assert_one_line_error(proc, "fd63: is a pipe or a device, whose name gives "
                          "no format; save the embeddings to a file (.npy, .npz, "
                          ".csv, .tsv, .parquet) and give its name")


def test_whitespace_only_lines_are_blank_lines(tmp_path):
    """A line of spaces (an editor's leftover at the end, say) is skipped like
    an empty line, instead of being a row of 1 field."""
    from sklearn_bilaf.io import InputError, load_embeddings

    (tmp_path / "e.csv").write_text("a,b\n1,2\n  \n3,4\n5,6\n \t\n")
    pool = load_embeddings(tmp_path / "e.csv")
    np.testing.assert_array_equal(pool.X, [[1, 2], [3, 4], [5, 6]])
    (tmp_path / "e.tsv").write_text("  \n1\t2\n3\t4\n")
    pool = load_embeddings(tmp_path / "e.tsv")
    np.testing.assert_array_equal(pool.X, [[1, 2], [3, 4]])
    # Without a header, columns are named by position, and a first row after
    # blank lines by its own line number.
    (tmp_path / "e.csv").write_text("\n \n1,x\n3,4\n")
    with pytest.raises(InputError, match="e.csv: line 3, column 1 holds 'x'"):
        load_embeddings(tmp_path / "e.csv", header="no")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_pipe_or_device_output_is_written_in_place(tmp_path, digits32):
    """-o /dev/null (timing a run) and named pipes (a shell's >(...)) are
    written in place, in their extension's format or --output-format's
    (default csv): they were refused for their name, or, named .json,
    replaced by a regular file (a device node destroyed, a pipe's reader
    left waiting)."""
    import stat
    import threading

    np.save(tmp_path / "e.npy", digits32)
    common = ["select", "e.npy", "-b", "12", "--core-selector", "random", "-q"]
    expected = api_selection(digits32, 12).selected_indices_.tolist()

    def through_pipe(name, *options, link=None):
        pipe = tmp_path / name
        os.mkfifo(pipe)
        # Held open for writing too, so that the reader sees the end of the
        # data once the command and this close it, whatever the command did.
        # Closed also to free a command stuck reading the pipe.
        release = _closing_once(os.open(pipe, os.O_RDWR))
        received = []
        reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()),
                                  daemon=True)
        reader.start()
        try:
            proc = _unless_blocked(call_bilaf, *common, "-o", link or name,
                                   *options, cwd=tmp_path, unblock=release)
        finally:
            release()
            reader.join(_PIPE_TIMEOUT)
        assert not reader.is_alive(), "the pipe's reader never saw its end"
        assert stat.S_ISFIFO(os.stat(pipe).st_mode), "the pipe was replaced"
        pipe.unlink()
        return proc, received[0]

    proc, data = through_pipe("out.json")
    assert_ok(proc)
    assert json.loads(data) == expected
    # Through a link, as for a file, the name given says the format.
    (tmp_path / "link.json").symlink_to("linked.csv")
    proc, data = through_pipe("linked.csv", link="link.json")
    assert_ok(proc)
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads(data) == expected
    proc, data = through_pipe("fd63")  # no extension: csv, as for '-o -'
    assert_ok(proc)
    assert data.decode().startswith("row,role,pseudo_class\n")
    proc, data = through_pipe("fd63", "--output-format", "npy")
    assert_ok(proc)
    assert np.load(io.BytesIO(data), allow_pickle=False).tolist() == expected

    before = os.stat(os.devnull)
    proc = call_bilaf(*common, "-o", os.devnull, cwd=tmp_path)
    assert_ok(proc)
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    proc = call_bilaf(*common, "-o", os.devnull, "--output-format", "json",
                      cwd=tmp_path)
    assert_ok(proc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy", "link.json"]
    # A pipe read as the input is not also the output (checked before reading).
    os.mkfifo(tmp_path / "in.csv")
    proc = _unless_blocked(call_bilaf, "select", "in.csv", "-o", "in.csv", "-q",
                           cwd=tmp_path,
                           unblock=lambda: _free_fifo(tmp_path / "in.csv"))
    assert_one_line_error(proc, "-o in.csv is also an input file")


def test_parquet_pandas_index_is_not_a_feature(tmp_path, digits32):
    """DataFrame.to_parquet stores an index other than 0, 1, 2, ... (a
    filtered or named frame) as a column that pandas' metadata lists as the
    index: it is not a feature, as the unnamed first column of a pandas CSV
    is not (the row numbers steered the selection)."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    X = digits32[:400]
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(64)])
    frame.index = np.arange(400) * 7 + 1000  # as left by a filter
    frame.to_parquet(tmp_path / "filtered.parquet")
    named = frame.rename_axis("sample")
    named.to_parquet(tmp_path / "named.parquet")
    expected = api_selection(X, 12).selected_indices_.tolist()
    for name in ("filtered", "named"):
        proc = call_bilaf("select", f"{name}.parquet", "-b", "12", "-o",
                          f"{name}.json", "--core-selector", "random",
                          cwd=tmp_path)
        assert_ok(proc)
        assert json.loads((tmp_path / f"{name}.json").read_text()) == expected
        assert "400 rows x 64 features" in proc.stdout
        assert "is the pandas index" in proc.stderr
    # Named as the id column, the index gives the ids.
    proc = call_bilaf("select", "named.parquet", "--id-column", "sample", "-b",
                      "12", "-q", "-o", "ids.json", "--core-selector", "random",
                      cwd=tmp_path)
    assert_ok(proc)
    assert json.loads((tmp_path / "ids.json").read_text()) == [
        int(frame.index[i]) for i in expected]
    from sklearn_bilaf.io import load_embeddings

    pool = load_embeddings(tmp_path / "named.parquet")
    assert pool.X.shape == (400, 64)
    assert any("'sample' is the pandas index" in note for note in pool.notes)


def test_text_in_another_encoding_is_told_to_be_saved_as_utf8(tmp_path):
    """Excel's "Unicode Text" (UTF-16) and Latin-1 exports are text, not
    "a binary file with a .csv name": the error says to save them as UTF-8."""
    rows = "a\tb\n1\t2\n3\t4\n5\t6\n"
    (tmp_path / "e.tsv").write_text(rows, encoding="utf-16")
    proc = call_bilaf("select", "e.tsv", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "e.tsv: not UTF-8 text: it is UTF-16 text",
                          "save it as UTF-8")
    (tmp_path / "e.csv").write_text("id,a\ncafé,1\nthé,2\n", encoding="latin-1")
    proc = call_bilaf("select", "e.csv", "--id-column", "id", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "e.csv: not UTF-8 text (byte 0xe9)",
                          "Latin-1 or Windows-1252", "save it as UTF-8")
    assert "binary" not in proc.stderr
    np.save(tmp_path / "e.npy", np.eye(3))
    (tmp_path / "ids.txt").write_text("a\nb\nc\n", encoding="utf-16")
    proc = call_bilaf("select", "e.npy", "--ids", "ids.txt", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "--ids ids.txt: not UTF-8 text: it is UTF-16 text")
    # A binary file is still told as one.
    (tmp_path / "b.csv").write_bytes(b"\x01\x00\xc3\x28" * 8)
    proc = call_bilaf("select", "b.csv", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "b.csv: not UTF-8 text; is it a binary file")


@pytest.mark.parametrize("name, encoding, ids", [
    ("e.tsv", "utf-16", False), ("my e.csv", "latin-1", False),
    ("ids", "utf-16", True)])
def test_iconv_advice_names_the_file_and_a_new_one(tmp_path, monkeypatch,
                                                   name, encoding, ids):
    """Text in another encoding was advised "e.g. iconv -f UTF-16 -t
    UTF-8", which names no file (iconv then reads the terminal), and
    written as "iconv ... e.csv > e.csv" would empty the file: the advice
    names the file and a new one, not an existing file; run, it writes
    UTF-8 text that reads, and leaves the file as it was."""
    import shlex

    from sklearn_bilaf.io import InputError, load_embeddings, read_ids

    if shutil.which("iconv") is None:
        pytest.skip("no iconv")
    monkeypatch.chdir(tmp_path)
    text = "a\nb\nc\n" if ids else "id,a\ncafé,1\nthé,2\n".replace(
        ",", "\t" if name.endswith(".tsv") else ",")
    Path(name).write_text(text, encoding=encoding)
    stem, suffix = os.path.splitext(name)
    taken = stem + "_utf8" + suffix
    Path(taken).write_text("the user's\n")
    before = {n: Path(n).read_bytes() for n in (name, taken)}
    with pytest.raises(InputError) as raised:
        read_ids(name, 3) if ids else load_embeddings(name, id_column="id")
    message = str(raised.value)
    new = stem + "_utf8_2" + suffix
    command = (f"iconv -f {'UTF-16' if encoding == 'utf-16' else 'WINDOWS-1252'}"
               f" -t UTF-8 {shlex.quote(name)} > {shlex.quote(new)}")
    assert message.endswith(f"e.g. {command}"), message
    subprocess.run(command, shell=True, check=True)
    if ids:
        assert read_ids(new, 3) == ["a", "b", "c"]
    else:
        assert load_embeddings(new, id_column="id").ids == ["café", "thé"]
    for n, content in before.items():
        assert Path(n).read_bytes() == content, n


def test_separators_at_line_ends_are_told_as_such(tmp_path):
    """'1,2,3,' lines (a spreadsheet's export) make an empty, unnamed last
    column: the error says to remove the separators at the line ends, not
    to fill in "missing values" of a column named '3 (unnamed)'."""
    (tmp_path / "e.csv").write_text("a,b,c,\n1,2,3,\n4,5,6,\n")
    proc = call_bilaf("select", "e.csv", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "e.csv: line 2 ends with a separator, which "
                          "leaves an empty last column; remove the separators "
                          "at the ends of the lines")
    (tmp_path / "e.tsv").write_text("1\t2\t\n4\t5\t\n")
    proc = call_bilaf("select", "e.tsv", "--header", "no", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "e.tsv: line 1 ends with a separator")
    # A named last column with an empty cell is a missing value.
    (tmp_path / "m.csv").write_text("a,b,c\n1,2,3\n4,5,\n")
    proc = call_bilaf("select", "m.csv", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "m.csv: line 3, column 'c' is empty; missing "
                          "values are not supported")


@pytest.mark.parametrize("layout", ["drop-last-column", "fortran"])
def test_strided_pool_is_not_copied_whole_per_pseudo_class(tmp_path, digits_xy,
                                                          monkeypatch, layout):
    """The view left by --drop-last-column on a .npy, or a Fortran-ordered
    .npy, reached np.take, which copies a pool that is not C-contiguous
    whole before gathering rows: once per pseudo-class in the denoising and
    boundary stages (20 to 30 times slower on 200,000 rows).  The selection
    is the same as on the C-ordered pool."""
    import numpy

    X, y = digits_xy
    X32 = X.astype(np.float32)
    if layout == "fortran":
        np.save(tmp_path / "e.npy", np.asfortranarray(X32))
        options = []
    else:
        np.save(tmp_path / "e.npy", np.column_stack([X32, y.astype(np.float32)]))
        options = ["--drop-last-column"]
    whole = []
    take = numpy.take

    def spy(a, indices, *args, **kwargs):
        if (isinstance(a, np.ndarray) and a.shape == X.shape
                and not a.flags.c_contiguous):
            whole.append(a.shape)
        return take(a, indices, *args, **kwargs)

    monkeypatch.setattr(numpy, "take", spy)
    proc = call_bilaf("select", "e.npy", *options, "-b", "60", "-k", "10",
                      "--core-selector", "random", "-q", "-o", "s.json",
                      cwd=tmp_path)
    assert_ok(proc)
    assert whole == []
    expected = api_selection(X32, 60, n_cores=10).selected_indices_.tolist()
    assert json.loads((tmp_path / "s.json").read_text()) == expected


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_a_regular_file_without_extension_under_dev_or_proc_is_not_a_pipe(tmp_path):
    """A file given as /dev/stdin with '<' (or any /proc/self/fd/N) is the
    file it links to, and a file saved in /dev/shm is a file: neither was to
    be told it is "a pipe or a device" and to save the embeddings to a file."""
    from sklearn_bilaf.io import InputError, load_embeddings

    np.save(tmp_path / "emb.npy", np.ones((5, 3)))
    with open(tmp_path / "emb.npy", "rb") as handle:
        name = f"/proc/self/fd/{handle.fileno()}"
        with pytest.raises(InputError) as info:
            load_embeddings(name)
    message = str(info.value)
    assert "pipe" not in message
    assert message == (f"{name}: is a link to {tmp_path / 'emb.npy'}, whose name "
                       "gives the format; give that name")
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        saved = Path("/dev/shm") / f"sklearn_bilaf_test_{os.getpid()}"
        shutil.copy(tmp_path / "emb.npy", saved)
        try:
            with pytest.raises(InputError, match="unknown embeddings format "
                               r"'\(no extension\)'; use one of \.npy"):
                load_embeddings(saved)
        finally:
            saved.unlink()
    # A pipe's name still says what it is.
    read, write = os.pipe()
    # Closing the writing end frees a reading of the pipe, which would wait.
    close_write = _closing_once(write)
    try:
        with pytest.raises(InputError, match="is a pipe or a device"):
            _unless_blocked(load_embeddings, f"/proc/self/fd/{read}",
                            unblock=close_write)
    finally:
        os.close(read)
        close_write()


def test_missing_ids_file_is_told_before_the_table_is_read(tmp_path):
    """'--ids nope.csv --id-column path' with a table holding a 'path'
    column: the ids file is missing, which was not said; the table was read
    first, with its 'path' column as a feature (--id-column names the ids
    file's column), and the error told to name that column with
    --id-column, which the command did.  A wrong kind of ids file is told
    up front too, before a large pool is read for nothing."""
    (tmp_path / "emb.csv").write_text(
        "path,a,b\n" + "".join(f"p{i},{i % 7},{i % 5}\n" for i in range(30)))
    proc = call_bilaf("select", "emb.csv", "--ids", "nope.csv", "--id-column",
                      "path", "-b", "5", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "--ids nope.csv: no such file")
    np.save(tmp_path / "emb.npy", np.random.RandomState(0).normal(size=(30, 3)))
    (tmp_path / "ids").mkdir()
    proc = call_bilaf("select", "emb.npy", "--ids", "ids", "-b", "5", "-q",
                      cwd=tmp_path)
    assert_one_line_error(proc, "--ids ids: is a folder, not a file")
    # The embeddings' own problem still comes first.
    proc = call_bilaf("select", "nope.npy", "--ids", "nope.txt", "-b", "5", "-q",
                      cwd=tmp_path)
    assert_one_line_error(proc, "nope.npy: no such file")
    # Nothing is read when the ids file is of a kind ids never come from.
    np.save(tmp_path / "ids.npy", np.arange(30))
    proc = call_bilaf("select", "emb.npy", "--ids", "ids.npy", "-b", "5", "-q",
                      cwd=tmp_path)
    assert_one_line_error(proc, "--ids ids.npy: ids must come from a text file")


@pytest.mark.parametrize("name, ending", [
    ("nonexist/.", "'.'"), ("nonexist/..", "'..'"), ("nonexist/", "a separator"),
    ("e.npy/.", "'.'"), ("ids.txt/.", "'.'"), ("ids.txt/", "a separator"),
    ("ids.csv/.", "'.'"), ("old/.", "'.'")])
def test_ids_name_of_a_folder_is_told(tmp_path, name, ending):
    """An ids name ending with '.', '..' or a separator names a folder:
    'nonexist/.' was told "--ids nonexist: no such file", quoting a name
    not given (Path drops a trailing '.' and separator); 'e.npy/.' was told
    that ids do not come from a .npy file; and 'ids.txt/.' read the file
    ids.txt, which the system refuses ("Not a directory").  It is told, as
    an embeddings name and '-o' are, that the name is a folder's, before
    the pool is read, and by read_ids."""
    from sklearn_bilaf.io import InputError, read_ids

    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    (tmp_path / "ids.txt").write_text("".join(f"r{i}\n" for i in range(20)))
    (tmp_path / "ids.csv").write_text("id\n" + "".join(f"r{i}\n"
                                                      for i in range(20)))
    (tmp_path / "old").mkdir()
    message = (f"--ids {name}: ends with {ending}, so it names a folder, not a "
               "file; give the ids file (one id per line, or a .csv/.tsv table "
               "with --id-column)")
    proc = call_bilaf("select", "e.npy", "--ids", name, "-b", "2", "-q",
                      cwd=tmp_path)
    assert_one_line_error(proc, message)
    assert proc.stdout == ""
    # From Python, the keyword argument: there is no --ids.
    with pytest.raises(InputError, match="^" + re.escape(
            message.replace(f"--ids {name}", f"{tmp_path}/{name}")
            .replace("--id-column", "the column argument"))):
        read_ids(f"{tmp_path}/{name}", 20)


def test_ids_file_is_named_as_given(tmp_path):
    """'--ids ./nope.txt' was told as "--ids nope.txt: no such file": Path
    drops the './'.  The ids file is named as the user typed it, missing or
    read."""
    from sklearn_bilaf.io import InputError, read_ids

    np.save(tmp_path / "e.npy", np.random.RandomState(0).rand(20, 3))
    (tmp_path / "ids.txt").write_text("a\nb\n")
    (tmp_path / "d").mkdir()
    for name, message in (("./nope.txt", "--ids ./nope.txt: no such file"),
                          ("./d", "--ids ./d: is a folder, not a file"),
                          ("./ids.txt", "--ids ./ids.txt gives 2 ids but the "
                                        "embeddings have 20 rows")):
        proc = call_bilaf("select", "e.npy", "--ids", name, "-b", "2", "-q",
                          cwd=tmp_path)
        assert_one_line_error(proc, message)
    with pytest.raises(InputError, match="^" + re.escape(
            f"{tmp_path}/./nope.txt: no such file")):
        read_ids(f"{tmp_path}/./nope.txt", 2)


@pytest.mark.parametrize("error, status, expected", [
    (MemoryError(), 1, "bilaf: error: out of memory; try float32 embeddings, a "
                       "smaller pool, or fewer --n-jobs"),
    (OSError(28, "No space left on device", "e.npy"), 1,
     "bilaf: error: e.npy: No space left on device"),
    (OSError("no errno"), 1, "bilaf: error: no errno"),
    (KeyboardInterrupt(), 130, "bilaf: interrupted"),
])
def test_failures_past_the_checks_are_one_line(monkeypatch, tmp_path, error,
                                               status, expected):
    """Out of memory, an OS error the checks could not foresee, and Ctrl-C
    end the command with one line on stderr and its exit status, no
    traceback."""
    import sklearn_bilaf.cli as cli

    def fail(args):
        raise error

    monkeypatch.setattr(cli, "_run_select", fail)
    np.save(tmp_path / "e.npy", np.zeros((10, 2)))
    proc = call_bilaf("select", "e.npy", "-b", "3", "-q", cwd=tmp_path)
    assert proc.returncode == status
    assert proc.stderr.strip().splitlines() == [expected]
    assert proc.stdout == ""


@pytest.mark.parametrize("command", ["select", "demo"])
def test_help_and_docstring_list_the_interrupted_status(command):
    """Ctrl-C ends the command with status 130; the help's list of exit
    statuses and main's docstring gave only 0, 1 and 2."""
    import sklearn_bilaf.cli as cli

    help_text = " ".join(call_bilaf(command, "--help").stdout.split())
    statuses = help_text[help_text.index("exit status:"):]
    assert f"{cli.EXIT_INTERRUPTED} when interrupted (Ctrl-C)" in statuses
    assert "130 when interrupted (Ctrl-C)" in " ".join(cli.main.__doc__.split())


def test_fraction_options_keep_their_text_when_copied_or_pickled():
    """'--budget 0.5%' is quoted as typed in messages; a copy of the parsed
    value (a sampler clone deep-copies it; process workers pickle it) keeps
    both the value and the text."""
    import copy

    from sklearn_bilaf.cli import _budget

    value = _budget("0.5%")
    for other in (copy.deepcopy(value), pickle.loads(pickle.dumps(value))):
        assert other == 0.005
        assert str(other) == "0.5%"
        assert type(other) is type(value)


def test_text_table_read_in_chunks_is_the_table(monkeypatch, tmp_path):
    """A table longer than a read chunk: the chunks are joined in order, the
    ids and labels stay with their rows, and an error in a later chunk
    names its line."""
    import sklearn_bilaf.io as bilaf_io

    monkeypatch.setattr(bilaf_io, "_CSV_CHUNK_ROWS", 3)
    X = np.arange(30.0).reshape(10, 3) / 4
    lines = ["id,a,b,c,label"] + [f"r{i},{float(a)!r},{float(b)!r},{float(c)!r},"
                                  f"{i % 3}" for i, (a, b, c) in enumerate(X)]
    lines.insert(5, "")  # a blank line inside the second chunk
    (tmp_path / "e.csv").write_text("\n".join(lines) + "\n")
    pool = bilaf_io.load_embeddings(tmp_path / "e.csv", id_column="id",
                                    label_column="label")
    np.testing.assert_array_equal(pool.X, X)
    assert pool.ids == [f"r{i}" for i in range(10)]
    assert pool.labels.tolist() == [i % 3 for i in range(10)]
    lines[9] = "r7,1.0,x,2.0,1"  # the eighth row, on line 10
    (tmp_path / "e.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(bilaf_io.InputError,
                       match=r"e.csv: line 10, column 'b' holds 'x', not a number"):
        bilaf_io.load_embeddings(tmp_path / "e.csv", id_column="id",
                                 label_column="label")


def test_text_table_column_errors(tmp_path):
    """What the column options of a text table cannot use is said."""
    from sklearn_bilaf.io import InputError, load_embeddings

    (tmp_path / "dup.csv").write_text("a,a,c\n1,2,3\n")
    with pytest.raises(InputError, match=r"several columns are named 'a'; give "
                                         r"label_column as a 0-based column"):
        load_embeddings(tmp_path / "dup.csv", label_column="a")
    (tmp_path / "bare.csv").write_text("1,2,3\n4,5,6\n")
    with pytest.raises(InputError, match=r"label_column='foo': the file has no "
                                         r"header row, so name columns by"):
        load_embeddings(tmp_path / "bare.csv", label_column="foo")
    with pytest.raises(InputError, match=r"the id column and the label column "
                                         r"are the same column"):
        load_embeddings(tmp_path / "bare.csv", id_column=2, drop_last_column=True)
    (tmp_path / "two.csv").write_text("1,2\n4,5\n")
    with pytest.raises(InputError, match="no feature columns are left"):
        load_embeddings(tmp_path / "two.csv", id_column=0, label_column=1)
    # header="yes" takes a numeric first row for the names.
    pool = load_embeddings(tmp_path / "bare.csv", header="yes")
    assert pool.X.tolist() == [[4.0, 5.0, 6.0]]
    # Text labels stay text; labels that are not whole numbers stay numbers.
    (tmp_path / "text.csv").write_text("x,lab\n1,cat\n2,dog\n")
    labels = load_embeddings(tmp_path / "text.csv", label_column="lab").labels
    assert labels.dtype.kind == "U" and labels.tolist() == ["cat", "dog"]
    (tmp_path / "lab.csv").write_text("x,lab\n1,1.5\n2,2.5\n")
    assert load_embeddings(tmp_path / "lab.csv",
                           label_column="lab").labels.tolist() == [1.5, 2.5]


def test_text_table_with_a_field_past_the_csv_limit(tmp_path):
    """A field longer than the csv module's limit (a whole file on one
    quoted line, say) is a malformed table, said in one line."""
    from sklearn_bilaf.io import InputError, load_embeddings

    (tmp_path / "e.csv").write_text('a,b\n1,"' + "9" * 200_000 + '"\n')
    with pytest.raises(InputError, match=r"e.csv: malformed table \(field larger "
                                         r"than field limit"):
        load_embeddings(tmp_path / "e.csv")


def test_text_table_ending_inside_a_quoted_field_is_refused(tmp_path):
    """A quote never closed swallows the rest of the file into one field:
    'a,b\\n1,"2\\n' was read as 2.0, and 'a,b\\n1,"2\\n3,4\\n' lost a row
    (or blamed the swallowed text).  Quoted fields that are closed, even
    across lines, and quotes inside an unquoted field, still read."""
    from sklearn_bilaf.io import InputError, load_embeddings, read_ids

    path = tmp_path / "e.csv"
    for text, line in (('a,b\n1,"2\n', 2), ('a,b\n1,"2', 2),
                       ('a,b\n1,2\n\n3,"4\n5,6\n', 4), ('"a,b\n1,2\n', 1),
                       ('1,2\n3,"4\n', 2)):
        path.write_text(text)
        with pytest.raises(InputError, match=(
                rf"e.csv: the row that starts on line {line} has a quote "
                r"\(\"\) that is never closed, so the rest of the file was "
                r"read as one field; close the quote or remove it, and save "
                r"the file again")):
            load_embeddings(path)
    path.write_text('a,b\n"1",2\n"3\n",4\n')
    np.testing.assert_array_equal(load_embeddings(path).X, [[1, 2], [3, 4]])
    path.write_text('x,id\n1,a"b\n2,"c"')
    assert load_embeddings(path, id_column="id").ids == ['a"b', "c"]
    path.write_text('x,id\n1,"a"\n2,"b\n')
    with pytest.raises(InputError, match=r"starts on line 3 has a quote"):
        load_embeddings(path, id_column="id")
    (tmp_path / "ids.csv").write_text('id\n"a"\n"b\n')
    with pytest.raises(InputError, match=r"^/.*ids.csv: the row that starts "
                                         r"on line 3 has a quote"):
        read_ids(tmp_path / "ids.csv", 2)
    (tmp_path / "ids.csv").write_text('"id\na\nb\n')
    with pytest.raises(InputError, match=r"^/.*ids.csv: the row that starts "
                                         r"on line 1 has a quote"):
        read_ids(tmp_path / "ids.csv", 2)
    (tmp_path / "ids.csv").write_text('id\n"a"\nb"\n')
    assert read_ids(tmp_path / "ids.csv", 2) == ["a", 'b"']


def test_npy_arrays_without_rows_of_features_are_refused(tmp_path):
    from sklearn_bilaf.io import InputError, load_embeddings

    np.save(tmp_path / "none.npy", np.zeros((5, 0)))
    # It said only "has zero feature columns": not what to save instead.
    with pytest.raises(InputError, match=r"none.npy has zero feature columns "
                                         r"\(shape \(5, 0\)\): save the "
                                         r"embeddings, one row per sample and "
                                         r"one column per feature \(at least "
                                         r"one\)$"):
        load_embeddings(tmp_path / "none.npy")
    np.save(tmp_path / "scalar.npy", np.float64(3))
    with pytest.raises(InputError, match=r"scalar.npy holds an array of shape "
                                         r"\(\); embeddings must be 2-D, one row "
                                         r"per sample and one column per "
                                         r"feature$"):
        load_embeddings(tmp_path / "scalar.npy")
    np.save(tmp_path / "one.npy", np.zeros((5, 1)))
    with pytest.raises(InputError, match="has a single column; drop_last_column "
                                         "would leave no features"):
        load_embeddings(tmp_path / "one.npy", drop_last_column=True)
    with pytest.raises(InputError, match=r"id_column only applies to tables "
                                         r".*; give the ids of a \.npy file with "
                                         r"pool\.ids = read_ids\(ids_path, "
                                         r"len\(pool\.X\)\)"):
        load_embeddings(tmp_path / "one.npy", id_column=0)


def test_ids_file_reading_rules(tmp_path):
    """read_ids: a CSV's single column or its named one, blank rows
    skipped; a text file's trailing empty lines dropped, an empty id inside
    refused."""
    from sklearn_bilaf.io import InputError, read_ids

    (tmp_path / "two.csv").write_text("a,b\n1,2\n\n3,4\n")
    with pytest.raises(InputError, match=r"^/.*two.csv has 2 columns; name "
                                         r"the id column with the column "
                                         r"argument"):
        read_ids(tmp_path / "two.csv", 2)
    assert read_ids(tmp_path / "two.csv", 2, column="b") == ["2", "4"]
    (tmp_path / "blank.csv").write_text("\n\n")
    with pytest.raises(InputError, match="blank.csv is empty"):
        read_ids(tmp_path / "blank.csv", 2)
    (tmp_path / "ids.txt").write_text("x\ny\n\n\n")
    assert read_ids(tmp_path / "ids.txt", 2) == ["x", "y"]
    with pytest.raises(InputError, match="^the column argument only applies to "
                                         ".csv/.tsv id files"):
        read_ids(tmp_path / "ids.txt", 2, column="a")
    (tmp_path / "hole.txt").write_text("x\n \ny\n")
    # It said no more: not that the line must hold the id of its row.
    with pytest.raises(InputError, match=r"hole.txt: line 2 holds an empty id; "
                                         r"every row of the embeddings needs "
                                         r"its id, in row order: fill it in "
                                         r"and save the file again$"):
        read_ids(tmp_path / "hole.txt", 3)
    (tmp_path / "hole.csv").write_text("id,x\na,1\n,2\n")
    with pytest.raises(InputError, match=r"hole.csv: line 3 holds an empty id; "
                                         r"every row .* again$"):
        read_ids(tmp_path / "hole.csv", 2, column="id")
    # A CSV of one column needs no --id-column; its header is not an id.
    (tmp_path / "one.csv").write_text("name\nx\ny\n")
    assert read_ids(tmp_path / "one.csv", 2) == ["x", "y"]
    (tmp_path / "long.csv").write_text('name\n"' + "x" * 200_000 + '"\n')
    with pytest.raises(InputError, match=r"^/.*long.csv: malformed table "
                                         r"\(field larger than field limit"):
        read_ids(tmp_path / "long.csv", 1)


def test_ids_text_file_lines_end_only_at_line_breaks(tmp_path):
    """A text file of ids holds one id per line, lines ending with \\n,
    \\r\\n or \\r: characters that str.splitlines also breaks at (a
    form feed, U+0085, U+2028, the separators \\x1c-\\x1e), legal in a
    file name, are part of an id, not the end of a line."""
    from sklearn_bilaf.io import read_ids

    ids = ["a\x0cb", "c\x85d", "e\u2028f", "g\x1ch", "i\x0bj"]
    path = tmp_path / "ids.txt"
    path.write_bytes("\n".join(ids).encode("utf-8") + b"\n\n")
    assert read_ids(path, len(ids)) == ids
    path.write_bytes("\r\n".join(ids).encode("utf-8") + b"\r\n")
    assert read_ids(path, len(ids)) == ids
    path.write_bytes("\r".join(ids).encode("utf-8"))
    assert read_ids(path, len(ids)) == ids


def test_unknown_output_formats_are_refused():
    from sklearn_bilaf.io import (
        InputError,
        check_output_path,
        format_selection,
        write_selection,
    )

    with pytest.raises(ValueError, match=r"unknown output format '.xml'; use "
                                         r".json, .csv, .npy"):
        format_selection(".xml", np.array([1]), roles=["core"],
                         pseudo_classes=np.array([0]))
    with pytest.raises(InputError, match=r"^o.xml: unknown output format"):
        write_selection("o.xml", np.array([1]), roles=["core"],
                        pseudo_classes=np.array([0]))
    with pytest.raises(InputError, match=r"^sel.xml: unknown output format "
                                         r"'.xml'; use .json, .csv, .npy"):
        check_output_path("sel.xml")
    # The name as given ("./o.xml"), not as Path writes it ("o.xml").
    with pytest.raises(InputError, match=r"^\./o\.xml: unknown output format"):
        write_selection("./o.xml", np.array([1]), roles=["core"],
                        pseudo_classes=np.array([0]))
    with pytest.raises(InputError, match=r"^\./sel\.xml: unknown output format"):
        check_output_path("./sel.xml")


@pytest.mark.parametrize("name, ending", [
    ("o/.", "'.'"), ("./o/.", "'.'"), ("o/..", "'..'"), ("o/", "a separator"),
    ("s.json/.", "'.'"), ("old/.", "'.'")])
@pytest.mark.parametrize("output_format", [None, "json"])
def test_write_selection_name_of_a_folder_is_told(tmp_path, name, ending,
                                                  output_format):
    """write_selection("./o/.") was told "unknown output format '(no
    extension)'", and with output_format="json" wrote the file o (Path
    drops a trailing '.'), or replaced s.json for "s.json/.".  It is told,
    as '-o' on the command line is, that the name is a folder's, and
    nothing is written."""
    from sklearn_bilaf.io import InputError, write_selection

    (tmp_path / "s.json").write_text("[7]")
    (tmp_path / "old").mkdir()
    before = sorted(p.name for p in tmp_path.rglob("*"))
    given = f"{tmp_path}/{name}"
    # The example keeps the folder as given ('./o/' for './o/.').
    example = (given.removesuffix(".") if given.endswith("/.") else
               given if given.endswith("/") else given + "/") + "selected.json"
    with pytest.raises(InputError, match="^" + re.escape(
            f"{given}: ends with {ending}, so it names a folder; give a "
            f"file name, e.g. {example}")):
        write_selection(given, [1], roles=["core"], pseudo_classes=[0],
                        output_format=output_format)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "s.json").read_text() == "[7]"


@pytest.mark.parametrize("output_format", [".json", ".JSON", "xml", ""])
def test_write_selection_names_output_format_when_it_is_the_mistake(
        tmp_path, output_format):
    """The message blamed the file name ("-o s.json: unknown output format
    '..json'") and advised .json, which output_format refuses: it takes the
    name without the dot."""
    from sklearn_bilaf.io import InputError, write_selection

    out = tmp_path / "s.json"
    with pytest.raises(InputError,
                       match=rf"^output_format={re.escape(repr(output_format))} "
                             r"is not an output format; pass 'json', 'csv' or "
                             r"'npy' \(no dot\), or None to take the format "
                             r"from the extension of s\.json$"):
        write_selection(out, [1, 2], roles=None, pseudo_classes=None,
                        output_format=output_format)
    assert list(tmp_path.iterdir()) == []
    write_selection(out, [1, 2], roles=None, pseudo_classes=None,
                    output_format="npy")
    assert np.load(out).tolist() == [1, 2]


def test_parquet_decimal_columns_are_read_as_float64(tmp_path):
    """Decimal columns (SQL exports, pandas' Decimal objects) hold numbers:
    read as float64, scalar or in lists; they were refused as "holds
    decimal128(5, 2), not numbers"."""
    from decimal import Decimal

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn_bilaf.io import load_embeddings

    values = [["1.25", "-3.10"], ["0.50", "2.00"], ["-0.75", "4.40"]]
    expected = np.array([[float(v) for v in row] for row in values])
    table = pa.table({
        "a": pa.array([Decimal(r[0]) for r in values], pa.decimal128(5, 2)),
        "b": pa.array([Decimal(r[1]) for r in values], pa.decimal256(40, 2)),
    })
    pq.write_table(table, tmp_path / "d.parquet")
    pool = load_embeddings(tmp_path / "d.parquet")
    assert pool.X.dtype == np.float64
    np.testing.assert_array_equal(pool.X, expected)
    lists = pa.table({"v": pa.array([[Decimal(v) for v in row] for row in values],
                                    pa.list_(pa.decimal128(5, 2)))})
    pq.write_table(lists, tmp_path / "l.parquet")
    pool = load_embeddings(tmp_path / "l.parquet")
    assert pool.X.dtype == np.float64
    np.testing.assert_array_equal(pool.X, expected)


def test_parquet_files_that_give_no_pool_are_refused(tmp_path):
    """Each Parquet file that holds no usable embeddings gets its reason."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn_bilaf.io import InputError, load_embeddings

    def refused(name, fragment):
        with pytest.raises(InputError) as info:
            load_embeddings(tmp_path / name)
        assert fragment in str(info.value), str(info.value)

    np.save(tmp_path / "e.npy", np.zeros((2, 2)))
    (tmp_path / "e.parquet").write_bytes((tmp_path / "e.npy").read_bytes())
    refused("e.parquet", "e.parquet: not a Parquet file: it is a NumPy .npy "
                         "file; name it .npy")
    (tmp_path / "cut.parquet").write_bytes(b"PAR1" + b"\0" * 100)
    refused("cut.parquet", "cut.parquet: unreadable Parquet file (")
    pq.write_table(pa.table({}), tmp_path / "none.parquet")
    refused("none.parquet", "none.parquet has no columns")
    pq.write_table(pa.table({"a": pa.array([], pa.float64())}),
                   tmp_path / "empty.parquet")
    refused("empty.parquet", "empty.parquet has zero rows")
    pq.write_table(pa.table({"v": [["a", "b"], ["c", "d"]]}),
                   tmp_path / "text.parquet")
    refused("text.parquet", "column 'v' holds lists of string, not numbers")
    pq.write_table(pa.table({"v": [[1.0, 2.0], [3.0]]}),
                   tmp_path / "ragged.parquet")
    refused("ragged.parquet", "the lists in column 'v' do not all have the same "
                              "length")
    # As many values as two rows of two, but not two in each row.
    pq.write_table(pa.table({"v": [[1.0, 2.0, 3.0], [4.0]]}),
                   tmp_path / "uneven.parquet")
    refused("uneven.parquet", "the lists in column 'v' do not all have the same "
                              "length")
    # A table whose only column pandas' metadata lists as the index.
    table = pa.table({"a": [1.0, 2.0]}).replace_schema_metadata(
        {b"pandas": b'{"index_columns": ["a"]}'})
    pq.write_table(table, tmp_path / "index.parquet")
    refused("index.parquet", "no feature columns are left to select with (the "
                             "only columns are the pandas index)")
    # Metadata under pandas' key that is not its JSON: no index, all features.
    table = pa.table({"a": [1.0, 2.0], "b": [3.0, 4.0]}).replace_schema_metadata(
        {b"pandas": b"not json"})
    pq.write_table(table, tmp_path / "meta.parquet")
    assert load_embeddings(tmp_path / "meta.parquet").X.tolist() == [[1.0, 3.0],
                                                                     [2.0, 4.0]]


def test_npz_and_npy_contents_that_are_not_embeddings(tmp_path):
    """A sparse matrix's archive is named as one only when it is one, object
    arrays are refused unread, and an HDF5 file is told apart."""
    from sklearn_bilaf.io import InputError, load_embeddings

    def message(name, **kwargs):
        with pytest.raises(InputError) as info:
            load_embeddings(tmp_path / name, **kwargs)
        return str(info.value)

    # scipy.sparse.save_npz's members, with a shape that is not two ints.
    np.savez(tmp_path / "odd.npz", data=np.ones((3, 2)), format=np.array("csr"),
             shape=np.array([3.0, 3.0]))
    assert "holds a scipy.sparse matrix (csr; scipy.sparse.save_npz)" in message(
        "odd.npz")
    # Members with those names that are not a sparse matrix's: read as arrays.
    for name, fmt in (("list.npz", np.array(["csr"])), ("other.npz", np.array("xyz"))):
        np.savez(tmp_path / name, data=np.ones((3, 2)), format=fmt,
                 shape=np.array([3, 2]))
        assert load_embeddings(tmp_path / name, key="data").X.shape == (3, 2)
    np.save(tmp_path / "objects.npy", np.array([[None, 1]], dtype=object))
    assert message("objects.npy") == (
        f"{tmp_path / 'objects.npy'} holds Python objects, which are never "
        "unpickled; if you trust the file, load it with X = "
        f"np.load({str(tmp_path / 'objects.npy')!r}, allow_pickle=True) and "
        "save the embeddings as a numeric array in a new file, e.g. "
        f"np.save({str(tmp_path / 'objects_embeddings.npy')!r}, "
        "np.stack(X).astype(np.float32))")
    # An archive's was told no call at all; it is told the np.savez call,
    # under the same key, that writes a new archive.
    np.savez(tmp_path / "objects.npz", emb=np.array([[None, 1]], dtype=object))
    assert message("objects.npz") == (
        f"{tmp_path / 'objects.npz'}[emb] holds Python objects, which are "
        "never unpickled; if you trust the file, load it with X = "
        f"np.load({str(tmp_path / 'objects.npz')!r}, allow_pickle=True)['emb'] "
        "and save the embeddings as a numeric array in a new file, e.g. "
        f"np.savez({str(tmp_path / 'objects_embeddings.npz')!r}, "
        "emb=np.stack(X).astype(np.float32))")
    # Already named .npy: not told to name it .npy (it was).
    (tmp_path / "h5.npy").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    assert message("h5.npy").endswith(
        "not a NumPy .npy file: it is an HDF5 file, which is not read; read the "
        "array (with h5py, say) and save it with np.save")
    (tmp_path / "h5.npz").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    assert message("h5.npz").endswith(
        "it is an HDF5 file, which is not read; read the array (with h5py, say), "
        "save it with np.save and name the file .npy")


def test_command_line_messages_for_rare_first_arguments(tmp_path):
    """'-' first is not a command (and no file hint: stdin is not read);
    an unknown option after 'demo' is unrecognized."""
    proc = call_bilaf("-", cwd=tmp_path)
    assert_one_line_error(proc, "'-' is not a command (choose from select, "
                                "demo) (see 'bilaf --help')", status=2)
    proc = call_bilaf("demo", "--nope", cwd=tmp_path)
    assert_one_line_error(proc, "unrecognized arguments: --nope (see 'bilaf demo "
                                "--help')", status=2)
    assert "the demo runs on the digits" not in proc.stderr


def test_float64_rows_too_small_to_normalise_are_named(tmp_path):
    """A float64 row too small for ActiveFT to normalise: rescaling is the
    fix (saving as float64, the fix for float32, is not offered)."""
    X = np.random.RandomState(0).normal(size=(40, 3))
    X[3] = 1e-320
    np.save(tmp_path / "e.npy", X)
    proc = call_bilaf("select", "e.npy", "-b", "5", "-q", cwd=tmp_path)
    assert_one_line_error(
        proc, "e.npy: 1 row (row 3) has a norm too small for --core-selector "
        "activeft (the default) to normalise in float64: rescale the embeddings "
        "(e.g. multiply them by a power of 10), or choose the cores with "
        "--core-selector kmeans, random or fds")
    assert "save them as float64" not in proc.stderr


def test_atomic_write_in_text_mode_and_when_the_block_fails(tmp_path, monkeypatch):
    """Text mode writes UTF-8 as given (no newline translation) and keeps
    the replaced file's permissions; an exception other than an OSError in
    the block leaves the old file and no temporary file, and goes through
    unchanged; a temporary name already taken is skipped."""
    from sklearn_bilaf import io as bilaf_io

    out = tmp_path / "s.txt"
    out.write_text("old\n")
    out.chmod(0o600)
    with bilaf_io.atomic_write(out) as handle:
        handle.write("é\r\n")
    assert out.read_bytes() == "é\r\n".encode()
    assert out.stat().st_mode & 0o777 == 0o600

    class Stop(Exception):
        pass

    with pytest.raises(Stop):
        with bilaf_io.atomic_write(out, binary=True) as handle:
            handle.write(b"new")
            raise Stop
    assert out.read_bytes() == "é\r\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["s.txt"]

    # Every temporary name the first tries give is taken: the next is used.
    real_open = os.open
    tries = []

    def taken_twice(name, flags, *args):
        tries.append(name)
        if len(tries) <= 2:
            raise FileExistsError(17, "File exists", name)
        return real_open(name, flags, *args)

    monkeypatch.setattr(bilaf_io.os, "open", taken_twice)
    with bilaf_io.atomic_write(out) as handle:
        handle.write("third\n")
    assert out.read_text() == "third\n"
    assert len(set(tries)) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["s.txt"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_non_utf8_table_from_a_pipe_is_told_without_rereading_it(tmp_path):
    """A named pipe cannot be read again to see what the file is: the
    message comes from the byte that failed alone."""
    import threading

    from sklearn_bilaf.io import InputError, load_embeddings

    path = tmp_path / "p.csv"
    os.mkfifo(path)

    def write():
        with open(path, "wb") as handle:
            handle.write(b"a,b\n1,2\n\xff\xfe,3\n")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    with pytest.raises(InputError, match=r"p.csv: not UTF-8 text \(byte 0xff\): "
                                         r"it is likely in another encoding"):
        # Bounded: opening the pipe again, once its writer is done, would
        # wait for another writer for ever.
        _unless_blocked(load_embeddings, path, unblock=lambda: _free_fifo(path))
    writer.join(timeout=10)
    assert not writer.is_alive()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_device_that_fails_to_take_the_selection(tmp_path):
    """A device written in place (here one that is always full) that fails
    the write: said in one line, with the system's reason."""
    np.save(tmp_path / "e.npy", np.random.RandomState(0).normal(size=(30, 3)))
    proc = call_bilaf("select", "e.npy", "-b", "5", "-q", "-o", "/dev/full",
                      "--output-format", "csv", cwd=tmp_path)
    assert_one_line_error(proc, "-o /dev/full: could not write the selection "
                                "(No space left on device)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy"]


@pytest.mark.parametrize("args, fragments, prog", [
    # A mistyped option of select, before the command: argparse took its
    # value for a mistyped command ("invalid choice: '5'").
    (["--bugdet", "5", "e.npy"],
     ["unrecognized arguments: --bugdet; before the command, bilaf takes only "
      "--help and --version, and --bugdet is not an option of bilaf select "
      "either"], "bilaf select"),
    (["--nope"], ["unrecognized arguments: --nope"], "bilaf select"),
    # Short options of select with their value or together ('-b5', '-qb5').
    (["-b5", "e.npy"], ["-b5 is an option of a command; put it after the "
                        "command: bilaf select -b5 e.npy"], "bilaf"),
    (["-qb5", "e.npy"], ["-qb5 is an option of a command; put it after the "
                         "command: bilaf select -qb5 e.npy"], "bilaf"),
])
def test_unknown_or_bundled_options_before_the_command(tmp_path, args, fragments,
                                                       prog):
    (tmp_path / "e.npy").write_text("not read\n")
    proc = call_bilaf(*args, cwd=tmp_path)
    assert_one_line_error(proc, *fragments, f"(see '{prog} --help')", status=2)
    assert "invalid choice" not in proc.stderr


@pytest.mark.parametrize("option, value, message", [
    ("--removal-rate", "abc", "argument --removal-rate: 'abc' is not a number"),
    ("--penalty", "abc", "argument --penalty: 'abc' is not a number"),
    ("--seed", "1.5", "argument --seed: '1.5' is not a whole number"),
    ("--n-jobs", "two", "argument -j/--n-jobs: 'two' is not a whole number"),
    ("--n-jobs", "0", "argument -j/--n-jobs: 0 jobs: give 1 or more, or -1 for "
                      "all cores"),
])
def test_option_values_that_are_not_numbers(tmp_path, option, value, message):
    np.save(tmp_path / "e.npy", np.zeros((10, 2)))
    proc = call_bilaf("select", "e.npy", "-q", option, value, cwd=tmp_path)
    assert_one_line_error(proc, message, "(see 'bilaf select --help')", status=2)


def test_label_column_and_drop_last_column_exclude_each_other(tmp_path):
    (tmp_path / "e.csv").write_text("a,b,c\n1,2,0\n3,4,1\n")
    proc = call_bilaf("select", "e.csv", "-q", "--label-column", "c",
                      "--drop-last-column", cwd=tmp_path)
    assert_one_line_error(proc, "give either --label-column or --drop-last-column",
                          status=2)


def test_stage_options_with_only_cores_selected_are_warned_about_once(tmp_path):
    """With as many cores as the budget, --penalty (a boundary option) does
    nothing: one warning line says so; without a stage option, none."""
    np.save(tmp_path / "e.npy", np.random.RandomState(0).normal(size=(60, 4)))
    common = ["select", "e.npy", "-b", "10", "-k", "10", "--core-selector",
              "random", "-o", "s.json"]
    proc = call_bilaf(*common, "--penalty", "1.5", cwd=tmp_path)
    assert_ok(proc)
    warned = [line for line in proc.stderr.splitlines()
              if "all 10 selected samples are cores" in line]
    assert len(warned) == 1, proc.stderr
    assert "have no effect; lower --n-cores to select boundary samples" in warned[0]
    proc = call_bilaf(*common, cwd=tmp_path)
    assert_ok(proc)
    assert "selected samples are cores" not in proc.stderr
    # Every stage option counts, --strategy and --denoiser included.
    for option in (["--strategy", "one-shot"], ["--denoiser", "none"]):
        proc = call_bilaf(*common, *option, cwd=tmp_path)
        assert_ok(proc)
        assert "all 10 selected samples are cores" in proc.stderr, option


# -- counts in messages --------------------------------------------------------
@pytest.mark.parametrize("n, noun, plural, expected", [
    (0, "row", None, "0 rows"),
    (1, "row", None, "1 row"),
    (2, "row", None, "2 rows"),
    (np.intp(1), "core", None, "1 core"),
    (np.int64(3), "core", None, "3 cores"),
    ("1", "selected sample", None, "1 selected sample"),
    ("11", "selected sample", None, "11 selected samples"),
    (1, "pseudo-class", "pseudo-classes", "1 pseudo-class"),
    (5, "pseudo-class", "pseudo-classes", "5 pseudo-classes"),
])
def test_counted_puts_the_noun_in_the_plural_unless_one(n, noun, plural, expected):
    from sklearn_bilaf._text import counted

    assert counted(n, noun, plural) == expected


@pytest.mark.parametrize("rows, expected", [
    ([7], "row 7"),
    (np.array([7]), "row 7"),
    ([3, 40], "rows [3, 40]"),
    (np.arange(5), "rows [0, 1, 2, 3, 4]"),
    (np.arange(6), "rows [0, 1, 2, 3, 4, ...]"),
    (range(10**9), "rows [0, 1, 2, 3, 4, ...]"),
])
def test_rows_named_gives_one_row_in_the_singular_and_marks_rows_left_out(rows,
                                                                          expected):
    """The estimators' messages said "e.g. rows [7]" of a single row."""
    from sklearn_bilaf._text import rows_named

    assert rows_named(rows) == expected


@pytest.mark.parametrize("rows, expected", [
    ([2], "centre 2"),
    ([3, 40], "2 centres (centres [3, 40])"),
    (np.arange(7), "7 centres (centres [0, 1, 2, 3, 4, ...])"),
])
def test_rows_counted_names_the_rows_with_the_noun_given(rows, expected):
    """The noun reaches the named rows too ("2 centres (rows [3, 40])"
    mixed two nouns); only nearest_unused's error, far from here, said so."""
    from sklearn_bilaf._text import rows_counted

    assert rows_counted(rows, noun="centre") == expected


def test_a_one_row_pool_and_a_budget_of_one_are_counted_in_the_singular(tmp_path):
    """"1 rows x 4 features", "1 cores + 0 boundary samples", "(1 rows with
    role ...)": every count of one in the progress lines, the summary and
    the warning takes the singular; the others keep the plural."""
    (tmp_path / "e.csv").write_text("id,a,b,c,d,label\nx,1,2,3,4,7\n")
    common = ["select", "e.csv", "--id-column", "id", "--label-column", "label",
              "-b", "1", "--core-selector", "random"]
    proc = call_bilaf(*common, "-o", "s.csv", "--penalty", "2", cwd=tmp_path)
    assert_ok(proc)
    flat = " ".join(proc.stdout.split())
    assert "bilaf: pool: 1 row x 4 features, float64" in proc.stderr
    assert "bilaf: selecting 1 sample: 1 core + 0 boundary samples" in proc.stderr
    assert ("bilaf: warning: the 1 selected sample is a core, so the denoising "
            "and boundary options") in proc.stderr
    # Not "lower --n-cores", which a budget of 1 cannot follow.
    assert ("have no effect; a budget of 1 holds one core and no boundary "
            "sample: raise --budget to select boundary samples") in proc.stderr
    assert "BiLAF selected 1 of 1 sample from e.csv." in flat
    assert "pool 1 row x 4 features, float64" in flat
    assert "kept 1 of 1 sample (no effect" in flat
    assert "s.csv (1 row with role and pseudo-class and id)" in flat
    assert "1 pick covers 1 of the 1 label." in flat
    # The sampler's progress lines too.
    assert "[BiLAFSampler]   1 core (" in proc.stderr
    assert "[BiLAFSampler] stage 2/5: 1 pseudo-class (" in proc.stderr
    assert "[BiLAFSampler]   kept 1 of 1 sample (" in proc.stderr
    for line in (proc.stdout + proc.stderr).splitlines():
        assert not re.search(r"\b1 (rows|cores|samples|selected samples|picks|"
                             r"labels)\b", line), line
    # One feature; the other outputs' words.
    np.save(tmp_path / "f.npy", np.arange(3.0).reshape(3, 1))
    for output, words in [("s.json", "s.json (1 row number)"),
                          ("s.npy", "s.npy (1 row number)")]:
        proc = call_bilaf("select", "f.npy", "-q", "-b", "1", "-o", output,
                          "--core-selector", "random", cwd=tmp_path)
        assert_ok(proc)
        flat = " ".join(proc.stdout.split())
        assert "pool 3 rows x 1 feature, float64" in flat
        assert words in flat
    proc = call_bilaf(*common, "-q", "-o", "s.json", cwd=tmp_path)
    assert_ok(proc)
    assert "s.json (1 id)" in " ".join(proc.stdout.split())
    # ActiveFT's stratified k-means start (the default core stage) logs its centres.
    proc = call_bilaf("select", "e.csv", "--id-column", "id", "-b", "1",
                      cwd=tmp_path)
    assert_ok(proc)
    assert ("[ActiveFTSelector] stratified k-means start: 1 centre on 1 row ..."
            in proc.stderr)
    assert "[ActiveFTSelector] stratified k-means start: 1 centre (" in proc.stderr


@pytest.mark.parametrize("options, message", [
    (["-b", "2"], "--budget 2 is more than the 1 row of e.npy; lower it"),
    (["-b", "100%", "-k", "2"], "--n-cores 2 is more than the 1 row of e.npy; "),
])
def test_counts_above_a_one_row_pool_say_row(tmp_path, options, message):
    np.save(tmp_path / "e.npy", np.ones((1, 4)))
    proc = call_bilaf("select", "e.npy", "-q", *options, cwd=tmp_path)
    assert_one_line_error(proc, message)


@pytest.mark.parametrize("case", ["ids", "fields", "ids fields", "column", "3-D",
                                  "format"])
def test_io_messages_count_one_in_the_singular(tmp_path, case):
    from sklearn_bilaf.io import (
        InputError,
        format_selection,
        load_embeddings,
        read_ids,
    )

    (tmp_path / "ids.txt").write_text("a\n")
    (tmp_path / "ids.csv").write_text("id,x\np,1\nq\n")
    (tmp_path / "e.csv").write_text("a,b\n1,2\n3\n")
    (tmp_path / "one.csv").write_text("a\n1\n2\n")
    np.save(tmp_path / "cube.npy", np.ones((3, 1, 1)))
    call, error, message = {
        "ids": (lambda: read_ids(tmp_path / "ids.txt", 2), InputError,
                "ids.txt gives 1 id but the embeddings have 2 rows;"),
        "fields": (lambda: load_embeddings(tmp_path / "e.csv"), InputError,
                   "e.csv: line 3 has 1 field but the first row has 2;"),
        "ids fields": (lambda: read_ids(tmp_path / "ids.csv", 2, column="id"),
                       InputError, "ids.csv: line 3 has 1 field but the header "
                       "has 2"),
        "column": (lambda: load_embeddings(tmp_path / "one.csv", label_column=3),
                   InputError, "one.csv: label_column=3 is out of range; the "
                   "file has 1 column (position 0)"),
        "3-D": (lambda: load_embeddings(tmp_path / "cube.npy"), InputError,
                "to use each sample's 1 value (an image's pixels"),
        "format": (lambda: format_selection(".json", np.array([1]), roles=["core"],
                                            pseudo_classes=[0], ids=["a"]),
                   ValueError, "indices must be rows of the 1 id, in [0, 0];"),
    }[case]
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_row_numbers_are_listed_one_way_in_the_command_line_messages():
    """The command line listed rows as "rows 3, 40" and "rows 0, 1, 2, 3,
    4, ...", its readers as "rows 3 and 40" and "rows 3, 7, 8 and 2 more":
    one helper now, which also counts the rows not shown when it is given
    only the first ones."""
    from sklearn_bilaf.io import _rows_text

    assert _rows_text([7]) == "row 7"
    assert _rows_text(np.array([3, 40])) == "rows 3 and 40"
    assert _rows_text([3, 7, 8, 9, 10]) == "rows 3, 7, 8 and 2 more"
    assert _rows_text(np.arange(10**6), shown=5) == "rows 0, 1, 2, 3, 4 and 999995 more"
    assert _rows_text(["0", "1", "2", "3", "4"], shown=5, total="200") == (
        "rows 0, 1, 2, 3, 4 and 195 more")
    assert _rows_text(["6"], shown=5, total="1") == "row 6"


def test_nan_refusal_speaks_of_the_one_row_it_names(tmp_path):
    """The refusal of NaN and infinite values names the first such row it
    reads (it stops there), but told the user to "remove or repair those
    rows", as if it had named several."""
    from sklearn_bilaf.io import InputError, load_embeddings

    X = np.arange(24.0).reshape(8, 3)
    X[5, 1] = np.inf
    X[6, 0] = np.nan
    np.save(tmp_path / "e.npy", X)
    (tmp_path / "e.csv").write_text("a,b\n1,2\n3,nan\n4,5\n")
    for name, where in (("e.npy", "row 5, column 1 is inf"),
                        ("e.csv", "line 3, column 'b' is nan")):
        with pytest.raises(InputError) as exc:
            load_embeddings(tmp_path / name)
        message = str(exc.value)
        assert where in message
        assert "those rows" not in message
        assert "that row" in message


def test_conversion_advice_names_the_file_as_given(tmp_path):
    """The conversion written out for 'bilaf select ./emb.txt' named the
    files by their Path ("np.save('emb.npy', np.loadtxt('emb.txt'))")
    after a message that names './emb.txt' as typed."""
    from sklearn_bilaf.io import InputError, load_embeddings

    X = np.arange(12.0).reshape(4, 3)
    np.savetxt(tmp_path / "emb.txt", X)
    np.savetxt(tmp_path / "emb.feather", X)
    proc = call_bilaf("select", "./emb.txt", "-b", "2", "-q", cwd=tmp_path)
    assert_one_line_error(proc, "./emb.txt: unknown embeddings format '.txt'",
                          "np.save('./emb.npy', np.loadtxt('./emb.txt', ndmin=2))")
    given = f"{tmp_path}/./emb"
    with pytest.raises(InputError, match=re.escape(
            f"pd.read_feather('{given}.feather').to_parquet("
            f"'{given}.parquet')")):
        load_embeddings(given + ".feather")


@pytest.mark.parametrize("name, advice", [
    ("emb.txt", "np.save('{d}/emb.npy', np.loadtxt('{d}/emb.txt', ndmin=2))"),
    ("emb.dat", "np.save('{d}/emb.npy', np.loadtxt('{d}/emb.dat', ndmin=2))"),
    ("emb.pt", "torch.load('{d}/emb.pt').cpu().numpy()"),
    ("emb.pkl", "unpickling runs code"),
    ("emb.h5", "h5py.File('{d}/emb.h5')"),
    ("emb.feather", "pd.read_feather('{d}/emb.feather').to_parquet("
                    "'{d}/emb.parquet')"),
])
def test_a_common_foreign_format_is_told_how_to_convert(tmp_path, name, advice):
    """np.savetxt's .txt (and a torch, pickle, HDF5 or Feather file) was told
    only "unknown embeddings format '.txt'; use one of ...", not how to get
    there; the message now writes out the conversion."""
    from sklearn_bilaf.io import InputError, load_embeddings

    X = np.arange(12.0).reshape(4, 3)
    np.savetxt(tmp_path / name, X)
    with pytest.raises(InputError) as info:
        load_embeddings(tmp_path / name)
    message = str(info.value)
    assert message.startswith(
        f"{tmp_path / name}: unknown embeddings format "
        f"'{Path(name).suffix}'; use one of .npy, .npz, .csv, .tsv, .parquet")
    assert advice.format(d=tmp_path) in message
    if name == "emb.txt":
        # The advice, run as written, gives a file the command reads.
        exec(advice.format(d=tmp_path), {"np": np})
        assert np.array_equal(load_embeddings(tmp_path / "emb.npy").X, X)
    # Other extensions keep the short message.
    np.savetxt(tmp_path / "emb.xyz", X)
    with pytest.raises(InputError, match=r"'\.xyz'; use one of \.npy, \.npz, "
                       r"\.csv, \.tsv, \.parquet$"):
        load_embeddings(tmp_path / "emb.xyz")


# -- hand mutation testing of io.py (readers and writers) ------------------
def test_parquet_id_and_label_columns_each_go_where_named(tmp_path):
    """With both an id and a label column, the labels are the label
    column's, the ids the id column's, and neither is in X (a mutant that
    read the labels from the id column survived every test)."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from sklearn_bilaf.io import load_embeddings

    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    table = pa.table({"name": ["a", "b", "c", "d"], "x0": X[:, 0],
                      "kind": [7, 5, 7, 6], "x1": X[:, 1], "x2": X[:, 2]})
    pq.write_table(table, tmp_path / "e.parquet")
    pool = load_embeddings(tmp_path / "e.parquet", id_column="name",
                           label_column="kind")
    assert pool.ids == ["a", "b", "c", "d"]
    assert pool.labels.tolist() == [7, 5, 7, 6]
    np.testing.assert_array_equal(pool.X, X)


def test_format_selection_npy_keeps_the_selection_order():
    """``.npy`` holds the row numbers in selection order, as ``.json`` and
    ``.csv`` do (a mutant that wrote them sorted survived every test)."""
    from sklearn_bilaf.io import format_selection

    kwargs = dict(roles=["core"] * 3, pseudo_classes=[0, 1, 2])
    for ids in (None, ["r0", "r1", "r2", "r3", "r4", "r5"]):
        rows = np.load(io.BytesIO(format_selection(".npy", [5, 0, 3], ids=ids,
                                                   **kwargs)))
        assert rows.dtype == np.int64 and rows.tolist() == [5, 0, 3]


def test_column_names_of_a_headerless_table_are_refused(tmp_path):
    """Without a header row, columns are named by position only: the
    names messages give them ("column 1") are not names to pick them by."""
    from sklearn_bilaf.io import InputError, load_embeddings

    (tmp_path / "e.csv").write_text("a,1,2\nb,3,4\n")
    for option in ("id_column", "label_column"):
        with pytest.raises(InputError, match="has no header row, so name columns "
                           "by their 0-based position"):
            load_embeddings(tmp_path / "e.csv", header="no",
                            **{option: "column 0"})
    pool = load_embeddings(tmp_path / "e.csv", header="no", id_column=0)
    assert pool.ids == ["a", "b"] and pool.X.tolist() == [[1, 2], [3, 4]]


def test_a_byte_order_mark_is_not_part_of_the_first_cell(tmp_path):
    """doc/cli.rst: "a leading byte-order mark is fine" (Excel's "CSV UTF-8"
    writes one).  Kept, it would make the first cell of a headerless table
    text, so that its first row became the header and its sample was lost,
    and it would rename the first column of a header, so that
    ``--id-column id`` found no such column."""
    from sklearn_bilaf.io import load_embeddings, read_ids

    bom = "\ufeff".encode()
    (tmp_path / "plain.csv").write_bytes(bom + b"1,2\n3,4\n")
    assert load_embeddings(tmp_path / "plain.csv").X.tolist() == [[1, 2], [3, 4]]
    (tmp_path / "named.csv").write_bytes(bom + b"id,a,b\ns0,1,2\ns1,3,4\n")
    pool = load_embeddings(tmp_path / "named.csv", id_column="id")
    assert pool.ids == ["s0", "s1"] and pool.X.tolist() == [[1, 2], [3, 4]]
    (tmp_path / "ids.csv").write_bytes(bom + b"id,kind\ns0,x\ns1,y\n")
    assert read_ids(tmp_path / "ids.csv", 2, column="id") == ["s0", "s1"]
    (tmp_path / "ids.txt").write_bytes(bom + b"s0\ns1\n")
    assert read_ids(tmp_path / "ids.txt", 2) == ["s0", "s1"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_label_column_and_drop_last_column_together_are_refused(tmp_path, suffix):
    """load_embeddings(label_column="label", drop_last_column=True) took the
    last column for the labels and used the named label column as a
    feature, silently (the command refuses the pair; the function did not):
    "Labels never go into pool.X"."""
    from sklearn_bilaf.io import InputError, load_embeddings

    path = tmp_path / f"e{suffix}"
    if suffix == ".csv":
        path.write_text("label,a,b,c\n1,0.5,2,9\n0,0.25,4,8\n")
    else:
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        pq.write_table(pa.table({"label": [1, 0], "a": [0.5, 0.25], "b": [2, 4],
                                 "c": [9, 8]}), path)
    with pytest.raises(InputError, match="give either label_column or "
                       "drop_last_column, not both"):
        load_embeddings(path, label_column="label", drop_last_column=True)
    pool = load_embeddings(path, label_column="label")
    assert pool.labels.tolist() == [1, 0] and pool.X.shape == (2, 3)


def test_column_names_are_matched_without_surrounding_spaces(tmp_path):
    """A header written by hand (``name, id``) names its columns as read
    without the spaces, for the embeddings and for an ids table alike: a
    name kept as ' id' made ``--id-column id`` "not a column"."""
    from sklearn_bilaf.io import load_embeddings, read_ids

    (tmp_path / "e.csv").write_text("name, a, b\ns0,1,2\ns1,3,4\n")
    pool = load_embeddings(tmp_path / "e.csv", id_column="name", label_column="b")
    assert pool.ids == ["s0", "s1"] and pool.labels.tolist() == [2, 4]
    assert pool.X.tolist() == [[1], [3]]
    (tmp_path / "ids.csv").write_text("kind, id \nx,s0\ny,s1\n")
    assert read_ids(tmp_path / "ids.csv", 2, column="id") == ["s0", "s1"]


def test_output_that_is_an_input_under_another_name_is_refused(tmp_path):
    """``-o`` must not be an input, whatever name leads to it: a path
    through ``..``, a symbolic link to it (whose target would be written) or
    a hard link (a mutant comparing the names survived every test)."""
    from sklearn_bilaf.io import InputError, check_output_path

    source = tmp_path / "e.csv"
    source.write_text("a,b\n1,2\n3,4\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(source)
    os.link(source, tmp_path / "hard.csv")
    for name in ("sub/../e.csv", "link.csv", "hard.csv"):
        with pytest.raises(InputError, match="is also an input file"):
            check_output_path(tmp_path / name, inputs=[source])
        # The input named otherwise, the output as is: refused alike.
        with pytest.raises(InputError, match="is also an input file"):
            check_output_path(source, inputs=[tmp_path / name])
    assert check_output_path(tmp_path / "out.csv", inputs=[source])
    assert source.read_text() == "a,b\n1,2\n3,4\n"


def test_non_finite_value_names_its_column_past_an_id_column(tmp_path):
    """A NaN is told by the file's column name, not by its position among
    the features: with an id column first, the latter was the column before
    it (a mutant naming it so survived every test)."""
    from sklearn_bilaf.io import InputError, load_embeddings

    (tmp_path / "e.csv").write_text("id,a,b\ns0,1,2\ns1,3,nan\n")
    with pytest.raises(InputError, match=r"line 3, column 'b' is nan"):
        load_embeddings(tmp_path / "e.csv", id_column="id")
    (tmp_path / "e.tsv").write_text("1\ts0\t2\n3\ts1\tinf\n")
    with pytest.raises(InputError, match=r"line 2, column 2 is inf"):
        load_embeddings(tmp_path / "e.tsv", id_column=1, header="no")


def test_complex_embeddings_are_refused_when_read(tmp_path):
    """Embeddings must be real numbers: a complex .npy (an FFT's output,
    say) is told so by the reader, with its dtype, before any work."""
    from sklearn_bilaf.io import InputError, load_embeddings

    np.save(tmp_path / "e.npy", np.ones((4, 3), dtype=np.complex64))
    with pytest.raises(InputError, match=r"holds complex numbers \(dtype "
                       r"complex64\); embeddings must be real numbers"):
        load_embeddings(tmp_path / "e.npy")


def test_a_row_longer_than_the_ids_header_is_refused(tmp_path):
    """An id holding an unquoted separator (``Smith, J``) splits into one
    field too many: refused, naming the line, where a mutant that took the
    first fields survived every test (the id would have been ``Smith``)."""
    from sklearn_bilaf.io import InputError, read_ids

    (tmp_path / "ids.csv").write_text("name\nDoe\nSmith, J\n")
    with pytest.raises(InputError, match=r"line 3 has 2 fields but the header "
                       r"has 1"):
        read_ids(tmp_path / "ids.csv", 2)
    (tmp_path / "ids.csv").write_text('name\nDoe\n"Smith, J"\n')
    assert read_ids(tmp_path / "ids.csv", 2) == ["Doe", "Smith, J"]


def test_a_csv_read_and_written_again_by_pandas_keeps_its_index_out(tmp_path):
    """``pd.read_csv(p).to_csv(q, index=False)`` writes the unnamed index
    column of ``p`` back under the name pandas gave it, "Unnamed: 0": still
    a row index, left out as an unnamed first column is (doc/cli.rst: "A
    pandas index is not a feature")."""
    from sklearn_bilaf.io import load_embeddings

    (tmp_path / "e.csv").write_text("Unnamed: 0,a,b\n0,1,2\n1,3,4\n")
    pool = load_embeddings(tmp_path / "e.csv")
    assert pool.X.tolist() == [[1, 2], [3, 4]]
    assert any("taken as a row index" in note for note in pool.notes)


def test_an_old_pandas_index_after_the_unnamed_first_column_is_warned_about(
        tmp_path):
    """``pd.read_csv(p).to_csv(q)`` writes the index twice: the new one in
    the unnamed first column, left out, and the old one as "Unnamed: 0" (or
    "Unnamed: 0.1", a round later), which stays a feature -- selections
    depend on ``X`` -- but is warned about, saying how to leave it out."""
    import warnings

    from sklearn_bilaf.io import load_embeddings

    rows = np.random.RandomState(0).randint(0, 9, size=(40, 2))
    body = "".join(f"{i},{i},{a},{b}\n" for i, (a, b) in enumerate(rows))
    (tmp_path / "e.csv").write_text(",Unnamed: 0,a,b\n" + body)
    with pytest.warns(UserWarning) as record:
        pool = load_embeddings(tmp_path / "e.csv")
    assert pool.X.tolist() == [[i, a, b] for i, (a, b) in enumerate(rows)]
    messages = [str(w.message) for w in record]
    assert len(messages) == 1
    assert "column 'Unnamed: 0' is used as a feature" in messages[0]
    assert "pandas" in messages[0] and "index=False" in messages[0]
    proc = call_bilaf("select", "e.csv", "-b", "4", "-k", "2", "-q",
                      "--core-selector", "random", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr.startswith(
        "bilaf: warning: e.csv: column 'Unnamed: 0' is used as a feature")
    assert "pass --id-column 'Unnamed: 0' to leave it out" in proc.stderr
    assert "40 rows x 3 features" in proc.stdout
    # The advice works: named as the ids, the column is left out, unwarned.
    proc = call_bilaf("select", "e.csv", "-b", "4", "-k", "2", "-q",
                      "--id-column", "Unnamed: 0", "--core-selector", "random",
                      cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr == ""
    assert "40 rows x 2 features" in proc.stdout
    # A round later pandas names the old index "Unnamed: 0.1".
    (tmp_path / "e2.csv").write_text(
        ",Unnamed: 0.1,Unnamed: 0,a,b\n"
        + "".join(f"{i},{line}" for i, line in enumerate(body.splitlines(True))))
    with pytest.warns(UserWarning) as record:
        assert load_embeddings(tmp_path / "e2.csv").X.shape == (40, 4)
    assert [str(w.message).split(" is used")[0] for w in record] == [
        f"{tmp_path / 'e2.csv'}: column 'Unnamed: 0.1'",
        f"{tmp_path / 'e2.csv'}: column 'Unnamed: 0'"]
    # Another column pandas left unnamed is not an index: no warning.
    (tmp_path / "e3.csv").write_text("a,Unnamed: 2,b\n1,2,3\n4,5,6\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_embeddings(tmp_path / "e3.csv")


def test_non_finite_value_past_the_first_block_names_its_row(tmp_path,
                                                             monkeypatch):
    """A memory-mapped array is checked for NaN and inf a block of rows at
    a time (64 MiB): a value past the first block is told by its row in the
    file, not within its block (blocks shrunk here to two rows)."""
    import sklearn_bilaf.io as bilaf_io

    X = np.arange(20.0).reshape(10, 2)
    X[7, 1] = np.nan
    np.save(tmp_path / "e.npy", X)
    monkeypatch.setattr(bilaf_io, "_FINITE_CHECK_BYTES", 2 * X.shape[1] * 8)
    with pytest.raises(bilaf_io.InputError, match=r"e\.npy: row 7, column 1 is "
                       "nan"):
        bilaf_io.load_embeddings(tmp_path / "e.npy")
# -- the summary says what was run (hand mutation testing) ---------------------
def test_summary_reports_the_stage_options_and_every_pick(tmp_path, digits32):
    """The summary's removal rate, penalty and per-class "kept" column are
    those of the run, not the defaults (or the members), and without -o every
    pick is listed: a mutant printing the defaults, counting members as kept,
    or listing 20 picks as with -o, passed every test."""
    np.save(tmp_path / "e.npy", digits32)
    proc = call_bilaf("select", "e.npy", "-b", "8%", "-k", "10", "--seed", "5",
                      "--core-selector", "random", "--denoiser", "distance",
                      "--removal-rate", "0.3", "--penalty", "1.5", "-q",
                      cwd=tmp_path)
    assert_ok(proc)
    expected = api_selection(digits32, 0.08, n_cores=10, seed=5,
                             denoiser=DistanceDenoiser(0.3),
                             boundary_selector=BoundarySelector(penalty=1.5))
    flat = " ".join(proc.stdout.split())
    kept = int(expected.inlier_mask_.sum())
    assert (f"denoising distance-guided, removal rate 0.3: kept {kept} of 1797 "
            "samples") in flat
    assert "boundary 133 samples, iterative, penalty 1.5" in flat
    listing = flat.split("then its boundary samples): ", 1)[1].split(" Per ")[0]
    assert listing == ", ".join(map(str, expected.selected_indices_))
    members = np.bincount(expected.labels_, minlength=10)
    kept_per_class = np.bincount(expected.labels_[expected.inlier_mask_],
                                 minlength=10)
    # The removal takes 30 % of each pseudo-class: kept differs from members.
    assert (kept_per_class < members).any()
    for c in range(10):
        assert (f"{c:>5}  {expected.core_indices_[c]:>8}  {members[c]:>7}  "
                f"{kept_per_class[c]:>7}  {expected.class_budgets_[c]:>8}"
                ) in proc.stdout


def test_summary_of_many_pseudo_classes_gives_the_members_median(tmp_path,
                                                                  digits32):
    """Above 20 pseudo-classes the table is one line: the members' range and
    median, then the picks'."""
    np.save(tmp_path / "e.npy", digits32)
    proc = call_bilaf("select", "e.npy", "-b", "150", "-k", "30",
                      "--core-selector", "random", "-q", "-o", "s.json",
                      cwd=tmp_path)
    assert_ok(proc)
    expected = api_selection(digits32, 150, n_cores=30)
    members = np.bincount(expected.labels_, minlength=30)
    picks = expected.class_budgets_
    # Unequal medians, so that the line tells one from the other.
    assert int(np.median(members)) != int(np.median(picks))
    assert (f"30 pseudo-classes: members {members.min()}-{members.max()} "
            f"(median {int(np.median(members))}), selected per class "
            f"{picks.min()}-{picks.max()} (median {int(np.median(picks))})."
            ) in " ".join(proc.stdout.split())


def test_summary_raises_to_one_only_a_share_below_one_sample(tmp_path):
    """1 % of 100 rows is one sample: no "raised to the minimum of 1",
    which 0.5 % of them is."""
    np.save(tmp_path / "e.npy", np.random.RandomState(0).normal(size=(100, 4)))
    for budget, note in (("1%", "budget 1 (1% of the pool)"),
                         ("0.5%", "budget 1 (0.5% of the pool, raised to the "
                                  "minimum of 1)")):
        proc = call_bilaf("select", "e.npy", "-b", budget, "--core-selector",
                          "random", "-q", cwd=tmp_path)
        assert_ok(proc)
        assert note in " ".join(proc.stdout.split()), proc.stdout


def test_label_spread_counts_the_labels_the_picks_cover(tmp_path):
    """"N picks cover C of the L labels": C the labels among the picks, not
    all of them."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 3))
    labels = np.arange(200) % 10
    rows = ["a,b,c,label"] + [",".join(map(repr, row.tolist())) + f",{y}"
                              for row, y in zip(X, labels, strict=True)]
    (tmp_path / "e.csv").write_text("\n".join(rows) + "\n")
    proc = call_bilaf("select", "e.csv", "--label-column", "label", "-b", "4",
                      "--core-selector", "random", "-q", "-o", "s.json",
                      cwd=tmp_path)
    assert_ok(proc)
    covered = np.unique(labels[json.loads((tmp_path / "s.json").read_text())])
    assert covered.size < 10
    assert (f"4 picks cover {covered.size} of the 10 labels."
            in " ".join(proc.stdout.split()))


def test_removal_rate_zero_and_n_jobs_reach_the_sampler(tmp_path, digits32,
                                                        monkeypatch):
    """--removal-rate 0 (in [0, 1), as the help says) is accepted and
    reaches the denoiser; -j reaches the sampler, whose selection does not
    depend on it, so only the sampler's parameters tell."""
    np.save(tmp_path / "e.npy", digits32)
    fitted = []
    fit = BiLAFSampler.fit

    def record(self, X, y=None):
        fitted.append(self.get_params())
        return fit(self, X, y)

    monkeypatch.setattr(BiLAFSampler, "fit", record)
    proc = call_bilaf("select", "e.npy", "-b", "8%", "--core-selector", "random",
                      "--removal-rate", "0", "-j", "2", "-q", "-o", "s.json",
                      cwd=tmp_path)
    assert_ok(proc)
    assert fitted[-1]["n_jobs"] == 2
    assert fitted[-1]["denoiser"].removal_rate == 0.0
    proc = call_bilaf("select", "e.npy", "-b", "8%", "--core-selector", "random",
                      "-q", "-o", "s.json", cwd=tmp_path)
    assert_ok(proc)
    assert fitted[-1]["n_jobs"] is None


def test_io_messages_name_the_keyword_arguments_from_python(tmp_path):
    """load_embeddings and read_ids, called from Python, named the command's
    options (--id-column, --header no, --ids ...), which a Python caller
    never typed.  They name the keyword arguments; reached from the command
    line, its options, as before."""
    from sklearn_bilaf.io import (
        InputError,
        _command_line_spelling,
        format_option_problem,
        load_embeddings,
        read_ids,
    )

    np.savez(tmp_path / "two.npz", a=np.ones((3, 2)), b=np.ones((3, 2)))
    np.save(tmp_path / "one.npy", np.ones((5, 1)))
    (tmp_path / "e.csv").write_text("a,b,c\n1,2,3\n4,5,6\n")
    (tmp_path / "bare.csv").write_text("1,2,3\n4,5,6\n")
    (tmp_path / "text.csv").write_text("a,b\n1,x\n")
    (tmp_path / "label.csv").write_text("label,a\n1,2\n0,3\n")
    (tmp_path / "data.csv").write_text("x,0.5,0.25\ny,0.1,0.2\nz,0.3,0.4\n")
    (tmp_path / "ids.txt").write_text("a\nb\n")
    (tmp_path / "ids.csv").write_text("id,x\na,1\nb,2\n")
    errors = [
        (lambda: load_embeddings(tmp_path / "two.npz"),
         "choose one with key='a'", "choose one with --key a"),
        (lambda: load_embeddings(tmp_path / "e.csv", label_column="zz"),
         "label_column='zz' is not a column", "--label-column 'zz' is not a column"),
        (lambda: load_embeddings(tmp_path / "bare.csv", id_column=7),
         "id_column=7 is out of range", "--id-column 7 is out of range"),
        (lambda: load_embeddings(tmp_path / "bare.csv", id_column="a"),
         "id_column='a': the file has no header", "--id-column 'a': the file"),
        (lambda: load_embeddings(tmp_path / "text.csv"),
         "with id_column or label_column, or remove it",
         "with --id-column or --label-column, or remove it"),
        (lambda: load_embeddings(tmp_path / "data.csv"),
         "if line 1 is data, not a header, pass header='no'",
         "if line 1 is data, not a header, pass --header no"),
        (lambda: load_embeddings(tmp_path / "one.npy", drop_last_column=True),
         "single column; drop_last_column would leave no features",
         "single column; --drop-last-column would leave no features"),
        (lambda: load_embeddings(tmp_path / "one.npy", key="a"),
         "key only applies to .npz archives", "--key only applies to .npz"),
        (lambda: load_embeddings(tmp_path / "one.npy", label_column="x"),
         "label_column only applies to tables (.csv, .tsv, .parquet); for a .npy "
         "file with the label in its last column use drop_last_column",
         "--label-column only applies to tables (.csv, .tsv, .parquet); for a "
         ".npy file with the label in its last column use --drop-last-column"),
        (lambda: load_embeddings(tmp_path / "one.npy", header="no"),
         "header only applies to .csv and .tsv", "--header only applies to .csv"),
        (lambda: load_embeddings(tmp_path / "e.csv", label_column=0,
                                 drop_last_column=True),
         "give either label_column or drop_last_column, not both",
         "give either --label-column or --drop-last-column, not both"),
        (lambda: read_ids(tmp_path / "ids.txt", 3),
         f"{tmp_path}/ids.txt gives 2 ids", f"--ids {tmp_path}/ids.txt gives 2"),
        (lambda: read_ids(tmp_path / "ids.csv", 2),
         "has 2 columns; name the id column with the column argument",
         "has 2 columns; name the id column with --id-column"),
        (lambda: read_ids(tmp_path / "ids.csv", 2, column="zz"),
         f"{tmp_path}/ids.csv: column='zz' is not a column",
         f"--ids {tmp_path}/ids.csv: --id-column 'zz' is not a column"),
        (lambda: read_ids(tmp_path / "ids.txt", 2, column="id"),
         "the column argument only applies to .csv/.tsv id files",
         "--id-column with --ids only applies to .csv/.tsv id files"),
        (lambda: read_ids(tmp_path / "ids.npy", 2),
         f"{tmp_path}/ids.npy: ids must come from a text file",
         f"--ids {tmp_path}/ids.npy: ids must come from a text file"),
    ]
    for call, python, command in errors:
        with pytest.raises(InputError) as raised:
            call()
        message = str(raised.value)
        assert python in message and "--" not in message, message
        with _command_line_spelling(), pytest.raises(InputError) as raised:
            call()
        assert command in str(raised.value), str(raised.value)
    # read_ids(path, n_rows) read as the embeddings' path, and n_rows was
    # no name the caller had.
    assert format_option_problem("e.npy", id_column=0) == (
        "id_column only applies to tables (.csv, .tsv, .parquet); give the ids "
        "of a .npy file with pool.ids = read_ids(ids_path, len(pool.X))")
    with _command_line_spelling():
        assert format_option_problem("e.npy", id_column=0).endswith(
            "give the ids of a .npy file with --ids")
    # Warnings and notes too.
    for name, options, python, command in (
            ("label.csv", {}, "pass label_column='label' to leave it out",
             "pass --label-column label to leave it out"),
            ("data.csv", {"id_column": "x"}, "if it is data, pass header='no'",
             "if it is data, pass --header no")):
        with pytest.warns(UserWarning, match=re.escape(python)) as caught:
            load_embeddings(tmp_path / name, **options)
        assert not any("--" in str(w.message) for w in caught)
        with _command_line_spelling(), pytest.warns(
                UserWarning, match=re.escape(command)):
            load_embeddings(tmp_path / name, **options)
    (tmp_path / "pandas.csv").write_text("0,1\n2,3\n4,5\n")
    assert "pass header='no' if it is data" in " ".join(
        load_embeddings(tmp_path / "pandas.csv").notes)
    with _command_line_spelling():
        assert "pass --header no if it is data" in " ".join(
            load_embeddings(tmp_path / "pandas.csv").notes)


def test_write_selection_messages_name_the_file_not_an_option(tmp_path):
    """write_selection's errors started with '-o NAME' from Python, and a
    file in a folder that does not exist raised a bare FileNotFoundError
    (the command checks the folder first, and says what to do).  From
    Python they name the file, and the missing folder is told as the
    command tells it; nothing is written."""
    from sklearn_bilaf.io import InputError, _command_line_spelling, write_selection

    selection = dict(roles=["core"], pseudo_classes=[0])
    for name, message in (
            (f"{tmp_path}/nd/s.json",
             f"{tmp_path}/nd/s.json: the folder '{tmp_path}/nd' does not exist; "
             "create it first"),
            (f"{tmp_path}/s.xml", f"{tmp_path}/s.xml: unknown output format"),
            (f"{tmp_path}/o/.", f"{tmp_path}/o/.: ends with '.', so it names a "
             "folder")):
        with pytest.raises(InputError) as info:
            write_selection(name, [0], **selection)
        assert str(info.value).startswith(message), info.value
        if "/nd/" in name:
            continue  # the command checks the folder itself, before the work
        with _command_line_spelling(), pytest.raises(InputError) as info:
            write_selection(name, [0], **selection)
        assert str(info.value).startswith(f"-o {message}"), info.value
    assert list(tmp_path.iterdir()) == []
    write_selection(tmp_path / "s.json", [0], **selection)
    assert json.loads((tmp_path / "s.json").read_text()) == [0]


def test_the_compressed_output_hint_from_python_runs(tmp_path, monkeypatch):
    """The call the hint for write_selection("picks.csv.gz", ...) spells,
    with the arguments given to write_selection, writes the selection that
    write_selection writes to picks.csv, compressed."""
    import gzip

    from sklearn_bilaf.io import InputError, format_selection, write_selection

    monkeypatch.chdir(tmp_path)
    arguments = {"indices": [4, 0, 2], "roles": ["core", "boundary", "core"],
                 "pseudo_classes": [0, 0, 1], "ids": ["a", "b", "c", "d", "e"]}
    with pytest.raises(InputError) as raised:
        write_selection("picks.csv.gz", **arguments)
    call = re.search(r"write the bytes (format_selection\(.*\)) returns",
                     str(raised.value)).group(1)
    opener = re.search(r" to (gzip\.open\(.*\))$", str(raised.value)).group(1)
    with eval(opener, {"gzip": gzip}) as handle:
        handle.write(eval(call, {"format_selection": format_selection},
                          arguments))
    write_selection("picks.csv", **arguments)
    with gzip.open("picks.csv.gz", "rb") as handle:
        assert handle.read() == (tmp_path / "picks.csv").read_bytes()


def test_a_seed_or_job_count_with_a_thousands_separator_is_told_to_drop_it():
    """'--seed 1,000' was told only "'1,000' is not a whole number", where
    '-b 1,000' is told to write it without the thousands separator; the
    same hint.  Nothing to say about a comma that is not one."""
    import argparse

    from sklearn_bilaf.cli import _n_jobs, _seed

    for parse, text in ((_seed, "1,000"), (_seed, "4,294,967"),
                        (_n_jobs, "-1,000")):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            parse(text)
        assert str(info.value) == (
            f"{text!r} is not a whole number; write a whole number without a "
            f"thousands separator ({text.replace(',', '')!r})"), info.value
    for parse in (_seed, _n_jobs):
        for text in ("1,5", "a,b", "1.5"):
            with pytest.raises(argparse.ArgumentTypeError) as info:
                parse(text)
            assert str(info.value) == f"{text!r} is not a whole number"


def test_a_comma_hint_offers_no_reading_the_option_refuses():
    """'-b 12,5' was told to write the fraction '12.5', which it then
    refuses ("a fraction must be in (0, 1]"); '--removal-rate 1,5' the
    rate '1.5' (rates are under 1), '--penalty 0,5' the penalty '0.5' (at
    least 1).  The decimal-point reading is offered only when the option
    takes it; '-b 1,000' keeps both of its readings."""
    import argparse

    from sklearn_bilaf.cli import (
        _budget,
        _exclude_isolated,
        _n_cores,
        _penalty,
        _removal_rate,
    )

    for parse, text in ((_budget, "12,5"), (_budget, "150,5%"),
                        (_n_cores, "2,5"), (_removal_rate, "1,5"),
                        (_exclude_isolated, "1,000"), (_penalty, "0,5")):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            parse(text)
        assert "comma" not in str(info.value), info.value
    for parse, text, shown in ((_budget, "0,5", "0.5"),
                               (_budget, "12,5%", "12.5%"),
                               (_budget, "1,000", "1.000"),
                               (_removal_rate, "0,5", "0.5"),
                               (_penalty, "2,5", "2.5")):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            parse(text)
        assert f"with a decimal point, not a comma ({shown!r})" in str(
            info.value), info.value


@pytest.mark.parametrize("values, shape", [
    ("1.5\n2.5\n3.5\n", (3, 1)), ("1.5 2.5 3.5\n", (1, 3))],
    ids=["one-column", "one-row"])
def test_the_text_file_conversion_keeps_one_column_or_one_row_2d(
        tmp_path, values, shape):
    """The conversion advised for a .txt file, np.save(..., np.loadtxt(...)),
    made a one-column file (one feature per row) a 1-D array, which the
    command then refused as not 2-D, and a one-row file (one sample) too,
    with the advice to make each value a sample.  The advice keeps them 2-D
    (ndmin=2)."""
    from sklearn_bilaf.io import InputError, load_embeddings

    (tmp_path / "emb.txt").write_text(values)
    with pytest.raises(InputError) as info:
        load_embeddings(tmp_path / "emb.txt")
    advice = re.search(r"(np\.save\(.*\))$", str(info.value)).group(1)
    exec(advice, {"np": np})
    assert np.load(tmp_path / "emb.npy").shape == shape
    if shape == (3, 1):
        assert load_embeddings(tmp_path / "emb.npy").X.shape == shape


@pytest.mark.parametrize("suffix", [".JSON", ".Csv", ".NPY"])
def test_format_selection_takes_a_suffix_in_any_case(tmp_path, suffix):
    """write_selection("s.JSON", ...) wrote JSON (it lower-cases the
    extension), while format_selection(".JSON", ...) was refused as an
    unknown output format: both take the suffix in any case."""
    from sklearn_bilaf.io import format_selection, write_selection

    given = dict(roles=["core", "boundary"], pseudo_classes=[0, 1])
    written = tmp_path / f"s{suffix}"
    write_selection(written, [2, 0], **given)
    assert format_selection(suffix, [2, 0], **given) == written.read_bytes()
    assert format_selection(suffix, [2, 0], **given) == format_selection(
        suffix.lower(), [2, 0], **given)


@pytest.mark.parametrize("output_format", ["JSON", "Csv", "NPY"])
def test_write_selection_takes_output_format_in_any_case(tmp_path,
                                                         output_format):
    """write_selection("s.JSON", ...) and format_selection(".JSON", ...)
    wrote JSON, while write_selection(..., output_format="JSON") was
    refused as not an output format: all three take the format in any
    case."""
    from sklearn_bilaf.io import format_selection, write_selection

    given = dict(roles=["core", "boundary"], pseudo_classes=[0, 1])
    written = tmp_path / "selected"
    write_selection(written, [2, 0], output_format=output_format, **given)
    assert written.read_bytes() == format_selection(
        f".{output_format.lower()}", [2, 0], **given)


@pytest.mark.parametrize("indices", [[1, 1], [-1], [[1]], [1.5]])
def test_format_selection_checks_the_suffix_before_the_indices(indices):
    """An unknown suffix beside bad indices was told of the indices: fixing
    them still left the format refused.  The suffix is checked first."""
    from sklearn_bilaf.io import format_selection

    with pytest.raises(ValueError, match=r"^unknown output format '\.xml'; "
                                         r"use \.json, \.csv, \.npy$"):
        format_selection(".xml", indices)


@pytest.mark.parametrize("name", ["e.npy", "e.npz"])
def test_an_empty_one_dimensional_array_is_told_it_holds_no_values(tmp_path,
                                                                   name):
    """An empty 1-D array, shape (0,), was told only that "embeddings must
    be 2-D": saved 2-D it is still empty.  It is told, as a file of zero
    rows is, that there is nothing to select from."""
    from sklearn_bilaf.io import InputError, load_embeddings

    path = tmp_path / name
    if name.endswith(".npy"):
        np.save(path, np.zeros(0))
    else:
        np.savez(path, X=np.zeros(0))
    expected = (f"{path}{'' if name.endswith('.npy') else '[X]'} holds no "
                "values (an empty array of shape (0,)): there is nothing to "
                "select from; save the embeddings 2-D, one row per sample and "
                "one column per feature")
    with pytest.raises(InputError, match=f"^{re.escape(expected)}$"):
        load_embeddings(path)


@pytest.mark.parametrize("arrays, key", [
    ({"file": None}, "file"),
    ({"allow_pickle": None}, "allow_pickle"),
    ({"file": np.arange(5), "features": None}, "features"),
])
def test_npz_advice_runs_for_keys_np_savez_takes_as_its_own(tmp_path, arrays,
                                                           key):
    """np.savez takes the names of its own parameters as those, not as an
    array's: the advised np.savez('e.npz', file=...) failed ("got multiple
    values for argument 'file'"), and allow_pickle=... saved nothing.
    The advice saves the array to a .npy file of its own (a new archive
    where np.savez takes the name as an array's, as numpy 1.x does
    allow_pickle), which runs and loads, and leaves the archive as it
    was."""
    import inspect
    import zipfile

    from sklearn_bilaf.io import InputError, load_embeddings

    # Which names np.savez keeps for itself depends on numpy's version
    # (allow_pickle is an array name to numpy 1.x's np.savez).
    own = set(arrays) & set(inspect.signature(np.savez).parameters)
    X = np.arange(5.0)
    path = tmp_path / "e.npz"
    # As np.savez lays an archive out; it cannot write these names itself.
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in arrays.items():
            with archive.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, X if value is None else value)
    before = path.read_bytes()
    with pytest.raises(InputError) as raised:
        load_embeddings(path, key=key)
    calls = re.findall(r"(?:with np\.load\('[^']+'\) as z: )?"
                       r"np\.savez?\(.*?\.reshape\([-1, ]+\)\}?\)",
                       str(raised.value))
    assert len(calls) == 2, str(raised.value)
    for advice, shape in zip(calls, [(5, 1), (1, 5)], strict=True):
        exec(advice, {"np": np})
        saved = re.search(r"np\.save\('([^']+\.npy)'", advice)
        assert bool(saved) == bool(own), advice
        if own:
            pool = load_embeddings(saved.group(1))
        else:
            # A new archive, under the same key, beside the one it reads.
            (new_archive,) = re.findall(r"np\.savez\('([^']+\.npz)'", advice)
            assert new_archive != str(path), advice
            pool = load_embeddings(new_archive, key=key)
        assert pool.X.shape == shape and pool.X.ravel().tolist() == X.tolist()
    assert path.read_bytes() == before


@pytest.mark.parametrize("name", ["e.npy", "e.npz"])
@pytest.mark.parametrize("shape, told", [
    # Advised X.reshape(len(X), -1), which then had zero rows.
    ((0, 5, 5), "holds no rows (an empty array of shape (0, 5, 5)): there is "
                "nothing to select from"),
    # Advised to use "each sample's 0 values", which then had zero features.
    ((5, 0, 5), "holds no values (an empty array of shape (5, 0, 5)): its 5 "
                "rows have no features; save the embeddings 2-D, one row per "
                "sample and one column per feature (at least one)"),
    ((1, 0, 3), "holds no values (an empty array of shape (1, 0, 3)): its 1 "
                "row has no features; save the embeddings 2-D, one row per "
                "sample and one column per feature (at least one)"),
], ids=["no rows", "no features", "one row"])
def test_an_empty_array_of_more_dimensions_is_not_advised_a_reshape(
        tmp_path, name, shape, told):
    """An empty array of 3 or more dimensions was advised the reshape that
    makes it 2-D, which is just as empty: it is told what it lacks."""
    from sklearn_bilaf.io import InputError, load_embeddings

    path = tmp_path / name
    if name.endswith(".npy"):
        np.save(path, np.zeros(shape))
    else:
        np.savez(path, X=np.zeros(shape))
    source = f"{path}{'' if name.endswith('.npy') else '[X]'}"
    with pytest.raises(InputError, match=f"^{re.escape(f'{source} {told}')}$"):
        load_embeddings(path)


def test_advised_new_file_names_are_not_those_of_existing_files(tmp_path,
                                                                monkeypatch):
    """The advice that writes a new file (e_embeddings.npy beside an
    .npz archive, emb_array.npy for a PyTorch file, e.npy for a .txt
    file, ids.txt for ids in .npy) named it whether or not a file had that
    name, which np.save then replaced: it names one that does not exist,
    with a number added, and running it leaves the other file as it was."""
    import zipfile

    from sklearn_bilaf.io import InputError, load_embeddings, read_ids

    monkeypatch.chdir(tmp_path)
    X = np.arange(6.0).reshape(2, 3)
    taken = {}

    def take(name):
        np.save(name, np.full((1, 1), 7.0))
        taken[name] = (tmp_path / name).read_bytes()

    def advice(raised, pattern):
        found = re.findall(pattern, str(raised.value))
        assert found, str(raised.value)
        return found[0]

    # An archive with an array named file: saved to a .npy file of its own.
    with zipfile.ZipFile("e.npz", "w") as archive:
        with archive.open("file.npy", "w") as member:
            np.lib.format.write_array(member, np.arange(6.0))
    take("e_embeddings.npy")
    take("e_embeddings_2.npy")
    with pytest.raises(InputError) as raised:
        load_embeddings("e.npz")
    call = advice(raised, r"with np\.load\('e\.npz'\) as z: "
                          r"np\.save\('[^']+', z\['file'\]\.reshape\(1, -1\)\)")
    assert "np.save('e_embeddings_3.npy'" in call, call
    exec(call, {"np": np})
    assert load_embeddings("e_embeddings_3.npy").X.shape == (1, 6)

    # A PyTorch file: the tensor saved to a new .npy file.
    _torch_save_like(tmp_path / "emb.npy")
    take("emb_array.npy")
    with pytest.raises(InputError) as raised:
        load_embeddings("emb.npy")
    assert "np.save('emb_array_2.npy', torch.load('emb.npy')" in str(raised.value)
    _torch_save_like(tmp_path / "t.npz")
    take("t.npy")
    with pytest.raises(InputError) as raised:
        load_embeddings("t.npz")
    assert "np.save('t_2.npy', torch.load('t.npz')" in str(raised.value)

    # A text file: converted to a new .npy file.
    np.savetxt("x.txt", X)
    take("x.npy")
    with pytest.raises(InputError) as raised:
        load_embeddings("x.txt")
    call = advice(raised, r"np\.save\(.*ndmin=2\)\)")
    assert call.startswith("np.save('x_2.npy'"), call
    exec(call, {"np": np})
    assert load_embeddings("x_2.npy").X.tolist() == X.tolist()

    # Ids in a .npy file: written one per line to a new .txt file.
    np.save("ids.npy", np.array(["a", "b"]))
    (tmp_path / "ids.txt").write_text("other\nids\n")
    with pytest.raises(InputError) as raised:
        read_ids("ids.npy", 2)
    written = _run_ids_advice(str(raised.value), {"np": np})
    assert written == "ids_2.txt", str(raised.value)
    assert list(read_ids("ids_2.txt", 2)) == ["a", "b"]
    assert (tmp_path / "ids.txt").read_text() == "other\nids\n"
    for name, content in taken.items():
        assert (tmp_path / name).read_bytes() == content, name


def _row_arrays(rows):
    """A 1-D object array of one array per row, as a DataFrame column of
    arrays gives."""
    objects = np.empty(len(rows), dtype=object)
    for i, row in enumerate(rows):
        objects[i] = np.array(row)
    return objects


@pytest.mark.parametrize("objects", [
    np.array([[1, 2.5], [3, 4]], dtype=object),
    _row_arrays([[1, 2.5], [3, 4]]),
], ids=["2-D", "rows"])
def test_object_npy_advice_writes_a_new_file(tmp_path, monkeypatch, objects):
    """The advice for a .npy file of Python objects named the file itself,
    np.save('e.npy', ...), replacing it: it names a new file, and running
    it (with the loading it says) writes embeddings that load, and leaves
    the file as it was."""
    from sklearn_bilaf.io import InputError, load_embeddings

    monkeypatch.chdir(tmp_path)
    np.save("e.npy", objects, allow_pickle=True)
    before = (tmp_path / "e.npy").read_bytes()
    with pytest.raises(InputError) as raised:
        load_embeddings("e.npy")
    message = str(raised.value)
    load = re.findall(r"X = np\.load\('e\.npy', allow_pickle=True\)", message)
    save = re.findall(r"np\.save\('([^']+)', np\.stack\(X\)\.astype\(np\.float32\)\)",
                      message)
    assert len(load) == 1 and len(save) == 1, message
    assert save[0] == "e_embeddings.npy", message
    namespace = {"np": np}
    exec(load[0], namespace)
    exec(f"np.save({save[0]!r}, np.stack(X).astype(np.float32))", namespace)
    assert load_embeddings(save[0]).X.tolist() == [[1, 2.5], [3, 4]]
    assert (tmp_path / "e.npy").read_bytes() == before


@pytest.mark.parametrize("others", [{}, {"labels": np.arange(2)}])
def test_object_npz_advice_says_how_to_load_the_array(tmp_path, monkeypatch,
                                                      others):
    """The advice for an archive's array of Python objects was
    np.savez(..., emb=np.stack(X).astype(np.float32)) with an X it never
    said how to get (the .npy file's says: X = np.load(..., allow_pickle=True)).
    It says how to load it, if the file is trusted; run, the two steps write
    a new archive that loads, with the other arrays, and leave the archive
    as it was."""
    from sklearn_bilaf.io import InputError, load_embeddings

    monkeypatch.chdir(tmp_path)
    np.savez("e.npz", emb=_row_arrays([[1, 2.5], [3, 4]]), **others)
    before = (tmp_path / "e.npz").read_bytes()
    with pytest.raises(InputError) as raised:
        load_embeddings("e.npz", key="emb")
    message = str(raised.value)
    load = re.findall(r"if you trust the file, load it with (X = np\.load\("
                      r"'e\.npz', allow_pickle=True\)\['emb'\]) and save", message)
    save = re.findall(r"e\.g\. ((?:with np\.load\('e\.npz'\) as z: )?"
                      r"np\.savez\('e_embeddings\.npz', .*"
                      r"emb=np\.stack\(X\)\.astype\(np\.float32\)\))$", message)
    assert len(load) == 1 and len(save) == 1, message
    namespace = {"np": np}
    exec(load[0], namespace)
    exec(save[0], namespace)
    assert load_embeddings("e_embeddings.npz", key="emb").X.tolist() == [
        [1, 2.5], [3, 4]]
    with np.load("e_embeddings.npz") as archive:
        assert sorted(archive.files) == sorted(["emb", *others])
    assert (tmp_path / "e.npz").read_bytes() == before


def _run_ids_advice(message, scope):
    """Run the call that an ids file's message advises; the file it writes."""
    advice = message.split(" first: ", 1)[1]
    # What stands for what the name cannot tell comes last.
    call = re.sub(r" \((with|for) [^()]*\)$", "", advice)
    call = call.replace("KEY", "'sample_ids'").replace("COLUMN", "'sample_id'")
    exec(call, scope)
    return re.search(r"(?:np\.savetxt|to_csv)\('([^']+)'", call).group(1)


@pytest.mark.parametrize("suffix, kind", [
    (".npy", "breaks"), (".npy", "objects"), (".npy", "bytes"),
    (".npy", "non-ascii"), (".npz", "breaks"), (".npz", "objects"),
    (".json", "breaks"), (".json", "non-ascii"), (".parquet", "breaks"),
])
def test_ids_advice_runs_for_line_breaks_objects_and_bytes(
        tmp_path, monkeypatch, suffix, kind):
    """The np.savetxt call advised for ids in another format wrote ids
    holding a line break over two lines (read as two ids), needed
    allow_pickle for an object array, and wrote bytes as "b'a'": ids with
    line breaks, or that may hold them (objects, a table's column), are
    advised a quoted .csv column, objects np.load(..., allow_pickle=True)
    and bytes decoded.  Run, each writes a file read_ids reads to the
    ids."""
    from sklearn_bilaf.io import InputError, read_ids

    monkeypatch.chdir(tmp_path)
    ids = {
        "breaks": ["a\nb", "c\r\nd", 'say "hi", twice', " e", "f"],
        "objects": ["a\nb", "c", 'q"uote', "d,e", "f"],
        "bytes": ["a", "b", "é", "c d", "e"],
        "non-ascii": ["图", "é", "a", "b", "c"],
    }[kind]
    name = f"ids{suffix}"
    if kind == "objects":
        values = np.array(ids, dtype=object)
    elif kind == "bytes":
        values = np.array([i.encode() for i in ids])
    else:
        values = np.array(ids)
    if suffix == ".npy":
        np.save(name, values, allow_pickle=True)
    elif suffix == ".npz":
        # (numpy 1.x's np.savez has no allow_pickle: it pickles objects.)
        np.savez(name, sample_ids=values, x=np.zeros(5))
    elif suffix == ".json":
        Path(name).write_text(json.dumps(ids), encoding="utf-8")
    else:
        pd = pytest.importorskip("pandas")
        pytest.importorskip("pyarrow")
        pd.DataFrame({"sample_id": ids, "x": 0}).to_parquet(name)
    with pytest.raises(InputError) as raised:
        read_ids(name, len(ids))
    message = str(raised.value)
    if kind == "objects":
        assert "allow_pickle=True" in message and "if you trust" in message, message
    if suffix != ".parquet":
        # Written (and a JSON list read) as read_ids reads, whatever the
        # system's encoding, which this run's may hide.
        assert message.count("encoding='utf-8'") == 1 + (suffix == ".json"), message
    scope = {"np": np, "json": json}
    if suffix == ".parquet":
        scope["pd"] = pytest.importorskip("pandas")
    written = _run_ids_advice(message, scope)
    assert written.endswith(".txt" if kind in ("bytes", "non-ascii") else ".csv")
    assert read_ids(written, len(ids)) == ids


@pytest.mark.parametrize("ids, table", [
    (["a", "b", "c"], "ids.csv"),
    # Read as a .csv table, each would be two ids: a .tsv one reads them.
    (["x,1", "y,2", "z,3"], "ids.tsv"),
    # Neither table reads these as they are: only the line's removal is.
    (["x,1", "y\t2", "z"], None),
    (['say "a"', "b", "c"], None),
], ids=["plain", "commas", "commas and tabs", "quotes"])
def test_one_id_too_many_is_advised_what_works_for_its_format(
        tmp_path, monkeypatch, ids, table):
    """A text file of one id per line with one id too many (a header line,
    most likely) was advised to "save the ids as a .csv file with that
    header", whatever the ids held and without saying how: it is advised
    to remove the line, which its format needs, or to rename the file to a
    table that reads its ids as they are, when one does (ids.csv taken, a
    name that is free); each advice, run, gives the ids."""
    from sklearn_bilaf.io import InputError, read_ids

    monkeypatch.chdir(tmp_path)
    Path("ids.txt").write_text("".join(f"{i}\n" for i in ["path", *ids]))
    if table == "ids.csv":
        Path("ids.csv").write_text("other\n")
        table = "ids_2.csv"
    with pytest.raises(InputError) as raised:
        read_ids("ids.txt", 3)
    message = str(raised.value)
    assert "is line 1 ('path') a header? a file of one id per line has none: " \
        "remove that line" in message, message
    assert ".csv file with that header" not in message, message
    renamed = re.findall(r"rename the file (\S+) to read it as a table", message)
    assert renamed == ([table] if table else []), message
    if table:
        os.rename("ids.txt", table)
        assert read_ids(table, 3) == ids
        os.rename(table, "ids.txt")
    Path("ids.txt").write_text("".join(f"{i}\n" for i in ids))
    assert read_ids("ids.txt", 3) == ids
    if table == "ids_2.csv":
        assert Path("ids.csv").read_text() == "other\n"


@pytest.mark.parametrize("shape", [(4, 3, 2), (6,)], ids=["3-D", "1-D"])
def test_npy_shape_advice_writes_a_new_file(tmp_path, monkeypatch, shape):
    """A .npy array of the wrong shape was advised np.save('e.npy', ...),
    over the file read: with the file loaded as the library loads it
    (mmap_mode='r'), np.save truncates the mapped file before the reshape
    reads it.  The advice names a new file; run on the mapped array, it
    writes embeddings that load and leaves the file as it was."""
    from sklearn_bilaf.io import InputError, load_embeddings

    monkeypatch.chdir(tmp_path)
    np.save("e.npy", np.arange(math.prod(shape), dtype=float).reshape(shape))
    np.save("e_embeddings.npy", np.ones((1, 1)))  # the user's: kept
    taken = {name: (tmp_path / name).read_bytes()
             for name in ("e.npy", "e_embeddings.npy")}
    with pytest.raises(InputError) as raised:
        load_embeddings("e.npy")
    calls = re.findall(r"(np\.save\('([^']+)', np\.load\('e\.npy'\)"
                       r"\.reshape\((?:4, -1|-?1, -?1)\)\))",
                       str(raised.value))
    assert calls, str(raised.value)
    for _, name in calls:
        assert name == "e_embeddings_2.npy", str(raised.value)
    for call, name in calls:
        exec(call, {"np": np})
        pool = load_embeddings(name)
        assert pool.X.ndim == 2 and pool.X.size == math.prod(shape)
    for name, content in taken.items():
        assert (tmp_path / name).read_bytes() == content, name


@pytest.mark.parametrize("name, key", [
    ("e.npy", None), ("e{1}.npy", None), ("e.npz", "images"),
    ("e{1}.npz", "{images}")])
@pytest.mark.parametrize("shape", [(4, 3, 2), (6,)], ids=["3-D", "1-D"])
def test_shape_advice_loads_the_array_it_saves(tmp_path, monkeypatch, name,
                                               key, shape):
    """The advice for an array of the wrong shape read "save them as
    np.save('e_embeddings.npy', X.reshape(...))", with an X it never said
    how to get, and "save them as with np.load(...) as z: ..." for an
    archive; a file named e{1}.npy got an IndexError instead.  Each advised
    call loads the array itself: run on its own, it writes embeddings that
    load."""
    from sklearn_bilaf.io import InputError, load_embeddings

    monkeypatch.chdir(tmp_path)
    X = np.arange(math.prod(shape), dtype=float).reshape(shape)
    if name.endswith(".npz"):
        np.savez(name, **{key: X, "labels": np.arange(len(X))})
    else:
        np.save(name, X)
    with pytest.raises(InputError) as raised:
        load_embeddings(name, key=key)
    message = str(raised.value)
    assert " as with " not in message and " by running " in message, message
    calls = re.findall(r"(?:with np\.load\([^)]+\) as z: )?np\.savez?\(.*?"
                       r"\.reshape\((?:4, -1|-?1, -?1)\)\}?\)", message)
    assert len(calls) == (1 if len(shape) == 3 else 2), message
    for call in calls:
        exec(call, {"np": np})  # no X of the caller's
        pool = load_embeddings(_advised_file(call), key=key)
        assert pool.X.ndim == 2 and pool.X.ravel().tolist() == X.ravel().tolist()


@pytest.mark.parametrize("bad", ["1-D", "images"])
def test_single_array_archive_advice_writes_a_new_archive(tmp_path, monkeypatch,
                                                          bad):
    """The advice for the one array of an archive, of the wrong shape, was
    np.savez('e.npz', ...) over the archive it reads (open in np.load's
    with statement: refused on Windows, and a failure midway loses it).
    It writes a new archive, named after no existing file; run, it writes
    one that loads and leaves the archive and the user's file as they were."""
    from sklearn_bilaf.io import InputError, load_embeddings

    monkeypatch.chdir(tmp_path)
    X = np.arange(24.0) if bad == "1-D" else np.arange(24.0).reshape(4, 3, 2)
    np.savez("e.npz", images=X)
    np.savez("e_embeddings.npz", other=np.ones(1))  # the user's: kept
    taken = {name: (tmp_path / name).read_bytes()
             for name in ("e.npz", "e_embeddings.npz")}
    with pytest.raises(InputError) as raised:
        load_embeddings("e.npz")
    message = str(raised.value)
    calls = re.findall(r"with np\.load\('e\.npz'\) as z: np\.savez\('([^']+)', "
                       r"images=z\['images'\]\.reshape\([-14, ]+\)\)", message)
    assert calls and set(calls) == {"e_embeddings_2.npz"}, message
    advice = re.search(r"with np\.load.*?\.reshape\([-14, ]+\)\)", message)
    exec(advice.group(0), {"np": np})
    pool = load_embeddings("e_embeddings_2.npz")
    assert pool.X.ndim == 2 and pool.X.ravel().tolist() == X.ravel().tolist()
    for name, content in taken.items():
        assert (tmp_path / name).read_bytes() == content, name


def test_npz_advice_keeping_other_arrays_closes_and_writes_a_new_archive(
        tmp_path, monkeypatch):
    """The advice for an archive's array of the wrong shape read the other
    arrays with np.load('e.npz') left open while np.savez wrote over that
    same archive (refused on Windows, where an open file cannot be
    replaced).  It reads them in a with block and writes a new archive;
    run, it writes one that loads, with the other arrays, and leaves the
    archive as it was."""
    from sklearn_bilaf.io import InputError, load_embeddings

    monkeypatch.chdir(tmp_path)
    X = np.arange(24.0).reshape(4, 3, 2)
    np.savez("e.npz", images=X, labels=np.arange(4))
    np.savez("e_embeddings.npz", other=np.ones(1))  # the user's: kept
    taken = {name: (tmp_path / name).read_bytes()
             for name in ("e.npz", "e_embeddings.npz")}
    with pytest.raises(InputError) as raised:
        load_embeddings("e.npz", key="images")
    message = str(raised.value)
    advice = re.findall(r"with np\.load\('e\.npz'\) as z: np\.savez\("
                        r"'e_embeddings_2\.npz', .*?\.reshape\(4, -1\)\)",
                        message)
    assert len(advice) == 1, message
    exec(advice[0], {"np": np})
    pool = load_embeddings("e_embeddings_2.npz", key="images")
    assert pool.X.shape == (4, 6) and pool.X.ravel().tolist() == X.ravel().tolist()
    with np.load("e_embeddings_2.npz") as archive:
        assert archive["labels"].tolist() == [0, 1, 2, 3]
    for name, content in taken.items():
        assert (tmp_path / name).read_bytes() == content, name


@pytest.mark.parametrize("name, ids", [
    ("ids.npy", np.array([1.0, np.nan, 3.0])),
    ("ids.npz", np.array([1.0, 2.0, np.nan])),
    ("ids.json", ["a", None, "c"]),
    ("ids.json", ["a\nb", None, "c"]),
    ("ids.json", ["a", float("nan"), "c"]),
], ids=["npy NaN", "npz NaN", "json null", "json null and break",
        "json NaN"])
def test_ids_advice_refuses_to_invent_missing_ids(tmp_path, monkeypatch,
                                                  name, ids):
    """Ids in another format were advised a conversion to text that wrote a
    missing id (None, NaN) as the id 'None' or 'nan', read back as an id
    like any other: missing ids are told that ids must not be missing, and
    advised no conversion."""
    from sklearn_bilaf.io import InputError, read_ids

    monkeypatch.chdir(tmp_path)
    if name.endswith(".npy"):
        np.save(name, ids)
    elif name.endswith(".npz"):
        np.savez(name, ids=ids)
    else:
        Path(name).write_text(json.dumps(ids), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_ids(name, len(ids))
    message = str(raised.value)
    assert message == (
        f"{name}: ids must come from a text file (one id per line) or a column "
        "of a .csv/.tsv file, and none may be missing: some of its ids are "
        "None or NaN, which saved as text would be the ids 'None' or 'nan'; "
        "give every sample its id, then save them as text"), message


@pytest.mark.parametrize("ids", [["a", None, "c"], [1.0, np.nan, 3.0]],
                         ids=["null", "NaN"])
def test_parquet_ids_advice_refuses_to_invent_missing_ids(tmp_path, monkeypatch,
                                                          ids):
    """An ids .parquet file with missing ids (None, NaN) was advised the
    to_csv conversion, which writes them as empty ids, refused only once
    converted (.npy, .npz and .json files are told at once): its only
    column is told that no id may be missing, and advised no conversion."""
    from sklearn_bilaf.io import InputError, read_ids

    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    monkeypatch.chdir(tmp_path)
    # A filtered frame's index, stored as a column: not an ids column.
    pd.DataFrame({"sample_id": ids}, index=[5, 7, 9]).to_parquet("ids.parquet")
    with pytest.raises(InputError) as raised:
        read_ids("ids.parquet", len(ids))
    message = str(raised.value)
    assert message == (
        "ids.parquet: ids must come from a text file (one id per line) or a "
        "column of a .csv/.tsv file, and none may be missing: some of its ids "
        "are null (None) or NaN, which saved as a .csv file would be empty "
        "ids; give every sample its id, then save them as a .csv file"), message
    assert not Path("ids.csv").exists()


def test_parquet_ids_advice_names_the_only_column(tmp_path, monkeypatch):
    """The advice for ids in a .parquet file of one column (beside pandas'
    index) names it rather than COLUMN, and runs as given."""
    from sklearn_bilaf.io import InputError, read_ids

    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    monkeypatch.chdir(tmp_path)
    pd.DataFrame({"my id": ["a", "b,c", "d"]}, index=[5, 7, 9]).to_parquet(
        "ids.parquet")
    with pytest.raises(InputError) as raised:
        read_ids("ids.parquet", 3)
    message = str(raised.value)
    assert "COLUMN" not in message, message
    call = message.split(" first: ", 1)[1]
    exec(call, {"pd": pd})
    assert read_ids("ids.csv", 3, column="my id") == ["a", "b,c", "d"]


def test_ids_advice_for_objects_says_ids_must_not_be_missing(tmp_path,
                                                             monkeypatch):
    """An array of Python objects is never unpickled, so its missing ids
    cannot be seen: the advice, which writes None as the id 'None', says
    that none may be missing; run on ids that are all there, it gives
    them."""
    from sklearn_bilaf.io import InputError, read_ids

    monkeypatch.chdir(tmp_path)
    ids = ["a\nb", "c", 7]
    np.save("ids.npy", np.array(ids, dtype=object), allow_pickle=True)
    with pytest.raises(InputError) as raised:
        read_ids("ids.npy", len(ids))
    message = str(raised.value)
    assert "if you trust the file and none of its ids is missing (a None or " \
        "NaN would be saved as the id 'None' or 'nan'), save them" in message, \
        message
    written = _run_ids_advice(message, {"np": np})
    assert read_ids(written, len(ids)) == ["a\nb", "c", "7"]


@pytest.mark.parametrize("ids", [
    np.array(["a", "b", "c"]),
    np.array(["a\nb", "c", 'd "e"']),
    np.array(["a\nb", "c", 7], dtype=object),
], ids=["text", "breaks", "objects"])
def test_ids_advice_names_the_only_array_of_an_archive(tmp_path, monkeypatch,
                                                       ids):
    """The advice for ids in an .npz archive read them as np.load(...)[KEY],
    "with KEY the name of the ids' array", even when the archive holds a
    single array, whose name the message can give: it does, and the
    advice runs as given."""
    from sklearn_bilaf.io import InputError, read_ids

    monkeypatch.chdir(tmp_path)
    # (numpy 1.x's np.savez has no allow_pickle: it pickles objects.)
    np.savez("ids.npz", **{"my ids": ids})
    with pytest.raises(InputError) as raised:
        read_ids("ids.npz", len(ids))
    message = str(raised.value)
    assert "KEY" not in message, message
    call = message.split(" first: ", 1)[1]
    assert "np.load('ids.npz'" in call and "['my ids']" in call, message
    exec(call, {"np": np})
    written = re.search(r"np\.savetxt\('([^']+)'", call).group(1)
    assert read_ids(written, len(ids)) == [str(i) for i in ids]


def test_cli_page_says_output_format_is_read_in_any_case(tmp_path, digits32):
    """doc/cli.rst listed --output-format's formats in lower case only, as
    --help does: it says that any case is read, and the spelling it shows
    gives the lower-case format's output."""
    cli = " ".join((REPO / "doc" / "cli.rst").read_text(encoding="utf-8").split())
    said = re.search(r"``--output-format`` \([^()]*, each in any case: "
                     r"``(\w+)`` is ``(\w+)``\)", cli)
    assert said, "doc/cli.rst does not say --output-format reads any case"
    typed, meant = said.groups()
    assert typed != meant and typed.lower() == meant
    np.save(tmp_path / "e.npy", digits32[:200])
    common = ["select", "e.npy", "-b", "10", "-k", "3", "--core-selector",
              "random", "-o", "-", "-q", "--output-format"]
    proc = call_bilaf(*common, typed, cwd=tmp_path)
    assert_ok(proc)
    assert proc.stdout == call_bilaf(*common, meant, cwd=tmp_path).stdout


def test_one_line_direction_warnings_are_told_in_command_line_terms(
        bilaf, tmp_path):
    """ActiveFT's warning that rows all on one line through the origin leave
    its picks arbitrary, and the cosine metric's that they leave the
    pseudo-classes arbitrary, name Python parameters; the command names its
    options (and --metric euclidean where --metric cosine was given)."""
    rng = np.random.RandomState(0)
    np.save(tmp_path / "e.npy", rng.randn(60)[:, None] * rng.randn(4)[None, :])
    line = ("the rows all lie on one line through the origin (each is a "
            "multiple of the same vector), so every row normalises to that "
            "vector's direction or its opposite")
    proc = bilaf("select", "e.npy", "-b", "6", "-k", "3", "-q", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr.strip() == (
        f"bilaf: warning: {line} for --core-selector activeft (the default), "
        "so which 3 rows of the 60 it picks as cores is arbitrary: choose the "
        "cores with --core-selector kmeans, random or fds")
    proc = bilaf("select", "e.npy", "-b", "6", "-k", "3", "-q", "--metric",
                 "cosine", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr.strip() == (
        f"bilaf: warning: {line} for --core-selector activeft (the default), "
        "so which 3 rows of the 60 it picks as cores is arbitrary: choose the "
        "cores with --core-selector kmeans, random or fds, with --metric "
        "euclidean (the default)")
    proc = bilaf("select", "e.npy", "-b", "6", "-k", "3", "-q", "--metric",
                 "cosine", "--core-selector", "kmeans", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr.strip() == (
        "bilaf: warning: --metric cosine compares rows by their direction "
        f"after the core stage, and {line}: which core each row's "
        "pseudo-class follows, and so the boundary samples picked, is "
        "arbitrary; use --metric euclidean (the default)")
    proc = bilaf("select", "e.npy", "-b", "6", "-k", "3", "-q",
                 "--core-selector", "kmeans", cwd=tmp_path)
    assert_ok(proc)
    assert proc.stderr == ""


@pytest.mark.parametrize("name, write, id_column", [
    ("e.csv", lambda p, X: np.savetxt(p, X), None),
    ("e.csv", lambda p, X: np.savetxt(p, X, header="a b c"), None),
    ("e.csv", lambda p, X: np.savetxt(p, X, delimiter="\t"), None),
    ("e.csv", lambda p, X: np.savetxt(p, X, delimiter=";"), None),
    # R's write.csv2: quoted row names and names, decimal commas.
    ("e.csv", lambda p, X: p.write_text(
        '"";"a";"b";"c"\n' + "".join(
            f'"{i}";' + ";".join(repr(float(v)).replace(".", ",") for v in row)
            + "\n" for i, row in enumerate(X))), None),
    # Ids with a comma of their own beside decimal commas.
    ("e.csv", lambda p, X: p.write_text(
        "name;a;b;c\n" + "".join(
            f"Smith, {i};" + ";".join(repr(float(v)).replace(".", ",")
                                      for v in row) + "\n"
            for i, row in enumerate(X))), "name"),
    ("e.tsv", lambda p, X: np.savetxt(p, X), None),
    ("e.tsv", lambda p, X: np.savetxt(p, X, delimiter=";"), None),
])
def test_separator_advice_runs_as_given(tmp_path, monkeypatch, name, write,
                                        id_column):
    """The advice for a table separated otherwise than its extension says
    was "np.savetxt(path, X, delimiter=',')", with a path and an X it never
    said how to get (and np.loadtxt cannot read a table with ids).  It is a
    call that writes the file again to a new one, named after no existing
    file; run as given (csv imported), the new file loads with the same
    values, ids and all, and the original is left as it was."""
    import csv

    from sklearn_bilaf.io import InputError, load_embeddings

    monkeypatch.chdir(tmp_path)
    X = -np.arange(15.0).reshape(5, 3) / 7
    write(tmp_path / name, X)
    taken = (tmp_path / name).read_bytes()
    stem = "e_commas.csv" if name.endswith(".csv") else "e_tabs.tsv"
    (tmp_path / stem).write_text("the user's\n")  # kept: a new name is used
    with pytest.raises(InputError) as raised:
        load_embeddings(name)
    message = str(raised.value)
    (call,) = re.findall(r"with open\(.*", message)
    exec(call, {"csv": csv})
    (new,) = re.findall(r"open\('([^']+)', 'w'", call)
    assert new not in (name, stem), call
    pool = load_embeddings(new, id_column=id_column)
    np.testing.assert_allclose(pool.X, X, rtol=1e-15)
    if id_column:
        assert list(pool.ids) == [f"Smith, {i}" for i in range(5)]
    assert (tmp_path / name).read_bytes() == taken
    assert (tmp_path / stem).read_text() == "the user's\n"
