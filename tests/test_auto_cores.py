"""The default number of cores (``n_cores="auto"``) and the paper's preset.

``"auto"`` is 5 % of the pool, at most the sampler's budget; ``"paper"`` is
the paper's 0.5 % of the pool, at most the budget (the default before the
selection-quality study of issue 6 chose the larger share on validation
splits).  Both depend on the pool size and the budget only, never on labels
or on the values in X.
"""

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf.core import (
    AUTO_CORE_FRACTION,
    AUTO_KMEANS_START_MAX_PAIRS,
    PAPER_CORE_FRACTION,
    ActiveFTSelector,
    FarthestPointSelector,
    KMeansSelector,
    RandomSelector,
    default_init,
    default_n_cores,
    paper_n_cores,
)


def _pool(n=1000, d=4, seed=0):
    return np.random.RandomState(seed).normal(size=(n, d))


def test_fractions_and_counts():
    assert AUTO_CORE_FRACTION == 0.05 and PAPER_CORE_FRACTION == 0.005
    assert [default_n_cores(n) for n in (1, 10, 49, 50, 1000, 65_617)] == [
        1, 1, 2, 2, 50, 3280]
    assert [paper_n_cores(n) for n in (1, 10, 1000, 50_000, 65_617)] == [
        1, 1, 5, 250, 328]


@pytest.mark.parametrize("n", [1, 2, 7, 50, 99, 1000, 12_345, 1_281_167])
@pytest.mark.parametrize("budget", [1, 3, 20, 500, 10**6])
def test_auto_within_one_and_the_budget(n, budget):
    budget = min(budget, n)
    for n_cores in ("auto", "paper"):
        k = RandomSelector(n_cores=n_cores)._n_select(n, budget)
        assert 1 <= k <= budget
        assert k == RandomSelector(n_cores=n_cores)._n_select(n, budget)
    assert RandomSelector()._n_select(n, budget) == min(budget, default_n_cores(n))


@pytest.mark.parametrize("cls", [RandomSelector, KMeansSelector,
                                 FarthestPointSelector, ActiveFTSelector])
def test_auto_and_paper_on_a_small_pool(cls):
    X = _pool()
    extra = {"max_iter": 2} if cls is ActiveFTSelector else {}
    auto = cls(random_state=0, **extra)
    assert auto.fit(X).selected_indices_.size == 50
    assert clone(auto).fit(X, budget=80).selected_indices_.size == 50
    assert clone(auto).fit(X, budget=12).selected_indices_.size == 12
    paper = cls(n_cores="paper", random_state=0, **extra)
    assert paper.fit(X).selected_indices_.size == 5
    assert clone(paper).fit(X, budget=3).selected_indices_.size == 3


def test_auto_is_label_free_and_ignores_the_values():
    X = _pool(seed=1)
    y = np.arange(len(X)) % 7
    a = KMeansSelector(random_state=0).fit(X, budget=60)
    b = KMeansSelector(random_state=0).fit(X, y, budget=60)
    np.testing.assert_array_equal(a.selected_indices_, b.selected_indices_)
    other = KMeansSelector(random_state=0).fit(_pool(seed=2) * 100, budget=60)
    assert other.selected_indices_.size == a.selected_indices_.size == 50


def test_bilaf_default_uses_auto_and_is_deterministic():
    X = _pool(n=1500, d=6, seed=3)
    sampler = BiLAFSampler(100, random_state=0).fit(X)
    assert sampler.n_cores_ == 75  # 5 % of 1,500, under the budget of 100
    again = BiLAFSampler(100, random_state=0).fit(X)
    np.testing.assert_array_equal(sampler.selected_indices_, again.selected_indices_)
    # At or below 5 % of the pool the budget is all cores: ActiveFT alone.
    small = BiLAFSampler(60, random_state=0).fit(X)
    assert small.n_cores_ == 60
    np.testing.assert_array_equal(np.sort(small.selected_indices_),
                                  small.core_indices_)


def test_default_init_rule():
    assert AUTO_KMEANS_START_MAX_PAIRS == 250_000_000
    assert default_init(65_617, 3280) == "k-means"  # WordNet at 5 %
    assert default_init(50_000, 5000) == "k-means"
    assert default_init(50_000, 5001) == "random"
    assert default_init(1_281_167, 6405) == "random"  # ImageNet, paper's K
    assert default_init(1, 1) == "k-means"
    assert default_init(1_000_000, 250) == "k-means"
    assert default_init(1_000_001, 1) == "random"  # the normalised copy


