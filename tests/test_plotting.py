"""SelectionDisplay: the artists it draws, and its errors."""

import re
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf.core import RandomSelector
from sklearn_bilaf.denoise import IDCDenoiser
from sklearn_bilaf.plotting import SelectionDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

N_SAMPLES, N_CORES, BUDGET = 300, 6, 30


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def pool():
    X, y = make_blobs(n_samples=N_SAMPLES, centers=4, n_features=5,
                      cluster_std=1.5, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def sampler(pool):
    X, _ = pool
    return BiLAFSampler(
        budget=BUDGET,
        core_selector=RandomSelector(N_CORES),
        denoiser=IDCDenoiser(removal_rate=0.2),
        random_state=0,
    ).fit(X)


def _n_points(collection):
    return len(collection.get_offsets())


def _identity(X):
    return X[:, :2]


def test_marker_groups_count_every_sample_once(pool, sampler):
    X, y = pool
    display = SelectionDisplay.from_estimator(sampler, X, y)

    removed = ~sampler.inlier_mask_
    removed[sampler.selected_indices_] = False
    assert _n_points(display.cores_) == N_CORES
    assert _n_points(display.boundary_) == BUDGET - N_CORES
    assert _n_points(display.removed_) == removed.sum() > 0
    assert _n_points(display.pool_) == N_SAMPLES - BUDGET - removed.sum()
    assert display.selected_ is None
    assert display.cores_.get_paths()[0] is not display.boundary_.get_paths()[0]


def test_points_sit_where_the_projection_puts_them(pool, sampler):
    X, _ = pool
    display = SelectionDisplay.from_estimator(sampler, X, projection=_identity)

    cores = np.sort(sampler.core_indices_)
    np.testing.assert_allclose(display.cores_.get_offsets(), X[cores, :2])
    boundary = np.setdiff1d(sampler.selected_indices_, sampler.core_indices_)
    np.testing.assert_allclose(display.boundary_.get_offsets(), X[boundary, :2])
    np.testing.assert_allclose(display.embedding, X[:, :2])
    assert display.ax_.get_xlabel() == "_identity 1"


def test_legend_names_each_group_with_its_count(pool, sampler):
    X, _ = pool
    display = SelectionDisplay.from_estimator(sampler, X)

    n_removed = _n_points(display.removed_)
    texts = [t.get_text() for t in display.legend_.get_texts()]
    assert texts == [
        f"core samples ({N_CORES})",
        f"boundary samples ({BUDGET - N_CORES})",
        f"removed by denoising ({n_removed})",
        f"other samples ({N_SAMPLES - BUDGET - n_removed})",
    ]
    markers = [h.get_marker() for h in display.legend_.legend_handles]
    assert markers == ["*", "o", "x", "o"]


def test_no_legend_when_asked(pool, sampler):
    X, _ = pool
    display = SelectionDisplay.from_estimator(sampler, X, legend=False)
    assert display.legend_ is None
    assert display.ax_.get_legend() is None


def test_colours_follow_true_classes_when_given(pool, sampler):
    X, y = pool
    display = SelectionDisplay.from_estimator(sampler, X, y)

    tab10 = plt.get_cmap("tab10").colors
    cores = np.sort(sampler.core_indices_)
    expected = [to_rgba(tab10[label]) for label in y[cores]]
    np.testing.assert_allclose(display.cores_.get_facecolors(), expected)
    np.testing.assert_allclose(display.colors_[:, :3], np.asarray(tab10)[y])


def test_colours_follow_pseudo_classes_without_y(pool, sampler):
    X, _ = pool
    display = SelectionDisplay.from_estimator(sampler, X)

    palette = np.asarray(plt.get_cmap("tab10").colors)
    np.testing.assert_allclose(display.colors_[:, :3],
                               palette[sampler.labels_])
    # Each core has its own pseudo-class, hence its own colour.
    core_colors = display.cores_.get_facecolors()
    assert len({tuple(c) for c in core_colors}) == N_CORES


def test_many_classes_get_distinct_colours(pool, sampler):
    X, _ = pool
    labels = np.arange(N_SAMPLES) % 25
    display = SelectionDisplay.from_estimator(sampler, X, labels)
    assert len({tuple(c) for c in display.colors_}) == 25


def test_core_selector_alone_draws_one_group(pool):
    X, y = pool
    selector = RandomSelector(n_cores=12, random_state=0).fit(X)
    display = SelectionDisplay.from_estimator(selector, X, y)

    assert _n_points(display.selected_) == 12
    assert _n_points(display.pool_) == N_SAMPLES - 12
    assert display.cores_ is None
    assert display.boundary_ is None
    assert display.removed_ is None
    texts = [t.get_text() for t in display.legend_.get_texts()]
    assert texts == ["selected (12)", f"other samples ({N_SAMPLES - 12})"]


def test_single_colour_without_labels(pool):
    X, _ = pool
    selector = RandomSelector(n_cores=5, random_state=0).fit(X)
    display = SelectionDisplay.from_estimator(selector, X)
    assert len({tuple(c) for c in display.colors_}) == 1


@pytest.mark.parametrize("n_classes, cmap", [(None, None), (4, None), (15, None),
                                             (25, None), (4, "Set1"),
                                             (4, "viridis")])
def test_colours_are_rgba_whatever_the_palette(pool, n_classes, cmap):
    # colors_ is documented as RGBA, (n_samples, 4): tab10 and tab20, the
    # palettes of up to 20 classes, give RGB triples that must be completed.
    X, _ = pool
    selector = RandomSelector(n_cores=5, random_state=0).fit(X)
    labels = None if n_classes is None else np.arange(N_SAMPLES) % n_classes
    display = SelectionDisplay.from_estimator(selector, X, labels, cmap=cmap)
    assert display.colors_.shape == (N_SAMPLES, 4)
    np.testing.assert_array_equal(display.colors_[:, 3], 1.0)


def test_projections(pool, sampler):
    from threadpoolctl import threadpool_limits

    X, _ = pool
    # t-SNE on 40 rows, not the pool's 300, with one OpenMP thread: on two
    # busy cores its threads wait for each other at every one of its 1000
    # iterations (30 to 40 s here, under a second so); what is checked is
    # the same for any number of rows.
    X_tsne = X[:40]
    small = clone(sampler).fit(X_tsne)
    with threadpool_limits(limits=1, user_api="openmp"):
        tsne = SelectionDisplay.from_estimator(small, X_tsne, projection="tsne",
                                               random_state=0)
    assert tsne.embedding.shape == (40, 2)
    assert tsne.ax_.get_xlabel() == "t-SNE 1"

    pca = SelectionDisplay.from_estimator(sampler, X, projection=PCA(2))
    np.testing.assert_allclose(np.abs(pca.embedding),
                               np.abs(PCA(2).fit_transform(X)), atol=1e-8)
    assert pca.ax_.get_xlabel() == "PCA 1"

    coords = SelectionDisplay.from_estimator(small, X_tsne,
                                             projection=tsne.embedding)
    np.testing.assert_array_equal(coords.embedding, tsne.embedding)
    assert coords.ax_.get_xlabel() == "projection 1"

    reused = SelectionDisplay.from_estimator(small, X_tsne, projection=tsne)
    np.testing.assert_array_equal(reused.embedding, tsne.embedding)
    assert reused.ax_.get_xlabel() == "t-SNE 1"


def test_pca_is_deterministic_per_seed(pool, sampler):
    X, _ = pool
    a = SelectionDisplay.from_estimator(sampler, X, random_state=0).embedding
    b = SelectionDisplay.from_estimator(sampler, X, random_state=0).embedding
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pca_of_values_near_the_dtype_maximum(pool, sampler, dtype):
    """PCA's covariance overflowed (RuntimeWarnings, then "Eigenvalues did
    not converge"): the picture of a pool scaled by a power of two is the
    same picture, scaled."""
    import warnings

    X = pool[0].astype(dtype)
    factor = 2.0 ** (np.log2(np.finfo(dtype).max) - np.log2(np.abs(X).max()) - 1)
    factor = 2.0 ** np.floor(np.log2(factor))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        big = SelectionDisplay.from_estimator(sampler, X * dtype(factor),
                                              random_state=0).embedding
    small = SelectionDisplay.from_estimator(sampler, X, random_state=0).embedding
    np.testing.assert_array_equal(big / factor, small)


def test_non_finite_coordinates_are_refused(pool, sampler):
    """Such points were silently missing from the picture."""
    X, _ = pool

    def with_a_hole(Z):
        coords = Z[:, :2].copy()
        coords[7] = np.nan
        return coords

    with pytest.raises(ValueError, match=r"The projection \(with_a_hole\) gave "
                                         r"NaN or infinite coordinates for 1 of "
                                         r"the 300 samples \(row 7\)"):
        SelectionDisplay.from_estimator(sampler, X, projection=with_a_hole)


def test_non_finite_coordinates_given_as_an_array_are_not_blamed_on_x(pool,
                                                                     sampler):
    # "The projection (projection) gave NaN ...; check X for NaN or inf":
    # coordinates passed as an array do not come from X.
    X, _ = pool
    coords = X[:, :2].copy()
    coords[[3, 9]] = np.inf
    with pytest.raises(ValueError, match=r"^The projection array holds NaN or "
                                         r"infinite coordinates for 2 of the 300 "
                                         r"samples \(rows \[3, 9\]\); pass finite "
                                         r"coordinates\.$"):
        SelectionDisplay.from_estimator(sampler, X, projection=coords)


def test_draws_on_given_axes(pool, sampler):
    X, _ = pool
    fig, (left, right) = plt.subplots(1, 2)
    display = SelectionDisplay.from_estimator(sampler, X, ax=right)
    assert display.ax_ is right
    assert display.figure_ is fig
    assert len(left.collections) == 0
    assert len(right.collections) == 4


def test_style_overrides(pool, sampler):
    X, _ = pool
    display = SelectionDisplay.from_estimator(
        sampler, X, core_kw={"s": 500, "marker": "P"},
        legend_kw={"loc": "upper left"},
    )
    np.testing.assert_allclose(display.cores_.get_sizes(), 500)
    assert display.legend_.legend_handles[0].get_marker() == "P"


def test_plot_from_precomputed_values():
    embedding = np.random.RandomState(0).normal(size=(20, 2))
    inlier = np.ones(20, dtype=bool)
    inlier[[0, 1, 2]] = False
    display = SelectionDisplay(embedding, [2, 5, 9], core_indices=[5],
                               inlier_mask=inlier).plot()
    assert _n_points(display.cores_) == 1
    # A selected sample is drawn as selected even if denoising removed it.
    assert _n_points(display.boundary_) == 2
    assert _n_points(display.removed_) == 2
    assert _n_points(display.pool_) == 15


def test_a_core_outside_the_selection_is_drawn_once_and_axes_are_named():
    """A core given outside ``selected_indices`` is a star, not also a dot
    of the pool or a removed cross; both axes carry the projection's name
    (the second with 2)."""
    embedding = np.random.RandomState(0).normal(size=(20, 2))
    inlier = np.ones(20, dtype=bool)
    inlier[[7, 8]] = False
    display = SelectionDisplay(embedding, [2, 5], core_indices=[5, 7],
                               inlier_mask=inlier,
                               projection_name="UMAP").plot()
    assert _n_points(display.cores_) == 2
    assert _n_points(display.boundary_) == 1
    assert _n_points(display.removed_) == 1
    assert _n_points(display.pool_) == 16
    assert display.ax_.get_xlabel() == "UMAP 1"
    assert display.ax_.get_ylabel() == "UMAP 2"


def test_pipeline_ending_with_a_sampler(pool):
    X, y = pool
    pipe = make_pipeline(
        StandardScaler(),
        BiLAFSampler(budget=20, core_selector=RandomSelector(4), random_state=0),
    ).fit(X)
    display = SelectionDisplay.from_estimator(pipe, X, y)
    assert _n_points(display.cores_) == 4
    assert _n_points(display.boundary_) == 16


def _pool_of_texts():
    rng = np.random.RandomState(0)
    words = ["apple", "pear", "plum", "fig", "car", "bus", "train", "bike"]
    return [" ".join(rng.choice(words, 5)) for _ in range(120)]


@pytest.mark.parametrize("kind", ["texts", "sparse", "mixed columns"])
@pytest.mark.parametrize("given", ["estimator", "callable", "coordinates"])
def test_pool_of_a_sampler_pipeline_drawn_with_its_own_projection(kind, given):
    """A sampler pipeline that embeds texts, takes sparse rows or encodes
    string columns was fitted on a pool that is not a numeric array: with a
    projection that takes that pool (or coordinates), the pool was refused
    anyway ("Expected 2D array", "Sparse data was passed", "could not
    convert string to float")."""
    import scipy.sparse as sp
    from sklearn.compose import make_column_transformer
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import OneHotEncoder

    if kind == "texts":
        X = _pool_of_texts()
        embed = TfidfVectorizer()
    elif kind == "sparse":
        X = sp.random(120, 30, density=0.2, format="csr", random_state=0)
        embed = "passthrough"
    else:
        pd = pytest.importorskip("pandas")
        rng = np.random.RandomState(0)
        X = pd.DataFrame({"size": rng.normal(size=120),
                          "colour": rng.choice(["red", "blue", "green"], 120)})
        embed = make_column_transformer((StandardScaler(), ["size"]),
                                        (OneHotEncoder(), ["colour"]))
    sampler = make_pipeline(
        embed, TruncatedSVD(3, random_state=0),
        BiLAFSampler(budget=12, core_selector=RandomSelector(3), random_state=0),
    ).fit(X)
    projector = make_pipeline(embed, TruncatedSVD(2, random_state=0))
    projection = {
        "estimator": projector,
        "callable": lambda pool: clone(projector).fit_transform(pool),
        "coordinates": clone(projector).fit_transform(X),
    }[given]
    display = SelectionDisplay.from_estimator(sampler, X, projection=projection)
    assert display.embedding.shape == (120, 2)
    assert _n_points(display.cores_) == 3
    assert _n_points(display.boundary_) == 9
    # The projections of the package still need numbers, and say so.
    with pytest.raises((TypeError, ValueError),
                       match="pass a projection that takes it"):
        SelectionDisplay.from_estimator(sampler, X)
    # And the row count is still checked against the fitted pool.
    with pytest.raises(ValueError, match="fitted on a pool of 120"):
        SelectionDisplay.from_estimator(
            sampler, X[:60], projection=np.zeros((60, 2)))


def test_projection_of_the_caller_still_gets_a_numeric_pool_as_an_array(pool,
                                                                       sampler):
    """Pools of numbers reach a callable projection as an array, as before
    pools of other kinds were passed on as given; NaN is still refused."""
    pd = pytest.importorskip("pandas")
    X, _ = pool
    seen = []

    def first_two(Z):
        seen.append(type(Z))
        return Z[:, :2]

    display = SelectionDisplay.from_estimator(sampler, pd.DataFrame(X),
                                              projection=first_two)
    assert seen == [np.ndarray]
    np.testing.assert_array_equal(display.embedding, X[:, :2])
    X_nan = X.copy()
    X_nan[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN in 1 row \(row 4\)"):
        SelectionDisplay.from_estimator(sampler, X_nan, projection=first_two)


def _frame_kinds(X):
    """Frames the estimators convert themselves (one copy, C order, float32
    kept): nullable and pyarrow float32 columns, float16, two blocks."""
    pd = pytest.importorskip("pandas")
    frames = {"Float32": pd.DataFrame(X.astype(np.float32)).astype("Float32"),
              "float16": pd.DataFrame(X.astype(np.float16)),
              "two blocks": pd.concat(
                  [pd.DataFrame(X[:, :2]),
                   pd.DataFrame(X[:, 2:], columns=range(2, X.shape[1]))], axis=1)}
    try:
        import pyarrow  # noqa: F401

        frames["float[pyarrow]"] = pd.DataFrame(X.astype(np.float32)).astype(
            "float[pyarrow]")
    except (ImportError, TypeError):
        pass
    return frames


@pytest.mark.parametrize("kind", list(_frame_kinds(np.zeros((1, 5)))))
def test_frame_reaches_the_projection_as_the_estimators_convert_it(pool, sampler,
                                                                  kind):
    """check_array made a Fortran-ordered float64 copy of a Float32 or
    float[pyarrow] frame (twice its float32 values), and kept a float16 one
    in float16: the projection got another array than the estimators."""
    from sklearn_bilaf.base import validate_pool

    X, _ = pool
    frame = _frame_kinds(X)[kind]
    seen = []

    def first_two(Z):
        seen.append(Z)
        return Z[:, :2]

    SelectionDisplay.from_estimator(sampler, frame, projection=first_two)
    expected = validate_pool(BiLAFSampler(5), frame)
    assert seen[0].dtype == expected.dtype
    assert seen[0].flags.c_contiguous
    np.testing.assert_array_equal(seen[0], expected)


def test_bad_frame_gets_the_estimators_errors(pool, sampler):
    """A text or date column, NaN, pd.NA and inf in a frame were told in
    numpy's and scikit-learn's words ("could not convert string to float",
    "Input X contains NaN.", a DTypePromotionError), not in the
    estimators' (which column, which rows)."""
    pd = pytest.importorskip("pandas")
    X, _ = pool
    columns = list("abcde")
    text = pd.DataFrame(X, columns=columns).assign(e=["red"] * len(X))
    with pytest.raises(ValueError, match=r"The column \['e'\] of X holds values "
                                         r"that are not numbers.*"
                                         r"projection='pca' is fitted on X"):
        SelectionDisplay.from_estimator(sampler, text)
    dates = pd.DataFrame(X, columns=columns).assign(
        e=pd.date_range("2020-01-01", periods=len(X)))
    with pytest.raises(ValueError, match=r"X holds dates or times in column 'e'"):
        SelectionDisplay.from_estimator(sampler, dates)
    for value, what in [(np.nan, "NaN"), (pd.NA, "NaN"),
                        (np.inf, "infinite values")]:
        frame = pd.DataFrame(X, columns=columns).astype(
            "Float64" if value is pd.NA else np.float16)
        frame.iloc[4, 1] = value
        with pytest.raises(ValueError, match=rf"^X contains {what} in 1 row "
                                             r"\(row 4\): embeddings must be") as info:
            SelectionDisplay.from_estimator(sampler, frame, projection=_identity)
        if value is np.inf:
            # The float16 hint, from the frame (its values are float32).
            assert "X.astype(np.float32)" in str(info.value)


@pytest.mark.parametrize("kind", ["object array", "one entry", "object rows"])
def test_text_spelling_numbers_is_refused_by_the_projections(pool, sampler,
                                                             kind):
    """An object array (or a list of object rows) of text that spells
    numbers ("1.5") was drawn by projection="pca" as the numbers it spells,
    where frames and numpy arrays of text are refused, as the estimators
    refuse them; a projection of the caller's gets it as given."""
    X, _ = pool
    given = X.astype(object)
    if kind == "one entry":
        given[3, 2] = str(X[3, 2])
        where = r"X\[3, 2\]"
    else:
        given[:, 1] = X[:, 1].astype(str)
        where = r"X\[0, 1\]"
    if kind == "object rows":
        given = list(given)
    with pytest.raises(ValueError, match=rf"^X holds text at {where} \('.*"
                                         r"convert it to floats first "
                                         r"\(np\.asarray\(X, dtype=float\)\)"
                                         r".*projection='pca' is fitted on X"):
        SelectionDisplay.from_estimator(sampler, given)
    seen = []

    def first_two(Z):
        seen.append(Z)
        return np.zeros((len(Z), 2))

    SelectionDisplay.from_estimator(sampler, given, projection=first_two)
    assert seen[0] is given
    # Converted on purpose, as the message says, it is drawn.
    converted = np.asarray(given, dtype=float)
    np.testing.assert_array_equal(converted, X)
    SelectionDisplay.from_estimator(sampler, converted)


def test_unfitted_sampler_is_refused(pool):
    X, _ = pool
    with pytest.raises(NotFittedError):
        SelectionDisplay.from_estimator(BiLAFSampler(budget=10), X)


def test_wrong_inputs_are_refused(pool, sampler):
    X, y = pool
    with pytest.raises(ValueError, match="fitted on a pool of 300"):
        SelectionDisplay.from_estimator(sampler, X[:100])
    with pytest.raises(ValueError, match="one label per row"):
        SelectionDisplay.from_estimator(sampler, X, y[:10])
    with pytest.raises(ValueError, match=r"shape \(300, 2\)"):
        SelectionDisplay.from_estimator(sampler, X, projection=lambda X: X[:, :3])
    with pytest.raises(ValueError, match="projection='umap' is not supported"):
        SelectionDisplay.from_estimator(sampler, X, projection="umap")


def test_missing_matplotlib_says_how_to_install(pool, sampler, monkeypatch):
    X, _ = pool
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.setitem(sys.modules, name, None)
    hint = r'pip install matplotlib \(or pip install "\.\[plot\]" from a clone\)'
    with pytest.raises(ImportError, match=hint):
        SelectionDisplay.from_estimator(sampler, X)
    with pytest.raises(ImportError, match="matplotlib"):
        SelectionDisplay(np.zeros((3, 2)), [0]).plot()


def test_meta_estimators_are_drawn_from_their_sampler(pool, sampler):
    from sklearn.linear_model import LogisticRegression

    from sklearn_bilaf import LabelBudgetClassifier, SubsetResampler

    X, y = pool
    clf = LabelBudgetClassifier(BiLAFSampler(BUDGET, core_selector=RandomSelector(
        N_CORES), random_state=0), LogisticRegression()).fit(X, y)
    display = SelectionDisplay.from_estimator(clf, X, y)
    # The classifier has selected rows of its own; the cores come from sampler_.
    np.testing.assert_array_equal(display.core_indices, clf.sampler_.core_indices_)
    assert display.inlier_mask is not None
    with pytest.raises(ValueError, match="fitted on a pool of"):
        SelectionDisplay.from_estimator(clf, X[:100], y[:100])
    resampler = SubsetResampler(make_pipeline(StandardScaler(), BiLAFSampler(
        BUDGET, core_selector=RandomSelector(N_CORES), random_state=0))).fit(X)
    display = SelectionDisplay.from_estimator(resampler, X)
    assert display.core_indices is not None


def test_imbalanced_learn_pipeline_is_drawn_from_its_resampler(pool):
    """The selection of an imbalanced-learn pipeline is a SubsetResampler
    step before the estimator (it was refused as "LogisticRegression is not
    a subset sampler")."""
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    from sklearn.linear_model import LogisticRegression

    from sklearn_bilaf import SubsetResampler

    X, y = pool
    pipe = imblearn_pipeline.make_pipeline(
        StandardScaler(),
        SubsetResampler(BiLAFSampler(BUDGET, core_selector=RandomSelector(
            N_CORES), random_state=0)),
        LogisticRegression(),
    ).fit(X, y)
    display = SelectionDisplay.from_estimator(pipe, X, y)
    inner = pipe.named_steps["subsetresampler"].sampler_
    np.testing.assert_array_equal(display.selected_indices,
                                  inner.selected_indices_)
    np.testing.assert_array_equal(display.core_indices, inner.core_indices_)
    # A pipeline without a selection step is still refused.
    plain = make_pipeline(StandardScaler(), PCA(2)).fit(X)
    with pytest.raises(TypeError, match="not a subset sampler"):
        SelectionDisplay.from_estimator(plain, X)


def test_imbalanced_learn_pipeline_with_two_resamplers_draws_the_first(pool):
    """The first SubsetResampler numbers the rows the pipeline was fitted on;
    the second's row numbers are of the first's picks, not of X."""
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    from sklearn.linear_model import LogisticRegression

    from sklearn_bilaf import SubsetResampler

    X, y = pool
    pipe = imblearn_pipeline.make_pipeline(
        SubsetResampler(BiLAFSampler(60, core_selector=RandomSelector(N_CORES),
                                     random_state=0)),
        SubsetResampler(BiLAFSampler(20, core_selector=RandomSelector(4),
                                     random_state=0)),
        LogisticRegression(),
    ).fit(X, y)
    display = SelectionDisplay.from_estimator(pipe, X, y)
    first = pipe.steps[0][1].sampler_
    np.testing.assert_array_equal(display.selected_indices,
                                  first.selected_indices_)


def test_fitted_estimator_that_is_not_a_sampler_is_refused(pool):
    X, _ = pool
    with pytest.raises(TypeError, match="not a subset sampler"):
        SelectionDisplay.from_estimator(PCA(2).fit(X), X)


@pytest.mark.parametrize("indices, match", [
    (np.arange(N_SAMPLES) < 3, "boolean mask"),
    (np.array([1.7]), "whole row numbers"),
    (np.array([-1]), "must lie in"),
    (np.array([N_SAMPLES]), "must lie in"),  # one past the last row
])
def test_selected_indices_must_be_row_numbers(indices, match):
    embedding = np.zeros((N_SAMPLES, 2))
    with pytest.raises(ValueError, match=match):
        SelectionDisplay(embedding, indices).plot()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1.5])
