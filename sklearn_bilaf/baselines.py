"""Label-free "cold start" selectors from the active-learning literature.

Two strong baselines that BiLAF is compared with in the benchmarks, written
as core selectors (:class:`~sklearn_bilaf.core.BaseCoreSelector`), so they
have the same interface as every other selector of the library and can even
serve as BiLAF's first stage:

* :class:`TypiClustSelector` -- Hacohen, Dekel and Weinshall, *Active
  Learning on a Budget: Opposite Strategies Suit High and Low Budgets*,
  ICML 2022.  Cluster the pool, then take the most *typical* sample of each
  cluster, largest clusters first.
* :class:`ProbCoverSelector` -- Yehuda, Dekel, Hacohen and Weinshall,
  *Active Learning Through a Covering Lens*, NeurIPS 2022.  Greedy maximum
  coverage with balls of radius delta, delta chosen so that balls rarely mix
  k-means clusters.

Both are implemented from the papers' descriptions, with the details the
papers leave open (TypiClust's cluster cap, small-cluster rule and neighbour
count) taken from the authors' recipe; ``n_cores`` is the number of samples to
select.  The authors' code L2-normalises the features before either method;
these selectors work on X as given (normalise it, or use ProbCover's
``metric="cosine"``, to reproduce that geometry).
"""


import math

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import pairwise_distances_chunked
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.extmath import row_norms

from ._distances import (
    _fitting,
    all_zero_rows_error,
    chunk_rows,
    prepare,
    sq_distances,
    sq_norms,
    unique_rows,
    working_memory_bytes,
)
from ._threads import kmeans_openmp_threads
from .base import Count, Number, refuse_unchecked_scale
from .core import (
    BaseCoreSelector,
    _error_bound,
    _kmeans_in_own_terms,
    _largest_abs,
    _refuse_unchecked_non_finite,
    _scale_exponent,
    _warn_cosine_picks_arbitrary,
)

__all__ = ["ProbCoverSelector", "TypiClustSelector"]

#: Relative margin below the purity limit (see ProbCoverSelector).
_RADIUS_MARGIN = 1e-6

#: ProbCover's purity distances come from scikit-learn's
#: ``pairwise_distances_chunked`` when its chunks hold at least this many rows
#: (or the whole pool); shorter chunks repeat per-chunk work on the whole
#: pool, and a tiled computation takes over (see _nearest_other_cluster).
_MIN_CHUNK_ROWS = 256

#: The smallest tile side of the tiled purity distances, even where a tile
#: overflows ``working_memory`` (as scikit-learn's chunks hold at least a
#: row): thinner BLAS products run far below its speed.
_MIN_TILE = 16

#: A pool whose mean's squared norm exceeds this many times its mean squared
#: distance to the mean is centred before ProbCover measures distances (see
#: _near_the_origin).
_FAR_FROM_THE_ORIGIN = 2.0 ** 10


def _in_geometry(X, metric):
    """X in the selector's geometry: as given, or L2-normalised for cosine."""
    if metric == "cosine":
        _refuse_zero_rows(X)
        return prepare(X, "cosine", dtype=X.dtype)
    return X


def _refuse_zero_rows(X):
    """An error naming X's all-zero rows, which have no direction."""
    n = X.shape[0]
    step = chunk_rows(n, X.shape[1] * X.itemsize + 1)
    zero = np.concatenate([
        start + np.flatnonzero(~np.any(X[start:start + step] != 0, axis=1))
        for start in range(0, n, step)])
    if zero.size:
        raise all_zero_rows_error(
            zero, "Cosine geometry",
            fix=("ProbCoverSelector(metric='cosine') normalises every row: "
                 "remove {those}, or use ProbCoverSelector(metric='euclidean')."))



def _covers_every_pair(X, radius):
    """Whether every pair of rows of X is surely within ``radius``: twice the
    largest distance from the rows' mean, plus what the radius search's
    expanded form (``|x|^2 - 2 x.y + |y|^2`` in float64) can add by
    rounding, is below it.  Such a radius needs no ball graph (which would
    be N x N)."""
    n, d = X.shape
    center = np.zeros(d)
    step = chunk_rows(n, 16 * d + 1)
    for start in range(0, n, step):
        center += np.asarray(X[start:start + step], dtype=np.float64).sum(axis=0)
    center /= n
    spread, largest = 0.0, 0.0
    for start in range(0, n, step):
        rows = np.asarray(X[start:start + step], dtype=np.float64)
        spread = max(spread, float(np.max(((rows - center) ** 2).sum(axis=1))))
        largest = max(largest, float(np.max((rows ** 2).sum(axis=1))))
    # (2R)^2, with room for the rounding of R and of the search's squared
    # distances (a few ulp of d |x|^2 terms) and of their square roots.
    eps = np.finfo(np.float64).eps
    worst = 4 * spread * (1 + 1e-6) + 16 * (d + 2) * eps * largest
    return radius * radius * (1 - 1e-6) > worst


def _near_the_origin(X):
    """X, or X minus its mean when the pool lies far from the origin.

    The purity distances and the radius search compute squared distances in
    the expanded form ``|x|^2 - 2 x.y + |y|^2`` (in float64, float32 pools
    included), whose rounding grows with ``|x|^2``, not with the distance:
    a pool 2^20 times its spread from the origin lost the digits the purity
    radius's relative margin relies on, one 2^30 away all of them (radius 0).
    Distances do not change under a translation, so such a pool is moved to
    its mean.  An ordinary pool (its mean within 32 times its root-mean-square
    spread of the origin: digits 1.5, standardised or unit-norm pools less)
    is returned as it is, its distances the same bits as before; it is too
    near the origin for the rounding to reach the margin.

    The mean is rounded to X's dtype before the subtraction, so a float32
    pool stays float32 (a copy of the pool): in a column far from the origin
    (its values within a factor of two of its mean) the subtraction is
    exact, elsewhere it rounds by at most half an ulp of the centred value.
    """
    n, d = X.shape
    center = _column_sums(X) / n
    spread = float(np.sum(_column_sums(X, center)))
    if float(np.sum(center * center)) <= _FAR_FROM_THE_ORIGIN * (spread / n):
        return X
    return np.subtract(X, center.astype(X.dtype))


