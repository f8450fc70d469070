"""scikit-learn's k-means++ seeding, bit for bit, in about half the time.

ActiveFT's k-means starts (``ActiveFTSelector(init="k-means")`` and
``init="stratified"``, the latter the sampler's default core stage on pools
up to N x K = 1e9 and a million rows) run scikit-learn's ``KMeans`` on
one thread; in the plain k-means start, on the pools it was validated on,
four fifths of that time is the k-means++ seeding, not Lloyd's
iterations (WordNet pool, K = 3,280: 240 of 296 s).  Each seeding step
measures the distance from a few candidate rows to every row; for float32
rows scikit-learn upcasts the whole pool to float64, chunk by chunk, and
recomputes the rows' squared norms, at every one of the K steps.  Here the
pool is centred and upcast once (or, when that float64 copy would exceed
``working_memory``, chunk by chunk with the squared norms computed once),
and every other operation is the one scikit-learn performs, on the same
operands, in the same chunks, in the same order: the seeds are the same rows
and ``KMeans(init=<those rows>)`` then gives the same centres as
``KMeans(init="k-means++")``.  The tests compare both with scikit-learn's own
seeding, so a change of scikit-learn's internals shows there first.  (The
cumulative sums follow scikit-learn 1.8 and later, taken in the pool's
dtype; 1.6 and 1.7 take them in float64, so with those a float32 seed that
rounding decides can differ from scikit-learn's.  The seeds are this
module's own either way: they do not depend on the installed
scikit-learn.)

The chunks of a step are independent, so float32 pools may have them
computed on several worker threads, each chunk's product on one BLAS thread:
the same numbers as on one thread, so the seeds do not depend on the number
of threads.
"""

import math

import numpy as np
from sklearn.utils.extmath import row_norms

from ._distances import working_memory_bytes


def _upcast_batch(n_candidates, n_samples, n_features):
    # The chunk length of sklearn.metrics.pairwise._euclidean_distances_upcast
    # for dense rows: the float64 products are taken in the same blocks, so
    # they are the same numbers.
    maxmem = max(((n_candidates + n_samples) * n_features
                  + n_candidates * n_samples) / 10, 10 * 2**17)
    tmp = 2 * n_features
    return max(int((-tmp + math.sqrt(tmp**2 + 4 * maxmem)) / 2), 1)


class _CentredRows:
    """The rows KMeans.fit seeds from (``X - X.mean(axis=0)``, in X's dtype),
    kept in the form the squared distances are computed from."""

    def __init__(self, X, mean, map_chunks=map, overwrite_x=False):
        self.X, self.mean = X, mean
        self.map_chunks = map_chunks
        n, d = X.shape
        self.float32 = X.dtype == np.float32
        self.upcast = None
        if not self.float32:
            # In place (the same values as X - mean, as KMeans centres its
            # rows in place): the copy held a second pool.
            self.rows = (np.subtract(X, mean, out=X) if overwrite_x
                         else X - mean)
            self.sq = row_norms(self.rows, squared=True)
            return
        # float32: float64 copies of the centred rows and their squared norms.
        if 8 * n * d <= working_memory_bytes():
            self.upcast = np.empty((n, d))
        self.sq = np.empty(n)
        step = _upcast_batch(1, n, d)
        for start in range(0, n, step):
            block = self._centred(slice(start, min(n, start + step)))
            block64 = block.astype(np.float64)
            # Row by row, so the same values as scikit-learn's per-chunk norms.
            self.sq[start:start + block.shape[0]] = row_norms(block64, squared=True)
            if self.upcast is not None:
                self.upcast[start:start + block.shape[0]] = block64

    def _centred(self, rows):
        return self.X[rows] - self.mean

    def row(self, index):
        """Centred rows ``index`` (an integer array), in X's dtype."""
        if self.float32:
            return self._centred(index)
        return self.rows[index]

    def sq_distances(self, index):
        """Squared distances from rows ``index`` to every row, as
        ``sklearn.metrics.pairwise._euclidean_distances(..., squared=True)``
        computes them (float32 rows: float64 blocks rounded to float32)."""
        candidates = self.row(index)
        if not self.float32:
            dist = -2 * (candidates @ self.rows.T)
            dist += row_norms(candidates, squared=True)[:, None]
            dist += self.sq[None, :]
            np.maximum(dist, 0, out=dist)
            return dist
        n, d = self.X.shape
        out = np.empty((candidates.shape[0], n), dtype=np.float32)
        cand64 = candidates.astype(np.float64)
        cand_sq = row_norms(cand64, squared=True)[:, None]
        step = _upcast_batch(candidates.shape[0], n, d)

        def chunk(start):
            block = slice(start, min(n, start + step))
            if self.upcast is not None:
                rows64 = self.upcast[block]
            else:
                rows64 = self._centred(block).astype(np.float64)
            dist = -2 * (cand64 @ rows64.T)
            dist += cand_sq
            dist += self.sq[None, block]
            out[:, block] = dist
            np.maximum(out[:, block], 0, out=out[:, block])

        for _ in self.map_chunks(chunk, range(0, n, step)):
            pass
        return out


