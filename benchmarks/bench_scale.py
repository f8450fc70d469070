"""BiLAF on ImageNet-sized pools: time per stage and peak memory (issue 7).

The pools are synthetic and seeded, shaped like the paper's ImageNet case:
float32 rows of 384 features in a few thousand Gaussian clusters of uneven
sizes, grouped in superclusters so that neighbouring clusters share borders.
They are written as ``.npy`` files and read back through a read-only memory
map, so the selection never holds a copy of the features.

Make a pool (1,281,167 rows take 1.97 GB and about a minute), in a folder
that exists (``make`` does not create it; it replaces an existing file only
with ``--overwrite``)::

    mkdir -p /tmp/scale
    python benchmarks/bench_scale.py make /tmp/scale/pool_1281167.npy 1281167

Select with K = 0.5 % of the pool and B = 1 % (the paper's ImageNet setting:
6,405 cores and a budget of 12,811 for 1,281,167 rows), ActiveFT on row
batches of 100,000; one JSON line of results goes to ``--out``::

    /usr/bin/time -v python benchmarks/bench_scale.py run \\
        /tmp/scale/pool_1281167.npy --out benchmarks/results/scale.jsonl

The whole ``run`` in a few seconds, to check that the script still works: a
seeded pool of 2,000 rows (as ``make`` writes it) in a temporary folder,
removed after, and ActiveFT on batches of 1,000 rows unless ``--batch-size``
is given (its record says ``"quick": true`` and is not plotted)::

    python benchmarks/bench_scale.py run --quick --n-jobs 1

Compare the selection with a run in which ActiveFT searches every centroid
for every row (``--centroid-search exact``)::

    python benchmarks/bench_scale.py compare benchmarks/results/scale.jsonl

How far the graph search moves ActiveFT's selection, next to how far float32
rounding moves it (the exact search on the pool scaled by 1 + 2**-20), on
a 50,000-row pool::

    python benchmarks/bench_scale.py make /tmp/scale/pool_50000.npy 50000
    python benchmarks/bench_scale.py sensitivity /tmp/scale/pool_50000.npy 250

Draw the log-log plot of time and memory against the pool size::

    python benchmarks/bench_scale.py plot benchmarks/results/scale.jsonl \\
        benchmarks/results/scale.png

Timings are only meaningful on an otherwise idle machine; the load average
and the process's CPU time are recorded beside the wall time.  Bad
command-line values (sizes below 1, a pool that is not a 2-D float ``.npy``
array, a missing folder or results file, a results file that cannot be
read or is not UTF-8 text, an output that cannot be written, an existing
file given to ``make`` without ``--overwrite``, unknown options) are usage
errors (exit status 2), found before any pool is made or selected from.
"""

import argparse
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, one run per results file
    fcntl = None

# Time the checkout this script belongs to, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _peak_memory import peak_rss_mib  # noqa: E402
from _sigterm import exits_on_sigterm  # noqa: E402

N_FEATURES = 384
IMAGENET_ROWS = 1_281_167
CORE_FRACTION = 6_405 / IMAGENET_ROWS
BUDGET_FRACTION = 12_811 / IMAGENET_ROWS
ROWS_PER_CLUSTER = 427  # 3,000 clusters for 1,281,167 rows
CLUSTERS_PER_SUPER = 20
# run --quick: a pool of this many rows, ActiveFT on batches of
# QUICK_BATCH_SIZE (batched, as the full-size runs are).
QUICK_ROWS = 2_000
QUICK_BATCH_SIZE = 1_000