@pytest.mark.parametrize("where", ["first", "after five", "scalar", "2-D"])
@pytest.mark.parametrize("name", ["selected_indices", "core_indices"])
def test_nan_inf_and_fractions_as_row_numbers_are_quoted(bad, where, name):
    """NaN, inf and fractions get the same message, which quotes them: it
    quoted the first five values given, not those at fault (so not a NaN
    after them), and a scalar raised numpy's IndexError."""
    indices = {"first": [bad, 1.0], "after five": [0.0, 1, 2, 3, 4, 5, bad],
               "scalar": np.float64(bad), "2-D": [[1.0, bad]]}[where]
    given = dict(selected_indices=[1], core_indices=None) | {name: indices}
    display = SelectionDisplay(np.zeros((20, 2)), given.pop("selected_indices"),
                               **given)
    with pytest.raises(ValueError, match=rf"^{name} must be whole row numbers, "
                       rf"got {re.escape(str([bad]))}\.$"):
        display.plot()


@pytest.mark.parametrize("indices, shown", [
    # Quoted as given: they were cast first (numpy's cast warning for the
    # floats), then quoted wrapped, as -9223372036854775808 or -1.
    (np.array([2**63, 3], dtype=np.uint64), "[9223372036854775808]"),
    (np.array([2**64 - 1], dtype=np.uint64), "[18446744073709551615]"),
    (np.array([1e30, 3.0]), "[1e+30]"),
    (np.array([-1e30]), "[-1e+30]"),
    (np.array([2.0**63]), "[9.223372036854776e+18]"),
    # The smallest int64 itself, and a negative one, as before.
    (np.array([np.iinfo(np.int64).min, 3]), "[-9223372036854775808]"),
    (np.array([[-1, 25]]), "[-1, 25]"),
    # Beyond uint64, numpy keeps Python ints as objects: they were "not
    # row numbers (integers), got dtype object; for a boolean mask ...".
    ([2**70, 3], "[1180591620717411303424]"),
    ([-(2**70)], "[-1180591620717411303424]"),
    # The first five of more.
    (np.arange(20, 26), "[20, 21, 22, 23, 24]"),
])
@pytest.mark.parametrize("name", ["selected_indices", "core_indices"])
def test_row_numbers_outside_the_embedding_are_quoted_as_given(indices, shown,
                                                               name):
    embedding = np.zeros((20, 2))
    given = dict(selected_indices=[1], core_indices=None) | {name: indices}
    display = SelectionDisplay(embedding, given.pop("selected_indices"), **given)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"^{name} must lie in \[0, 19\] "
                           rf"\(rows of the embedding\); got {re.escape(shown)}\.$"):
            display.plot()
    assert plt.get_fignums() == []


