"""Property-based tests: any valid pool and settings give a valid selection.

Pools are drawn with hypothesis (N up to a few hundred, d from 1 to 64,
float16/32/64, C or Fortran order or a strided view, scales from 1e-4 to 1e6)
from several shapes that stress the engine's tie rules and numerics: plain
Gaussian data, tight clusters, collinear points, small-integer grids, random
exact duplicates and pools where every row is identical.  Settings cover every
stage option (core selectors, every denoiser including scikit-learn outlier
detectors, iterative or one-shot boundary selection with any penalty, both
metrics, int or fractional budgets) with ``1 <= K <= B <= N``.

Two hypothesis profiles are registered here: ``bilaf-fast`` runs in the
default suite (derandomized, so the default suite is reproducible, and a few
seconds per test); ``bilaf-thorough`` runs many more random examples in the
copies of the tests marked ``slow`` (``--runslow`` or ``CI=true``).
"""

import re
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf import sampler as sampler_module
from sklearn_bilaf.boundary import BoundarySelector
from sklearn_bilaf.budget import allocate_budget
from sklearn_bilaf.core import (
    ActiveFTSelector,
    FarthestPointSelector,
    KMeansSelector,
    RandomSelector,
)
from sklearn_bilaf.denoise import (
    MIN_CLASS_SIZE,
    DensityDenoiser,
    DistanceDenoiser,
    IDCDenoiser,
    NoDenoiser,
)

