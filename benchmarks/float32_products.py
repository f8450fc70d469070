"""What float32 within-class products would gain, and what they would cost.

The engine computes every pseudo-class's distances from float64 products
(``sklearn_bilaf._distances.within_distances``).  This script measures, on
the synthetic pools of ``bench_engine.py``, the case for float32 products
with exact float64 re-checks of the decisions they could get wrong:

* the time of the lower-triangle products of all classes, float64 against
  float32 (one BLAS thread, best of ``--repeats``);
* on the largest class, the observed error of float32 distances against the
  engine's float64 ones, the rigorous worst-case bound of each pair
  (``d u (|a|^2 + |b|^2) / D`` for the product, plus the rounding of the
  inputs and of the result), and how many members fall within that margin
  of the decisions IDC and the boundary stage take: the first ring's cut
  (distance to the core), a density cut (mean of the 10 smallest distances)
  and the smallest inside distance (two values are in doubt when they are
  within twice the margin of each other).

    python benchmarks/float32_products.py            # K = 50, as on the page
    python benchmarks/float32_products.py --cores 250
"""

import argparse
import sys
import time

import numpy as np
from bench_engine import _positive_int, clustered_pool
from threadpoolctl import threadpool_limits

from sklearn_bilaf._distances import within_distances
from sklearn_bilaf.pseudo_classes import assign_pseudo_classes


def lower_products(rows, dtype):
    """The lower triangle of ``rows @ rows.T`` in row blocks, as the engine."""
    rows = rows.astype(dtype)
    n = rows.shape[0]
    G = np.empty((n, n), dtype=dtype)
    for start in range(0, n, 256):
        stop = min(n, start + 256)
        np.matmul(rows[start:stop], rows[:stop].T, out=G[start:stop, :stop])
    return G


def time_products(classes, repeats):
    best = {}
    for _ in range(repeats):
        for dtype in (np.float64, np.float32):
            tic = time.process_time()
            for rows in classes:
                lower_products(rows, dtype)
            seconds = time.process_time() - tic
            best[dtype] = min(best.get(dtype, np.inf), seconds)
    return best[np.float64], best[np.float32]


def error_analysis(rows):
    n, d = rows.shape
    core = int(np.flatnonzero(~rows.any(axis=1))[0])  # shifted to zero
    exact = within_distances(rows, np.zeros(d), "euclidean")
    single = rows.astype(np.float32)
    sq = np.einsum("ij,ij->i", single.astype(np.float64), single.astype(np.float64))
    G = (single @ single.T).astype(np.float64)
    approx = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * G, 0.0))
    approx = approx.astype(np.float32).astype(np.float64)
    off = ~np.eye(n, dtype=bool)
    error = np.abs(approx - exact)[off]
    u = 2.0**-24
    gamma = d * u / (1 - d * u)
    norms = np.sqrt(sq)
    bound = (2 * gamma * (sq[:, None] + sq[None, :]) / np.maximum(approx, 1e-300)
             + u * (norms[:, None] + norms[None, :]) + u * approx)[off]
    q = max(1, n // 10)
    to_core = np.sort(exact[core])
    nn_mean = np.sort(exact + np.diag(np.full(n, np.inf)),
                      axis=1)[:, :DENSITY_NEIGHBOURS].mean(axis=1)
    ordered = np.sort(nn_mean)
    inside = exact.mean(axis=1)
    result = dict(n=n, min_distance=exact[off].min(), max_distance=exact[off].max(),
                  max_error=error.max(), median_error=np.median(error),
                  error_within_bound=bool(np.all(error <= bound)), margins={})
    for name, margin in (("median bound", np.median(bound)),
                         ("max bound", bound.max())):
        ring_cut = (to_core[q - 1] + to_core[q]) / 2
        density_cut = (ordered[q - 1] + ordered[q]) / 2
        result["margins"][name] = dict(
            margin=margin,
            ring_cut=int(np.sum(np.abs(to_core - ring_cut) < 2 * margin)),
            density_cut=int(np.sum(np.abs(nn_mean - density_cut) < 2 * margin)),
            inside_min=int(np.sum(inside - inside.min() < 2 * margin)) - 1,
        )
    return result


def report(result):
    print(f"largest class: {result['n']} members, distances "
          f"{result['min_distance']:.2f}-{result['max_distance']:.2f}")
    print(f"float32 error: max {result['max_error']:.2g}, median "
          f"{result['median_error']:.2g} (every pair within its bound: "
          f"{result['error_within_bound']})")
    for name, m in result["margins"].items():
        print(f"{name} {m['margin']:.2g}: members that close to the first ring's "
              f"cut {m['ring_cut']}, to a density cut {m['density_cut']}, to the "
              f"smallest inside distance (other than its own) {m['inside_min']}")

N_SAMPLES = 50_000
#: The density cut's neighbours: the mean of a member's 10 smallest
#: distances to the others of its class.
DENSITY_NEIGHBOURS = 10


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=_positive_int, default=50,
                        help="K, random cores of the 50,000-row pool, at "
                        "most 4,999 (default: 50)")
    parser.add_argument("--repeats", type=_positive_int, default=3,
                        help="timings of the products, the best kept "
                        "(default: 3)")
    args = parser.parse_args(argv)
    if args.cores > N_SAMPLES:
        parser.error(f"argument --cores: at most the pool's {N_SAMPLES:,} "
                     f"rows, got {args.cores}")
    # The density cut averages a member's 10 nearest others, so the class
    # analysed (the largest, at least N / K members) needs 11 members: sure
    # only while N > 10 K.
    most = (N_SAMPLES - 1) // DENSITY_NEIGHBOURS
    if args.cores > most:
        parser.error(f"argument --cores: at most {most:,} (below {N_SAMPLES:,} "
                     f"rows / {DENSITY_NEIGHBOURS}: the largest class must have "
                     f"{DENSITY_NEIGHBOURS + 1} members for the density cut, "
                     f"the mean of a member's {DENSITY_NEIGHBOURS} smallest "
                     f"distances), got {args.cores}")
    X = clustered_pool(N_SAMPLES)
    cores = np.sort(np.random.default_rng(1).choice(X.shape[0], args.cores,
                                                    replace=False))
    labels = assign_pseudo_classes(X, cores)
    # Rows shifted to their core, as the engine shifts them.
    classes = [X[labels == c].astype(np.float64) - X[core]
               for c, core in enumerate(cores)]
    with threadpool_limits(1):
        f64, f32 = time_products(classes, args.repeats)
    print(f"K = {args.cores}: lower-triangle products of all classes, one core: "
          f"float64 {f64:.2f} s, float32 {f32:.2f} s")
    report(error_analysis(max(classes, key=len)))


if __name__ == "__main__":
    from _stdout import exit_status

    sys.exit(exit_status(main))