@pytest.mark.parametrize("values, match", [
    ([np.nan, 1.0], r"must be whole row numbers, got \[nan\]\.$"),
    ([2.5], r"must be whole row numbers, got \[2\.5\]\.$"),
    ([25.0, 1.0], r"must lie in \[0, 19\] \(rows of the embedding\); "
                  r"got \[25\.0\]\.$"),
    ([-1.0], r"must lie in \[0, 19\] \(rows of the embedding\); "
             r"got \[-1\.0\]\.$"),
])
def test_longdouble_row_numbers_are_quoted_as_plain_numbers(values, match):
    """tolist keeps numpy's long double scalars, which were quoted as
    [np.longdouble('nan')]: they are quoted as the other dtypes' values."""
    indices = np.array(values, dtype=np.longdouble)
    with pytest.raises(ValueError, match=rf"^selected_indices {match}"):
        SelectionDisplay(np.zeros((20, 2)), indices).plot()
    # The same values in float64, for comparison: the same message.
    with pytest.raises(ValueError, match=rf"^selected_indices {match}"):
        SelectionDisplay(np.zeros((20, 2)), np.array(values)).plot()


@pytest.mark.parametrize("indices, dtype", [
    (np.array(["3"]), "<U1"), ([3, None], "object"), ([3, 2.5, None], "object"),
])
def test_row_numbers_of_another_kind_are_not_told_about_boolean_masks(indices,
                                                                      dtype):
    display = SelectionDisplay(np.zeros((20, 2)), indices)
    with pytest.raises(ValueError, match=rf"^selected_indices must be row numbers "
                       rf"\(integers\), got dtype {dtype}\.$"):
        display.plot()
    with pytest.raises(ValueError, match=r"for a boolean mask pass "
                       r"np\.flatnonzero\(mask\)\.$"):
        SelectionDisplay(np.zeros((20, 2)), np.ones(20, dtype=bool)).plot()


def test_whole_valued_float_indices_are_row_numbers():
    embedding = np.random.RandomState(0).normal(size=(20, 2))
    display = SelectionDisplay(embedding, np.array([2.0, 5.0, 9.0]),
                               core_indices=[5.0]).plot()
    np.testing.assert_array_equal(display.cores_.get_offsets(), embedding[[5]])
    np.testing.assert_array_equal(display.boundary_.get_offsets(),
                                  embedding[[2, 9]])


