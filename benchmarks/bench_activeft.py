"""Time ActiveFT core selection on synthetic clustered float32 pools.

The goal (issue 3) on 2 CPU cores: a 50,000 x 384 float32 pool, 300
full-batch iterations, under 8 s with K = 50 and under 30 s with K = 250.

Run from the repository root::

    python3 benchmarks/bench_activeft.py            # the full table
    python3 benchmarks/bench_activeft.py --quick    # a small smoke run

Timings are only meaningful on an otherwise idle machine; the load average is
printed with the table so that a busy run can be recognised, and the CPU time
of the process is shown beside the wall time (on an idle machine with T
threads, wall time is close to CPU time / T).
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

# Time the checkout this script belongs to, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn_bilaf._threads import blas_threads  # noqa: E402
from sklearn_bilaf.core import ActiveFTSelector  # noqa: E402

# The benchmarks' shared argument type, from this folder (on sys.path when
# run as a script; added for runpy and importers).
sys.path.insert(1, str(Path(__file__).resolve().parent))
from bench_engine import _positive_int  # noqa: E402


def clustered_pool(n_samples, n_features, n_clusters=100, seed=0):
    """Unit-norm float32 rows around random directions, clusters of mixed size."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_clusters, n_features))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    weights = rng.dirichlet(np.full(n_clusters, 2.0))
    labels = rng.choice(n_clusters, size=n_samples, p=weights)
    X = centres[labels] + rng.standard_normal((n_samples, n_features)) * (
        0.6 / np.sqrt(n_features)
    )
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="10,000 rows and 30 iterations instead of the full run")
    parser.add_argument("--repeats", type=_positive_int, default=1,
                        help="runs per setting; the fastest is reported")
    args = parser.parse_args(argv)

    n_samples, n_features, max_iter = 50_000, 384, 300
    settings = [(50, 8.0), (250, 30.0)]
    if args.quick:
        n_samples, max_iter = 10_000, 30

    X = clustered_pool(n_samples, n_features)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"pool {n_samples} x {n_features} float32, {max_iter} full-batch "
          f"iterations; {os.cpu_count()} CPUs ({platform.processor() or 'cpu'}), "
          f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{blas_threads()} threads")
    print(f"{'K':>5} {'seconds':>9} {'ms/iter':>9} {'CPU s':>7} {'goal s':>7} "
          f"{'loss first':>11} {'loss last':>10}")
    for n_cores, goal in settings:
        best, best_cpu = np.inf, np.inf
        for _ in range(args.repeats):
            selector = ActiveFTSelector(n_cores=n_cores, max_iter=max_iter,
                                        random_state=0)
            tic, cpu = time.perf_counter(), time.process_time()
            selector.fit(X)
            best = min(best, time.perf_counter() - tic)
            best_cpu = min(best_cpu, time.process_time() - cpu)
        curve = selector.loss_curve_
        goal_text = f"{goal:.0f}" if not args.quick else "-"
        print(f"{n_cores:>5} {best:>9.2f} {1000 * best / max_iter:>9.1f} "
              f"{best_cpu:>7.2f} {goal_text:>7} {curve[0]:>11.4f} {curve[-1]:>10.4f}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    from _stdout import exit_status

    sys.exit(exit_status(main))
