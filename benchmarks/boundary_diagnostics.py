"""Why boundary samples do not pay off here: label-based diagnostics (issue 6).

Issue 6 asks *why* BiLAF's boundary samples help or hurt on these pools.
This script reads the true labels **after** each selection, only to
describe the picks (no choice of the library depends on it), on the first
validation split of ``quality_validation.py`` (20 % of each pool held out
with ``random_state=6``; the test splits are not read).  For each pool,
seed and budget (1, 2 and 5 % of the selection pool) it compares

* ``bilaf-f<f>``: BiLAF with the paper's stages and K = f * N ActiveFT cores
  (f = 0.5 %, the paper's setting, and 2 %, for budgets above it), split
  into its cores and its boundary samples;
* ``activeft``: ActiveFT with K = B, the same labels spent on more cores
  (what the library's default does up to 5 % of the pool);
* ``random``: B rows drawn uniformly.

and writes one row per (dataset, method, budget, seed, part) to
``results/boundary_diagnostics.csv``, where ``part`` is ``all``, ``cores``
or ``boundary``:

``acc``
    validation accuracy of the protocol's probe trained on the picks of
    that part (for ``cores``, the K cores alone: what the B - K boundary
    labels add is ``acc(all) - acc(cores)``);
``knn_disagree``
    mean share of a pick's 10 nearest selection-pool rows whose label
    differs from the pick's (how ambiguous the picks' neighbourhoods are;
    for the pool as a whole it is ``pool_knn_disagree``);
``core_cross``
    share of the boundary samples whose label differs from their
    pseudo-class core's (``quality.bilaf_diagnostics``);
``class_border``
    share of the boundary samples whose pseudo-class and nearest other
    pseudo-class (the one of the second-nearest core) have different
    majority labels: the pseudo-class border they sit on is a border
    between true classes;
``pool_core_cross`` and ``pool_class_border``
    the same two shares for 5,000 rows drawn uniformly from the pool (its
    cores left out): what they would be if boundary samples were drawn
    without regard to borders;
``pseudo_purity``
    share of the pool whose label is its pseudo-class's majority label;
``classes_per_pseudo`` and ``pseudo_per_class``
    K over the number of classes, and the mean number of pseudo-classes
    whose majority is a given class (over the classes that have one);
``coverage``
    mean distance of a selection-pool row to its nearest pick (lower: the
    picks cover the pool more closely);
``class_tv``
    total-variation distance between the picks' label shares and the
    pool's (0: the pool's proportions; 1: disjoint).

The data are read as ``quality.py`` reads them (``--wordnet-dir``,
``--fashion-mnist-dir`` for folders other than its defaults); a dataset
whose data are missing is skipped, or, asked for with ``--datasets``, an
error (exit status 1).  Usage, from the repository root::

    python3 benchmarks/boundary_diagnostics.py                # both pools
    python3 benchmarks/boundary_diagnostics.py --datasets fashion-mnist --seeds 0
    python3 benchmarks/boundary_diagnostics.py --summary      # every mean
    python3 benchmarks/boundary_diagnostics.py --rst          # the page's table
    # quality_ideas.py's coarse0.2 (boundary samples between coarse groups):
    python3 benchmarks/boundary_diagnostics.py --coarse 0.2 --datasets fashion-mnist

Resumable: rows already in the results file are not run again, if
measured on the same pool: each dataset's pool and split are recorded
beside the file, as ``quality_validation.py`` records them, and a run on
another pool stops instead of resuming from its rows.  ActiveFT's
selections are cached as ``quality_validation.py`` caches them, in
``results/cache/`` (``--cache-dir`` for another folder).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import quality as Q  # noqa: E402
import quality_ideas as I  # noqa: E402
import quality_validation as V  # noqa: E402

from sklearn_bilaf import BiLAFSampler  # noqa: E402
from sklearn_bilaf.core import RandomSelector  # noqa: E402

RESULTS = HERE / "results" / "boundary_diagnostics.csv"
DATASETS = ("fashion-mnist", "wordnet")
CORE_FRACTIONS = (0.005, 0.02)
N_NEIGHBOURS = 10
FIELDS = ["dataset", "method", "budget", "seed", "n_cores", "part", "n_picks",
          "acc", "knn_disagree", "core_cross", "class_border",
          "pool_core_cross", "pool_class_border", "pseudo_purity",
          "pseudo_per_class", "coverage", "class_tv", "pool_knn_disagree",
          "seconds"]
REQUIRED = ("dataset", "method", "budget", "seed", "part", "n_picks")


class Pool:
    """The selection pool of one dataset's first validation split, with
    what every diagnostic needs computed once."""

    def __init__(self, ds):
        from sklearn.neighbors import NearestNeighbors

        self.name = ds.name
        self.X, self.y, self.Xv, self.yv = V.split(ds)
        self.n_classes = ds.n_classes
        self.shares = np.bincount(self.y, minlength=self.n_classes) / self.y.size
        self.index = NearestNeighbors(n_neighbors=N_NEIGHBOURS + 1).fit(self.X)
        self.pool_knn_disagree = float(self.knn_disagree(
            np.random.default_rng(0).choice(self.y.size, min(5000, self.y.size),
                                            replace=False)))

    def knn_disagree(self, picks):
        """Mean share of each pick's nearest rows (itself left out) whose
        label differs from its own."""
        if picks.size == 0:
            return float("nan")
        neighbours = self.index.kneighbors(self.X[picks], return_distance=False)
        neighbours = neighbours[:, 1:]
        return float(np.mean(self.y[neighbours] != self.y[picks][:, None]))

    def coverage(self, picks):
        from sklearn.metrics import pairwise_distances_argmin_min

        return float(np.mean(pairwise_distances_argmin_min(
            self.X, self.X[picks])[1]))

    def class_tv(self, picks):
        shares = np.bincount(self.y[picks], minlength=self.n_classes) / picks.size
        return float(0.5 * np.abs(shares - self.shares).sum())

    def accuracy(self, picks):
        return V.score(self.X, self.y, self.Xv, self.yv, picks)


def pseudo_class_diagnostics(pool, sampler, core_groups=None):
    """The label-based diagnostics of a fitted BiLAFSampler's pseudo-classes
    and boundary samples.

    ``sampler``: anything with the sampler's ``labels_``, ``core_indices_``
    and ``selected_indices_``.  ``core_groups``: the group of each core (by
    rank, as ``labels_`` numbers them) when the boundary samples were picked
    between groups of cores (``quality_ideas.py``'s ``coarse<s>``); then
    "pseudo-class" reads "group" for ``class_border``, ``pseudo_purity``
    and ``pseudo_per_class`` -- a row's group is its core's, its nearest
    other group that of its nearest core outside the group -- while
    ``core_cross`` stays against the row's own core.  None: each core is a
    group of its own, the sampler's pseudo-classes.
    """
    y, labels, cores = pool.y, sampler.labels_, sampler.core_indices_
    core_groups = (np.arange(cores.size) if core_groups is None
                   else np.asarray(core_groups))
    groups = core_groups[labels]
    table = np.zeros((core_groups.max() + 1, pool.n_classes), dtype=np.int64)
    np.add.at(table, (groups, y), 1)
    majority = table.argmax(axis=1)
    picks = sampler.selected_indices_
    boundary = picks[~np.isin(picks, cores)]
    out = {
        "pseudo_purity": table.max(axis=1).sum() / y.size,
        "pseudo_per_class": table.shape[0] / np.unique(majority).size,
        "core_cross": float("nan"),
        "class_border": float("nan"),
    }
    def shares(rows):
        """(core_cross, class_border) of some rows."""
        from sklearn.metrics import pairwise_distances

        cross = float(np.mean(y[rows] != y[cores][labels[rows]]))
        # The nearest other pseudo-class of a row: that of its nearest core
        # outside its own group (its own core alone when each core is a
        # group; few rows: a dense block is small).
        dist = pairwise_distances(pool.X[rows], pool.X[cores])
        dist[core_groups[None, :] == groups[rows][:, None]] = np.inf
        other = core_groups[dist.argmin(axis=1)]
        return cross, float(np.mean(majority[groups[rows]] != majority[other]))

    if boundary.size:
        out["core_cross"], out["class_border"] = shares(boundary)
    others = np.setdiff1d(np.arange(y.size), cores)
    drawn = np.random.default_rng(0).choice(others, min(5000, others.size),
                                            replace=False)
    out["pool_core_cross"], out["pool_class_border"] = shares(drawn)
    return out


def rows_for(pool, method, budget, seed, picks, seconds, n_cores="",
             parts=None, extra=None):
    """One row per part of a selection (``parts``: name -> picks)."""
    parts = {"all": picks, **(parts or {})}
    rows = []
    for part, idx in parts.items():
        idx = np.asarray(idx)
        row = dict(dataset=pool.name, method=method, budget=budget, seed=seed,
                   n_cores=n_cores, part=part, n_picks=idx.size,
                   pool_knn_disagree=f"{pool.pool_knn_disagree:.4f}",
                   seconds=f"{seconds:.1f}")
        row["knn_disagree"] = f"{pool.knn_disagree(idx):.4f}"
        if part != "boundary":
            # The boundary samples alone: too few classes for some probes,
            # and not a selection anyone would label.
            row["acc"] = f"{pool.accuracy(idx):.5f}"
            row["coverage"] = f"{pool.coverage(idx):.4f}"
        else:
            row["acc"] = ""
            row["coverage"] = ""
        row["class_tv"] = f"{pool.class_tv(idx):.4f}"
        for key, value in (extra or {}).items():
            row[key] = f"{value:.4f}"
        rows.append(row)
    return rows


def _done_rows(results):
    """The rows already in ``results``, and their (dataset, method, budget,
    seed) keys."""
    rows = Q.read_rows(results, FIELDS, REQUIRED)
    return rows, {(r["dataset"], r["method"], r["budget"], r["seed"])
                  for r in rows}


def _pools(names, data_dirs, missing, results, rows, fractions=V.FRACTIONS,
           option="--coarse with --fractions"):
    """``(name, Pool, record)`` of each dataset found, once its rows in
    ``results`` are found to be of its pool and of the first validation
    split (``quality_validation.check_same_split``; ``record`` is what
    ``quality.record_pool`` records, ``option`` what measures rows at
    other shares); the names of those not found are appended to
    ``missing``."""
    for name in names:
        ds = V.load(name, data_dirs)
        if ds is None:
            missing.append(name)
            continue
        # Before the pool's neighbours are computed: a refused pool costs
        # nothing more.
        # The split is always the first: no --val-seed to suggest.
        record = V.check_same_split(
            ds, rows, results, V.VAL_SEED, V.selection_size(ds.n_pool),
            fractions, "give --results a results file of its own (a new one), "
            "or the data folder those rows were measured on", option)
        yield name, Pool(ds), record


def run(names, seeds, results=RESULTS, data_dirs=None):
    """Run the missing rows; return the names of the datasets skipped for
    missing data.  ``data_dirs``: the data folder of a dataset
    (``quality.py``'s default when not given)."""
    existing, done = _done_rows(results)
    missing = []
    for name, pool, record in _pools(names, data_dirs, missing, results,
                                     existing):
        n = pool.X.shape[0]
        print(f"{name}: selection pool {n}, pool kNN disagreement "
              f"{pool.pool_knn_disagree:.3f}", flush=True)
        for seed in seeds:
            for frac in V.FRACTIONS:
                budget = int(n * frac)
                plans = ["random", "activeft"] + [
                    f"bilaf-f{f}" for f in CORE_FRACTIONS if int(n * f) < budget]
                for method in plans:
                    key = (name, method, str(budget), str(seed))
                    if key in done:
                        continue
                    # Marked before the run: a seed given twice would
                    # otherwise add the rows twice (two "seeds" in the means).
                    done.add(key)
                    tic = time.time()
                    if method == "random":
                        picks = RandomSelector(budget, random_state=seed).fit(
                            pool.X).selected_indices_
                        rows = rows_for(pool, method, budget, seed, picks,
                                        time.time() - tic)
                    elif method == "activeft":
                        picks = V.activeft(name, pool.X, budget, seed)
                        rows = rows_for(pool, method, budget, seed, picks,
                                        time.time() - tic, n_cores=budget)
                    else:
                        k = int(n * float(method.split("-f")[1]))
                        sampler = BiLAFSampler(
                            budget, core_selector=V.activeft(name, pool.X, k, seed),
                            random_state=seed)
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            sampler.fit(pool.X)
                        picks = sampler.selected_indices_
                        cores = sampler.core_indices_
                        rows = rows_for(
                            pool, method, budget, seed, picks, time.time() - tic,
                            n_cores=k,
                            parts={"cores": cores,
                                   "boundary": picks[~np.isin(picks, cores)]},
                            extra=pseudo_class_diagnostics(pool, sampler))
                    for row in rows:
                        Q.append_row(results, row, FIELDS, REQUIRED, pool=record)
                    print(f"{name} B={budget} seed {seed} {method}: "
                          f"acc {rows[0]['acc']}", flush=True)
    return missing


def run_coarse(names, seeds, share, fractions=V.FRACTIONS, results=RESULTS,
               data_dirs=None):
    """Rows of ``quality_ideas.py``'s ``coarse<share>`` (method
    ``coarse<share>``): its cores and its boundary samples between coarse
    groups of cores, with the group-level diagnostics
    (:func:`pseudo_class_diagnostics` with ``core_groups``); the same
    shares for the cores' own pseudo-classes are printed beside them.
    ``data_dirs`` and the names returned as in :func:`run`."""
    from types import SimpleNamespace

    method = f"coarse{share:g}"
    existing, done = _done_rows(results)
    missing = []
    for name, pool, record in _pools(names, data_dirs, missing, results,
                                     existing, fractions, "--fractions"):
        n = pool.X.shape[0]
        for seed in seeds:
            for frac in fractions:
                budget = int(n * frac)
                key = (name, method, str(budget), str(seed))
                if key in done:
                    continue
                # As in run: a seed or share given twice runs once.
                done.add(key)
                tic = time.time()
                picks, parts = I._coarse_boundary(pool.X, budget, seed, share)
                seconds = time.time() - tic
                fitted = SimpleNamespace(labels_=parts["labels"],
                                         core_indices_=parts["cores"],
                                         selected_indices_=picks)
                extra = pseudo_class_diagnostics(pool, fitted, parts["core_group"])
                fine = pseudo_class_diagnostics(pool, fitted)
                rows = rows_for(pool, method, budget, seed, picks, seconds,
                                n_cores=parts["cores"].size,
                                parts={"cores": parts["cores"],
                                       "boundary": parts["boundary"]},
                                extra=extra)
                for row in rows:
                    Q.append_row(results, row, FIELDS, REQUIRED, pool=record)
                print(f"{name} B={budget} seed {seed} {method}: acc "
                      f"{rows[0]['acc']}; class border of the boundary samples: "
                      f"groups {extra['class_border']:.3f} (pool rows "
                      f"{extra['pool_class_border']:.3f}), the cores' "
                      f"pseudo-classes {fine['class_border']:.3f} (pool rows "
                      f"{fine['pool_class_border']:.3f})", flush=True)
    return missing


def summary(results=RESULTS):
    """Means over seeds, one line per (dataset, budget, method, part)."""
    # Read as a run reads it: a new file (whose datasets were all missing)
    # has no rows, not a FileNotFoundError.
    rows = Q.read_rows(results, FIELDS, REQUIRED)
    groups = {}
    for r in rows:
        key = (r["dataset"], int(r["budget"]), r["method"], r["part"])
        groups.setdefault(key, []).append(r)
    columns = ["acc", "knn_disagree", "core_cross", "pool_core_cross",
               "class_border", "pool_class_border", "pseudo_purity",
               "pseudo_per_class", "coverage", "class_tv"]
    print("dataset budget method part seeds " + " ".join(columns))
    for key in sorted(groups):
        group = groups[key]
        values = []
        for column in columns:
            numbers = [float(r[column]) for r in group if r[column] not in ("", "nan")]
            values.append(f"{np.mean(numbers):.3f}" if numbers else "-")
        print(*key, len(group), *values)


def rst_table(results=RESULTS):
    """The benchmarks page's table: means over seeds, in %."""
    rows = Q.read_rows(results, FIELDS, REQUIRED)
    pools = {r["dataset"]: float(r["pool_knn_disagree"]) for r in rows}
    groups = {}
    for r in rows:
        key = (r["dataset"], int(r["budget"]), r["method"], r["part"])
        groups.setdefault(key, []).append(r)

    def mean(group, column, scale=100.0, digits=1):
        numbers = [float(r[column]) for r in group if r[column] not in ("", "nan")]
        return f"{scale * np.mean(numbers):.{digits}f}" if numbers else ""

    names = {("random", "all"): "Random", ("activeft", "all"): "ActiveFT (K = B)"}
    header = ["pool, budget", "picks", "acc.", "kNN disagr.", "core cross",
              "class border", "coverage", "class TV"]
    lines = []
    for dataset in ("wordnet", "fashion-mnist"):
        # The budgets of the table's own methods: a --coarse run at other
        # --fractions adds budgets it does not show, and would shift the
        # names given by position.
        budgets = sorted({k[1] for k in groups if k[0] == dataset and (
            k[2] in ("random", "activeft") or k[2].startswith("bilaf"))})
        pool_name = {"wordnet": "WordNet", "fashion-mnist": "F-MNIST"}[dataset]
        for i, budget in enumerate(budgets):
            label = f"{pool_name} {('1', '2', '5')[i]} %"
            methods = ["random", "activeft"] + sorted(
                {k[2] for k in groups if k[0] == dataset and k[1] == budget
                 and k[2].startswith("bilaf")})
            for method in methods:
                parts = ["all"] if not method.startswith("bilaf") else [
                    "all", "cores", "boundary"]
                for part in parts:
                    group = groups.get((dataset, budget, method, part))
                    if not group:
                        continue
                    if method.startswith("bilaf"):
                        f = float(method.split("-f")[1])
                        name = {"all": f"BiLAF, K = {100 * f:g} %",
                                "cores": "its cores alone",
                                "boundary": "its boundary samples"}[part]
                    else:
                        name = names[(method, part)]
                    cross = border = ""
                    if part == "boundary":
                        cross = (f"{mean(group, 'core_cross')} "
                                 f"({mean(group, 'pool_core_cross')})")
                        border = (f"{mean(group, 'class_border')} "
                                  f"({mean(group, 'pool_class_border')})")
                    lines.append([label, name, mean(group, "acc"),
                                  mean(group, "knn_disagree"), cross, border,
                                  mean(group, "coverage", 1.0, 3),
                                  mean(group, "class_tv")])
    widths = [max(len(header[j]), *(len(line[j]) for line in lines))
              for j in range(len(header))]
    rule = "  ".join("=" * w for w in widths)

    def joined(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))

    out = [rule, joined(header).rstrip(), rule]
    out += [joined(line).rstrip() for line in lines]
    out.append(rule)
    print("\n".join(out))
    print("pool kNN disagreement (%): " + ", ".join(
        f"{name} {100 * value:.1f}" for name, value in pools.items()))


#: What to do about a results file (or a file beside it) that cannot be used.
RESULTS_FIX = "give --results a results file of this script (or a new one)"


def check_results(parser, path, printing, cache=None):
    """Usage errors, before any data is loaded, for a results file this
    script cannot use: a folder, a file of other columns, or (``printing``:
    the option that only prints it) one without finished rows; and, for a
    run, for its ActiveFT cache folder (``cache``, ``--cache-dir``)."""
    problem = Q.path_problem(path, folder=False, write=printing is None)
    if problem:
        parser.error(f"--results: {problem}; give --results a results file "
                     "(new or existing) in a folder you can write to")
    try:
        rows = Q.read_rows(path, FIELDS, REQUIRED)
        if printing is None:
            Q.check_appendable(path, FIELDS, REQUIRED)
    except Q.ResultsFileError as exc:
        parser.error(f"{exc}; {RESULTS_FIX}")
    if printing and not rows:
        state = "has no finished row" if Path(path).exists() else "does not exist"
        parser.error(f"{printing}: {path} {state}; give --results a results "
                     "file of this script, or run it first")
    if printing is None:
        V.check_cache(parser, cache)


@Q.exits_on_sigterm
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    V.add_data_options(parser, DATASETS, choices=DATASETS)
    # Defaults None until parsed (filled in below), so that --summary and
    # --rst can tell the options of a run given.
    parser.add_argument("--seeds", nargs="+", type=V.SEED, default=None,
                        help="default: 0 1 2")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="results file, appended to and resumed from "
                        f"(default: benchmarks/results/{RESULTS.name})")
    parser.add_argument("--summary", action="store_true",
                        help="print the means of the results file and stop")
    # quality_ideas.py's coarse<s>: a share of the budget, below 1 (at 1 no
    # core would be left).
    parser.add_argument("--coarse", type=V.number_type(float, 0, 1,
                                                       closed_high=False),
                        default=None, metavar="SHARE",
                        help="run only quality_ideas.py's coarse<SHARE> "
                        "(boundary samples between coarse groups of cores)")
    # Default None until parsed, so that a --fractions the run would
    # ignore can be told given.
    parser.add_argument("--fractions", nargs="+", type=V.SHARE, default=None,
                        help="budgets as shares of the selection pool, with "
                        f"--coarse (default: {' '.join(map(str, V.FRACTIONS))})")
    parser.add_argument("--rst", action="store_true",
                        help="print the benchmarks page's table and stop")
    V.add_cache_option(parser)
    args = parser.parse_args(argv)
    run_options = ["datasets", "wordnet_dir", "fashion_mnist_dir", "seeds",
                   "coarse", "fractions", "cache_dir"]
    if args.rst:
        V.refuse_ignored(parser, args, "--rst", "prints the benchmarks page's "
                         "table of the whole results file and runs nothing",
                         ["summary", *run_options])
    elif args.summary:
        V.refuse_ignored(parser, args, "--summary", "prints the whole results "
                         "file and runs nothing", run_options)
    check_results(parser, args.results, "--rst" if args.rst else
                  "--summary" if args.summary else None, args.cache_dir)
    if args.fractions is not None and args.coarse is None:
        # The default run's budgets are the validation study's 1, 2 and 5 %:
        # its bilaf-f<f> plans and the page's table (--rst, which names the
        # budgets by position) assume them.
        parser.error("--fractions sets the budgets of --coarse only (the "
                     "other diagnostics run at 1, 2 and 5 % of the selection "
                     "pool); drop --fractions or add --coarse SHARE")
    if args.fractions is None:
        args.fractions = list(V.FRACTIONS)
    if args.coarse is not None:
        V.check_shares(parser, "--fractions", args.fractions, V.MIN_BUDGET,
                       V.BUDGETS, args.datasets or DATASETS)
    if args.rst:
        rst_table(args.results)
        return 0
    V.fill_defaults(args, seeds=[0, 1, 2])
    requested, folders = V.data_options(args, DATASETS)
    missing = []
    with V.results_file_errors(parser, RESULTS_FIX):
        with V.cache_in(args.cache_dir):
            if args.coarse is not None:
                missing = run_coarse(args.datasets, args.seeds, args.coarse,
                                     args.fractions, args.results, folders)
            elif not args.summary:
                missing = run(args.datasets, args.seeds, args.results,
                              folders)
        summary(args.results)
    # Data asked for by name but missing is an error, as in quality.py.
    return 1 if requested and missing else 0


if __name__ == "__main__":
    from _stdout import exit_status

    sys.exit(exit_status(main))