def test_empty_groups_are_drawn_but_left_out_of_the_legend():
    """The legend counts each group's samples; a group with none (denoising
    kept every sample) gets an empty artist and no legend entry."""
    embedding = np.random.RandomState(0).normal(size=(20, 2))
    display = SelectionDisplay(embedding, [2, 5, 9], core_indices=[5],
                               inlier_mask=np.ones(20, dtype=bool)).plot()
    assert _n_points(display.removed_) == 0
    texts = [t.get_text() for t in display.legend_.get_texts()]
    assert texts == ["core samples (1)", "boundary samples (2)",
                     "other samples (17)"]


def test_eleven_to_twenty_classes_take_tab20_dark_shades_first():
    """The documented default palette: tab10 up to 10 classes, tab20 up to 20
    (its dark shades first, then the light ones), turbo beyond."""
    embedding = np.random.RandomState(0).normal(size=(40, 2))
    labels = np.arange(40) % 15
    display = SelectionDisplay(embedding, [0], labels=labels).plot()
    tab20 = np.asarray(plt.get_cmap("tab20").colors)
    expected = np.r_[tab20[0::2], tab20[1::2]][:15]
    np.testing.assert_allclose(display.colors_[:, :3], expected[labels])
    assert len({tuple(c) for c in display.colors_}) == 15


def test_cmap_colours_the_classes():
    """A qualitative colormap is cycled through (class 9 of Set1's 9 colours
    takes the first again); a continuous one is spread over the classes."""
    embedding = np.random.RandomState(0).normal(size=(12, 2))
    y = np.arange(12) % 10
    set1 = SelectionDisplay(embedding, [0], y=y).plot(cmap="Set1").colors_
    colormap = plt.get_cmap("Set1")
    np.testing.assert_allclose(set1, [colormap(label % 9) for label in y])
    np.testing.assert_allclose(set1[9], set1[0])
    viridis = SelectionDisplay(embedding, [0], y=y).plot(cmap="viridis").colors_
    np.testing.assert_allclose(viridis,
                               plt.get_cmap("viridis")(np.linspace(0, 1, 10))[y])
    # Without classes every sample takes the colormap's first colour.
    plain = SelectionDisplay(embedding, [0]).plot(cmap="viridis").colors_
    np.testing.assert_allclose(plain, np.tile(plt.get_cmap("viridis")(0.0), (12, 1)))


def test_single_feature_pool_is_drawn_on_a_line(pool):
    """PCA of one feature has one component: the second axis is zero."""
    X, _ = pool
    X1 = X[:, :1]
    selector = RandomSelector(n_cores=5, random_state=0).fit(X1)
    display = SelectionDisplay.from_estimator(selector, X1)
    assert display.embedding.shape == (N_SAMPLES, 2)
    np.testing.assert_array_equal(display.embedding[:, 1], 0.0)
    np.testing.assert_allclose(np.abs(display.embedding[:, 0]),
                               np.abs(X1[:, 0] - X1[:, 0].mean()))


def test_single_feature_pool_can_be_drawn_with_tsne(pool):
    """t-SNE's PCA start needs two features: one feature starts at random
    (it failed with "n_components=2 must be between 0 and ... 1")."""
    from threadpoolctl import threadpool_limits

    X, _ = pool
    # 40 rows, not the pool's 300: t-SNE's 1000 iterations on 300 rows took
    # 30 to 50 s on two busy cores; any number of rows needs the random start.
    X1 = X[:40, :1]
    selector = RandomSelector(n_cores=5, random_state=0).fit(X1)
    # One OpenMP thread: on busy cores its threads wait for each other at
    # every iteration (ten times slower here); the check is the same.
    with threadpool_limits(limits=1, user_api="openmp"):
        display = SelectionDisplay.from_estimator(selector, X1, projection="tsne",
                                                  random_state=0)
        again = SelectionDisplay.from_estimator(selector, X1, projection="tsne",
                                                random_state=0)
    assert display.embedding.shape == (40, 2)
    assert display.projection_name == "t-SNE"
    assert np.all(np.isfinite(display.embedding))
    np.testing.assert_array_equal(again.embedding, display.embedding)


def test_random_state_seeds_the_tsne_projection(pool, monkeypatch):
    """random_state reaches t-SNE (a stand-in records the seed it gets: a
    real t-SNE takes seconds here)."""
    import sklearn.manifold

    seen = []

    class RecordingTSNE:
        def __init__(self, **params):
            seen.append(params["random_state"])

        def fit_transform(self, X):
            return np.zeros((X.shape[0], 2))

    monkeypatch.setattr(sklearn.manifold, "TSNE", RecordingTSNE)
    X, _ = pool
    selector = RandomSelector(n_cores=5, random_state=0).fit(X)
    SelectionDisplay.from_estimator(selector, X, projection="tsne", random_state=7)
    assert seen[0].randint(2**31) == np.random.RandomState(7).randint(2**31)