def kmeans_plusplus_seeds(X, n_clusters, random_state, n_threads=1, progress=None,
                          overwrite_x=False):
    """Rows that ``KMeans(n_clusters, init="k-means++", n_init=1).fit(X)``
    starts from.

    The same rows, in the same order, as scikit-learn's seeding inside
    ``KMeans.fit`` (greedy k-means++ with ``2 + int(log(n_clusters))`` local
    trials, unit sample weights, on the rows centred by their mean), drawing
    the same numbers from ``random_state``.  Run it with BLAS on one thread,
    as the caller runs KMeans: BLAS may round differently with more.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float32 or float64
        C-contiguous rows, not modified unless ``overwrite_x``.
    n_clusters : int
        Number of seeds.
    random_state : numpy.random.RandomState
        Consumed as KMeans consumes it.
    n_threads : int, default=1
        Worker threads for the chunks of each step (float32 rows), each
        chunk's product on one BLAS thread; the seeds are the same for any
        number.
    progress : callable or None, default=None
        Called with the number of seeds chosen so far, about ten times in
        all (the seeding of a large pool takes minutes).
    overwrite_x : bool, default=False
        Whether float64 rows may be centred in place rather than in a copy
        (float32 rows are never modified): X then holds ``X - X.mean(axis=0)``
        on return, which the caller must restore (adding the mean back does
        not give the same bits) before clustering it.

    Returns
    -------
    seeds : ndarray of shape (n_clusters,)
        Row numbers; ``KMeans(init=X[seeds], n_init=1)`` then runs exactly
        the iterations of ``KMeans(init="k-means++", n_init=1)``.
    """
    if n_threads <= 1 or X.dtype != np.float32:
        return _seeds(X, n_clusters, random_state, map, progress, overwrite_x)
    from concurrent.futures import ThreadPoolExecutor

    from ._threads import callers_config, one_blas_thread_in_task

    def in_groups(func, items):
        # One task per worker and step, each a contiguous run of chunks (one
        # task per chunk costs more in dispatch than it saves).
        items = list(items)
        size = -(-len(items) // n_threads)

        def run(first):
            with one_blas_thread_in_task():
                for item in items[first:first + size]:
                    func(item)

        return pool.map(run, range(0, len(items), size))

    with ThreadPoolExecutor(n_threads, initializer=callers_config()) as pool:
        return _seeds(X, n_clusters, random_state, in_groups, progress)


def _seeds(X, n_clusters, random_state, map_chunks, progress=None,
           overwrite_x=False):
    n = X.shape[0]
    rows = _CentredRows(X, X.mean(axis=0), map_chunks, overwrite_x)
    weights = np.ones(n, dtype=X.dtype)
    n_local_trials = 2 + int(np.log(n_clusters))
    seeds = np.full(n_clusters, -1, dtype=int)
    seeds[0] = random_state.choice(n, p=weights / weights.sum())
    closest = rows.sq_distances(seeds[:1])
    potential = closest @ weights
    report = max(1, -(-n_clusters // 10))
    for c in range(1, n_clusters):
        draws = random_state.uniform(size=n_local_trials) * potential
        candidates = np.searchsorted(np.cumsum(weights * closest), draws)
        np.clip(candidates, None, closest.size - 1, out=candidates)
        to_candidates = rows.sq_distances(candidates)
        np.minimum(closest, to_candidates, out=to_candidates)
        potentials = to_candidates @ weights.reshape(-1, 1)
        best = np.argmin(potentials)
        potential = potentials[best]
        closest = to_candidates[best]
        seeds[c] = candidates[best]
        if progress is not None and (c + 1) % report == 0 and c + 1 < n_clusters:
            progress(c + 1)
    return seeds