def make_pool(path, n_samples, n_features=N_FEATURES, seed=0, chunk=65_536):
    """Write a seeded clustered float32 pool of shape (n_samples, n_features).

    Clusters (``n_samples / 427`` of them) have log-normal sizes (the largest
    several times the median) and their own spreads; they are grouped in
    superclusters of 20, so that pseudo-classes have close neighbours.  Rows
    are generated in chunks (the pool depends on ``seed`` and ``chunk``) and
    written through a memory map, so memory stays small for any pool size.
    """
    rng = np.random.default_rng(seed)
    n_clusters = max(2, round(n_samples / ROWS_PER_CLUSTER))
    n_super = max(1, -(-n_clusters // CLUSTERS_PER_SUPER))
    supers = rng.standard_normal((n_super, n_features))
    parents = rng.integers(n_super, size=n_clusters)
    centres = supers[parents] + 0.6 * rng.standard_normal((n_clusters, n_features))
    spreads = rng.uniform(0.35, 0.75, size=n_clusters)
    weights = rng.lognormal(0.0, 0.8, size=n_clusters)
    weights /= weights.sum()
    # Written beside the path, then renamed over it: a run killed midway
    # would otherwise leave a file of the full shape whose unwritten rows
    # are zeros, a pool that ``run`` accepts.
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32,
                                        shape=(n_samples, n_features))
        for start in range(0, n_samples, chunk):
            stop = min(n_samples, start + chunk)
            labels = rng.choice(n_clusters, size=stop - start, p=weights)
            block = rng.standard_normal((stop - start, n_features),
                                        dtype=np.float32)
            block *= spreads[labels, None].astype(np.float32)
            block += centres[labels].astype(np.float32)
            out[start:stop] = block
        out.flush()
        del out
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return n_clusters


def run(path, batch_size=100_000, centroid_search="auto", n_jobs=None, seed=0,
        verbose=0, dask_workers=0):
    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import ActiveFTSelector

    X = np.load(path, mmap_mode="r")
    n = X.shape[0]
    n_cores = max(1, round(n * CORE_FRACTION))
    budget = max(n_cores, round(n * BUDGET_FRACTION))
    selector = ActiveFTSelector(n_cores=n_cores, batch_size=batch_size,
                                centroid_search=centroid_search, verbose=verbose)
    sampler = BiLAFSampler(budget, core_selector=selector, random_state=seed,
                           n_jobs=n_jobs, verbose=verbose)
    load = os.getloadavg()
    tic, cpu = time.perf_counter(), time.process_time()
    if dask_workers:
        # The per-pseudo-class stages go to a local Dask cluster of worker
        # processes through joblib; stages 1-2 run here.
        import joblib
        from distributed import Client, LocalCluster

        # Every worker of the cluster: recorded as run, not the --n-jobs
        # given, which no stage uses then.
        n_jobs = -1
        with LocalCluster(n_workers=dask_workers, threads_per_worker=1,
                          processes=True, dashboard_address=None) as cluster, \
                Client(cluster), joblib.parallel_backend("dask"):
            sampler.set_params(n_jobs=n_jobs)
            sampler.fit(X)
    else:
        sampler.fit(X)
    wall, cpu = time.perf_counter() - tic, time.process_time() - cpu
    assert not X.flags.writeable and isinstance(X, np.memmap)
    return {
        "n_samples": n,
        "n_features": X.shape[1],
        "n_cores": n_cores,
        "budget": budget,
        "batch_size": batch_size,
        "centroid_search": centroid_search,
        "search_used": getattr(sampler.core_selector_, "centroid_search_", None),
        "n_jobs": n_jobs,
        "dask_workers": dask_workers,
        "seed": seed,
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "timings": {k: round(v, 2) for k, v in sampler.timings_.items()},
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "loss_first": float(sampler.core_selector_.loss_curve_[0]),
        "loss_last": float(sampler.core_selector_.loss_curve_[-1]),
        "load_before": [round(v, 2) for v in load],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "cores_selected": sampler.core_indices_.tolist(),
        "selected": np.sort(sampler.selected_indices_).tolist(),
    }


def sensitivity(path, n_cores, batch_size=None, seed=0):
    """ActiveFT alone: overlap of the exact selection with the graph search's,
    and with the exact search's on the pool scaled by 1 + 2**-20 (a change of
    a few float32 ulps per row that leaves the cosine geometry unchanged)."""
    from sklearn_bilaf.core import ActiveFTSelector

    X = np.load(path, mmap_mode="r")
    params = dict(n_cores=n_cores, batch_size=batch_size, random_state=seed)
    exact = ActiveFTSelector(centroid_search="exact", **params).fit(X)
    graph = ActiveFTSelector(centroid_search="graph", **params).fit(X)
    scaled = ActiveFTSelector(centroid_search="exact", **params).fit(
        np.asarray(X) * np.float32(1 + 2**-20))

    def overlap(a, b):
        return int(np.intersect1d(a.selected_indices_, b.selected_indices_).size)

    return {
        "n_samples": X.shape[0], "n_cores": n_cores, "batch_size": batch_size,
        "exact_vs_graph": overlap(exact, graph),
        "exact_vs_scaled_exact": overlap(exact, scaled),
        "loss_last": [float(e.loss_curve_[-1]) for e in (exact, graph, scaled)],
    }


def compare(records):
    """Overlap of selections that differ only in ``centroid_search``."""
    by_case, on_dask = {}, []
    for rec in records:
        if rec.get("dask_workers"):
            on_dask.append(rec)
            continue
        key = (rec["n_samples"], rec["batch_size"], rec["seed"])
        by_case.setdefault(key, {})[rec["search_used"]] = rec
    rows = []
    for key, runs in sorted(by_case.items()):
        if "exact" in runs and "graph" in runs:
            a, b = runs["exact"], runs["graph"]
            core = np.intersect1d(a["cores_selected"], b["cores_selected"]).size
            sel = np.intersect1d(a["selected"], b["selected"]).size
            rows.append({
                "n_samples": key[0], "seed": key[2],
                "cores": len(a["cores_selected"]), "core_overlap": core,
                "budget": len(a["selected"]), "selection_overlap": sel,
                "loss_exact": a["loss_last"], "loss_graph": b["loss_last"],
                "cores_seconds_exact": a["timings"]["cores"],
                "cores_seconds_graph": b["timings"]["cores"],
            })
    for rec in on_dask:
        key = (rec["n_samples"], rec["batch_size"], rec["seed"])
        local = by_case.get(key, {}).get(rec["search_used"])
        if local is not None:
            rows.append({
                "n_samples": key[0], "seed": key[2],
                "dask_workers": rec["dask_workers"],
                "identical_to_local": local["selected"] == rec["selected"],
                "seconds_dask": rec["seconds"], "seconds_local": local["seconds"],
                "timings_dask": rec["timings"], "timings_local": local["timings"],
            })
    return rows


def plotted_runs(records):
    """The runs a plot draws, by pool size: the default search's and the
    graph search's (seed 0, local, not ``--quick``)."""
    runs, graph = {}, {}
    for rec in records:
        if rec.get("seed", 0) != 0 or rec.get("dask_workers") or rec.get("quick"):
            continue
        if rec["centroid_search"] == "auto":
            runs[rec["n_samples"]] = rec
        elif rec["centroid_search"] == "graph":
            graph[rec["n_samples"]] = rec
    return runs, graph


def plot(records, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs, graph = plotted_runs(records)
    sizes = np.array(sorted(runs))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    total = [runs[n]["seconds"] for n in sizes]
    axes[0].loglog(sizes, total, "o-", label="total (default)")
    axes[0].loglog(sizes, [runs[n]["cpu_seconds"] for n in sizes], "o:",
                   color="C0", alpha=0.6, label="CPU seconds (default)")
    for n in sizes:
        axes[0].annotate(runs[n]["search_used"], (n, runs[n]["seconds"]),
                         textcoords="offset points", xytext=(4, 6), fontsize=7)
    if graph:
        g_sizes = sorted(graph)
        axes[0].loglog(g_sizes, [graph[n]["seconds"] for n in g_sizes], "s",
                       color="C0", mfc="none", label="total, graph search")
    for stage in ("cores", "pseudo_classes", "denoise", "boundary"):
        axes[0].loglog(sizes, [runs[n]["timings"][stage] for n in sizes], ".--",
                       label=stage.replace("_", " "))
    axes[0].set_xlabel("pool size N")
    axes[0].set_ylabel("seconds")
    axes[0].set_title("time (K = 0.5 % N, B = 1 % N)")
    axes[0].legend(fontsize=7)
    axes[1].loglog(sizes, [runs[n]["peak_rss_mib"] / 1024 for n in sizes], "o-",
                   label="peak RSS")
    axes[1].loglog(sizes, sizes * N_FEATURES * 4 / 2**30, "k:",
                   label="features (float32)")
    axes[1].set_xlabel("pool size N")
    axes[1].set_ylabel("GiB")
    axes[1].set_title("peak resident memory")
    axes[1].legend(fontsize=7)
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    out = Path(out)
    # The format from the name, as savefig infers it (a name without a
    # suffix gets the default format's, e.g. "scale" -> "scale.png"): the
    # file beside it has none to infer from.
    fmt = out.suffix[1:] or plt.rcParams["savefig.format"]
    if not out.suffix:
        out = out.with_name(f"{out.name.rstrip('.')}.{fmt}")
    # Saved beside the path and renamed over it when whole: a run killed
    # while saving would leave half a picture in place of the previous one.
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        # A PNG without matplotlib's version in it: the same figure gives
        # the same bytes under another matplotlib.
        fig.savefig(tmp, dpi=110, format=fmt,
                    metadata={"Software": None} if fmt == "png" else None)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        plt.close(fig)


def append_record(path, record):
    """Append a JSON line to the results file, flushed to disk.  A last line
    cut short by a run killed while writing it is dropped first (the next
    record would be glued to it, and both lost to ``compare`` and ``plot``);
    it says so.  A pipe or a device (``/dev/stdout``, ``/dev/null``) is
    only written to: it can be neither read back nor synced.

    The file is read, cut back and appended to under an exclusive advisory
    lock (``flock``; none where ``fcntl`` is missing, on Windows), as
    ``quality.py`` appends its rows: a last line without its newline is
    then one a killed run left, never a record another run into the same
    file is still writing (a full-size record takes more than one write).
    """
    if os.path.exists(path) and not os.path.isfile(path):
        with open(path, "a") as fh:
            fh.write(json.dumps(record) + "\n")
        return
    with open(path, "ab+") as fh:
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # released by the close
        fh.seek(0)
        data = fh.read()
        if data and not data.endswith(b"\n"):
            fh.truncate(data.rfind(b"\n") + 1)
            print(f"{path}: dropped its last line, cut short by an "
                  "interrupted run", file=sys.stderr)
        fh.write((json.dumps(record) + "\n").encode())
        fh.flush()
        os.fsync(fh.fileno())


# -- command-line values (argparse types: a bad value is a usage error) ------


def _int(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def _positive_int(text):
    """An int of at least 1 (a size: rows, cores, a batch)."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_int(text):
    """An int of at least 0 (a seed, a verbosity, a number of Dask workers)."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _n_jobs(text):
    """joblib's n_jobs: a number of processes, or -1 for all CPUs; not 0."""
    value = _int(text)
    if value == 0:
        raise argparse.ArgumentTypeError(
            "must be a number of jobs (1, 2, ...) or -1 for all CPUs, not 0")
    return value


def _new_file(text):
    """A file to write, in a folder that exists (checked before the work)."""
    if not Path(text).parent.is_dir():
        # The folder as typed: Path writes ./out as out and a/./out as a/out.
        folder = os.path.dirname(text) or "."
        raise argparse.ArgumentTypeError(
            f"folder {folder!r} does not exist; create it or write "
            "elsewhere")
    if Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, not a file")
    if not os.path.exists(text):
        # A file made and removed, not os.access: root passes access() in
        # a folder where nothing can be made (a read-only mount, /proc);
        # run --out found it only after the whole selection.
        folder = os.path.dirname(text) or "."
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            raise argparse.ArgumentTypeError(
                f"folder {folder!r} cannot be written to "
                f"({exc.strerror or type(exc).__name__}); write "
                "elsewhere") from None
    elif os.path.isfile(text):
        # Opened without a write (the file is left as it is); a pipe or a
        # device (--out /dev/stdout) is not opened before its turn.
        try:
            os.close(os.open(text, os.O_RDWR | os.O_APPEND))
        except OSError as exc:
            raise argparse.ArgumentTypeError(
                f"{text!r} cannot be written to "
                f"({exc.strerror or type(exc).__name__}); write "
                "elsewhere") from None
    return text


def _existing_file(text):
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    return text


def _pool_file(text):
    """A .npy file of a 2-D float array with rows and columns (read through
    a memory map: only the header is read here)."""
    if Path(text).is_dir():
        raise argparse.ArgumentTypeError(
            f"{text!r} is a folder; pass the pool's .npy file")
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(
            f"no such file: {text!r}; make a pool with "
            f"'bench_scale.py make {text} N_SAMPLES'")
    try:
        X = np.load(text, mmap_mode="r")
    except (OSError, ValueError, EOFError):
        X = None
    if not isinstance(X, np.ndarray):
        if hasattr(X, "close"):  # an .npz archive
            X.close()
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a .npy file of a 2-D float array; write the pool "
            "with numpy.save or 'bench_scale.py make'")
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.floating):
        raise argparse.ArgumentTypeError(
            f"{text!r} holds a {X.ndim}-D {X.dtype} array; the pool must be a "
            "2-D float array (rows x features), e.g. X.astype(np.float32)")
    if 0 in X.shape:
        raise argparse.ArgumentTypeError(
            f"{text!r} holds an empty array of shape {X.shape}; the pool needs "
            "rows and features")
    return text


#: Keys of every ``run`` record that ``compare`` and ``plot`` read.
RECORD_KEYS = ("n_samples", "batch_size", "seed", "centroid_search",
               "search_used", "seconds", "cpu_seconds", "timings",
               "peak_rss_mib", "loss_last")


def _read_results(parser, path):
    """The ``run`` records of a results file, or a usage error naming the
    file that cannot be read or is not UTF-8 text, or the line that is not
    a record (or saying that there is none)."""
    numbered = []
    hint = "pass the file that 'bench_scale.py run --out' appends to"
    try:
        with open(path, "rb") as fh:
            if fcntl is not None:
                # Shared with other readers; a run appending (append_record)
                # holds the file exclusively, so a last line without its
                # newline read under it is one a killed run left.
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
                except OSError:
                    pass  # a file system without locks: read as it stands
            data = fh.read()
    except OSError as exc:
        parser.error(f"{path} cannot be read "
                     f"({exc.strerror or type(exc).__name__}); {hint}")
    try:
        # UTF-8, as the records are written, whatever the locale's encoding.
        text = data.decode()
    except UnicodeDecodeError as exc:
        parser.error(f"{path} is not UTF-8 text (byte {exc.start} is "
                     f"{data[exc.start]:#04x}); {hint}")
    # Universal newlines, as the file was read in text mode.
    for number, line in enumerate(io.StringIO(text, newline=None), 1):
        if not line.strip():
            continue
        try:
            numbered.append((number, json.loads(line)))
        except json.JSONDecodeError:
            if not line.endswith("\n"):
                # A run killed while appending its record (a line of some
                # 150 kB at full size); the next run --out drops it.
                print(f"{path}: its last line, cut short by an "
                      "interrupted run, is left out", file=sys.stderr)
                continue
            parser.error(f"line {number} of {path} is not JSON; {hint}")
    records = []
    for number, record in numbered:
        missing = ([k for k in RECORD_KEYS if k not in record]
                   if isinstance(record, dict) else list(RECORD_KEYS))
        if missing:
            parser.error(f"line {number} of {path} is not a 'run' record "
                         f"(no {', '.join(missing[:3])}"
                         f"{', ...' if len(missing) > 3 else ''}); {hint}")
        records.append(record)
    if not records:
        parser.error(f"{path} holds no 'run' record; {hint}")
    return records


@exits_on_sigterm
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make", help="write a synthetic pool as .npy")
    make.add_argument("path", type=_new_file)
    make.add_argument("n_samples", type=_positive_int)
    make.add_argument("--seed", type=_non_negative_int, default=0)
    make.add_argument("--overwrite", action="store_true",
                      help="replace the file at path if there is one")
    go = sub.add_parser("run", help="select from a pool, print/append JSON")
    go.add_argument("path", type=_pool_file, nargs="?",
                    help="the pool's .npy file (not with --quick)")
    go.add_argument("--quick", action="store_true",
                    help=f"select from a {QUICK_ROWS:,}-row pool made in a "
                    "temporary folder (a check that the script runs)")
    go.add_argument("--batch-size", type=_positive_int, default=None,
                    help=f"ActiveFT's row batches (default: 100,000, or "
                    f"{QUICK_BATCH_SIZE:,} with --quick)")
    go.add_argument("--centroid-search", default="auto",
                    choices=["auto", "exact", "graph"])
    go.add_argument("--n-jobs", type=_n_jobs, default=2,
                    help="joblib's n_jobs for the per-class stages (default: "
                    "2; with --dask-workers, -1, every worker, is used and "
                    "recorded)")
    go.add_argument("--seed", type=_non_negative_int, default=0)
    go.add_argument("--dask-workers", type=_non_negative_int, default=0,
                    help="run the per-class stages on a local Dask cluster")
    go.add_argument("--out", type=_new_file, default=None,
                    help="append the JSON line here")
    go.add_argument("--verbose", type=_non_negative_int, default=1)
    sens = sub.add_parser("sensitivity",
                          help="ActiveFT: graph search vs float32 rounding")
    sens.add_argument("path", type=_pool_file)
    sens.add_argument("n_cores", type=_positive_int)
    sens.add_argument("--batch-size", type=_positive_int, default=None)
    cmp_ = sub.add_parser("compare", help="exact vs graph overlap")
    cmp_.add_argument("results", type=_existing_file)
    pl = sub.add_parser("plot", help="log-log plot of time and memory")
    pl.add_argument("results", type=_existing_file)
    pl.add_argument("out", type=_new_file)
    commands = {"make": make, "run": go, "sensitivity": sens,
                "compare": cmp_, "plot": pl}
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # Named with the subcommand's own usage (the top-level parser's
        # listed only the subcommands).
        commands[args.command].error(
            f"unrecognized arguments: {' '.join(unknown)}")

    if args.command == "make":
        if os.path.lexists(args.path) and not args.overwrite:
            # A pool that records were measured on, or a file given by
            # mistake, is not replaced silently.
            make.error(f"{args.path!r} exists; give --overwrite to replace "
                       "it, or another path")
        tic = time.perf_counter()
        n_clusters = make_pool(args.path, args.n_samples, seed=args.seed)
        print(f"{args.path}: {args.n_samples} x {N_FEATURES} float32, "
              f"{n_clusters} clusters ({time.perf_counter() - tic:.1f}s)")
    elif args.command == "run":
        if args.quick == (args.path is not None):
            go.error("give a pool file or --quick, not both"
                     if args.quick else
                     "the following arguments are required: path (or --quick)")
        if args.batch_size is None:
            args.batch_size = QUICK_BATCH_SIZE if args.quick else 100_000
        with tempfile.TemporaryDirectory(prefix="bench_scale_") as folder:
            if args.quick:
                args.path = os.path.join(folder, f"pool_{QUICK_ROWS}.npy")
                make_pool(args.path, QUICK_ROWS)
            record = run(args.path, args.batch_size, args.centroid_search,
                         args.n_jobs, args.seed, args.verbose,
                         args.dask_workers)
        if args.quick:
            record["quick"] = True  # not a point of the plot
        summary = {k: v for k, v in record.items()
                   if k not in ("selected", "cores_selected")}
        print(json.dumps(summary))
        if args.out:
            append_record(args.out, record)
    elif args.command == "sensitivity":
        n_samples = np.load(args.path, mmap_mode="r").shape[0]
        if args.n_cores > n_samples:
            sens.error(f"n_cores {args.n_cores} is more than the pool's "
                       f"{n_samples} rows; ask for at most {n_samples}")
        print(json.dumps(sensitivity(args.path, args.n_cores, args.batch_size)))
    else:
        records = _read_results(commands[args.command], args.results)
        if args.command == "compare":
            rows = compare(records)
            if not rows:
                # No output and status 0 would read as a comparison made.
                cmp_.error(f"{args.results} has nothing to compare: compare "
                           "needs two 'run' records of one pool size, "
                           "--batch-size and --seed, one whose ActiveFT used "
                           "the exact search and one the graph search, or a "
                           "--dask-workers run and its local run; add one with "
                           "'bench_scale.py run POOL --centroid-search graph "
                           f"(or exact) --out {args.results}'")
            for row in rows:
                print(json.dumps(row))
        else:
            if not plotted_runs(records)[0]:
                # An empty figure would look like a plot that lost its data.
                pl.error(f"{args.results} has no run to plot: the plot draws "
                         "'run' records with the default --centroid-search "
                         "auto and --seed 0, not --quick or --dask-workers "
                         "ones; add such a run with 'bench_scale.py run POOL "
                         f"--out {args.results}'")
            plot(records, args.out)
    return 0

if __name__ == "__main__":
    from _stdout import exit_status

    sys.exit(exit_status(main))
