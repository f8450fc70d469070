"""Validation study behind the default number of cores (issue 6, part 2).

The library's default ``n_cores="auto"`` was chosen here, on a **validation
split carved out of each pool**, never on the test split of
``benchmarks/quality.py``:

* Validation split: 20 % of the pool, drawn uniformly at random (not
  stratified) with ``train_test_split(test_size=0.2, random_state=6)``; the
  selection pool is the other 80 % (WordNet: 52,493 rows to select from,
  13,124 validation rows; Fashion-MNIST: 48,000 and 12,000, with the
  protocol's PCA features).  The test split is never used: ``quality.py``'s
  loaders read it, ``split`` keeps only the pool.
* Budgets: 1, 2 and 5 % of the selection pool (``int(N * p)``).
* Candidates: K = min(B, f * N) ActiveFT cores for f = 0.5 % (the paper's
  setting, ``n_cores="paper"``), 1 % and 2 %, with BiLAF's other defaults
  (IDC with removal rate 0.1, Euclidean geometry, penalty 1.1); K = B is
  ActiveFT alone.  ``--ratios`` also tries K = r * B (a fixed core share of
  the budget), ``--rms`` other removal rates and ``--metrics`` the cosine
  geometry.
* Score: ``LogisticRegression(C=10, max_iter=2000)`` trained on the picks
  with their labels, accuracy on the validation rows.  Selection never sees
  a label; the validation labels only score.

Results go to ``results/quality_validation.csv`` (``--results`` for
another file; resumable, like ``quality.py``: rows already there are
counted and not run again, and each dataset's pool and validation split are
recorded beside them, in ``<stem>_pools.jsonl``, so that a run on another
pool or split stops, a usage error (exit status 2), instead of resuming
from them); ActiveFT selections
are cached in ``results/cache/`` (``--cache-dir`` for another folder) under
``val-`` names ending with
``quality.cache_key`` (the selection pool's values, ActiveFT's parameters,
the library's sources).  The data are read
as ``quality.py`` reads them (``--wordnet-dir``, ``--fashion-mnist-dir``);
a dataset whose data are missing is skipped, or, asked for with
``--datasets``, an error (exit status 1).  Usage::

    python3 benchmarks/quality_validation.py --datasets fashion-mnist wordnet \\
        --seeds 0 1 --pool-fracs 0.005 0.01 0.02
    python3 benchmarks/quality_validation.py --summary
    # A second validation split (rows in quality_validation_val7.csv):
    python3 benchmarks/quality_validation.py --val-seed 7 --seeds 0 1 2
"""

import argparse
import contextlib
import hashlib
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import quality as Q  # noqa: E402

from sklearn_bilaf import BiLAFSampler  # noqa: E402
from sklearn_bilaf.core import ActiveFTSelector, RandomSelector  # noqa: E402
from sklearn_bilaf.denoise import IDCDenoiser, _kept_count  # noqa: E402

RESULTS = HERE / "results" / "quality_validation.csv"
CACHE = HERE / "results" / "cache"
VAL_SEED = 6
VAL_SIZE = 0.2
FRACTIONS = (0.01, 0.02, 0.05)
FIELDS = ["dataset", "config", "budget", "seed", "n_cores", "acc", "seconds"]


def split(ds, val_seed=VAL_SEED):
    """Selection pool and validation split of a dataset's pool (label-free
    draw; ``val_seed`` other than :data:`VAL_SEED` draws another split)."""
    from sklearn.model_selection import train_test_split

    sel, val = train_test_split(np.arange(ds.n_pool), test_size=VAL_SIZE,
                                random_state=val_seed)
    sel.sort()
    val.sort()
    return ds.X[sel], ds.y[sel], ds.X[val], ds.y[val]


def selection_size(n_pool):
    """Rows of the selection pool :func:`split` leaves of a pool of
    ``n_pool`` rows."""
    from sklearn.model_selection import train_test_split

    return len(train_test_split(np.arange(n_pool), test_size=VAL_SIZE,
                                random_state=0)[0])


