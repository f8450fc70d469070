"""Approximate top-centroid search for ActiveFT: greedy walks on a centroid graph.

Each ActiveFT iteration needs, for every row of the batch, its most similar
centroid.  Searched exhaustively this is ``rows x K x d`` multiply-adds per
iteration -- with the paper's ImageNet setting (batches of 100,000 rows,
K = 6,405, d = 384) about 2.5e11, over 99 % of the work.  The centroids move
little between iterations, so a row's best centroid is almost always its
previous best or one of that centroid's nearest centroids.

:class:`CentroidGraphSearch` keeps, for every row of the pool, the centroid it
was matched to the last time it was in a batch, and a graph linking every
centroid to its ``n_neighbors`` most similar centroids (rebuilt every
``refresh`` iterations: exact, from the K x K product, below
:data:`PYNNDESCENT_MIN_CENTROIDS` centroids; approximate, from a
``pynndescent.NNDescent`` index, from there on).  A row seen before starts at
its previous centroid and walks the graph greedily -- move to the most
similar neighbour while it beats the current centroid -- so it costs a few
dozen dot products instead of K.  A row seen for the first time is matched
exhaustively.  The walk can stop at a local maximum that is not the global
one; how often that happens, and what it does to the selection, is measured
in ``benchmarks/bench_scale.py`` and documented on the benchmarks page.

Every row's result depends only on that row, the centroids and the graph, so
the search is deterministic and independent of the number of threads.  The
pynndescent graph is built single-threaded (``n_jobs=1``) from a fixed seed:
NN-descent's parallel updates are applied in an order that depends on thread
scheduling, so a multi-threaded build could give a different graph from run
to run.

The K-wide products (the exhaustive search's :data:`EXHAUSTIVE_BLOCK_ROWS`
rows against all K centroids, the exact build's blocks of
:data:`GRAPH_BUILD_BLOCK_ROWS` centroids against all K) are not split by
scikit-learn's ``working_memory``: BLAS may round a product of another shape
differently, and the winners and neighbours follow those bits.  Only the
build's argpartition indices are taken a few rows at a time (see
:func:`build_selection_rows`, which changes no bit); the caller counts the
products in what a task holds, and the setting bounds how many tasks run at
once (the user guide's memory item gives the figures).

Why a threshold: the exact graph costs one K x K x d product and a partition
of K x K similarities, quadratic in K; the index build grows roughly as
K log K.  Measured on clustered 384-d unit centroids (CPU seconds, BLAS on
one thread against ``NNDescent(n_jobs=1)``): K = 6,405: 0.75 s exact,
0.95 s index; 12,000: 1.67 s and 1.72 s; 16,000: 3.5 s and 2.9 s;
20,000: 5.6 s and 3.9 s; 32,000: 16.6 s and 6.9 s, with 99.98 % of the
exact neighbours found.  The build alone gets cheaper from 12,000-16,000
centroids on, but the first build in a process also compiles pynndescent
(about 40 s of CPU here): from 20,000 centroids on, the 30 rebuilds of a
300-iteration run save more than that.
"""

import warnings

import numpy as np

from ._jit import njit

#: Neighbours per centroid in the centroid graph.
GRAPH_NEIGHBORS = 32

#: Iterations between rebuilds of the centroid graph.
GRAPH_REFRESH = 10

#: Centroids per block of the exact graph build (a block holds their
#: similarities to all K centroids and argpartition's K-wide indices).
GRAPH_BUILD_BLOCK_ROWS = 512