def test_single_sample_pool_is_drawn_at_the_origin_without_warnings():
    """PCA of one sample would warn (zero variance); it is the origin."""
    import warnings

    X = np.array([[1.0, 2.0, 3.0]])
    selector = RandomSelector(n_cores=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        display = SelectionDisplay.from_estimator(selector, X)
    np.testing.assert_array_equal(display.embedding, [[0.0, 0.0]])


@pytest.mark.parametrize("X", [np.ones((5, 3)), np.zeros((4, 1)),
                               np.full((2, 4), 7.0)])
def test_identical_rows_are_drawn_at_the_origin_without_warnings(X):
    """PCA of identical rows warns as it divides by their zero variance
    ("invalid value encountered in divide"): they are the origin."""
    import warnings

    selector = RandomSelector(n_cores=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        display = SelectionDisplay.from_estimator(selector, X)
    np.testing.assert_array_equal(display.embedding, np.zeros((X.shape[0], 2)))


def _tsne_in_a_subprocess(make_X):
    """``abs(embedding).max()`` of the t-SNE picture of ``eval(make_X)``,
    drawn in a subprocess, so that a crash of the interpreter fails the
    calling test only."""
    import os
    import subprocess
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    code = (
        "import numpy as np, matplotlib\n"
        "matplotlib.use('Agg')\n"
        "from sklearn_bilaf.core import RandomSelector\n"
        "from sklearn_bilaf.plotting import SelectionDisplay\n"
        f"X = {make_X}\n"
        # Rows aligned with the pool: the pool itself may be refused
        # (squared distances that overflow).
        "selector = RandomSelector(n_cores=1, random_state=0).fit(\n"
        "    np.ones((len(X), 1)))\n"
        "display = SelectionDisplay.from_estimator(selector, X, projection='tsne',"
        " random_state=0)\n"
        "assert display.projection_name == 't-SNE'\n"
        "print(np.abs(display.embedding).max())\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(repo), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    # One OpenMP thread: on busy cores t-SNE's threads wait for each other
    # at every iteration (17 to 22 s for 30 rows here against 1 to 2 s);
    # the picture is the same.
    env["OMP_NUM_THREADS"] = "1"
    done = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c",
                           code], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return float(done.stdout)


def test_identical_rows_are_drawn_with_tsne_at_the_origin(monkeypatch):
    """scikit-learn's t-SNE divides its PCA start by the first component's
    zero spread and crashes the interpreter (a segmentation fault) on
    identical rows; they are drawn at the origin, as with PCA."""
    import sklearn.manifold

    # A stand-in that fails the test if t-SNE is run, in this process: a
    # subprocess for the real one (in case it crashes) took 4 to 6 s here,
    # all of it imports, as identical rows never reach t-SNE.
    class RefusingTSNE:
        def __init__(self, **params):
            raise AssertionError("t-SNE was run on identical rows")

    monkeypatch.setattr(sklearn.manifold, "TSNE", RefusingTSNE)
    X = np.ones((6, 3))
    selector = RandomSelector(n_cores=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        display = SelectionDisplay.from_estimator(selector, X, projection="tsne",
                                                  random_state=0)
    assert display.projection_name == "t-SNE"
    np.testing.assert_array_equal(display.embedding, np.zeros((6, 2)))


@pytest.mark.parametrize("scale", [1e-300, 1e-170, 1e200])
def test_tiny_and_huge_values_are_drawn_with_tsne(scale):
    """Values whose squares underflow (or overflow) made t-SNE's PCA start
    divide by a zero (or infinite) spread and crash the interpreter."""
    make_X = f"np.random.RandomState(0).normal(size=(30, 3)) * {scale!r}"
    assert 0.0 < _tsne_in_a_subprocess(make_X) < np.inf


@pytest.mark.parametrize("scale", [1e-300, 1e-170])
def test_tiny_values_are_drawn_with_pca(pool, scale):
    """PCA of values whose squares underflow warned ("invalid value
    encountered in divide") and drew every sample at the origin; they are
    drawn as X rescaled by a power of two is, scaled back."""
    import warnings

    X, _ = pool
    X_tiny = X * scale
    selector = RandomSelector(n_cores=5, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        display = SelectionDisplay.from_estimator(selector, X_tiny,
                                                  random_state=0)
    expected = PCA(2, random_state=0).fit_transform(X)
    np.testing.assert_allclose(display.embedding / scale, expected, rtol=1e-6,
                               atol=1e-9 * np.abs(expected).max())


def test_tsne_needs_four_samples():
    X = np.arange(6.0).reshape(3, 2)
    selector = RandomSelector(n_cores=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"projection='tsne' needs at least 4 "
                                         r"samples; got 3\. Use projection='pca'"):
        SelectionDisplay.from_estimator(selector, X, projection="tsne")


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_classes_with_missing_labels_are_coloured(pool, sampler, missing):
    """y with None (or NaN) for the unlabeled samples beside string labels:
    numpy cannot sort them together (it failed with "'<' not supported
    between instances of 'str' and 'NoneType'"); each value is a class."""
    X, y = pool
    labels = np.array([f"class {label}" for label in y], dtype=object)
    labels[::3] = missing
    display = SelectionDisplay.from_estimator(sampler, X, labels)
    colors = display.colors_
    assert colors.shape == (N_SAMPLES, 4)
    # Same label, same colour; five labels (four classes and the missing).
    assert len(np.unique(colors, axis=0)) == 5
    for label in ["class 0", "class 3"]:
        where = np.flatnonzero(labels == label)
        np.testing.assert_array_equal(colors[where], colors[where[:1]].repeat(
            where.size, axis=0))
    unlabeled = colors[::3]
    np.testing.assert_array_equal(unlabeled, unlabeled[:1].repeat(len(unlabeled),
                                                                  axis=0))
    # Labels numpy can sort keep their colours (np.unique's order).
    plain = SelectionDisplay.from_estimator(sampler, X, y.astype(str)).colors_
    expected = SelectionDisplay.from_estimator(sampler, X, y).colors_
    np.testing.assert_array_equal(plain, expected)


def test_precomputed_values_of_the_wrong_shape_are_refused():
    embedding = np.zeros((20, 2))
    with pytest.raises(ValueError, match=r"embedding must have shape "
                                         r"\(n_samples, 2\); got \(20, 3\)"):
        SelectionDisplay(np.zeros((20, 3)), [0]).plot()
    with pytest.raises(ValueError, match=r"inlier_mask must have one entry per "
                                         r"sample \(20\); got shape \(19,\)"):
        SelectionDisplay(embedding, [0], inlier_mask=np.ones(19, bool)).plot()
    with pytest.raises(ValueError, match=r"class labels must have one entry per "
                                         r"sample \(20\); got shape \(5,\)"):
        SelectionDisplay(embedding, [0], labels=np.arange(5)).plot()
    with pytest.raises(ValueError, match=r"class labels must have one entry per "
                                         r"sample \(20\); got shape \(20, 1\)"):
        SelectionDisplay(embedding, [0], y=np.zeros((20, 1))).plot()


def test_inlier_mask_of_outlier_labels_is_refused():
    """An outlier detector's fit_predict gives 1 / -1, and both read as True:
    no sample was drawn as removed, silently."""
    embedding = np.zeros((6, 2))
    labels = np.array([1, 1, -1, 1, -1, 1])
    with pytest.raises(ValueError, match=r"inlier_mask must be a boolean mask "
                                         r"\(True for the kept samples\); got "
                                         r"values \[-1, 1\].*labels == 1"):
        SelectionDisplay(embedding, [0], inlier_mask=labels).plot()
    # 0 / 1 and booleans are masks.
    display = SelectionDisplay(embedding, [0], inlier_mask=labels == 1).plot()
    assert _n_points(display.removed_) == 2
    display = SelectionDisplay(embedding, [0],
                               inlier_mask=(labels == 1).astype(int)).plot()
    assert _n_points(display.removed_) == 2


@pytest.mark.parametrize("dtype", [np.float64, np.longdouble])
def test_inlier_mask_of_long_double_labels_quotes_plain_numbers(dtype):
    """Long double values were quoted [np.longdouble('-1.0'), ...]
    (tolist keeps them as numpy scalars)."""
    labels = np.array([1, 1, -1, 1, -1, 1], dtype=dtype)
    with pytest.raises(ValueError, match=r"^inlier_mask must be a boolean mask "
                                         r"\(True for the kept samples\); got "
                                         r"values \[-1\.0, 1\.0\]\. "):
        SelectionDisplay(np.zeros((6, 2)), [0], inlier_mask=labels).plot()


@pytest.mark.parametrize("mask, shown", [
    # tolist() gave the float64 digits of the float32 (0.10000000149011612),
    # the nanoseconds of a date (1577836800000000000) and a date object of
    # a day (datetime.date(2020, 1, 1)).
    (np.full(6, 0.1, dtype=np.float32), "0.1"),
    (np.full(6, 0.1, dtype=np.float16), "0.1"),
    (np.full(6, "2020-01-01", dtype="datetime64[ns]"),
     "2020-01-01T00:00:00.000000000"),
    (np.full(6, "2020-01-01", dtype="datetime64[D]"), "2020-01-01"),
])
def test_inlier_mask_values_are_quoted_as_given(mask, shown):
    with pytest.raises(ValueError, match=r"^inlier_mask must be a boolean mask "
                                         r"\(True for the kept samples\); got "
                                         rf"values \[{re.escape(shown)}\]\. "):
        SelectionDisplay(np.zeros((6, 2)), [0], inlier_mask=mask).plot()


def test_inlier_mask_of_durations_is_refused():
    """Durations of 0 and 1 ns compare equal to 0 and 1 under numpy 2 and
    were taken as a mask; numpy 1 failed to compare them and quoted the
    first five values given, not the distinct ones."""
    mask = np.array([0, 1, 1, 0, 1, 1], dtype="timedelta64[ns]")
    with pytest.raises(ValueError, match=r"^inlier_mask must be a boolean mask "
                                         r"\(True for the kept samples\); got "
                                         r"values \[0 nanoseconds, 1 "
                                         r"nanoseconds\]\. "):
        SelectionDisplay(np.zeros((6, 2)), [0], inlier_mask=mask).plot()


def test_float32_row_numbers_are_quoted_as_given():
    with pytest.raises(ValueError, match=r"^selected_indices must be whole row "
                                         r"numbers, got \[0\.1, 2\.5\]\.$"):
        SelectionDisplay(np.zeros((6, 2)),
                         np.array([0.1, 2.5, 3.0], dtype=np.float32)).plot()


def test_what_is_not_an_estimator_is_refused(pool):
    X, _ = pool
    # It said only "ndarray is not an estimator." (the arguments swapped,
    # most often): say what to pass.
    with pytest.raises(TypeError, match=r"^ndarray is not an estimator: pass "
                                        r"the fitted sampler first, then its "
                                        r"pool: SelectionDisplay\.from_estimator"
                                        r"\(sampler, X\)\.$"):
        SelectionDisplay.from_estimator(np.arange(3), X)


@pytest.mark.parametrize("sizes", [np.arange(7) + 5.0, [9] * 7])
def test_point_sizes_per_sample_are_drawn(sizes):
    """Axes.scatter takes one size per point; the legend's marker size
    failed on them ("The truth value of an array ... is ambiguous")."""
    embedding = np.random.RandomState(0).normal(size=(10, 2))
    display = SelectionDisplay(embedding, [0, 1, 2], core_indices=[0]).plot(
        pool_kw={"s": sizes})
    np.testing.assert_array_equal(display.pool_.get_sizes(), sizes)
    handle = display.legend_.legend_handles[-1]
    assert handle.get_label() == "other samples (7)"
    assert handle.get_markersize() == max(4.0, np.sqrt(np.median(sizes)))


@pytest.mark.parametrize("key", ["c", "color", "facecolor", "facecolors"])
def test_colour_override_replaces_the_class_colours(pool, sampler, key):
    X, y = pool
    display = SelectionDisplay.from_estimator(sampler, X, y,
                                              pool_kw={key: "red"})
    faces = display.pool_.get_facecolors()
    assert len(faces) >= 1
    np.testing.assert_allclose(faces, [to_rgba("red", 0.35)])
    # The other groups keep the class colours.
    core_rows = np.asarray(sampler.core_indices_)
    np.testing.assert_allclose(display.cores_.get_facecolors(),
                               display.colors_[core_rows])


def test_inlier_mask_of_values_that_do_not_sort_is_refused():
    """An inlier_mask mixing kinds of values (which np.unique cannot sort)
    is refused as not a boolean mask, quoting its first values."""
    embedding = np.zeros((4, 2))
    mask = np.array([1, "a", None, 0], dtype=object)
    with pytest.raises(ValueError, match=r"inlier_mask must be a boolean mask "
                                         r"\(True for the kept samples\); got "
                                         r"values \[1, 'a', None, 0\]"):
        SelectionDisplay(embedding, [0], inlier_mask=mask).plot()
    plt.close("all")


@pytest.mark.parametrize("display, plot_kw", [
    (SelectionDisplay(np.zeros((5, 3)), [0]), {}),
    (SelectionDisplay(np.zeros((5, 2)), [9]), {}),
    (SelectionDisplay(np.zeros((5, 2)), [0], labels=np.arange(4)), {}),
    (SelectionDisplay(np.zeros((5, 2)), [0]), {"pool_kw": {"bogus": 1}}),
])
def test_a_failed_plot_leaves_no_figure_open(display, plot_kw):
    """plot() opened its figure before checking its values (or drawing with
    the given keywords): each failure left an empty figure open in pyplot,
    shown by the next plt.show() or notebook cell."""
    plt.close("all")
    with pytest.raises((ValueError, AttributeError, TypeError)):
        display.plot(**plot_kw)
    assert plt.get_fignums() == []


def test_a_failed_plot_on_given_axes_keeps_their_figure():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError):
        SelectionDisplay(np.zeros((5, 2)), [9]).plot(ax=ax)
    assert plt.get_fignums() == [fig.number]
    assert len(ax.collections) == 0


def test_non_finite_coordinates_given_to_the_constructor_are_refused():
    """plot() drew them silently missing: a core at NaN counted in the
    legend ("core samples (1)") but nowhere on the picture."""
    embedding = np.random.RandomState(0).normal(size=(20, 2))
    embedding[5] = np.nan
    embedding[6, 1] = -np.inf
    display = SelectionDisplay(embedding, [1, 5, 9], core_indices=[5])
    with pytest.raises(ValueError, match=r"^embedding holds NaN or infinite "
                                         r"coordinates for 2 of the 20 samples "
                                         r"\(rows \[5, 6\]\); pass finite "
                                         r"coordinates\.$"):
        display.plot()
    assert plt.get_fignums() == []


def test_non_finite_coordinates_of_a_one_sample_embedding_are_counted_in_the_singular():
    display = SelectionDisplay(np.array([[np.nan, 1.0]]), [0])
    with pytest.raises(ValueError, match=r"for 1 of the 1 sample \(row 0\)"):
        display.plot()
    assert plt.get_fignums() == []


def test_a_failed_plot_on_given_axes_leaves_them_as_they_were():
    """A keyword scatter refuses for a later group (core_kw) failed after
    the earlier groups were drawn: half a picture stayed on the caller's
    axes, and the corrected call drew those groups a second time."""
    fig, ax = plt.subplots()
    mine = ax.scatter([0.0], [0.0])
    display = SelectionDisplay(np.random.RandomState(0).normal(size=(10, 2)),
                               [1, 2, 3], core_indices=[1])
    with pytest.raises(AttributeError, match="bogus"):
        display.plot(ax=ax, core_kw={"bogus": 1})
    assert list(ax.collections) == [mine]
    display.plot(ax=ax)
    assert len(ax.collections) == 4  # mine, then pool, boundary, cores


@pytest.mark.parametrize("classes", [dict(labels=[]), dict(y=[]),
                                     dict(labels=np.array([], dtype=np.int64))])
@pytest.mark.parametrize("cmap", [None, "viridis", "Set2"])
def test_an_empty_embedding_with_empty_class_labels_draws_an_empty_picture(classes,
                                                                           cmap):
    """As without labels: no classes failed in numpy ("zero-size array to
    reduction operation maximum")."""
    display = SelectionDisplay(np.zeros((0, 2)), [], core_indices=[],
                               inlier_mask=np.zeros(0, dtype=bool),
                               **classes).plot(cmap=cmap)
    assert display.colors_.shape == (0, 4)
    assert len(display.pool_.get_offsets()) == 0 and display.legend_ is None


def test_pca_of_a_float16_pool_works_on_a_float32_copy():
    """PCA converts a float16 pool to float64 whole (4 x X.nbytes); float32
    holds its values exactly at half of that."""
    import tracemalloc

    X = np.random.RandomState(0).normal(size=(40_000, 64)).astype(np.float16)
    selector = RandomSelector(10, random_state=0).fit(X)
    tracemalloc.start()
    try:
        display = SelectionDisplay.from_estimator(selector, X, random_state=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * X.nbytes, peak / X.nbytes
    # The picture of the float32 copy, up to float32 rounding.
    reference = PCA(2, random_state=0).fit_transform(X.astype(np.float64))
    np.testing.assert_allclose(np.abs(display.embedding), np.abs(reference),
                               rtol=1e-3, atol=1e-3)


def test_row_numbers_with_a_boolean_among_them_are_refused():
    """An object array mixing a boolean with integers is not read as row
    numbers (True would be row 1)."""
    display = SelectionDisplay(np.zeros((20, 2)), np.array([True, 3], dtype=object))
    with pytest.raises(ValueError, match=r"^selected_indices must be row numbers "
                       r"\(integers\), got dtype object\.$"):
        display.plot()


def test_two_different_rows_are_not_drawn_at_the_origin():
    """Only identical rows are placed at the origin: the second row of a
    two-row pool counts in the check."""
    X = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]])
    selector = RandomSelector(n_cores=1, random_state=0).fit(X)
    display = SelectionDisplay.from_estimator(selector, X)
    # PCA places them 3 apart on the first axis, symmetric about the origin.
    np.testing.assert_allclose(np.abs(display.embedding[:, 0]), [1.5, 1.5])
    np.testing.assert_allclose(display.embedding[:, 1], 0.0, atol=1e-12)


def test_huge_negative_values_are_drawn_with_pca(pool):
    """A pool of huge values all below zero is rescaled by its largest
    magnitude as one of mixed signs is (its largest value is negative)."""
    X, _ = pool
    X_neg = -(np.abs(X) + 1.0)
    scale = 2.0**700
    selector = RandomSelector(n_cores=5, random_state=0).fit(X_neg)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        display = SelectionDisplay.from_estimator(selector, X_neg * scale,
                                                  random_state=0)
    expected = SelectionDisplay.from_estimator(selector, X_neg,
                                               random_state=0).embedding
    np.testing.assert_array_equal(display.embedding / scale, expected)


@pytest.fixture
def recorded_tsne(monkeypatch):
    """Replace t-SNE by a stand-in that records its parameters (a real
    t-SNE takes seconds here) and returns the first two features."""
    import sklearn.manifold

    seen = []

    class RecordingTSNE:
        def __init__(self, **params):
            seen.append(params)

        def fit_transform(self, X):
            return np.column_stack([X[:, 0], X[:, -1]])

    monkeypatch.setattr(sklearn.manifold, "TSNE", RecordingTSNE)
    return seen


@pytest.mark.parametrize("n_samples, n_features, perplexity, init", [
    (4, 2, 1.0, "pca"),       # the fewest samples t-SNE is run on
    (31, 3, 10.0, "pca"),     # a third of the other samples
    (200, 2, 30.0, "pca"),    # t-SNE's default, and two features suffice
    (40, 1, 13.0, "random"),  # no second feature for the PCA start
])
def test_tsne_parameters_follow_the_pool(recorded_tsne, n_samples, n_features,
                                         perplexity, init):
    X = np.random.RandomState(0).normal(size=(n_samples, n_features))
    selector = RandomSelector(n_cores=1, random_state=0).fit(X)
    display = SelectionDisplay.from_estimator(selector, X, projection="tsne")
    (params,) = recorded_tsne
    assert params["perplexity"] == perplexity
    assert params["init"] == init
    assert display.embedding.shape == (n_samples, 2)


def test_projection_estimator_is_cloned_not_fitted(pool, sampler):
    """The estimator given as projection is documented as cloned, then
    fitted: the caller's instance stays unfitted."""
    X, _ = pool
    given = PCA(2)
    display = SelectionDisplay.from_estimator(sampler, X, projection=given)
    assert not hasattr(given, "components_")
    assert display.ax_.get_xlabel() == "PCA 1"


def test_a_lambda_projection_names_the_axes_projection(pool, sampler):
    X, _ = pool
    display = SelectionDisplay.from_estimator(sampler, X,
                                              projection=lambda Z: Z[:, :2])
    assert display.projection_name == "projection"
    assert display.ax_.get_xlabel() == "projection 1"


def test_one_non_finite_coordinate_is_blamed_on_the_projection(pool, sampler):
    """A row with one NaN coordinate is refused by the projection's check,
    which names the projection (not by plot()'s, which cannot)."""
    X, _ = pool

    def half_a_hole(Z):
        coords = Z[:, :2].copy()
        coords[4, 1] = np.nan
        return coords

    with pytest.raises(ValueError, match=r"^The projection \(half_a_hole\) gave "
                                         r"NaN or infinite coordinates for 1 of "
                                         r"the 300 samples \(row 4\)"):
        SelectionDisplay.from_estimator(sampler, X, projection=half_a_hole)


def test_style_overrides_reach_the_legend_and_the_drawing_order():
    """legend_kw overrides the legend's defaults (which are kept
    otherwise), and a group's ``zorder`` can be overridden like any
    default."""
    embedding = np.random.RandomState(0).normal(size=(10, 2))
    display = SelectionDisplay(embedding, [0, 1, 2], core_indices=[0]).plot(
        legend_kw={"loc": "upper left"}, core_kw={"zorder": 0.5})
    assert display.legend_._loc == 2  # "upper left"
    assert display.legend_.get_frame().get_alpha() == 0.9
    assert display.cores_.get_zorder() == 0.5
    # Otherwise the later groups are drawn on top.
    default = SelectionDisplay(embedding, [0, 1, 2], core_indices=[0]).plot()
    assert default.legend_._loc == 0  # "best"
    zorders = [default.pool_.get_zorder(), default.boundary_.get_zorder(),
               default.cores_.get_zorder()]
    assert zorders == sorted(zorders) and len(set(zorders)) == 3


def test_legend_marker_size_of_sizes_per_sample_is_their_median():
    """One size per point: the legend's marker takes their median (a
    single huge point does not make it huge)."""
    embedding = np.random.RandomState(0).normal(size=(10, 2))
    sizes = [16.0] * 6 + [10_000.0]
    display = SelectionDisplay(embedding, [0, 1, 2], core_indices=[0]).plot(
        pool_kw={"s": sizes})
    assert display.legend_.legend_handles[-1].get_markersize() == 4.0


def test_an_interrupted_plot_leaves_no_figure_and_no_half_picture(monkeypatch):
    """Ctrl-C while drawing (a KeyboardInterrupt, not an Exception) closes
    the figure plot() opened, and takes the drawn groups off given axes."""
    from matplotlib.axes import Axes

    display = SelectionDisplay(np.random.RandomState(0).normal(size=(10, 2)),
                               [1, 2, 3], core_indices=[1])
    scatter = Axes.scatter
    calls = []

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) % 3 == 0:  # the third group: the cores
            raise KeyboardInterrupt
        return scatter(self, *args, **kwargs)

    monkeypatch.setattr(Axes, "scatter", interrupted)
    plt.close("all")
    with pytest.raises(KeyboardInterrupt):
        display.plot()
    assert plt.get_fignums() == []
    fig, ax = plt.subplots()
    with pytest.raises(KeyboardInterrupt):
        display.plot(ax=ax)
    assert plt.get_fignums() == [fig.number]
    assert len(ax.collections) == 0