def too_small(option, shares, minimum, what, name, n):
    """Why shares of a selection pool of ``n`` rows give fewer than
    ``minimum`` rows (``what``: what they count, and why it needs that
    many), or None."""
    small = [share for share in shares if int(n * share) < minimum]
    if not small:
        return None
    # The smallest share of three significant digits that gives enough
    # rows, rounded up (rounded to nearest, int(n * share) may fall short).
    digits = 2 - math.floor(math.log10(minimum / n))
    least = math.ceil(minimum / n * 10**digits)
    while int(n * (least / 10**digits)) < minimum:
        least += 1
    counts = ", ".join(str(int(n * share)) for share in small)
    return (f"{option} {' '.join(map(str, small))}: {what[0]} of {counts} "
            f"row(s) on the {name} selection pool ({n} rows), below {minimum} "
            f"({what[1]}); give shares of at least {least / 10**digits:g}")


def check_shares(parser, option, shares, minimum, what, names):
    """A usage error, before any data is loaded, for shares that give fewer
    than ``minimum`` rows on a dataset's selection pool (its size is known
    from the protocol); :func:`run` checks the loaded pool again."""
    for name in names:
        problem = too_small(option, shares, minimum, what, name,
                            selection_size(Q.POOL_SIZES[name]))
        if problem:
            parser.error(problem)


#: The probe (logistic regression) needs picks of two classes: a budget of
#: one row cannot give them.
MIN_BUDGET = 2
BUDGETS = ("budget(s)", "the probe needs picks of two classes")
CORE_COUNTS = ("core count(s)", "BiLAF needs at least one core")


def activeft(name, X, k, seed):
    selector = ActiveFTSelector(n_cores=k, random_state=seed)
    path = CACHE / f"val-{name}-k{k}-seed{seed}-{Q.cache_key(name, X, selector)}.npy"
    if path.exists():
        try:
            return np.load(path)
        except Q.DAMAGED_ENTRY as exc:
            # Computed again and written over: reading it ended every
            # later run with a traceback.
            Q.damaged_entry(path, "an ActiveFT cache entry", exc)
    tic = time.time()
    idx = selector.fit(X).selected_indices_
    path.parent.mkdir(parents=True, exist_ok=True)

    def save(tmp):
        with open(tmp, "wb") as handle:
            np.save(handle, idx)

    # Whole or not at all: half an entry (a killed run) would be served.
    Q.write_atomic(path, save)
    print(f"  ActiveFT {name} K={k} seed {seed}: {time.time() - tic:.0f}s", flush=True)
    return idx


def score(X, y, Xv, yv, idx):
    """Validation accuracy of the protocol's probe trained on the picks
    (picks of one class predict it everywhere, as ``quality.py`` scores
    them)."""
    idx = np.asarray(idx)
    pred, note = Q.probe_predictions(X[idx], y[idx], Xv, "validation")
    if note:
        print(f"  WARNING: {note}", flush=True)
    return float((pred == yv).mean())


_RANKINGS = {}


class _CachedIDC(IDCDenoiser):
    """IDC whose per-class ranking is computed once for all removal rates
    (the ranking does not depend on the removal rate; only the cut does)."""

    def rank_class(self, pseudo_class):
        key = (pseudo_class.metric, int(pseudo_class.core_position),
               hashlib.sha1(pseudo_class.indices.tobytes()).hexdigest())
        if key not in _RANKINGS:
            _RANKINGS[key] = super().rank_class(pseudo_class)[0]
        ranking = _RANKINGS[key]
        n = ranking.size
        kept = _kept_count(n, self.removal_rate) if n >= 10 else n
        return ranking.copy(), kept


#: Columns every finished row has (``n_cores`` is empty for Random).
REQUIRED = ("dataset", "config", "budget", "seed", "acc", "seconds")


def read_rows(path=None):
    """The finished rows of a results file (default :data:`RESULTS`; none if
    it does not exist yet).  A row cut short by a killed run is left out, so
    that it is run again; a file of other columns raises
    ``quality.ResultsFileError``."""
    return Q.read_rows(RESULTS if path is None else path, FIELDS, REQUIRED)