settings.register_profile(
    "bilaf-fast",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "bilaf-thorough",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FAST = settings.get_profile("bilaf-fast")
THOROUGH = settings.get_profile("bilaf-thorough")

PACKAGE_DIR = str(Path(__file__).resolve().parents[1] / "sklearn_bilaf")
SKIP_MESSAGE = "denoising is skipped"


# -- strategies ----------------------------------------------------------------
SHAPES = ["gaussian", "clusters", "collinear", "grid", "duplicates", "identical"]


@st.composite
def pools(draw, max_n=200, max_d=64):
    """A pool X (numpy array) and the metric it is meant for."""
    n = draw(st.integers(1, max_n), label="n_samples")
    d = draw(st.integers(1, max_d), label="n_features")
    shape = draw(st.sampled_from(SHAPES), label="shape")
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]), label="dtype")
    metric = draw(st.sampled_from(["euclidean", "cosine"]), label="metric")
    layout = draw(st.sampled_from(["C", "F", "strided"]), label="layout")
    offset = draw(st.sampled_from([0.0, 0.0, 3.0, 100.0]), label="offset")
    # float16 overflows above 65504.
    scales = [1.0, 1.0, 1e-4] if dtype == np.float16 else [1.0, 1.0, 1e-4, 1e6]
    scale = draw(st.sampled_from(scales), label="scale")
    n_dup = draw(st.integers(0, n // 2), label="extra exact duplicates")
    rng = np.random.RandomState(draw(st.integers(0, 2**32 - 1), label="seed"))

    if shape == "gaussian":
        X = rng.normal(size=(n, d))
    elif shape == "clusters":
        centres = rng.normal(scale=10, size=(rng.randint(1, 6), d))
        X = centres[rng.randint(len(centres), size=n)]
        X = X + rng.normal(scale=1e-3, size=(n, d))
    elif shape == "collinear":
        X = rng.normal(size=(n, 1)) * rng.normal(size=(1, d)) + rng.normal(size=(1, d))
    elif shape == "grid":
        X = rng.randint(-2, 3, size=(n, d)).astype(np.float64)
    elif shape == "duplicates":
        distinct = rng.normal(size=(rng.randint(1, max(2, n // 3) + 1), d))
        X = distinct[rng.randint(len(distinct), size=n)]
    else:  # identical
        X = np.tile(rng.normal(size=(1, d)), (n, 1))
    X = (X + offset) * scale
    if n_dup:
        X[rng.choice(n, n_dup)] = X[rng.choice(n, n_dup)]
    X = X.astype(dtype)
    if metric == "cosine":
        _no_zero_rows(X)
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "strided":
        wide = np.zeros((n, 2 * d), dtype=dtype)
        wide[:, ::2] = X
        X = wide[:, ::2]
    return X, metric


def _no_zero_rows(X):
    """Cosine geometry (metric="cosine", ActiveFT) refuses all-zero rows."""
    X[~np.any(X != 0, axis=1), 0] = 1


def core_selectors(n_cores, metric):
    return st.one_of(
        st.just(RandomSelector(n_cores)),
        st.just("precomputed"),
        st.just(ActiveFTSelector(n_cores, max_iter=15)),
        st.just(KMeansSelector(n_cores, max_iter=20)),
        st.just(FarthestPointSelector(n_cores, metric=metric)),
    )


DENOISERS = st.one_of(
    st.just(None),
    st.just("none"),
    st.just(NoDenoiser()),
    st.builds(
        IDCDenoiser,
        n_neighbors=st.integers(1, 12),
        ring_fraction=st.sampled_from([0.05, 0.1, 0.3, 0.5, 1.0]),
        removal_rate=st.sampled_from([0.0, 0.1, 0.2, 0.5, 0.9]),
        variant=st.sampled_from(["paper", "published"]),
    ),
    st.builds(DistanceDenoiser, removal_rate=st.sampled_from([0.0, 0.1, 0.5, 0.9])),
    st.builds(
        DensityDenoiser,
        n_neighbors=st.integers(1, 12),
        removal_rate=st.sampled_from([0.0, 0.1, 0.5, 0.9]),
    ),
    st.sampled_from(["lof", "isolation-forest"]),
)

BOUNDARY = st.one_of(
    st.just(None),
    st.builds(
        BoundarySelector,
        penalty=st.sampled_from([1.0, 1.1, 2.0, 10.0]),
        strategy=st.sampled_from(["iterative", "one-shot"]),
    ),
)


def _detector(name):
    if name == "lof":
        from sklearn.neighbors import LocalOutlierFactor

        return LocalOutlierFactor(n_neighbors=5)
    from sklearn.ensemble import IsolationForest

    return IsolationForest(n_estimators=5)


@st.composite
def cases(draw, max_n=200, max_d=64):
    """A pool and a sampler configuration valid for it: 1 <= K <= B <= N."""
    X, metric = draw(pools(max_n, max_d))
    n = X.shape[0]
    if draw(st.booleans(), label="fractional budget"):
        budget = draw(st.floats(0.0, 1.0, exclude_min=True), label="budget")
        resolved = max(1, int(n * budget))
    else:
        budget = resolved = draw(st.integers(1, n), label="budget")
    n_cores = draw(st.integers(1, resolved), label="n_cores")
    core = draw(core_selectors(n_cores, metric), label="core_selector")
    if isinstance(core, str):
        core = draw(
            st.permutations(range(n)).map(lambda p: np.array(p[:n_cores])),
            label="precomputed cores",
        )
    if isinstance(core, ActiveFTSelector):
        _no_zero_rows(X)
    denoiser = draw(DENOISERS, label="denoiser")
    if isinstance(denoiser, str) and denoiser != "none":
        denoiser = _detector(denoiser)
    params = dict(
        budget=budget,
        core_selector=core,
        denoiser=denoiser,
        boundary_selector=draw(BOUNDARY, label="boundary_selector"),
        metric=metric,
        random_state=draw(st.integers(0, 2**31 - 1), label="random_state"),
    )
    return X, params, resolved, n_cores


# -- checks ----------------------------------------------------------------
def _fit(X, params, **extra):
    """Fit a sampler; return it and whether it warned that denoising was skipped.

    Fails on any RuntimeWarning (overflow, invalid value, division by zero)
    raised from the package's own code.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sampler = BiLAFSampler(**params, **extra).fit(X)
    ours = [w for w in caught if str(w.filename).startswith(PACKAGE_DIR)]
    numeric = [w for w in ours if issubclass(w.category, RuntimeWarning)]
    assert not numeric, [f"{w.filename}:{w.lineno}: {w.message}" for w in numeric]
    skipped = any(SKIP_MESSAGE in str(w.message) for w in caught)
    return sampler, skipped


def _prepared(X, metric):
    X = np.asarray(X, dtype=np.float64)
    if metric == "cosine":
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
    return X


def check_selection(sampler, skipped, X, params, budget, n_cores):
    n = X.shape[0]
    selected = sampler.selected_indices_
    # Exactly B distinct in-range indices.
    assert sampler.budget_ == budget
    assert selected.shape == (budget,)
    assert selected.dtype.kind in "iu"
    assert np.unique(selected).size == budget
    assert selected.min() >= 0 and selected.max() < n
    # Every core included; cores distinct and ascending.
    cores = sampler.core_indices_
    assert sampler.n_cores_ == cores.size == n_cores
    assert np.all(np.diff(cores) > 0)
    assert np.isin(cores, selected).all()
    # labels_: every sample in a class, cores in their own, nearest core.
    labels = sampler.labels_
    assert labels.shape == (n,)
    assert labels.min() >= 0 and labels.max() < n_cores
    np.testing.assert_array_equal(labels[cores], np.arange(n_cores))
    D = cdist(_prepared(X, params["metric"]), _prepared(X[cores], params["metric"]))
    own = D[np.arange(n), labels]
    assert np.all(own <= D.min(axis=1) * (1 + 1e-6) + 1e-9)
    # Selection = class blocks, each its core first, sizes = class_budgets_.
    budgets = sampler.class_budgets_
    assert budgets.shape == (n_cores,)
    assert budgets.sum() == budget and budgets.min() >= 1
    blocks = np.split(selected, np.cumsum(budgets)[:-1])
    for c, block in enumerate(blocks):
        assert block[0] == cores[c]
        assert np.all(labels[block] == c)
    # inlier_mask_: selected ⊆ inliers; a skipped denoising keeps everything.
    inliers = sampler.inlier_mask_
    assert inliers.shape == (n,) and inliers.dtype == bool
    assert inliers[selected].all()
    if skipped:
        assert inliers.all()
    kept = np.bincount(labels[inliers], minlength=n_cores)
    assert np.all(budgets <= kept)
    np.testing.assert_array_equal(budgets, allocate_budget(kept, budget))
    # Classes smaller than 10 are never denoised (spec §3.1).
    sizes = np.bincount(labels, minlength=n_cores)
    small = sizes[labels] < MIN_CLASS_SIZE
    assert inliers[small].all()


def _same_fit(a, b):
    for name in ("selected_indices_", "core_indices_", "labels_", "inlier_mask_",
                 "class_budgets_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def _valid_selection(case):
    X, params, budget, n_cores = case
    sampler, skipped = _fit(X, params)
    check_selection(sampler, skipped, X, params, budget, n_cores)


def _deterministic_and_side_effect_free(case):
    X, params, budget, n_cores = case
    before = X.copy()
    flags = (X.flags.c_contiguous, X.flags.f_contiguous, X.dtype)
    first, _ = _fit(X, params)
    np.testing.assert_array_equal(X, before)
    assert (X.flags.c_contiguous, X.flags.f_contiguous, X.dtype) == flags
    # Same seed, same result; n_jobs does not matter, also when the classes
    # (small here, so one batch in the caller) are spread over the workers.
    _same_fit(first, _fit(X, params)[0])
    _same_fit(first, _fit(X, params, n_jobs=2)[0])
    with mock.patch.object(sampler_module, "_MIN_BATCH_WORK", 0.0):
        _same_fit(first, _fit(X, params, n_jobs=2)[0])
    # A read-only pool works, is not modified, and gives the same selection.
    X.setflags(write=False)
    readonly, _ = _fit(X, params)
    np.testing.assert_array_equal(X, before)
    _same_fit(first, readonly)


# -- the tests -----------------------------------------------------------------
@settings(FAST, max_examples=60)
@given(cases())
def test_any_valid_setting_gives_a_valid_selection(case):
    _valid_selection(case)


@FAST
@given(cases(max_n=120, max_d=16))
def test_deterministic_independent_of_n_jobs_and_input_untouched(case):
    _deterministic_and_side_effect_free(case)


@pytest.mark.slow
@THOROUGH
@given(cases(max_n=400))
def test_any_valid_setting_gives_a_valid_selection_thorough(case):
    _valid_selection(case)


@pytest.mark.slow
@THOROUGH
@given(cases(max_n=300))
def test_deterministic_independent_of_n_jobs_and_input_untouched_thorough(case):
    _deterministic_and_side_effect_free(case)


@FAST
@given(pools(max_n=60, max_d=8), st.data())
def test_non_finite_values_anywhere_are_refused_naming_the_rows(pool, data):
    X = np.array(pool[0])  # a writable copy
    n, d = X.shape
    cells = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, d - 1)),
                               min_size=1, max_size=6), label="cells")
    value = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]), label="value")
    for row, col in cells:
        X[row, col] = value
    rows = sorted({row for row, _ in cells})
    word = "NaN" if np.isnan(value) else "infinite values"
    # One row by its number, else the first five in brackets, "..." for more.
    named = (f"row {rows[0]}" if len(rows) == 1 else
             f"rows {rows}" if len(rows) <= 5 else f"rows {rows[:5]}"[:-1] + ", ...]")
    expected = (f"X contains {word} in {len(rows)} row{'' if len(rows) == 1 else 's'} "
                f"({named})")
    with pytest.raises(ValueError, match=re.escape(expected)):
        BiLAFSampler(1, core_selector=RandomSelector(1), random_state=0).fit(X)