def test_missing_matplotlib_is_reported_before_the_projection(pool, sampler,
                                                              monkeypatch):
    """from_estimator fails on a missing matplotlib before it projects the
    pool (a t-SNE or a caller's projection can take minutes)."""
    X, _ = pool
    called = []

    def projection(Z):
        called.append(1)
        return Z[:, :2]

    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        SelectionDisplay.from_estimator(sampler, X, projection=projection)
    assert called == []


def test_a_pool_with_more_rows_than_the_sampler_was_fitted_on_is_refused(pool,
                                                                        sampler):
    X, _ = pool
    with pytest.raises(ValueError, match=r"X has 305 rows but the sampler was "
                                         r"fitted on a pool of 300"):
        SelectionDisplay.from_estimator(sampler, np.vstack([X, X[:5]]))


def test_pca_of_float32_values_whose_squares_overflow(pool, sampler):
    """float32 values near 2**60 are far from the dtype's maximum, but
    their products overflow in PCA ("overflow encountered in matmul"):
    they are rescaled too."""
    X = pool[0].astype(np.float32)
    scale = np.float32(2.0**60)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        big = SelectionDisplay.from_estimator(sampler, X * scale,
                                              random_state=0).embedding
    small = SelectionDisplay.from_estimator(sampler, X, random_state=0).embedding
    np.testing.assert_array_equal(big / scale, small)