def build_selection_rows(n_centroids, itemsize, task_bytes=None,
                         block_rows=GRAPH_BUILD_BLOCK_ROWS):
    """Rows of a block of the exact graph build whose argpartition indices
    (K int64 each) are taken at once: the whole block, or as many rows as
    fit in ``task_bytes`` beside the block's similarities (at least one).

    The similarities themselves keep their ``block_rows``-row products:
    BLAS rounds a product by its shape, and the neighbours follow those
    bits.
    """
    if task_bytes is None:
        return block_rows
    room = task_bytes - block_rows * n_centroids * itemsize
    return int(max(1, min(block_rows, room // (8 * max(1, n_centroids)))))


def build_block_bytes(n_centroids, itemsize, task_bytes=None,
                      block_rows=GRAPH_BUILD_BLOCK_ROWS):
    """Bytes a block of the exact graph build holds (see
    :func:`build_selection_rows`)."""
    selection = build_selection_rows(n_centroids, itemsize, task_bytes,
                                     block_rows)
    return (block_rows * itemsize + selection * 8) * n_centroids

#: Most greedy moves per row and iteration (a safety bound; walks stop as
#: soon as no neighbour improves, usually after 0-2 moves).
MAX_MOVES = 64

#: ``centroid_search="auto"`` walks the graph from this many centroids on.
AUTO_MIN_CENTROIDS = 2048

#: Rows per product in the exhaustive search of rows seen for the first time.
EXHAUSTIVE_BLOCK_ROWS = 2048

#: ``centroid_graph="auto"`` builds the centroid graph with pynndescent from
#: this many centroids on (where the index builds, compilation included, get
#: cheaper than the exact K x K products; see the module docstring), exactly
#: below.
PYNNDESCENT_MIN_CENTROIDS = 20000

#: Fewest centroids per graph row (its neighbours and the centroid itself)
#: for a pynndescent build; smaller
#: centroid sets always get the exact graph (an index is pointless there).
_NNDESCENT_MIN_RATIO = 4


def resolve_graph_builder(kind, n_centroids):
    """``"exact"`` or ``"nndescent"`` for ``centroid_graph=kind`` and K centroids."""
    if kind == "auto":
        return "nndescent" if n_centroids >= PYNNDESCENT_MIN_CENTROIDS else "exact"
    return kind


def nndescent_graph(C, n_neighbors, seed):
    """Each centroid's ``n_neighbors`` most cosine-similar centroids, approximately.

    Built with ``pynndescent.NNDescent`` (cosine metric, float32, one thread,
    ``random_state=seed``), most similar first, the centroid itself left out.
    Rows the index could not fill are padded with the centroid itself, which
    the walk skips.
    """
    from pynndescent import NNDescent

    K = C.shape[0]
    with warnings.catch_warnings():
        # "Failed to correctly find n_neighbors": such rows are padded below.
        warnings.simplefilter("ignore", UserWarning)
        index = NNDescent(C, metric="cosine", n_neighbors=n_neighbors + 1,
                          random_state=int(seed), n_jobs=1, compressed=True)
        graph = np.asarray(index.neighbor_graph[0], dtype=np.int64)
    own = np.arange(K)[:, None]
    graph = np.where(graph < 0, own, graph)
    # Move the centroid itself (usually first) behind its neighbours, keeping
    # their order, and keep the first n_neighbors.
    order = np.argsort(graph == own, axis=1, kind="stable")
    graph = np.take_along_axis(graph, order, axis=1)[:, :n_neighbors]
    return np.ascontiguousarray(graph, dtype=np.int32)


@njit(cache=True, nogil=True, fastmath=True)
def _dot(a, b):
    total = a.dtype.type(0)
    for t in range(a.shape[0]):
        total += a[t] * b[t]
    return total


@njit(cache=True, nogil=True, fastmath=True)
def _walk(rows, centroids, neighbours, start, max_moves, winner, product):
    """Greedy walk per row; ties go to the lower centroid index."""
    n_centroids, n_neighbours = neighbours.shape
    stamp = np.zeros(n_centroids, dtype=np.int64)
    for i in range(rows.shape[0]):
        x = rows[i]
        current = start[i]
        best = _dot(x, centroids[current])
        stamp[current] = i + 1
        for _ in range(max_moves):
            move, move_value = current, best
            for t in range(n_neighbours):
                j = neighbours[current, t]
                if stamp[j] == i + 1:
                    continue
                stamp[j] = i + 1
                value = _dot(x, centroids[j])
                if value > move_value or (value == move_value and j < move):
                    move, move_value = j, value
            if move == current:
                break
            current, best = move, move_value
        winner[i] = current
        product[i] = best


class CentroidGraphSearch:
    """Per-row memory of the best centroid, and greedy walks on a centroid graph.

    Parameters
    ----------
    n_samples : int
        Rows in the pool (one remembered centroid per row).
    n_centroids : int
        Number of centroids K.
    n_neighbors : int, default=GRAPH_NEIGHBORS
        Neighbours per centroid in the graph (at most K - 1).
    refresh : int, default=GRAPH_REFRESH
        The graph is rebuilt on every ``refresh``-th call of :meth:`prepare`.
    builder : {"exact", "nndescent"}, default="exact"
        How the graph is built: from the exact K x K similarities, or with
        pynndescent (see :func:`nndescent_graph`; exact anyway when K is
        below ``_NNDESCENT_MIN_RATIO * (n_neighbors + 1)``).
    seed : int, default=0
        ``random_state`` of every pynndescent build (the same at every
        rebuild, so the graph depends only on the centroids).

    Attributes
    ----------
    winners : ndarray of shape (n_samples,), dtype=int32
        The centroid each row was last matched to (-1: never in a batch).
    n_exhaustive : int
        Rows matched by an exhaustive search so far.
    n_walked : int
        Rows matched by a graph walk so far.
    """

    def __init__(self, n_samples, n_centroids, n_neighbors=GRAPH_NEIGHBORS,
                 refresh=GRAPH_REFRESH, builder="exact", seed=0):
        self.winners = np.full(n_samples, -1, dtype=np.int32)
        self.n_neighbors = max(0, min(int(n_neighbors), n_centroids - 1))
        self.refresh = max(1, int(refresh))
        if builder not in ("exact", "nndescent"):
            raise ValueError(f"builder must be 'exact' or 'nndescent'; got {builder!r}")
        if n_centroids < _NNDESCENT_MIN_RATIO * (self.n_neighbors + 1):
            builder = "exact"
        self.builder = builder
        self.seed = int(seed)
        self.neighbours = None
        self.n_exhaustive = 0
        self.n_walked = 0
        self._calls = 0

    def prepare(self, C, map_blocks=map, block_rows=GRAPH_BUILD_BLOCK_ROWS,
                C_t=None, task_bytes=None):
        """Register this iteration's unit centroids C (K x d, working dtype).

        Rebuilds the graph on the first call and every ``refresh`` calls after
        it: with pynndescent when ``builder="nndescent"``, else from the exact
        similarities between centroids, in row blocks mapped with
        ``map_blocks`` (e.g. over threads; the result does not depend on how
        the blocks are run).  ``C_t`` is C's C-contiguous transpose, if the
        caller has it (else it is made here).  ``task_bytes`` caps what a
        block holds beside its similarities (see
        :func:`build_selection_rows`); the graph does not depend on it.
        """
        self._calls += 1
        if self.neighbours is not None and (self._calls - 1) % self.refresh:
            return
        K = C.shape[0]
        M = self.n_neighbors
        if M == 0:
            self.neighbours = np.empty((K, 0), dtype=np.int32)
            return
        if self.builder == "nndescent":
            self.neighbours = nndescent_graph(C, M, self.seed)
            return
        if C_t is None:
            C_t = np.ascontiguousarray(C.T)

        selection = build_selection_rows(K, C.dtype.itemsize, task_bytes,
                                         block_rows)

        def block(span):
            start, stop = span
            sims = C[start:stop] @ C_t
            sims[np.arange(stop - start), np.arange(start, stop)] = -np.inf
            # Negated in place: -sims was a second block x K array (per
            # thread) beside the block x K indices argpartition returns.
            np.negative(sims, out=sims)
            graph = np.empty((stop - start, M), dtype=np.int32)
            # argpartition decides each row on its own, so a few rows at a
            # time give the same indices, K-wide for those rows only.
            for first in range(0, stop - start, selection):
                part = sims[first : first + selection]
                # Copied out, so that the K-wide indices go at once (a view
                # kept them until the next rows' were made).
                top = np.argpartition(part, M - 1, axis=1)[:, :M].copy()
                # Most similar first, ties to the lower index: the walk then
                # meets the likeliest moves first (the result does not
                # depend on the order, only the work does).
                order = np.lexsort((top, np.take_along_axis(part, top, axis=1)),
                                   axis=1)
                graph[first : first + selection] = np.take_along_axis(
                    top, order, axis=1)
            return graph

        spans = [(s, min(K, s + block_rows)) for s in range(0, K, block_rows)]
        self.neighbours = np.concatenate(list(map_blocks(block, spans)))

    def top(self, X_block, rows, C, C_t):
        """Best centroid of each row of ``X_block`` and the raw dot product.

        Parameters
        ----------
        X_block : ndarray of shape (m, d)
            Rows of the pool (not normalised), in the dtype of C.
        rows : ndarray of shape (m,)
            Their row numbers in the pool, distinct.
        C, C_t : ndarray
            Unit centroids (K x d) and their C-contiguous transpose.

        Returns
        -------
        winner : ndarray of shape (m,), dtype=intp
        product : ndarray of shape (m,)
            ``X_block[i] @ C[winner[i]]``.
        """
        m = X_block.shape[0]
        previous = self.winners[rows]
        fresh = previous < 0
        winner = np.empty(m, dtype=np.intp)
        product = np.empty(m, dtype=X_block.dtype)
        fresh_rows = np.flatnonzero(fresh)
        for start in range(0, fresh_rows.size, EXHAUSTIVE_BLOCK_ROWS):
            part = fresh_rows[start : start + EXHAUSTIVE_BLOCK_ROWS]
            products = X_block[part] @ C_t
            best = products.argmax(axis=1)
            winner[part] = best
            product[part] = products[np.arange(best.size), best]
            # Not held while the next part's products are made: two parts'
            # products (EXHAUSTIVE_BLOCK_ROWS x K each, outside
            # working_memory) were held at once.
            del products
        seen = np.flatnonzero(~fresh)
        if seen.size:
            # Rows that start at the same centroid meet the same neighbours:
            # walking them one after the other keeps those rows in cache.
            seen = seen[np.argsort(previous[seen], kind="stable")]
            walked = np.empty(seen.size, dtype=np.intp)
            values = np.empty(seen.size, dtype=X_block.dtype)
            _walk(np.ascontiguousarray(X_block[seen]), C, self.neighbours,
                  previous[seen].astype(np.intp), MAX_MOVES, walked, values)
            winner[seen] = walked
            product[seen] = values
        self.winners[rows] = winner
        # Counters are updated from several threads; they are diagnostics.
        self.n_exhaustive += int(m - seen.size)
        self.n_walked += int(seen.size)
        return winner, product