def append_row(row, path=None, pool=None):
    """Append one result row, flushed to disk, so that an interrupted study
    can resume (a row cut short by a killed run is dropped first); with
    ``pool``, its pool's record is checked and recorded with it
    (``quality.append_row``)."""
    path = Path(RESULTS if path is None else path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Q.append_row(path, row, FIELDS, REQUIRED, pool=pool)


#: What to do about a results file (or a file beside it) that cannot be used.
RESULTS_FIX = "give --results a results file of this study (or a new one)"


@contextlib.contextmanager
def results_file_errors(parser, fix=RESULTS_FIX):
    """Usage errors, ending with ``fix``, for a results file or a pools
    file beside it found unusable while the block runs: read again as each
    dataset's rows are resumed and appended, one changed since
    :func:`check_results` (by another run, or by hand) is told as there,
    not with a traceback.  A ``quality.UsageError`` (rows of another pool,
    shares too small for the pool loaded) is one too, with its own fix."""
    try:
        yield
    except Q.ResultsFileError as exc:
        parser.error(f"{exc}; {fix}")
    except Q.UsageError as exc:  # its message says what to give instead
        parser.error(str(exc))


def check_results(parser, path, summary_only, cache=None):
    """Usage errors for a results file this study cannot use: one of other
    columns, a path that cannot be a file, or (``--summary``) one without
    finished rows; and, for a run, for its ActiveFT cache folder (``cache``,
    ``--cache-dir``; None for :data:`CACHE`)."""
    problem = Q.path_problem(path, folder=False, write=not summary_only)
    if problem:
        parser.error(f"--results: {problem}; give --results a results file "
                     "(new or existing) in a folder you can write to")
    try:
        rows = read_rows(path)
        if not summary_only:
            Q.check_appendable(path, FIELDS, REQUIRED)
    except Q.ResultsFileError as exc:
        parser.error(f"{exc}; {RESULTS_FIX}")
    if summary_only and not rows:
        state = "has no finished row" if Path(path).exists() else "does not exist"
        parser.error(f"--summary: {path} {state}; give --results a results "
                     "file of this study, or run it first")
    if not summary_only:
        check_cache(parser, cache)


def check_cache(parser, folder=None):
    """A usage error, before any data is loaded, when the ActiveFT cache
    folder (``folder``, given by ``--cache-dir``; None for :data:`CACHE`)
    cannot be made or written: found only once the first selection was
    computed, minutes in."""
    if folder is not None:
        problem = Q.path_problem(folder)
        if problem:
            parser.error(f"--cache-dir: {problem}; give --cache-dir a folder "
                         "(new or existing) you can write to")
        return
    problem = Q.path_problem(CACHE)
    if problem:
        parser.error(f"{problem}: the studies' ActiveFT cache is {CACHE} "
                     "unless --cache-dir is given, whatever --results says; "
                     "give --cache-dir a folder you can write to (or make "
                     "that one writable)")


def add_cache_option(parser):
    """--cache-dir, the folder of the ActiveFT selections cached by the
    studies (:func:`cache_in`)."""
    parser.add_argument(
        "--cache-dir", type=Path, default=None,
        help="folder of the cached ActiveFT selections, shared by the "
        "studies, made if missing (default: benchmarks/results/cache)")


@contextlib.contextmanager
def cache_in(folder):
    """ActiveFT's selections (:func:`activeft`) cached in ``folder`` while
    the block runs; None leaves :data:`CACHE`."""
    global CACHE
    if folder is None:
        yield
        return
    # Set back after: a later run in the same process (the tests) without
    # --cache-dir uses the default again.
    default, CACHE = CACHE, Path(folder)
    try:
        yield
    finally:
        CACHE = default


def share_of(budget, n):
    """The share of a selection pool of ``n`` rows, with the fewest
    significant digits, whose budget (``int(n * share)``) is ``budget``;
    None when no share in (0, 1] of up to six digits gives it."""
    if not 0 < budget <= n:
        return None
    exponent = math.floor(math.log10(budget / n))
    for digits in range(1, 7):
        scale = 10.0 ** (digits - 1 - exponent)
        # Rounded, then up: budget / n itself may fall just below the share.
        for count in (round(budget / n * scale), math.ceil(budget / n * scale)):
            share = count / scale
            if 0 < share <= 1 and int(n * share) == budget:
                return share
    return None


def check_same_split(ds, rows, results, val_seed, n, fractions=FRACTIONS,
                     fix=None, option="--fractions"):
    """Stop unless the rows of ``ds`` already in ``results`` were measured
    on the pool loaded, ``ds``, and the validation split ``val_seed``;
    resumed, rows of another pool or split would be kept as the loaded
    one's, their key (dataset, config, budget, seed) being the same.

    The pool and split recorded beside the results file (as
    ``quality.py`` records its pools, ``<stem>_pools.jsonl``) decide;
    rows written before they were recorded are checked by their budgets,
    which must be shares (:data:`FRACTIONS` and ``fractions``) of the
    selection pool of ``n`` rows (their split's seed is in no row, and is
    not checked).  Rows that check out have the pool and split recorded.
    ``fix``, the end of the message, says what to do instead (by default:
    another ``--results``, or the data folder and ``--val-seed`` of the
    rows).  ``option`` names what measures rows at other shares (the
    run's own ``--fractions`` by default), for the message on rows whose
    budget is another share of the selection pool.

    Returns
    -------
    record : dict
        The pool and split loaded, for ``quality.record_pool``.
    """
    current = {**Q.pool_record(ds), "val_seed": int(val_seed),
               "val_size": VAL_SIZE}
    mine = [row for row in rows if row["dataset"] == ds.name]
    if not mine:
        return current
    shares = sorted(set(FRACTIONS) | set(fractions))
    budgets = [int(n * share) for share in shares]

    def wrong():
        given = (f"{', '.join(map(str, budgets))} "
                 f"({', '.join(f'{100 * share:g}' for share in shares)} %)")
        problems = []
        for budget in {int(row["budget"]) for row in mine} - set(budgets):
            problem = (f"budget {budget} where the selection pool loaded "
                       f"({n} rows) gives {given}")
            share = share_of(budget, n)
            if share is not None:
                # Rows of this pool, measured at a share not given this
                # time, would otherwise read as rows of another pool.
                problem += (f" ({budget} is {share:g} of it: rows measured "
                            f"at {option} {share:g} are resumed only with "
                            "that share given again)")
            problems.append(problem)
        return problems

    Q.check_pool(results, current, wrong, fix or (
        "give --results a results file of its own (a new one), or the data "
        "folder and --val-seed those rows were measured with"))
    Q.record_pool(results, current)
    return current


def report_skipped(n_skipped, path):
    if n_skipped:
        print(f"{n_skipped} run(s) already in {path}, not run again (give "
              "--results another file to measure afresh)", flush=True)


def _pick(name, X, budget, seed, config, n_cores, rm, metric):
    """The indices a candidate selects from the selection pool X."""
    if config == "random":
        return RandomSelector(budget, random_state=seed).fit(X).selected_indices_
    if config == "activeft":
        return activeft(name, X, budget, seed)
    sampler = BiLAFSampler(budget, core_selector=activeft(name, X, n_cores, seed),
                           denoiser=_CachedIDC(removal_rate=rm), metric=metric,
                           random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sampler.fit(X).selected_indices_


def load(name, data_dirs=None):
    """A dataset by name (``quality.LOADERS``), from ``data_dirs[name]`` when
    given; None, with a message, when its data are missing."""
    folder = (data_dirs or {}).get(name)
    try:
        return Q.LOADERS[name]() if folder is None else Q.LOADERS[name](folder)
    except Q.DatasetUnavailable as exc:
        print(f"[{name}] skipped: {exc}", flush=True)
        return None


def run(names, seeds, pool_fracs, ratios, rms, metrics, results=None,
        data_dirs=None, val_seed=VAL_SEED):
    """Run the missing rows; return the names of the datasets skipped for
    missing data."""
    results = RESULTS if results is None else results
    rows = read_rows(results)
    done = {(r["dataset"], r["config"], r["budget"], r["seed"]) for r in rows}
    n_skipped = 0
    missing = []
    for name in names:
        ds = load(name, data_dirs)
        if ds is None:
            missing.append(name)
            continue
        X, y, Xv, yv = split(ds, val_seed)
        n = X.shape[0]
        # Pools read from another folder may have another size than the
        # protocol's, checked before loading.
        problem = too_small("--pool-fracs", pool_fracs, 1, CORE_COUNTS, name, n)
        if problem:
            raise Q.UsageError(problem)
        pool = check_same_split(ds, rows, results, val_seed, n,
                                option="quality_ideas.py's --fractions")
        print(f"{name}: selection pool {n}, validation {Xv.shape[0]}", flush=True)
        for seed in seeds:
            for frac in FRACTIONS:
                budget = int(n * frac)
                plans = [("random", "", None, None), ("activeft", budget, None, None)]
                cores = [(f"f{f}", int(n * f)) for f in pool_fracs
                         if int(n * f) < budget]
                cores += [(f"r{r}", max(1, round(budget * r))) for r in ratios]
                plans += [(f"{tag}-rm{rm}-{metric}", k, rm, metric)
                          for tag, k in cores for metric in metrics for rm in rms]
                for config, n_cores, rm, metric in plans:
                    key = (name, config, str(budget), str(seed))
                    if key in done:
                        n_skipped += 1
                        continue
                    # Marked before the run: a seed, share or removal rate
                    # given twice would otherwise add the row twice.
                    done.add(key)
                    tic = time.time()
                    idx = _pick(name, X, budget, seed, config, n_cores, rm, metric)
                    acc = score(X, y, Xv, yv, idx)
                    append_row(dict(dataset=name, config=config, budget=budget,
                                seed=seed, n_cores=n_cores, acc=f"{acc:.5f}",
                                seconds=f"{time.time() - tic:.1f}"), results,
                               pool=pool)
                    print(f"{name} B={budget} seed {seed} {config}: {acc:.4f}",
                          flush=True)
    report_skipped(n_skipped, results)
    return missing


def summary(results=None):
    rows = read_rows(results)
    table, seen = {}, set()
    for r in rows:
        run_key = (r["dataset"], r["config"], r["budget"], r["seed"])
        if run_key in seen:
            # Two runs into one file at once measure the same row; counted
            # twice, it would be a second seed.
            continue
        seen.add(run_key)
        table.setdefault((r["dataset"], r["config"], int(r["budget"])), []).append(
            float(r["acc"]))
    if len(seen) < len(rows):
        print(f"{RESULTS if results is None else results}: "
              f"{len(rows) - len(seen)} duplicate row(s) of the same dataset, "
              "config, budget and seed ignored (the first is kept)", flush=True)
    for key in sorted(table):
        values = np.array(table[key]) * 100
        print(f"{key[0]:14} {key[1]:28} {key[2]:6} {values.mean():6.2f} "
              f"(n={values.size}: {', '.join(f'{v:.2f}' for v in values)})")


def number_type(kind, low, high, closed_low=False, closed_high=True):
    """An argparse type: a ``kind`` between ``low`` and ``high`` (None: no
    upper bound), each end included or not, else a usage error."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {'an integer' if kind is int else 'a number'}"
            ) from None
        above = value >= low if closed_low else value > low
        below = (high is None or
                 (value <= high if closed_high else value < high))
        if not (above and below):
            interval = (f"{'[' if closed_low else '('}{low}, "
                        + ("inf)" if high is None else
                           f"{high}{']' if closed_high else ')'}"))
            raise argparse.ArgumentTypeError(f"must be in {interval}, got {text}")
        return value
    return parse


SEED = number_type(int, 0, Q.MAX_SEED, closed_low=True)
SHARE = number_type(float, 0, 1)


def add_data_options(parser, default_datasets, choices=None):
    """--datasets (quality.py's names, or ``choices``) and the data folders,
    as quality.py."""
    parser.add_argument("--datasets", nargs="+",
                        choices=list(Q.LOADERS if choices is None else choices),
                        default=None,
                        help=f"default: {' '.join(default_datasets)} (asked "
                        "for by name, missing data are an error; by default "
                        "they are skipped)")
    add_folder_options(parser)


def add_folder_options(parser):
    """The data folders, with quality.py's names and help: every script
    that reads the data takes them, as their missing-data messages say."""
    parser.add_argument("--wordnet-dir", type=Path, default=None,
                        help=f"WordNet embeddings (default {Q.WORDNET_DIR})")
    parser.add_argument("--fashion-mnist-dir", type=Path, default=None,
                        help=f"Fashion-MNIST .gz files (default {Q.FASHION_DIR})")


def data_options(args, default_datasets):
    """Fill in the default datasets; return whether any was asked for by
    name, and the data folders by dataset."""
    requested = args.datasets is not None
    args.datasets = args.datasets or list(default_datasets)
    return requested, {"wordnet": args.wordnet_dir,
                       "fashion-mnist": args.fashion_mnist_dir}


def add_split_options(parser, default_results):
    """--val-seed and --results; :func:`split_options` resolves them."""
    parser.add_argument(
        "--val-seed", type=SEED, default=VAL_SEED,
        help=f"seed of the validation split (default {VAL_SEED}, the split of "
        "the recorded choices); another seed draws a second split, to judge a "
        "choice with less noise")
    parser.add_argument(
        "--results", type=Path, default=None,
        help="results file, appended to and resumed from (default: "
        f"benchmarks/results/{default_results.name}, or "
        f"{default_results.stem}_val<seed>.csv for another --val-seed: rows of "
        "two splits never share a file by default)")


def split_options(args, default_results):
    """The results file of ``args``: the default one of its split unless
    ``--results`` was given."""
    if args.results is None:
        args.results = (default_results if args.val_seed == VAL_SEED else
                        default_results.with_name(
                            f"{default_results.stem}_val{args.val_seed}"
                            f"{default_results.suffix}"))
    return args.results


def refuse_ignored(parser, args, mode, does, names):
    """A usage error naming the options among ``names`` (``args``
    attributes, None or False unless given) that ``mode`` would ignore
    without a word."""
    given = ["--" + name.replace("_", "-") for name in names
             if getattr(args, name) not in (None, False)]
    if given:
        parser.error(f"{mode} {does}; drop {' and '.join(given)} (or run "
                     f"without {mode})")


def fill_defaults(args, **defaults):
    """Set each option left at None to its default."""
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)


DATASETS = ("fashion-mnist", "wordnet")


@Q.exits_on_sigterm
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_options(parser, DATASETS)
    # Defaults None until parsed (filled in by fill_defaults), so that
    # --summary can tell the options of a run given.
    parser.add_argument("--seeds", nargs="+", type=SEED, default=None,
                        help="default: 0")
    parser.add_argument("--pool-fracs", nargs="*", type=SHARE, default=None,
                        help="candidate K = f * N, shares of the selection "
                        "pool (default: 0.005 0.01 0.02)")
    parser.add_argument("--ratios", nargs="*", type=SHARE, default=None,
                        help="candidate K = r * B, shares of the budget")
    parser.add_argument("--rms", nargs="+", default=None,
                        type=number_type(float, 0, 1, closed_low=True,
                                         closed_high=False),
                        help="IDC removal rates, in [0, 1) (default: 0.1)")
    parser.add_argument("--metrics", nargs="+", default=None,
                        choices=["euclidean", "cosine"],
                        help="default: euclidean")
    add_split_options(parser, RESULTS)
    add_cache_option(parser)
    parser.add_argument("--summary", action="store_true",
                        help="only print the table of the results file")
    args = parser.parse_args(argv)
    if args.summary:
        refuse_ignored(parser, args, "--summary", "prints the whole results "
                       "file and runs nothing",
                       ["datasets", "wordnet_dir", "fashion_mnist_dir", "seeds",
                        "pool_fracs", "ratios", "rms", "metrics", "cache_dir"])
    fill_defaults(args, seeds=[0], pool_fracs=[0.005, 0.01, 0.02], ratios=[],
                  rms=[0.1], metrics=["euclidean"])
    requested, folders = data_options(args, DATASETS)
    split_options(args, RESULTS)
    check_results(parser, args.results, args.summary, args.cache_dir)
    if not args.summary:
        # The budgets are 1 % and more of the pool; the core counts K could
        # be none.
        check_shares(parser, "--pool-fracs", args.pool_fracs, 1, CORE_COUNTS,
                     args.datasets)
    missing = []
    with results_file_errors(parser):
        if not args.summary:
            with cache_in(args.cache_dir):
                missing = run(args.datasets, args.seeds, args.pool_fracs,
                              args.ratios, args.rms, args.metrics,
                              args.results, folders, args.val_seed)
        summary(args.results)
    # Data asked for by name but missing is an error, as in quality.py.
    return 1 if requested and missing else 0


if __name__ == "__main__":
    from _stdout import exit_status

    sys.exit(exit_status(main))