def test_twenty_classes_take_tab20_and_more_take_turbo_away_from_its_ends():
    """tab20 up to 20 classes included; beyond, turbo hues 0.05 to 0.95
    (its ends, near-black and dark red, are hard to tell from the black
    marker edges), a golden-ratio stride apart."""
    embedding = np.random.RandomState(0).normal(size=(50, 2))
    labels = np.arange(50) % 20
    twenty = SelectionDisplay(embedding, [0], labels=labels).plot().colors_
    tab20 = np.asarray(plt.get_cmap("tab20").colors)
    np.testing.assert_allclose(twenty[:, :3],
                               np.r_[tab20[0::2], tab20[1::2]][labels])
    labels = np.arange(50) % 25
    many = SelectionDisplay(embedding, [0], labels=labels).plot().colors_
    hues = 0.05 + 0.9 * ((np.arange(25) * 0.6180339887) % 1.0)
    np.testing.assert_allclose(many, plt.get_cmap("turbo")(hues)[labels])


def test_pipeline_selecting_twice_names_the_earlier_step(pool):
    # The last sampler of a pipeline that selects rows in an earlier step too
    # was fitted on the rows that step passed on, not on the pipeline's pool:
    # "pass the pool it was fitted on" alone would send the user back to X.
    from sklearn.pipeline import Pipeline

    X, _ = pool
    pipe = Pipeline([
        ("first", BiLAFSampler(120, core_selector=RandomSelector(N_CORES),
                               random_state=0)),
        ("second", BiLAFSampler(BUDGET, core_selector=RandomSelector(N_CORES),
                                random_state=0)),
    ]).fit(X)
    message = (r"X has 300 rows but the sampler was fitted on a pool of 120: "
               r"step 'second' of the pipeline was fitted on the rows its "
               r"earlier step 'first' selected\. Draw step 'first' with X "
               r"\(SelectionDisplay\.from_estimator\(pipeline\['first'\], X\)\), "
               r"or step 'second' with the rows that reached it\.")
    with pytest.raises(ValueError, match=message):
        SelectionDisplay.from_estimator(pipe, X)
    display = SelectionDisplay.from_estimator(pipe["first"], X)
    assert len(display.selected_indices) == 120
    # The rows that reached the last step are drawn as before.
    inner = pipe["first"].transform(X)
    display = SelectionDisplay.from_estimator(pipe, inner)
    np.testing.assert_array_equal(display.selected_indices,
                                  pipe["second"].selected_indices_)


@pytest.mark.parametrize("meta", ["classifier", "resampler"])
def test_meta_estimator_whose_sampler_selects_twice_is_sent_to_its_pool(pool,
                                                                        meta):
    """A meta-estimator refuses, in fit, a sampler pipeline whose second step
    selects from the rows of the first; one whose first step keeps every row
    fits, and was fitted on the pool it was given: the advice is that pool,
    not the earlier step (which was fitted on it too)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from sklearn_bilaf import LabelBudgetClassifier, SubsetResampler

    X, y = pool

    def make(first_budget):
        sampler = Pipeline([
            ("first", BiLAFSampler(first_budget,
                                   core_selector=RandomSelector(N_CORES),
                                   random_state=0)),
            ("second", BiLAFSampler(BUDGET, core_selector=RandomSelector(N_CORES),
                                    random_state=0)),
        ])
        if meta == "classifier":
            return LabelBudgetClassifier(sampler, LogisticRegression())
        return SubsetResampler(sampler)

    with pytest.raises(ValueError, match=r"selected from a pool of 120 rows, "
                                         r"but X has 300"):
        make(120).fit(X, y)
    fitted = make(N_SAMPLES).fit(X, y)
    with pytest.raises(ValueError, match=r"X has 200 rows but the sampler was "
                                         r"fitted on a pool of 300: pass the "
                                         r"pool it was fitted on\.$"):
        SelectionDisplay.from_estimator(fitted, X[:200])
    display = SelectionDisplay.from_estimator(fitted, X)
    np.testing.assert_array_equal(display.selected_indices,
                                  fitted.sampler_["second"].selected_indices_)


def test_nested_pipeline_selecting_twice_names_the_earlier_step(pool):
    """A pipeline inside a pipeline that selects twice got the misleading
    "pass the pool it was fitted on": the steps are found at any depth, in
    the step that is drawn (the last one, or the first that selects when the
    last does not)."""
    from sklearn.cluster import KMeans
    from sklearn.pipeline import Pipeline

    X, _ = pool

    def twice():
        return Pipeline([
            ("first", BiLAFSampler(120, core_selector=RandomSelector(N_CORES),
                                   random_state=0)),
            ("second", BiLAFSampler(BUDGET, core_selector=RandomSelector(N_CORES),
                                    random_state=0)),
        ])

    def message(path):
        return (rf"X has 300 rows but the sampler was fitted on a pool of 120: "
                rf"step 'second' of {re.escape(path)} was fitted on the rows "
                rf"its earlier step 'first' selected\. Draw step 'first' with "
                rf"X \(SelectionDisplay\.from_estimator\("
                rf"{re.escape(path)}\['first'\], X\)\), or step 'second' with "
                rf"the rows that reached it\.$")

    pipe = Pipeline([("scale", StandardScaler()), ("select", twice())]).fit(X)
    with pytest.raises(ValueError, match=message("pipeline['select']")):
        SelectionDisplay.from_estimator(pipe, X)
    # The advice works.
    display = SelectionDisplay.from_estimator(pipe["select"]["first"], X)
    assert len(display.selected_indices) == 120
    deeper = Pipeline([("outer", Pipeline([("select", twice())]))]).fit(X)
    with pytest.raises(ValueError,
                       match=message("pipeline['outer']['select']")):
        SelectionDisplay.from_estimator(deeper, X)
    # A last step that does not select: the first step that does is drawn.
    clustered = Pipeline([("select", twice()),
                          ("kmeans", KMeans(2, n_init=1, random_state=0))]).fit(X)
    with pytest.raises(ValueError, match=message("pipeline['select']")):
        SelectionDisplay.from_estimator(clustered, X)
    # A nested pipeline that selects once still gets the old message.
    once = Pipeline([("scale", StandardScaler()),
                     ("select", Pipeline([("first", twice()[0])]))]).fit(X)
    with pytest.raises(ValueError, match=r"fitted on a pool of 300: pass the "
                                         r"pool it was fitted on\.$"):
        SelectionDisplay.from_estimator(once, X[:200])


def test_dict_set_or_generator_pool_says_what_to_pass(pool, sampler):
    """A dict, a set or a generator of rows got scikit-learn's "Expected 2D
    array, got scalar array instead", quoting the whole dict; it is named
    as the estimators name it, with what to pass."""
    X, _ = pool
    rows = {i: list(row) for i, row in enumerate(X.tolist())}
    for values, what in [(rows, r"a dict \(a mapping\)"),
                         ({tuple(row) for row in X.tolist()}, "a set"),
                         ((row for row in X.tolist()), r"a generator")]:
        with pytest.raises(TypeError, match=rf"^X is {what}.*np\.asarray\(.*"
                           r"projection='pca' is fitted on X") as info:
            SelectionDisplay.from_estimator(sampler, values)
        assert "Expected 2D array" not in str(info.value)


def _hint(message, start):
    """The sentence of ``message`` from ``start`` on, to its end or the
    next full stop followed by a space."""
    return message[message.index(start):].split(". ")[0]


def test_records_and_featureless_pools_get_the_estimators_advice(pool,
                                                                  sampler):
    """A list of dict rows drawn with the "pca" projection got scikit-learn's
    "Expected 2D array, got 1D array" (quoting every row, advising a
    reshape) and advice on texts and sparse rows; a pool with no features
    got the same advice, and a DataFrame with no columns numpy's "at least
    one array or dtype is required".  They get the estimators' advice
    now."""
    pd = pytest.importorskip("pandas")
    X, _ = pool
    records = [dict(zip("abcde", row, strict=True)) for row in X.tolist()]
    with pytest.raises(TypeError) as drawn:
        SelectionDisplay.from_estimator(sampler, records)
    with pytest.raises(TypeError) as fitted:
        RandomSelector(3).fit(records)
    message = str(drawn.value)
    hint = _hint(str(fitted.value), "X[0] is a dict")
    assert hint in message and "pd.DataFrame(X)" in hint, message
    assert "projection='pca' is fitted on X" in message, message
    for misfit in ("Expected 2D array", "Reshape", "array=[", "Tfidf"):
        assert misfit not in message, message
    for featureless in (np.empty((N_SAMPLES, 0)), [[]] * N_SAMPLES,
                        pd.DataFrame(index=range(N_SAMPLES))):
        with pytest.raises(ValueError) as drawn:
            SelectionDisplay.from_estimator(sampler, featureless)
        with pytest.raises(ValueError) as fitted:
            RandomSelector(3).fit(featureless)
        message = str(drawn.value)
        start = ("X is a DataFrame" if isinstance(featureless, pd.DataFrame)
                 else "X has")
        assert _hint(str(fitted.value), start) in message, message
        for misfit in ("Tfidf", "projection that takes", "dtype is required"):
            assert misfit not in message, message


def test_numeric_pool_of_the_wrong_dimension_says_how_to_reshape(pool,
                                                                  sampler):
    """A 1-D array of numbers (a column taken as X[:, 0], a Series), a
    single value or images of shape (n, h, w) drawn with the "pca"
    projection got scikit-learn's "Expected 2D array" (quoting every
    value) and advice on texts and sparse rows, which they are not; they
    get the estimators' message, which says how to reshape."""
    pd = pytest.importorskip("pandas")
    X, _ = pool
    for values, start in [(X[:, 0], "X is 1-D (shape (300,))"),
                          (X[:, 0].tolist(), "X is 1-D (shape (300,))"),
                          (pd.Series(X[:, 0]), "X is 1-D (a pandas Series"),
                          (np.float64(2.5), "X is a single value"),
                          (X.reshape(N_SAMPLES, 5, 1), "X has shape (300, 5, 1)")]:
        with pytest.raises(ValueError) as drawn:
            SelectionDisplay.from_estimator(sampler, values)
        with pytest.raises(ValueError) as fitted:
            RandomSelector(3).fit(values)
        message = str(drawn.value)
        assert _hint(str(fitted.value), start) in message, message
        for misfit in ("Expected 2D array", "array=[", "Tfidf",
                       "projection that takes"):
            assert misfit not in message, message
    # A 1-D pool of texts still gets the advice on a projection for texts.
    with pytest.raises(ValueError, match="TfidfVectorizer"):
        SelectionDisplay.from_estimator(sampler, ["a text"] * N_SAMPLES)


