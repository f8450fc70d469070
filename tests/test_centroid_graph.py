"""ActiveFT's approximate top-centroid search (centroid_search="graph")."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_bilaf import _centroid_graph
from sklearn_bilaf import core as core_module
from sklearn_bilaf._centroid_graph import CentroidGraphSearch
from sklearn_bilaf.core import ActiveFTSelector


def _blobs(n=2000, d=16, centers=20, seed=0, dtype=np.float32):
    rng = np.random.RandomState(seed)
    means = rng.normal(size=(centers, d)) * 2
    X = means[rng.randint(centers, size=n)] + rng.normal(size=(n, d))
    return X.astype(dtype)


def _unit(A):
    return A / np.linalg.norm(A, axis=1, keepdims=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_complete_graph_finds_the_exact_top_centroid(dtype):
    # With every centroid a neighbour of every other, one greedy move from
    # any start reaches the global maximum.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(500, 8)).astype(dtype)
    C = _unit(rng.normal(size=(40, 8))).astype(dtype)
    search = CentroidGraphSearch(500, 40, n_neighbors=39)
    search.prepare(C)
    search.winners[:] = rng.randint(40, size=500)
    winner, product = search.top(X, np.arange(500), C, np.ascontiguousarray(C.T))
    exact = X @ C.T
    np.testing.assert_array_equal(winner, exact.argmax(axis=1))
    np.testing.assert_allclose(product, exact.max(axis=1), rtol=1e-5)
    np.testing.assert_array_equal(search.winners, winner)
    assert search.n_walked == 500 and search.n_exhaustive == 0


def test_rows_seen_for_the_first_time_are_searched_exhaustively():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 6))
    C = _unit(rng.normal(size=(50, 6)))
    search = CentroidGraphSearch(1000, 50, n_neighbors=3)
    search.prepare(C)
    rows = np.arange(100, 400)
    winner, _ = search.top(X, rows, C, np.ascontiguousarray(C.T))
    np.testing.assert_array_equal(winner, (X @ C.T).argmax(axis=1))
    assert search.n_exhaustive == 300 and search.n_walked == 0
    assert np.all(search.winners[:100] == -1) and np.all(search.winners[400:] == -1)


def test_walk_ends_at_a_local_maximum_of_the_graph():
    rng = np.random.RandomState(2)
    X = rng.normal(size=(200, 5))
    C = _unit(rng.normal(size=(30, 5)))
    search = CentroidGraphSearch(200, 30, n_neighbors=4)
    search.prepare(C)
    search.winners[:] = rng.randint(30, size=200)
    winner, product = search.top(X, np.arange(200), C, np.ascontiguousarray(C.T))
    sims = X @ C.T
    for i in range(200):
        # No neighbour of the final centroid is more similar to the row.
        assert np.all(sims[i, search.neighbours[winner[i]]] <= product[i] + 1e-12)
        assert sims[i, winner[i]] == pytest.approx(product[i])



def test_walk_ties_go_to_the_lower_centroid_index():
    """_walk: a move needs a more similar neighbour, or an equally similar one
    of lower index: between equally similar centroids the walk ends at the
    lower centroid index (from centroid 2 it moves to the tied centroid 1,
    from centroid 1 it does not move to 2)."""
    C = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])  # centroids 1 and 2 tie
    X = np.array([[0.0, 1.0]])
    search = CentroidGraphSearch(1, 3, n_neighbors=2)
    search.prepare(C)
    for start in (0, 1, 2):
        search.winners[:] = start
        winner, product = search.top(X, np.arange(1), C, np.ascontiguousarray(C.T))
        assert winner.tolist() == [1] and product[0] == 1.0


def test_graph_links_each_centroid_to_its_most_similar_centroids():
    rng = np.random.RandomState(3)
    C = _unit(rng.normal(size=(25, 4)))
    search = CentroidGraphSearch(10, 25, n_neighbors=5, refresh=3)
    search.prepare(C, block_rows=7)
    sims = C @ C.T
    np.fill_diagonal(sims, -np.inf)
    expected = np.argsort(-sims, axis=1, kind="stable")[:, :5]
    np.testing.assert_array_equal(search.neighbours, expected)
    graph = search.neighbours
    search.prepare(C[::-1].copy())  # calls 2 and 3 keep the graph
    search.prepare(C[::-1].copy())
    assert search.neighbours is graph
    search.prepare(C[::-1].copy())  # call 4 rebuilds it
    assert search.neighbours is not graph


def test_single_centroid():
    X = np.ones((5, 3))
    C = _unit(np.ones((1, 3)))
    search = CentroidGraphSearch(5, 1)
    search.prepare(C)
    for _ in range(2):
        winner, _ = search.top(X, np.arange(5), C, np.ascontiguousarray(C.T))
        np.testing.assert_array_equal(winner, 0)


def test_auto_is_exact_below_the_threshold_and_graph_above(monkeypatch):
    X = _blobs(n=600)
    small = ActiveFTSelector(n_cores=10, max_iter=3, random_state=0).fit(X)
    exact = ActiveFTSelector(n_cores=10, max_iter=3, random_state=0,
                             centroid_search="exact").fit(X)
    assert small.centroid_search_ == "exact"
    np.testing.assert_array_equal(small.loss_curve_, exact.loss_curve_)
    monkeypatch.setattr(core_module, "AUTO_MIN_CENTROIDS", 10)
    large = ActiveFTSelector(n_cores=10, max_iter=3, random_state=0).fit(X)
    assert large.centroid_search_ == "graph"
    assert _centroid_graph.AUTO_MIN_CENTROIDS == 2048


@pytest.mark.parametrize("batch_size", [None, 700])
def test_graph_search_selection_is_close_to_the_exact_one(batch_size):
    X = _blobs(n=3000, d=16, centers=30, seed=4)
    kwargs = dict(n_cores=60, max_iter=40, batch_size=batch_size, random_state=0)
    exact = ActiveFTSelector(centroid_search="exact", **kwargs).fit(X)
    graph = ActiveFTSelector(centroid_search="graph", **kwargs).fit(X)
    assert graph.centroid_search_ == "graph"
    np.testing.assert_allclose(graph.loss_curve_, exact.loss_curve_, rtol=1e-3)
    overlap = np.intersect1d(graph.selected_indices_, exact.selected_indices_).size
    assert overlap >= 54
    assert np.unique(graph.selected_indices_).size == 60



def test_graph_search_draws_the_same_batches_as_the_exact_search(monkeypatch):
    """The graph index seed comes from a *copy* of random_state, so the batches
    (and the start) do not depend on centroid_search / the graph builder."""
    seen = {}
    original = core_module._ActiveFTObjective.__call__

    def spy(self, theta, rows=None, c_bar=None):
        seen.setdefault(self.search is None, []).append(np.array(rows))
        return original(self, theta, rows=rows, c_bar=c_bar)

    monkeypatch.setattr(core_module._ActiveFTObjective, "__call__", spy)
    X = _blobs(n=400, seed=6)
    kwargs = dict(n_cores=12, max_iter=4, batch_size=150, random_state=2)
    exact = ActiveFTSelector(centroid_search="exact", **kwargs).fit(X)
    graph = ActiveFTSelector(centroid_search="graph", **kwargs).fit(X)
    np.testing.assert_array_equal(graph.init_indices_, exact.init_indices_)
    assert len(seen[True]) == len(seen[False]) == 4
    for a, b in zip(seen[True], seen[False], strict=True):
        np.testing.assert_array_equal(a, b)


def test_graph_search_is_deterministic_and_thread_count_invariant(monkeypatch):
    from threadpoolctl import threadpool_limits

    monkeypatch.setattr(core_module, "_ACTIVEFT_GRAPH_BLOCK_ROWS", 300)
    monkeypatch.setattr(_centroid_graph, "EXHAUSTIVE_BLOCK_ROWS", 128)
    X = _blobs(n=2000, seed=5)
    kwargs = dict(n_cores=40, max_iter=25, batch_size=900, random_state=1,
                  centroid_search="graph")
    with threadpool_limits(limits=1, user_api="blas"):
        single = ActiveFTSelector(**kwargs).fit(X)
    monkeypatch.setattr(core_module, "blas_threads", lambda: 3)
    threaded = ActiveFTSelector(**kwargs).fit(X)
    again = ActiveFTSelector(**kwargs).fit(X)
    np.testing.assert_array_equal(threaded.loss_curve_, single.loss_curve_)
    np.testing.assert_array_equal(threaded.selected_indices_, single.selected_indices_)
    np.testing.assert_array_equal(again.centroids_, threaded.centroids_)


def test_graph_search_reads_a_readonly_memory_map(tmp_path):
    X = _blobs(n=1500, seed=6)
    path = tmp_path / "pool.npy"
    np.save(path, X)
    pool = np.load(path, mmap_mode="r")
    kwargs = dict(n_cores=30, max_iter=10, batch_size=500, random_state=0,
                  centroid_search="graph")
    from_map = ActiveFTSelector(**kwargs).fit(pool)
    in_memory = ActiveFTSelector(**kwargs).fit(X)
    np.testing.assert_array_equal(from_map.selected_indices_,
                                  in_memory.selected_indices_)


def test_bad_centroid_search():
    with pytest.raises(InvalidParameterError):
        ActiveFTSelector(centroid_search="pynndescent").fit(_blobs(n=200))


# -- centroid graph built with pynndescent (centroid_graph="nndescent") -----
# The first pynndescent build in a process compiles it with numba (about 40 s
# here), so every test that builds an index is marked slow.

def _unit_clusters(K, d=24, seed=0):
    rng = np.random.RandomState(seed)
    means = rng.normal(size=(max(4, K // 40), d))
    C = means[rng.randint(means.shape[0], size=K)] + 0.5 * rng.normal(size=(K, d))
    return _unit(C).astype(np.float32)


@pytest.mark.slow
def test_nndescent_graph_finds_most_of_the_exact_neighbours():
    C = _unit_clusters(600)
    exact = CentroidGraphSearch(1, 600, n_neighbors=10)
    exact.prepare(C)
    approx = CentroidGraphSearch(1, 600, n_neighbors=10, builder="nndescent", seed=3)
    approx.prepare(C)
    graph = approx.neighbours
    assert graph.shape == (600, 10) and graph.dtype == np.int32
    assert not np.any(graph == np.arange(600)[:, None])  # no self links
    hits = sum(np.intersect1d(graph[i], exact.neighbours[i]).size for i in range(600))
    assert hits / exact.neighbours.size >= 0.9
    # Most similar first, as in the exact graph.
    sims = np.einsum("kd,kmd->km", C, C[graph])
    assert np.mean(np.diff(sims, axis=1) <= 1e-6) > 0.99


@pytest.mark.slow
def test_nndescent_graph_is_deterministic():
    import numba

    C = _unit_clusters(500, seed=1)
    graphs = []
    before = numba.get_num_threads()
    # The build runs on one numba thread whatever the caller's setting.
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        try:
            search = CentroidGraphSearch(1, 500, n_neighbors=8,
                                         builder="nndescent", seed=7)
            search.prepare(C)
        finally:
            numba.set_num_threads(before)
        graphs.append(search.neighbours)
    np.testing.assert_array_equal(graphs[0], graphs[1])


def test_nndescent_falls_back_to_exact_for_few_centroids():
    search = CentroidGraphSearch(1, 60, n_neighbors=32, builder="nndescent")
    assert search.builder == "exact"
    with pytest.raises(ValueError):
        CentroidGraphSearch(1, 60, builder="annoy")



def test_nndescent_graph_pads_unfilled_rows_with_the_centroid_itself(monkeypatch):
    """Rows the index could not fill (-1, as pynndescent marks them) are
    padded with the centroid itself, behind its neighbours, which the walk
    skips: left as -1 they would name the last centroid as a neighbour."""
    import pynndescent

    class Index:
        def __init__(self, C, n_neighbors, **kwargs):
            # Centroid itself first, then neighbours; -1 where none was found.
            self.neighbor_graph = (np.array([[0, 2, 1, -1],
                                             [1, 0, -1, -1],
                                             [2, 1, 0, 3],
                                             [3, -1, -1, -1]]), None)

    monkeypatch.setattr(pynndescent, "NNDescent", Index)
    graph = _centroid_graph.nndescent_graph(np.eye(4, dtype=np.float32), 3, seed=0)
    np.testing.assert_array_equal(graph, [[2, 1, 0], [0, 1, 1], [1, 0, 3],
                                          [3, 3, 3]])
    assert graph.dtype == np.int32

def test_activeft_documents_that_few_centroids_get_the_exact_graph():
    """centroid_graph="nndescent" with under 132 centroids builds the exact
    graph, which only centroid_graph_ told (the parameter's docs did not)."""
    limit = _centroid_graph._NNDESCENT_MIN_RATIO * (_centroid_graph.GRAPH_NEIGHBORS
                                                    + 1)
    assert CentroidGraphSearch(1, limit - 1, builder="nndescent").builder == "exact"
    # "Fewer than" the limit: at the limit itself the index is built.
    assert CentroidGraphSearch(1, limit, builder="nndescent").builder == "nndescent"
    fitted = ActiveFTSelector(n_cores=40, max_iter=2, random_state=0,
                              centroid_search="graph",
                              centroid_graph="nndescent").fit(_blobs(n=300))
    assert fitted.centroid_graph_ == "exact"
    doc = " ".join(ActiveFTSelector.__doc__.split())
    assert (f"Fewer than {limit} centroids (four times the graph's "
            f"{_centroid_graph.GRAPH_NEIGHBORS} neighbours and the centroid itself) "
            "get the exact graph") in doc
    assert f'"exact" below {limit} centroids' in doc


def test_activeft_init_array_run_depends_on_random_state_by_the_nndescent_seed(
        monkeypatch):
    """With an init array and no batches, random_state still seeds the
    pynndescent index (whose graph differs from seed to seed, and the walks
    with it): the init docs said the run was the same whatever random_state
    unless batch_size was set."""
    seeds = []

    class Recording(CentroidGraphSearch):
        def __init__(self, *args, **kwargs):
            seeds.append(kwargs["seed"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(core_module, "CentroidGraphSearch", Recording)
    X = _blobs(n=300)
    for random_state in (0, 1):
        ActiveFTSelector(init=np.arange(0, 300, 10), max_iter=1,
                         centroid_search="graph", centroid_graph="nndescent",
                         random_state=random_state).fit(X)
    assert seeds[0] != seeds[1]
    doc = " ".join(ActiveFTSelector.__doc__.split())
    init_doc = doc.split("init : ")[1].split("random_state : ")[0]
    assert "unless ``batch_size`` is set or the centroid graph is built" in init_doc


def test_auto_graph_is_exact_below_the_threshold(monkeypatch):
    assert _centroid_graph.PYNNDESCENT_MIN_CENTROIDS == 20000
    assert _centroid_graph.resolve_graph_builder("auto", 19999) == "exact"
    assert _centroid_graph.resolve_graph_builder("auto", 20000) == "nndescent"
    assert _centroid_graph.resolve_graph_builder("exact", 10**6) == "exact"
    X = _blobs(n=1500, seed=7)
    kwargs = dict(n_cores=200, max_iter=3, batch_size=600, random_state=0,
                  centroid_search="graph")
    default = ActiveFTSelector(**kwargs).fit(X)
    exact = ActiveFTSelector(centroid_graph="exact", **kwargs).fit(X)
    assert default.centroid_graph_ == "exact"
    np.testing.assert_array_equal(default.loss_curve_, exact.loss_curve_)
    np.testing.assert_array_equal(default.centroids_, exact.centroids_)
    exact_search = ActiveFTSelector(n_cores=200, max_iter=3, random_state=0,
                                    centroid_search="exact").fit(X)
    assert exact_search.centroid_graph_ is None


@pytest.mark.slow
def test_auto_graph_is_nndescent_above_the_threshold(monkeypatch):
    monkeypatch.setattr(_centroid_graph, "PYNNDESCENT_MIN_CENTROIDS", 200)
    X = _blobs(n=1500, seed=7)
    kwargs = dict(n_cores=200, max_iter=3, batch_size=600, random_state=0,
                  centroid_search="graph")
    large = ActiveFTSelector(**kwargs).fit(X)
    assert large.centroid_graph_ == "nndescent"
    forced = ActiveFTSelector(centroid_graph="nndescent", **kwargs).fit(X)
    np.testing.assert_array_equal(large.centroids_, forced.centroids_)
    monkeypatch.setattr(_centroid_graph, "PYNNDESCENT_MIN_CENTROIDS", 201)
    assert ActiveFTSelector(**kwargs).fit(X).centroid_graph_ == "exact"


@pytest.mark.slow
def test_nndescent_graph_fit_is_deterministic_and_thread_count_invariant(monkeypatch):
    from threadpoolctl import threadpool_limits

    monkeypatch.setattr(core_module, "_ACTIVEFT_GRAPH_BLOCK_ROWS", 300)
    X = _blobs(n=2000, seed=8)
    kwargs = dict(n_cores=200, max_iter=25, batch_size=900, random_state=1,
                  centroid_search="graph", centroid_graph="nndescent")
    with threadpool_limits(limits=1, user_api="blas"):
        single = ActiveFTSelector(**kwargs).fit(X)
    assert single.centroid_graph_ == "nndescent"
    monkeypatch.setattr(core_module, "blas_threads", lambda: 3)
    threaded = ActiveFTSelector(**kwargs).fit(X)
    again = ActiveFTSelector(**kwargs).fit(X)
    np.testing.assert_array_equal(threaded.loss_curve_, single.loss_curve_)
    np.testing.assert_array_equal(threaded.selected_indices_, single.selected_indices_)
    np.testing.assert_array_equal(again.centroids_, threaded.centroids_)
    # Close to the exact graph's run with the same batches.
    exact = ActiveFTSelector(**{**kwargs, "centroid_graph": "exact"}).fit(X)
    overlap = np.intersect1d(exact.selected_indices_, single.selected_indices_).size
    assert overlap >= 180
    np.testing.assert_allclose(single.loss_curve_, exact.loss_curve_, rtol=1e-3)


def test_bad_centroid_graph():
    with pytest.raises(InvalidParameterError):
        ActiveFTSelector(centroid_graph="annoy").fit(_blobs(n=200))


def test_exact_graph_build_holds_two_block_sized_arrays():
    """A block of the exact build held its similarities, their negation
    and argpartition's indices, three block_rows x K arrays, beside a
    transpose of the centroids of its own, though ActiveFT's objective has
    one: the similarities are negated in place and the caller's transpose
    is taken."""
    import tracemalloc

    from threadpoolctl import threadpool_limits

    rng = np.random.RandomState(0)
    K, d = 1000, 1024
    C = _unit(rng.normal(size=(K, d)))
    C_t = np.ascontiguousarray(C.T)
    expected = CentroidGraphSearch(10, K)
    expected.prepare(C)
    block = 512 * K * 8
    for given in (None, C_t):
        search = CentroidGraphSearch(10, K)
        with threadpool_limits(1):
            tracemalloc.start()
            try:
                if given is None:
                    search.prepare(C)
                else:
                    search.prepare(C, C_t=given)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        np.testing.assert_array_equal(search.neighbours, expected.neighbours)
        # The similarities and the indices (and the transpose, if made).
        made = C_t.nbytes if given is None else 0
        assert (peak - made) / block < 2.5


def test_graph_search_threads_hold_their_products_within_working_memory():
    """The objective runs as many row blocks at once as working_memory
    holds, but with the graph search it counted a block's rows only, not
    its products with all centroids (EXHAUSTIVE_BLOCK_ROWS x K, for the
    rows not seen yet) nor a block of the exact graph build (512 x K
    similarities and indices): two threads held two of each, 49 and 25 MB
    here, under a 40 MB setting."""
    rng = np.random.RandomState(0)
    n, d, K = 9000, 64, 3000
    X = rng.normal(size=(n, d))
    inv = core_module._inverse_row_norms(X, X.dtype)
    for memory, expected in ((40, 1), (1024, 2)):
        with config_context(working_memory=memory):
            with core_module._ActiveFTObjective(
                    X, inv, 0.07, 1.0, K, n_threads=2,
                    search=CentroidGraphSearch(n, K)) as objective:
                assert objective.n_threads == expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exact_graph_build_blocks_within_activefts_task_cap(dtype, monkeypatch):
    """A block of the exact graph build held 512 x K similarities and
    argpartition's 512 x K int64 indices whatever ActiveFT's per-task cap
    (``_ACTIVEFT_TASK_BYTES``, which caps its other blocks): 512 x K x
    (itemsize + 8) bytes, 1.5 times the cap here (made small).  The
    similarities keep their 512-row products (BLAS rounds a product by its
    shape, and the neighbours follow those bits); the indices are taken
    for as many of a block's rows at a time as fit beside them.  The
    neighbour lists are the same, to the last index."""
    import tracemalloc

    from threadpoolctl import threadpool_limits

    rng = np.random.RandomState(0)
    n, K, d = 3000, 2000, 16
    X = rng.normal(size=(n, d)).astype(dtype)
    inv = core_module._inverse_row_norms(X, X.dtype)
    theta = rng.normal(size=(K, d))
    itemsize = np.dtype(dtype).itemsize
    cap = 512 * K * itemsize + 100 * K * 8
    monkeypatch.setattr(core_module, "_ACTIVEFT_TASK_BYTES", cap)
    prepare = _centroid_graph.CentroidGraphSearch.prepare
    built = []

    def traced(self, C, *args, **kwargs):
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        prepare(self, C, *args, **kwargs)
        built.append((C.copy(), tracemalloc.get_traced_memory()[1] - held))

    monkeypatch.setattr(_centroid_graph.CentroidGraphSearch, "prepare", traced)
    search = CentroidGraphSearch(n, K)
    with threadpool_limits(1), core_module._ActiveFTObjective(
            X, inv, 0.07, 1.0, K, search=search) as objective:
        tracemalloc.start()
        try:
            objective(theta)
        finally:
            tracemalloc.stop()
    (C, peak), = built
    # Beside the graph (K x 32 int32, and its blocks before they are
    # joined), a block's products and its indices.
    graph = 2 * K * search.n_neighbors * 4
    assert peak - graph <= cap, (peak - graph) / cap
    monkeypatch.undo()
    expected = CentroidGraphSearch(n, K)
    with threadpool_limits(1):
        expected.prepare(C)
    np.testing.assert_array_equal(search.neighbours, expected.neighbours)