def test_auto_init_is_k_means_then_random(monkeypatch):
    import sklearn_bilaf.core as core

    X = _pool(n=400, d=5, seed=7)
    kmeans = ActiveFTSelector(30, init="k-means", max_iter=5, random_state=0).fit(X)
    auto = ActiveFTSelector(30, init="auto", max_iter=5, random_state=0).fit(X)
    assert auto.init_ == kmeans.init_ == "k-means"
    np.testing.assert_array_equal(auto.init_indices_, kmeans.init_indices_)
    np.testing.assert_array_equal(auto.selected_indices_, kmeans.selected_indices_)
    # Above the limit, the random start (the same draws as init="random").
    monkeypatch.setattr(core, "AUTO_KMEANS_START_MAX_PAIRS", 400 * 30 - 1)
    auto = ActiveFTSelector(30, init="auto", max_iter=5, random_state=0).fit(X)
    rand = ActiveFTSelector(30, init="random", max_iter=5, random_state=0).fit(X)
    assert auto.init_ == rand.init_ == "random"
    np.testing.assert_array_equal(auto.init_indices_, rand.init_indices_)
    np.testing.assert_array_equal(auto.selected_indices_, rand.selected_indices_)
    assert ActiveFTSelector(3, init=[0, 1, 2], max_iter=1).fit(X).init_ == "indices"


def test_bilaf_default_core_stage_is_activeft_from_k_means():
    """The default core stage is ActiveFT started from spherical k-means (on a
    pool this size); the paper's random start stays the ActiveFTSelector
    default (and the preset's)."""
    X = _pool(n=1500, d=6, seed=6)
    default = BiLAFSampler(120, random_state=0).fit(X)
    assert isinstance(default.core_selector_, ActiveFTSelector)
    assert default.core_selector_.init == "auto"
    assert default.core_selector_.init_ == "k-means"
    assert default.core_selector_.n_cores == "auto"
    explicit = BiLAFSampler(120, core_selector=ActiveFTSelector(init="k-means"),
                            random_state=0).fit(X)
    np.testing.assert_array_equal(default.selected_indices_,
                                  explicit.selected_indices_)
    random_start = BiLAFSampler(120, core_selector=ActiveFTSelector(),
                                random_state=0).fit(X)
    assert random_start.core_selector_.init_ == "random"
    assert not np.array_equal(np.sort(default.core_indices_),
                              np.sort(random_start.core_indices_))
    assert ActiveFTSelector(n_cores="paper").init == "random"


def test_paper_preset_is_one_argument_away():
    X = _pool(n=2000, d=5, seed=4)
    paper = BiLAFSampler(100, core_selector=ActiveFTSelector(n_cores="paper"),
                         random_state=0).fit(X)
    assert paper.n_cores_ == 10  # 0.5 % of 2,000
    explicit = BiLAFSampler(100, core_selector=ActiveFTSelector(n_cores=0.005),
                            random_state=0).fit(X)
    np.testing.assert_array_equal(paper.selected_indices_, explicit.selected_indices_)


def test_paper_preset_with_an_init_array_means_its_length():
    X = _pool(n=300, d=3, seed=5)
    selector = ActiveFTSelector(n_cores="paper", init=[0, 5, 9], max_iter=2)
    assert selector.fit(X).selected_indices_.size == 3


def test_invalid_string_is_rejected():
    with pytest.raises(ValueError, match="n_cores"):
        RandomSelector(n_cores="coverage").fit(_pool())


def test_k_means_start_on_few_distinct_rows_is_quiet_and_distinct():
    """One feature: the normalised rows take two values, far fewer than the
    centroids; the start is still K distinct samples, with no warning."""
    import warnings

    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(150, 1)), rng.normal(size=(50, 1)) + 6]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        selector = ActiveFTSelector(10, init="k-means", max_iter=3,
                                    random_state=0).fit(X)
    assert np.unique(selector.init_indices_).size == 10
    assert np.unique(selector.selected_indices_).size == 10