def test_ax_that_is_not_an_axes_is_refused_before_the_projection(pool,
                                                                  sampler):
    """``ax=axes`` from ``fig, axes = plt.subplots(1, 2)``, a Figure or the
    pyplot module failed only when drawing, after a projection that can
    take minutes ("'numpy.ndarray' object has no attribute 'scatter'"),
    and pyplot's own scatter drew on the current figure first.  They are
    refused first, with what to pass."""
    X, _ = pool
    fig, axes = plt.subplots(1, 2)
    calls = []

    def projection(values):
        calls.append(1)
        return values[:, :2]

    for ax, hint in [(axes, r"axes\[0\]"), (fig, r"fig\.gca\(\)"),
                     (plt, r"plt\.gca\(\)"), ("left", r"plt\.gca\(\)")]:
        with pytest.raises(TypeError, match=r"^ax must be a matplotlib Axes"
                                            rf".*{hint}"):
            SelectionDisplay.from_estimator(sampler, X, ax=ax,
                                            projection=projection)
        with pytest.raises(TypeError, match=r"^ax must be a matplotlib Axes"):
            SelectionDisplay(np.zeros((N_SAMPLES, 2)), [1, 2]).plot(ax=ax)
    assert not calls
    assert all(not a.collections for a in axes)
    assert plt.get_fignums() == [fig.number]
    display = SelectionDisplay.from_estimator(sampler, X, ax=axes[1],
                                              projection=projection)
    assert display.ax_ is axes[1]


def test_labels_as_a_column_or_one_hot_say_what_to_pass(pool, sampler):
    """``y`` (or ``labels``) as a column, ``df[["label"]]`` or
    ``y.reshape(-1, 1)``, or one-hot encoded, was refused for its shape
    without a word on what to pass."""
    pd = pytest.importorskip("pandas")
    X, y = pool
    column = r"; for a column of labels, pass np\.ravel\({}\)\.$"
    one_hot = r"; for one-hot labels, pass np\.argmax\({}, axis=1\)\.$"
    for bad, hint in [(y.reshape(-1, 1), column),
                      (pd.DataFrame({"label": y}), column),
                      (np.eye(4)[y], one_hot)]:
        with pytest.raises(ValueError, match=r"one label per row of X \(300\)"
                                             rf"; got shape .*{hint.format('y')}"):
            SelectionDisplay.from_estimator(sampler, X, bad)
        for name in ("y", "labels"):
            display = SelectionDisplay(np.zeros((N_SAMPLES, 2)), [1, 2],
                                       **{name: bad})
            with pytest.raises(ValueError, match=r"one entry per sample "
                               rf"\(300\); got shape .*{hint.format(name)}"):
                display.plot()
    # Labels of another length get no such hint.
    with pytest.raises(ValueError, match=r"got shape \(10,\)\.$"):
        SelectionDisplay.from_estimator(sampler, X, y[:10])
    assert plt.get_fignums() == []


def test_a_fitted_search_says_to_pass_its_best_estimator(pool):
    """A GridSearchCV over a LabelBudgetClassifier was refused as "not a
    subset sampler", without a word on the sampler it holds: it says to
    pass ``best_estimator_`` (or, fitted with ``refit=False``, which keeps
    none, to fit the best parameters)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    from sklearn_bilaf import LabelBudgetClassifier

    X, y = pool
    classifier = LabelBudgetClassifier(
        BiLAFSampler(budget=BUDGET, core_selector=RandomSelector(N_CORES),
                     random_state=0), LogisticRegression())
    grid = {"sampler__budget": [BUDGET, BUDGET + 10]}
    search = GridSearchCV(classifier, grid, cv=2).fit(X, y)
    with pytest.raises(TypeError, match=r"^GridSearchCV is a search: pass its "
                       r"best_estimator_ \(SelectionDisplay\.from_estimator\("
                       r"search\.best_estimator_, X\)\)\.$"):
        SelectionDisplay.from_estimator(search, X)
    display = SelectionDisplay.from_estimator(search.best_estimator_, X)
    assert display.cores_ is not None
    unfitted = GridSearchCV(classifier, grid, cv=2, refit=False).fit(X, y)
    with pytest.raises(TypeError, match=r"^GridSearchCV is a search fitted "
                       r"with refit=False.*best_params_"):
        SelectionDisplay.from_estimator(unfitted, X)


def test_lazy_frame_pool_is_told_to_be_collected(pool, sampler):
    """A polars LazyFrame drawn with the "pca" projection got scikit-learn's
    "Expected 2D array, got scalar array" (quoting the query plan) and
    advice on texts and sparse rows, after polars' warning that reading
    its dtypes resolves the query's schema; it gets the estimators'
    message."""
    pl = pytest.importorskip("polars")
    X, _ = pool
    lazy = pl.DataFrame(X).lazy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError, match=r"^X is a polars LazyFrame, a query "
                                            r"not run yet: pass X\.collect\(\), "
                                            r"the DataFrame it gives\.$"):
            SelectionDisplay.from_estimator(sampler, lazy)
    assert plt.get_fignums() == []
    display = SelectionDisplay.from_estimator(sampler, lazy.collect())
    assert display.projection_name == "PCA"


def test_a_list_of_fitted_samplers_says_to_pass_one(pool, sampler):
    """A list of fitted samplers (``cross_validate(...,
    return_estimator=True)["estimator"]``) was told to pass "the fitted
    sampler first, then its pool", as if the arguments were swapped."""
    X, _ = pool
    pipeline = make_pipeline(StandardScaler(), clone(sampler)).fit(X)
    many_kinds = [[sampler, sampler], (sampler,), [pipeline, pipeline]]
    many_kinds.append(np.empty(2, dtype=object))
    many_kinds[-1][:] = [sampler, pipeline]
    for many in many_kinds:
        with pytest.raises(TypeError, match=r"^estimator is a \w+ of "
                           r"\d estimators?: pass one of them, such "
                           r"as estimators\[0\], with the pool it was fitted "
                           r"on\.$"):
            SelectionDisplay.from_estimator(many, X)
    # Swapped arguments keep their advice.
    with pytest.raises(TypeError, match="pass the fitted sampler first"):
        SelectionDisplay.from_estimator(X, sampler)


def test_cmap_that_is_not_a_colormap_says_what_to_pass(pool, sampler):
    """A list of colours as ``cmap`` got matplotlib's "['red', 'blue'] is
    not a valid value for name. Supported values are ..." (some 170
    names), and a misspelt name was not said to be ``cmap``'s; a list of
    colours is told to be made a ListedColormap."""
    from matplotlib.colors import ListedColormap

    X, y = pool
    colors = ["red", "blue", "green", "black"]
    for given in (colors, tuple(colors), [to_rgba(c) for c in colors]):
        with pytest.raises(ValueError, match=r"^cmap is a \w+ of 4, not a "
                           r"colormap: for colours of your own, pass "
                           r"matplotlib\.colors\.ListedColormap\(cmap\)") as info:
            SelectionDisplay.from_estimator(sampler, X, y, cmap=given)
        assert "Supported values" not in str(info.value)
    with pytest.raises(ValueError, match=r"^cmap='Tab10' is not the name of a "
                       r"matplotlib colormap.*'tab10'"):
        SelectionDisplay.from_estimator(sampler, X, y, cmap="Tab10")
    with pytest.raises(ValueError, match=r"^cmap must be the name of a "
                       r"matplotlib colormap or a Colormap; got int 3\.$"):
        SelectionDisplay.from_estimator(sampler, X, y, cmap=3)
    assert plt.get_fignums() == []
    display = SelectionDisplay.from_estimator(sampler, X, y,
                                              cmap=ListedColormap(colors))
    assert_rgba = np.testing.assert_array_equal
    assert_rgba(display.colors_, np.array([to_rgba(c) for c in colors])[y])


def test_projection_of_another_pool_says_to_compute_it_on_this_one(pool, sampler):
    """A projection computed on another pool (another display, its
    coordinates, or a fitted estimator's transform) was told only that the
    coordinates must have shape (n_samples, 2), or scikit-learn's "X has 5
    features, but PCA is expecting 3": the message says that the projection
    must come from the same pool, and how to get it."""
    from sklearn.decomposition import PCA

    X, _ = pool
    other = X[:120, :3]
    elsewhere = SelectionDisplay.from_estimator(
        BiLAFSampler(10, random_state=0).fit(other), other)
    fitted = PCA(2).fit(other)
    for projection, fragments in [
        (elsewhere, ["projection is a display of a pool of 120 samples, "
                     f"not of X's {N_SAMPLES}",
                     "SelectionDisplay.from_estimator(sampler, X)"]),
        (elsewhere.embedding, [f"holds coordinates of 120 samples, not of X's "
                               f"{N_SAMPLES}", "computed on the same pool",
                               "projection=PCA(n_components=2)"]),
        (fitted.transform, ["The projection (PCA.transform) was fitted on a pool "
                            "of 3 features, X has 5", "fitted on the same pool",
                            "projection=PCA(n_components=2)"]),
        (lambda Z: fitted.transform(Z[:120, :3]),
         [f"The projection gave coordinates of 120 samples, not of X's "
          f"{N_SAMPLES}",
          "computed on the same pool"]),
    ]:
        with pytest.raises(ValueError) as info:
            SelectionDisplay.from_estimator(sampler, X, projection=projection)
        message = " ".join(str(info.value).split())
        for fragment in fragments:
            assert fragment in message, message
    # A display of the same pool is reused as before.
    same = SelectionDisplay.from_estimator(sampler, X)
    again = SelectionDisplay.from_estimator(sampler, X, projection=same)
    np.testing.assert_array_equal(again.embedding, same.embedding)