def _column_sums(X, center=None):
    """The float64 sums of X's columns (of ``(X - center) ** 2`` when
    ``center`` is given), the same bits for the same pool whatever the
    settings.

    Blocks of a fixed number of rows (at most 512 KiB in float64, or one
    row), each copied in C order, are summed and their sums added in turn:
    neither the blocks nor their order of addition depend on
    ``working_memory`` or on X's memory order.  Chunks of working_memory's
    length, and numpy's pairwise sum down a Fortran-ordered column, rounded
    differently: the same pool was centred on another mean under another
    setting, and near the threshold could be centred or not.
    """
    n, d = X.shape
    step = max(1, 2**16 // d)
    total = np.zeros(d)
    for start in range(0, n, step):
        rows = np.array(X[start:start + step], dtype=np.float64, order="C")
        if center is not None:
            rows -= center
            np.square(rows, out=rows)
        total += rows.sum(axis=0)
    return total


def _ball_graph(X, radius):
    """The ball graph of radius ``radius`` as CSR arrays ``(indptr, indices)``:
    row x lists the samples y with D(x, y) < radius, x itself included,
    ascending, with y in x's row exactly when x is in y's.

    scikit-learn's radius search, queried in row chunks so that only a
    chunk's neighbour lists (16 bytes a neighbour) are held at a time and
    the graph keeps 4 bytes an edge (``radius_neighbors_graph`` peaked at
    about 36 bytes an edge).  The chunks start at multiples of scikit-learn's distance
    tile (``pairwise_dist_chunk_size`` rows) and query the search's own copy
    of the rows, so every distance is computed in the same tile, with the
    same bits, as in one query of the whole pool.
    """
    n = X.shape[0]
    search = NearestNeighbors(radius=radius).fit(X)
    rows = getattr(search, "_fit_X", X)
    tile = max(1, int(get_config().get("pairwise_dist_chunk_size", 256)))
    index_dtype = np.int32 if n <= np.iinfo(np.int32).max else np.intp
    counts = np.empty(n, dtype=np.int64)
    pieces = []
    start, step = 0, tile
    while start < n:
        stop = min(n, start + step)
        distances, neighbours = search.radius_neighbors(
            rows[start:stop], radius, return_distance=True, sort_results=False)
        lengths = np.fromiter((a.size for a in neighbours), dtype=np.int64,
                              count=stop - start)
        m = stop - start
        if lengths.sum():
            # Open balls: D < radius (the search keeps D <= radius).
            inside = np.concatenate(distances) < radius
            row_of = np.repeat(np.arange(m), lengths)[inside]
            kept = np.concatenate(neighbours)[inside]
        else:
            row_of = kept = np.empty(0, dtype=np.intp)
        del distances, neighbours
        # Each row's neighbours, then the sample itself; sum_duplicates
        # sorts every row and drops the second copy of the sample.
        slots = np.bincount(row_of, minlength=m) + 1
        chunk_indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(slots, out=chunk_indptr[1:])
        columns = np.empty(chunk_indptr[-1], dtype=index_dtype)
        columns[np.arange(kept.size) + row_of] = kept
        columns[chunk_indptr[1:] - 1] = np.arange(start, stop)
        chunk = sp.csr_matrix(
            (np.ones(columns.size, dtype=np.int8), columns, chunk_indptr),
            shape=(m, n))
        chunk.sum_duplicates()
        counts[start:stop] = np.diff(chunk.indptr)
        second = chunk.indices.astype(index_dtype, copy=False)
        pieces.append(second)
        del chunk, columns
        # The next chunk's neighbour lists within working_memory, judged by
        # this chunk's (a whole number of tiles, at least one).
        per_row = max(1.0, second.size / m)
        step = max(tile, int(working_memory_bytes() // (64 * per_row)) // tile * tile)
        start = stop
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    del pieces
    return _one_decision_per_pair(indptr, indices, X, radius)


def _one_decision_per_pair(indptr, indices, X, radius):
    """The ball graph ``(indptr, indices)`` with x in y's ball exactly when y
    is in x's.

    The radius search computes D(x, y) and D(y, x) apart, and its expanded
    form can round them to different sides of the radius.  The greedy
    coverage reads the balls holding a sample from that sample's own ball,
    so such a pair would leave a count that never falls (the ball picked
    again once the pool is covered).  Pairs found in one direction only are
    decided by their direct difference, the same for both directions; a
    graph without them (as good as always) is returned as it is.
    """
    n = indptr.size - 1
    structure = sp.csr_matrix(
        (np.ones(indices.size, dtype=np.int8), indices, indptr), shape=(n, n))
    transposed = structure.T.tocsr()  # canonical: sorted indices
    if (np.array_equal(structure.indptr, transposed.indptr)
            and np.array_equal(structure.indices, transposed.indices)):
        return indptr, indices
    one_sided = (structure - transposed).tocoo()
    ahead = one_sided.data > 0  # (x, y) in the graph, (y, x) not
    first, second = one_sided.row[ahead], one_sided.col[ahead]
    inside = _direct_distances(X, first, second) < radius
    both_ways = structure.multiply(transposed)
    first, second = first[inside], second[inside]
    added = sp.csr_matrix(
        (np.ones(2 * first.size, dtype=np.int8),
         (np.concatenate([first, second]), np.concatenate([second, first]))),
        shape=(n, n))
    graph = (both_ways + added).tocsr()
    graph.sum_duplicates()  # also sorts the indices
    return graph.indptr.astype(np.int64), graph.indices


def _direct_distances(X, first, second):
    """Distances from ``X[first]`` to ``X[second]`` by direct differences in
    float64 (symmetric: the same bits either way), in ``working_memory``
    blocks."""
    exact = np.empty(first.size)
    step = chunk_rows(first.size, 16 * X.shape[1] + 1)
    for p in range(0, first.size, step):
        q = min(first.size, p + step)
        diff = (np.asarray(X[second[p:q]], dtype=np.float64)
                - np.asarray(X[first[p:q]], dtype=np.float64))
        exact[p:q] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return exact


def _nearest_other_cluster(X, labels, n_clusters):
    """Each row's distance to its nearest row of another cluster (inf where
    there is none), as float64 holding X's dtype's values.

    scikit-learn's ``pairwise_distances_chunked`` computes it while its
    chunks hold at least ``_MIN_CHUNK_ROWS`` rows (or the whole pool): the
    default ``working_memory`` up to about half a million rows, the same
    computation, bit for bit, as before the tiled path existed.  Its chunks
    are rows against the whole pool, and each one validates, upcasts
    (float32) and takes the squared norms of the whole pool again: with
    chunks of a few rows (13 for 10,000 rows at a ``working_memory`` of
    1 MiB) that repeated work, and BLAS products a few rows thin, took
    several times the default's time.  Shorter chunks take
    :func:`_nearest_other_tiled` instead.
    """
    n = X.shape[0]
    if working_memory_bytes() // (8 * n) >= min(n, _MIN_CHUNK_ROWS):
        return _nearest_other_chunked(X, labels, n_clusters)
    return _nearest_other_tiled(X, labels)


def _nearest_other_chunked(X, labels, n_clusters):
    """:func:`_nearest_other_cluster` by ``pairwise_distances_chunked``."""
    n = X.shape[0]
    nearest_other = np.empty(n)
    start = 0

    members = [np.flatnonzero(labels == c) for c in range(n_clusters)]

    def reduce(chunk, chunk_start):
        rows = labels[chunk_start: chunk_start + chunk.shape[0]]
        # Cluster by cluster, with index arrays: a boolean mask of the
        # chunk's shape would add an eighth to a chunk that already
        # fills working_memory.
        for c in np.unique(rows):
            chunk[np.ix_(np.flatnonzero(rows == c), members[c])] = np.inf
        return chunk.min(axis=1)

    for block in pairwise_distances_chunked(X, reduce_func=reduce,
                                            metric="euclidean"):
        nearest_other[start: start + block.size] = block
        start += block.size
    return nearest_other


def _nearest_other_tiled(X, labels):
    """:func:`_nearest_other_cluster` in square tiles within
    ``working_memory``.

    Each distance is computed as scikit-learn's ``euclidean_distances``
    computes it: ``(-2 x.y + |x|^2) + |y|^2`` in float64 (float32 rows
    upcast, the squared norms by ``row_norms`` on float64 rows), rounded to
    X's dtype, clipped at 0, square root in X's dtype.  Rounding, clipping
    and the square root are monotone, so the minimum over a row is taken on
    the float64 values and only the minima are rounded and rooted: the same
    values.  The squared norms are computed once, and each tile is a BLAS
    product of two blocks of rows (upcast per tile, for a float32 pool), so
    nothing is repeated per row.  Where every product is exact (integer
    pixels, float16 embeddings such as WordNet's) the result is the
    chunked one bit for bit; otherwise BLAS's rounding of a product can
    depend on its shape, as the chunked path's already depends on its
    chunk length, and a distance can differ in its last bits.

    A tile of ``s x s`` holds 9 bytes an entry (the float64 products and a
    same-cluster mask), plus the two blocks' float64 copies when X is not a
    C-contiguous float64 array; ``s`` is the largest that fits
    ``working_memory``, at least ``_MIN_TILE`` (thinner products run far
    below BLAS's speed).
    """
    n, d = X.shape
    in_place = X.dtype == np.float64 and X.flags.c_contiguous
    copy_per_row = 0 if in_place else 8 * d
    # 9 s^2 + 2 copy_per_row s <= budget, solved for s.
    budget = working_memory_bytes()
    s = int((np.sqrt(copy_per_row ** 2 + 9.0 * budget) - copy_per_row) / 9)
    s = min(n, max(_MIN_TILE, s))

    # The blocks' float64 copies, reused (a new copy made before the last
    # one is let go would hold three).
    buffers = None if in_place else (np.empty((s, d)), np.empty((s, d)))

    def block(start, buffer):
        if in_place:
            return X[start:start + s]
        rows = X[start:start + s]
        out = buffers[buffer][:rows.shape[0]]
        np.copyto(out, rows)
        return out

    sq = np.empty(n)
    for start in range(0, n, s):
        sq[start:start + s] = row_norms(block(start, 0), squared=True)
    # Squared distances, before the rounding to X's dtype.
    nearest = np.full(n, np.inf)
    products = np.empty(s * s)
    same = np.empty(s * s, dtype=bool)
    for row_start in range(0, n, s):
        rows = block(row_start, 0)
        m = rows.shape[0]
        row_labels = labels[row_start:row_start + m]
        row_sq = sq[row_start:row_start + m, None]
        best = nearest[row_start:row_start + m]
        for col_start in range(0, n, s):
            cols = block(col_start, 1)
            k = cols.shape[0]
            tile = products[:m * k].reshape(m, k)
            np.matmul(rows, cols.T, out=tile)
            tile *= -2
            tile += row_sq
            tile += sq[None, col_start:col_start + k]
            mask = same[:m * k].reshape(m, k)
            np.equal(row_labels[:, None],
                     labels[None, col_start:col_start + k], out=mask)
            np.copyto(tile, np.inf, where=mask)
            np.minimum(best, tile.min(axis=1), out=best)
    # scikit-learn's distances are float32 for a float32 pool, else float64.
    nearest = nearest.astype(np.float32 if X.dtype == np.float32 else np.float64)
    np.maximum(nearest, 0, out=nearest)
    np.sqrt(nearest, out=nearest)
    return nearest.astype(np.float64)


class TypiClustSelector(BaseCoreSelector):
    """TypiClust: the most typical sample of each of the largest clusters.

    The pool is clustered with k-means into as many clusters as samples
    wanted (at most ``max_clusters``).  Clusters with fewer than
    ``min_cluster_size`` members are ignored, unless the other clusters hold
    fewer samples than wanted: then every non-empty cluster takes its turn.
    Then, one sample at a time,
    the cluster holding the fewest selected samples so far (ties: the largest
    cluster, then the lower cluster number) gives its most typical sample not
    yet selected (ties: the lower index), where the typicality of x is the
    inverse of the mean Euclidean distance from x to its nearest neighbours
    among the cluster's samples not yet selected: ``n_neighbors`` of them, or
    half the cluster's remaining size when that is smaller (as in the
    authors' code).  With the cap, a budget larger than ``max_clusters``
    takes several samples per cluster, the typicality recomputed without the
    samples already taken, as the authors' code does.

    As in the authors' recipe, k-means is :class:`~sklearn.cluster.KMeans`
    for up to 50 clusters and :class:`~sklearn.cluster.MiniBatchKMeans`
    (batches of 5,000 rows) beyond.  Like
    :class:`~sklearn_bilaf.core.KMeansSelector`, it copies a memory-mapped
    pool whole: k-means clusters a centred copy of X; and it runs k-means on
    at most two OpenMP threads (fewer if the calling thread is limited to
    one), so that the clusters repeat bit for bit from run to run.

    Parameters
    ----------
    n_cores : {"auto", "paper"}, int or float, default="auto"
        How many samples to select: ``"auto"`` is 5 % of the pool (at most
        a sampler's budget), ``"paper"`` the paper's 0.5 % (at most the
        budget), an int is a count, a float in (0, 1] a fraction.
    n_neighbors : int, default=20
        Neighbours in the typicality estimate.
    max_clusters : int or None, default=500
        Cap on the number of clusters; None clusters into exactly
        ``n_cores`` clusters.
    min_cluster_size : int, default=5
        Clusters with fewer members are skipped, unless the other clusters
        hold fewer than ``n_cores`` samples between them: then every
        non-empty cluster takes its turn in the rotation, from the first
        pick, as if there were no minimum.
    random_state : int, RandomState instance or None, default=None
        Seed of k-means.

    Attributes
    ----------
    selected_indices_ : ndarray of shape (n_cores,)
        Selected row numbers, ascending.
    selection_order_ : ndarray of shape (n_cores,)
        The same rows in the order they were picked.
    labels_ : ndarray of shape (n_samples,)
        Cluster of every sample.
    typicality_ : ndarray of shape (n_samples,)
        Typicality of every sample of a visited cluster, as it was at the
        cluster's first pick (NaN elsewhere); inf for a sample with at least
        as many exact duplicates as neighbours averaged.  The member of a
        one-member cluster (visited with ``min_cluster_size=1``, or when
        small clusters take their turn) has no neighbour to average over
        and gets 1.0, a placeholder rather than a density: the mean over
        no neighbours is undefined (the authors' code, which skips clusters
        of up to five members, would compute NaN), and the cluster's only
        member is picked whatever its value.
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    ProbCoverSelector : Greedy coverage with purity-tuned balls.
    sklearn_bilaf.core.KMeansSelector : Samples nearest to k-means centres.

    Notes
    -----
    Four details differ from the authors' code, and can change picks: the
    typicality averages Euclidean distances (the paper's definition; their
    code averages the squared distances its nearest-neighbour index returns),
    a cluster of exactly ``min_cluster_size`` members is eligible (their code
    keeps only larger ones), X is used as given (their code L2-normalises
    the features first), and k-means runs once (``n_init="auto"``: one
    k-means++ start), where their code, under scikit-learn 1.0, kept the
    best of 10 runs of ``KMeans`` or of 3 of ``MiniBatchKMeans``.  Where
    the clusters of at least ``min_cluster_size`` members hold fewer
    samples than wanted, their code stops with an error.  A fifth changes
    only ``typicality_``, not the picks: the typicality here is
    ``1 / mean distance`` as the paper defines it, where their code adds
    1e-5 to the mean, so a sample with as many exact duplicates as
    neighbours averaged gets inf here, 1e5 there (both order the rows of a
    cluster by their mean distance alike, barring rounding ties).

    References
    ----------
    Guy Hacohen, Avihu Dekel, Daphna Weinshall. *Active Learning on a Budget:
    Opposite Strategies Suit High and Low Budgets.* ICML 2022
    (arXiv:2202.02794).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_bilaf.baselines import TypiClustSelector
    >>> X, y = make_blobs(300, centers=3, random_state=0)
    >>> selector = TypiClustSelector(n_cores=3, random_state=0).fit(X)
    >>> sorted(y[selector.selected_indices_].tolist())
    [0, 1, 2]
    >>> selector.transform(X).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        **BaseCoreSelector._parameter_constraints,
        "n_neighbors": [Count(1, None, closed="left")],
        "max_clusters": [None, Count(1, None, closed="left")],
        "min_cluster_size": [Count(1, None, closed="left")],
    }

    def __init__(self, n_cores="auto", n_neighbors=20, max_clusters=500,
                 min_cluster_size=5, random_state=None):
        self.n_cores = n_cores
        self.n_neighbors = n_neighbors
        self.max_clusters = max_clusters
        self.min_cluster_size = min_cluster_size
        self.random_state = random_state

    def _cluster(self, X, n_clusters, random_state):
        """The k-means labels, and the power of two that the pool is scaled
        by to measure typicality (0 for every ordinary pool)."""
        if n_clusters <= 50:
            kmeans = KMeans(n_clusters=n_clusters, n_init="auto",
                            random_state=random_state)
        else:
            kmeans = MiniBatchKMeans(n_clusters=n_clusters, batch_size=5000,
                                     n_init="auto", random_state=random_state)
        peak = _largest_abs(X)
        # Under assume_finite, values past the input check's limits: the
        # typicalities were computed from NaN and inf distances (or from
        # distances all 0), silently.
        refuse_unchecked_scale(X, peak)
        # On a pool of extreme scale, k-means runs on a rescaled copy (see
        # _scale_exponent); typicality is measured on X as given, but for
        # tiny values, whose squared distances are subnormal numbers (too
        # coarse for the nearest neighbours): the members are scaled too.
        exponent = _scale_exponent(X, peak)
        if self.max_clusters is not None and n_clusters == self.max_clusters:
            asked_by = "max_clusters"
            then = ("each pick is still a different row. Set max_clusters to "
                    "at most {found}.")
        else:
            asked_by = "n_cores"
            then = ("each pick is still a different row. Set max_clusters to "
                    "at most {found} (several picks per cluster) or n_cores to "
                    "at most {found}.")

        def fewer(labels):
            # MiniBatchKMeans does not warn where KMeans does: a pool with
            # fewer distinct rows than clusters (its clusters left empty
            # among distinct rows are no such sign).
            found = np.unique(labels).size
            if found < n_clusters and len(unique_rows(X)[0]) < n_clusters:
                return found, n_clusters
            return None

        # At most two OpenMP threads: the clusters repeat bit for bit (see
        # kmeans_openmp_threads).
        with kmeans_openmp_threads():
            labels = _kmeans_in_own_terms(
                lambda: kmeans.fit_predict(np.ldexp(X, exponent) if exponent else X),
                "TypiClustSelector", asked_by, then,
                fewer=fewer if n_clusters > 50 else None)
        return labels, max(exponent, 0)

    def _typicality(self, X, members, exponent=0):
        """1 / mean distance to the nearest neighbours among ``members``
        (1.0 for a single member, which has none), in X's units, measured
        on the members scaled by ``2**exponent`` (exactly).

        The expanded form only screens: its error on a squared distance, tiny
        against typical distances, becomes about 1e-8 of the spread after the
        square root of a distance near 0 (duplicates), enough to break exact
        ties.  So each row's k nearest (and anything within the rounding of
        the k-th) are re-evaluated by direct differences, which are exact for
        duplicates (0) and symmetric, and averaged in ascending order: equal
        neighbour distances give bit-identical typicalities, and the lower
        index wins the tie.
        """
        m = members.size
        if m == 1:
            # No neighbour: the mean is undefined, and the only member is
            # picked whatever its value.  A finite placeholder (documented
            # in typicality_), as NaN there means "cluster not visited".
            return np.ones(1)
        # At most half of the members, as in the authors' code, so that a
        # small cluster's density is not its mean distance to everything.
        k = max(1, min(self.n_neighbors, m // 2))
        exact_rows = np.asarray(X[members], dtype=np.float64)
        if exponent:
            exact_rows = np.ldexp(exact_rows, exponent)
        rows = exact_rows - exact_rows.mean(axis=0)  # centring: accurate screen
        norms = sq_norms(rows)
        # Shifted rows can be twice as far from the mean as the input
        # check's limit allows from the origin: where the expanded form's
        # terms (and the slack's sum of squared norms) could overflow, the
        # screen runs on rows scaled by a power of two (exact; no copy of
        # ordinary rows), the exact distances below on the rows as given.
        rows, _, norms, _ = _fitting(rows, rows[:0], norms, norms[:0])
        # Twice the bound on one screened squared distance's error: the true
        # k nearest are all within this of the screened k-th smallest.
        slack = 2 * _error_bound(np.float64, rows.shape[1]) * (norms + norms.max())
        # Rows with many exact duplicates have as many candidate pairs, all
        # but a few alike: each distinct pair of rows is evaluated once (the
        # same values, so the same bits), not once per copy.
        distinct, row_of = unique_rows(exact_rows)
        mean = np.empty(m)
        # The screened block, plus up to a row of candidate pairs per row
        # (all of them when a row has that many duplicates).
        step = chunk_rows(m, 56 * m + 1)
        for start in range(0, m, step):
            stop = min(m, start + step)
            sq = sq_distances(rows[start:stop], rows, norms[start:stop], norms)
            sq[np.arange(stop - start), np.arange(start, stop)] = np.inf  # self
            kth = np.partition(sq, k - 1, axis=1)[:, k - 1]
            pair_row, pair_col = np.nonzero(sq <= (kth + slack[start:stop])[:, None])
            del sq
            if row_of is None:
                exact = self._pair_distances(exact_rows, start + pair_row,
                                             pair_col)
            else:
                n_distinct = len(distinct)
                pairs, back = np.unique(
                    row_of[start + pair_row] * n_distinct + row_of[pair_col],
                    return_inverse=True)
                exact = self._pair_distances(distinct, pairs // n_distinct,
                                             pairs % n_distinct)[back.ravel()]
            order = np.lexsort((exact, pair_row))
            pair_row, exact = pair_row[order], exact[order]
            first = np.searchsorted(pair_row, np.arange(stop - start))
            rank = np.arange(pair_row.size) - first[pair_row]
            keep = rank < k
            # bincount adds in array order: each row's k smallest, ascending.
            mean[start:stop] = np.bincount(pair_row[keep], weights=exact[keep],
                                           minlength=stop - start) / k
        with np.errstate(divide="ignore"):
            # Duplicates of a point are infinitely typical.
            return np.ldexp(1.0 / mean, exponent)

    @staticmethod
    def _pair_distances(rows, first, second):
        """Distances from ``rows[first]`` to ``rows[second]``, by direct
        differences, in blocks of ``working_memory``."""
        exact = np.empty(first.size)
        step = chunk_rows(first.size, 16 * rows.shape[1] + 1)
        for p in range(0, first.size, step):
            q = min(first.size, p + step)
            diff = rows[second[p:q]] - rows[first[p:q]]
            exact[p:q] = np.sqrt(sq_norms(diff))
        return exact

    def _select(self, X, n_select, random_state):
        n = X.shape[0]
        n_clusters = n_select if self.max_clusters is None else min(
            n_select, self.max_clusters)
        labels, exponent = self._cluster(X, n_clusters, random_state)
        order = np.argsort(labels, kind="stable")
        bounds = np.searchsorted(labels[order], np.arange(n_clusters + 1))
        members = [order[bounds[c]: bounds[c + 1]] for c in range(n_clusters)]
        sizes = np.diff(bounds)
        eligible = sizes >= self.min_cluster_size
        if sizes[eligible].sum() < n_select:
            eligible = sizes > 0  # not enough room: small clusters too
        picks = np.zeros(n_clusters, dtype=np.intp)
        typicality = np.full(n, np.nan)
        remaining = list(members)  # per cluster, its unselected members, ascending
        selected = np.empty(n_select, dtype=np.intp)
        for t in range(n_select):
            room = eligible & (picks < sizes)
            candidates = np.flatnonzero(room)
            # Fewest picks first, then larger clusters, then lower number.
            best = candidates[np.lexsort((candidates, -sizes[candidates],
                                          picks[candidates]))[0]]
            score = self._typicality(X, remaining[best], exponent)
            if picks[best] == 0:
                typicality[members[best]] = score
            where = int(np.argmax(score))  # first maximum: the lower index
            selected[t] = remaining[best][where]
            remaining[best] = np.delete(remaining[best], where)
            picks[best] += 1
        self.labels_ = labels
        self.typicality_ = typicality
        self.selection_order_ = selected
        return selected


class ProbCoverSelector(BaseCoreSelector):
    """ProbCover: greedy maximum coverage with balls of a purity-tuned radius.

    Every sample x covers the samples y with D(x, y) < radius (itself included),
    as in the paper. Samples are selected one at a time: the one whose ball
    covers the most samples not yet covered (ties: the lower index), whose
    ball's samples then count as covered. Once everything is covered the
    remaining picks are drawn uniformly at random from the unselected samples.
    Where every ball holds the whole pool (``radius_`` inf, or a ``radius``
    beyond the pool's diameter), all balls tie: the first pick is row 0,
    whatever ``random_state``, and only the others are random.

    Without an explicit ``radius``, it is the largest delta whose ball
    *purity* is at least ``purity_threshold``: purity(delta) is the share of
    samples whose delta-ball holds only samples of their own k-means cluster,
    k-means with ``n_classes`` clusters (the expected number of classes).
    Purity only falls as delta grows and a sample's ball stays pure up to
    the distance of its nearest sample in another cluster, so the largest
    such delta is found from those distances (no grid search), minus a
    relative 1e-6 against rounding.

    The ball graph is a sparse radius-neighbour graph; its size is the number
    of (sample, neighbour) pairs within the radius, never N x N unless the
    radius makes the graph dense.  It is held at 4 bytes a pair (about 12
    at the fit's peak), built from radius queries in row chunks whose
    temporaries fit scikit-learn's ``working_memory``, each pair decided
    as one query of the whole pool would.  A pair whose two distances the search
    rounds to different sides of the radius is decided once, by its direct
    difference, so that y is in x's ball exactly when x is in y's.  The
    nearest-other-cluster distances are computed in row chunks of
    scikit-learn's ``working_memory`` (in square tiles within it where a
    chunk would hold fewer than 256 rows: a setting of a few MiB, or a pool
    of more than half a million rows at the default), by
    scikit-learn's expanded form on BLAS, whose last bits depend on the
    chunk length: ``radius_`` can differ in its last bits with that setting
    (the picks only if a distance falls within those bits of the radius;
    not on pools whose products are exact, such as digits' pixels or
    float16 embeddings).
    Memory stays bounded, but time grows as N^2 (every pair of samples is
    compared, by the radius search and by the graph): 1.2 to 24 minutes on
    the 60,000-65,000-row benchmark pools (depending on the radius and on
    the machine's load), impractical beyond a few hundred thousand rows.
    The purity's k-means runs on at most two OpenMP threads (fewer if the
    calling thread is limited to one), so that its clusters repeat bit for
    bit from run to run.
    Without a ``radius`` (k-means clusters a centred copy of X) or with
    ``metric="cosine"`` (the balls are those of an L2-normalised copy), it
    copies a memory-mapped pool whole.  With a ``radius`` and the Euclidean
    metric, scikit-learn's radius search keeps a C-ordered copy of a pool
    that is not C-contiguous (a Fortran-ordered array, a view such as
    ``X[:, :-1]``), and below 16 features its k-d tree holds a float64 copy
    of a float32 pool (a C-contiguous float64 pool is used in place).  A
    pool of extreme scale (float32 values under about 1e-16, say, whose
    squared distances would underflow) is copied scaled by a power of two,
    which rounds nothing: its balls and picks are those of the pool at an
    ordinary scale, ``radius`` and ``radius_`` in the units of X.  A pool
    far from the origin (its mean more than 32 times its root-mean-square
    spread from it, a float64 pool of unit spread moved by 1e6, say) is
    measured on a centred copy, in X's dtype: the distances are the same,
    but the search's expanded form rounds in proportion to the squared
    norms, which there swamped the distances (another radius and other
    picks than the same pool near the origin; radius 0 at 1e9).  Ordinary
    pools are used as they are.

    Parameters
    ----------
    n_cores : {"auto", "paper"}, int or float, default="auto"
        How many samples to select: ``"auto"`` is 5 % of the pool (at most
        a sampler's budget), ``"paper"`` the paper's 0.5 % (at most the
        budget), an int is a count, a float in (0, 1] a fraction.
    n_classes : int, default=10
        Expected number of classes: the number of k-means clusters that
        define purity.  Ignored when ``radius`` is given.
    radius : float or None, default=None
        Ball radius delta; None chooses it by purity.  With
        ``metric="cosine"`` it is a Euclidean distance between L2-normalised
        rows, ``sqrt(2 * (1 - cos))`` (at most 2, the unit of the authors'
        deltas), not the cosine distance ``1 - cos`` of the rest of the
        library: balls of cosine distance c have ``radius=sqrt(2 * c)``.
    purity_threshold : float, default=0.95
        Smallest acceptable purity (alpha in the paper).
    metric : {"euclidean", "cosine"}, default="euclidean"
        Geometry of the balls and of k-means: Euclidean on X as given, or
        Euclidean on L2-normalised rows (equivalent to cosine distance; the
        geometry of the authors' code, which normalises the features).
    random_state : int, RandomState instance or None, default=None
        Seed of k-means and of the random picks after full coverage; the
        greedy picks (row 0 alone where every ball holds the whole pool)
        depend on it only through the purity radius's k-means.

    Attributes
    ----------
    selected_indices_ : ndarray of shape (n_cores,)
        Selected row numbers, ascending.
    selection_order_ : ndarray of shape (n_cores,)
        The same rows in the order they were picked.
    radius_ : float
        The radius used, in the unit of ``radius`` (inf when any radius
        meets ``purity_threshold``: one cluster, where every ball is pure,
        or ``purity_threshold=0``).
    purity_ : float or None
        Purity at ``radius_`` (None when ``radius`` was given).
    coverage_ : float
        Share of the pool covered by the selected balls.
    n_covering_picks_ : int
        Picks made by the greedy coverage; the rest (if any) were random.
        The greedy picks do not depend on ``n_cores``: a smaller selection
        with the same radius is a prefix of ``selection_order_``.
    n_edges_ : int
        Non-zeros of the ball graph (self-loops included); N x N, and the
        graph not built, when ``radius_`` is inf or a given ``radius``
        exceeds the pool's diameter.
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    TypiClustSelector : Typical samples of k-means clusters.

    Notes
    -----
    Under ``sklearn.config_context(assume_finite=True)``, which skips the
    input check, the other Euclidean core selectors refuse values past that
    check's limits (squared distances that overflow the pool's dtype, or
    all underflow to 0 in float64) with its message.  ProbCover takes
    them: it measures a pool of extreme scale on a copy scaled by a power
    of two (see above), so its balls, radius and picks are those of the
    pool at an ordinary scale, for values anywhere in the range of the
    dtype's normal numbers (up to about 1.8e308 in float64; subnormal
    values have lost bits before any scaling).  Without
    ``assume_finite`` the input check refuses such pools, as it does for
    every Euclidean estimator.

    References
    ----------
    Ofer Yehuda, Avihu Dekel, Guy Hacohen, Daphna Weinshall. *Active Learning
    Through a Covering Lens.* NeurIPS 2022 (arXiv:2205.11320).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn_bilaf.baselines import ProbCoverSelector
    >>> X, y = make_blobs(300, centers=3, random_state=0)
    >>> selector = ProbCoverSelector(n_cores=6, n_classes=3, random_state=0).fit(X)
    >>> sorted(set(y[selector.selected_indices_].tolist()))
    [0, 1, 2]
    >>> bool(selector.purity_ >= 0.95)
    True
    """

    _parameter_constraints: dict = {
        **BaseCoreSelector._parameter_constraints,
        "n_classes": [Count(1, None, closed="left")],
        "radius": [None, Number(0, None, closed="neither")],
        "purity_threshold": [Number(0, 1, closed="both")],
        "metric": [StrOptions({"euclidean", "cosine"})],
    }

    def __init__(self, n_cores="auto", n_classes=10, radius=None,
                 purity_threshold=0.95, metric="euclidean", random_state=None):
        self.n_cores = n_cores
        self.n_classes = n_classes
        self.radius = radius
        self.purity_threshold = purity_threshold
        self.metric = metric
        self.random_state = random_state

    def _pure_radius(self, X, random_state):
        """Largest radius with purity >= the threshold, and that purity."""
        n = X.shape[0]
        n_clusters = min(self.n_classes, n)
        # On a pool of extreme scale, k-means runs on a rescaled copy (see
        # _scale_exponent); the distances below are those of X as given.
        exponent = _scale_exponent(X)
        # At most two OpenMP threads: the clusters repeat bit for bit (see
        # kmeans_openmp_threads).
        asked_by = "n_classes" if n_clusters == self.n_classes else (
            f"n_classes={self.n_classes} (capped at the pool's {n} rows)")
        with kmeans_openmp_threads():
            labels = _kmeans_in_own_terms(
                lambda: KMeans(n_clusters=n_clusters, n_init="auto",
                               random_state=random_state).fit_predict(
                    np.ldexp(X, exponent) if exponent else X),
                "ProbCoverSelector", asked_by,
                "the purity radius is found with those {found}. Set n_classes "
                "to at most {found}.")
        if n_clusters == 1:
            return np.inf, 1.0
        # Distance of each sample to its nearest sample in another cluster.
        nearest_other = _nearest_other_cluster(X, labels, n_clusters)
        # A ball is pure iff radius <= nearest_other (the graph keeps
        # distances < radius).  The largest radius leaving at least
        # ceil(threshold * n) balls pure is just below the sorted distance
        # at position n - that count; "just below" is a relative 1e-6, far
        # above the rounding of the distances, so that the radius graph
        # (computed separately) agrees with the purity computed here.
        need = int(np.ceil(self.purity_threshold * n - 1e-9))
        if need == 0:
            radius = np.inf  # any radius is pure enough
        else:
            ordered = np.sort(nearest_other)
            limit = ordered[n - need]
            radius = float(limit * (1 - _RADIUS_MARGIN))
        # Pure balls: radius <= nearest_other (inf when k-means left the
        # other clusters empty, e.g. fewer distinct rows than n_classes).
        purity = float(np.mean(nearest_other >= radius))
        return radius, purity

    def _select(self, X, n_select, random_state):
        n = X.shape[0]
        Xg = _in_geometry(X, self.metric)
        if self.metric == "cosine":
            # Rows of one direction (or its opposite) normalise to two
            # points: every ball holds half the pool, and the picks were
            # decided by ties, silently.
            _warn_cosine_picks_arbitrary("ProbCoverSelector", X, n_select)
        # The purity distances and the radius search take squared distances
        # in the dtype of X: float32 rows under about 1e-19 underflowed to
        # distance 0 (radius 0, every ball its sample alone).  On a pool of
        # such extreme scale (see _scale_exponent) both run on a copy scaled
        # by a power of two, which rounds nothing: the same balls, the
        # radius reported in the units of X.
        # Under assume_finite, values past the input check's limits are
        # taken, not refused as by the other Euclidean core selectors: the
        # scaled copy measures them exactly (see the class's Notes).
        peak = _largest_abs(Xg)
        if not math.isfinite(peak):
            # NaN or inf in X, unchecked under assume_finite: the k-means
            # and distances below warned on them and selected from them.
            _refuse_unchecked_non_finite(X)
        exponent = _scale_exponent(Xg, peak)
        if exponent:
            Xg = np.ldexp(Xg, exponent)
        # Far from the origin the expanded form's rounding swamps the
        # distances: such a pool is centred (see _near_the_origin).
        Xg = _near_the_origin(Xg)
        if self.radius is None:
            radius, purity = self._pure_radius(Xg, random_state)
        else:
            # A radius past float64's range on the scaled pool is past its
            # diameter too: inf, no graph.
            with np.errstate(over="ignore"):
                radius = float(np.ldexp(float(self.radius), exponent))
            purity = None
        self.radius_ = (float(self.radius) if self.radius is not None
                        else float(np.ldexp(radius, -exponent)))
        if not np.isfinite(radius) or (self.radius is not None
                                        and _covers_every_pair(Xg, radius)):
            # Any ball is pure (one cluster, or a threshold of 0), or a given
            # radius exceeds the pool's diameter: every ball holds the whole
            # pool, so the first greedy pick (the lowest index) covers it and
            # the rest are random, as the graph would have it; no N x N
            # graph.
            order = np.empty(n_select, dtype=np.intp)
            order[0] = 0
            order[1:] = random_state.choice(np.arange(1, n), size=n_select - 1,
                                            replace=False)
            self.n_covering_picks_ = 1
            self.purity_ = purity
            self.coverage_ = 1.0
            self.n_edges_ = n * n
            self.selection_order_ = order
            return order
        indptr, indices = _ball_graph(Xg, radius)
        # Symmetric graph: row x lists both the samples x covers and the
        # samples whose balls cover x.
        uncovered_in_ball = np.diff(indptr).astype(np.int64)
        covered = np.zeros(n, dtype=bool)
        chosen = np.zeros(n, dtype=bool)
        order = np.empty(n_select, dtype=np.intp)
        t = 0
        while t < n_select:
            best = int(np.argmax(uncovered_in_ball))
            if uncovered_in_ball[best] <= 0:
                break
            order[t] = best
            chosen[best] = True
            t += 1
            ball = indices[indptr[best]: indptr[best + 1]]
            fresh = ball[~covered[ball]]
            covered[fresh] = True
            # Every ball containing a freshly covered sample loses it, taken
            # for groups of fresh samples whose balls' positions (8 bytes
            # each, and 4 for their members) fit working_memory: the first
            # picks of a dense graph reach most of its edges.
            ends = np.cumsum(indptr[fresh + 1] - indptr[fresh])
            limit = max(1, working_memory_bytes() // 16)
            first = 0
            while first < fresh.size:
                base = ends[first - 1] if first else 0
                last = max(first + 1, int(np.searchsorted(ends, base + limit,
                                                          side="right")))
                group = fresh[first:last]
                starts, stops = indptr[group], indptr[group + 1]
                lengths = stops - starts
                if lengths.sum():
                    flat = np.repeat(stops - lengths.cumsum(), lengths) + np.arange(
                        lengths.sum())
                    uncovered_in_ball -= np.bincount(indices[flat], minlength=n)
                first = last
        if t < n_select:
            rest = np.flatnonzero(~chosen)
            order[t:] = random_state.choice(rest, size=n_select - t, replace=False)
        self.n_covering_picks_ = t
        self.purity_ = purity
        self.coverage_ = float(covered.mean())
        self.n_edges_ = int(indices.size)
        self.selection_order_ = order
        return order
