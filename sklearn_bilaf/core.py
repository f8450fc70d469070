"""Stage 1: core selection.

A core selector picks K distinct samples that become the centres of BiLAF's
pseudo-classes.  Every selector is also a one-shot sampler on its own, with the
same conventions as :class:`~sklearn_bilaf.BiLAFSampler` (``selected_indices_``,
``transform``, ``get_support``), so the baselines BiLAF is compared with are
one import away.

Writing your own core selector
------------------------------
Subclass :class:`BaseCoreSelector` and implement
``_select(X, n_select, random_state) -> indices``; or write any estimator whose
``fit(X, y=None, budget=None)`` sets ``selected_indices_`` to distinct row
numbers (``budget``, when given, is the most cores the sampler can take).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .base import SubsetSamplerMixin, resolve_count, validate_pool

__all__ = [
    "BaseCoreSelector",
    "PrecomputedSelector",
    "RandomSelector",
    "default_n_cores",
]

#: Share of the pool taken as cores by ``n_cores="auto"`` (the paper's
#: CIFAR-100 and ImageNet setting).
AUTO_CORE_FRACTION = 0.005


def default_n_cores(n_samples):
    """``n_cores="auto"``: 0.5 % of the pool, at least 1."""
    return max(1, int(n_samples * AUTO_CORE_FRACTION))


class BaseCoreSelector(SubsetSamplerMixin, BaseEstimator):
    """Base class for core selectors (one-shot samplers).

    Subclasses define ``_select(X, n_select, random_state)`` returning
    ``n_select`` distinct row numbers of X.  ``fit`` validates X, resolves
    ``n_cores`` (``"auto"``, an int, or a float fraction of the pool) and
    stores the result **sorted ascending** in ``selected_indices_``.
    """

    _parameter_constraints: dict = {
        "n_cores": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
        ],
        "random_state": ["random_state"],
    }

    def _n_select(self, n_samples, budget):
        return resolve_count(
            self.n_cores, n_samples, name="n_cores", cap=budget, auto=default_n_cores
        )

    def fit(self, X, y=None, budget=None):
        """Select the core samples of the pool X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The pool of embeddings.
        y : None
            Ignored; selection never looks at labels.
        budget : int or None, default=None
            The most samples the caller can take; ``n_cores="auto"`` is capped
            at it and an explicit ``n_cores`` above it is an error.

        Returns
        -------
        self : object
            Fitted selector.
        """
        self._validate_params()
        X = validate_pool(self, X)
        n_select = self._n_select(X.shape[0], budget)
        rng = check_random_state(getattr(self, "random_state", None))
        indices = np.asarray(self._select(X, n_select, rng), dtype=np.intp)
        self.selected_indices_ = np.sort(indices)
        self.n_samples_fit_ = X.shape[0]
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


class RandomSelector(BaseCoreSelector):
    """Uniformly random samples, without replacement.

    Parameters
    ----------
    n_cores : "auto", int or float, default="auto"
        How many samples: ``"auto"`` is 0.5 % of the pool (at most the
        sampler's budget), an int is a count, a float in (0, 1] a fraction.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Attributes
    ----------
    selected_indices_ : ndarray of shape (n_cores,)
        Selected row numbers, ascending.
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.core import RandomSelector
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> RandomSelector(n_cores=3, random_state=0).fit(X).selected_indices_.tolist()
    [2, 8, 9]
    """

    def __init__(self, n_cores="auto", random_state=None):
        self.n_cores = n_cores
        self.random_state = random_state

    def _select(self, X, n_select, random_state):
        return random_state.choice(X.shape[0], size=n_select, replace=False)


class PrecomputedSelector(BaseCoreSelector):
    """Cores given as an array of row numbers.

    ``BiLAFSampler(core_selector=[...])`` wraps the array in this class.

    Parameters
    ----------
    indices : array-like of int
        Distinct row numbers of the pool.

    Attributes
    ----------
    selected_indices_ : ndarray of shape (n_cores,)
        The given row numbers, ascending.
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.core import PrecomputedSelector
    >>> PrecomputedSelector([4, 1]).fit(np.zeros((6, 2))).selected_indices_.tolist()
    [1, 4]
    """

    _parameter_constraints: dict = {"indices": ["array-like"]}

    def __init__(self, indices):
        self.indices = indices

    def _n_select(self, n_samples, budget):
        indices = np.asarray(self.indices)
        if indices.ndim != 1 or indices.size == 0:
            raise ValueError(
                "Precomputed core indices must be a non-empty 1-D array of row "
                f"numbers; got shape {indices.shape}."
            )
        if budget is not None and indices.size > budget:
            raise ValueError(
                f"{indices.size} precomputed cores exceed the budget of {budget}; "
                "the number of cores must not exceed the budget."
            )
        return indices.size

    def _select(self, X, n_select, random_state):
        indices = np.asarray(self.indices)
        if indices.dtype.kind not in "iu":
            if indices.dtype.kind == "f" and np.all(indices == np.round(indices)):
                indices = indices.astype(np.intp)
            else:
                raise ValueError(
                    "Precomputed core indices must be integers (row numbers); got "
                    f"dtype {indices.dtype}."
                )
        n = X.shape[0]
        if indices.min() < 0 or indices.max() >= n:
            bad = indices[(indices < 0) | (indices >= n)][:5].tolist()
            raise ValueError(
                f"Precomputed core indices must lie in [0, {n - 1}] for a pool of "
                f"{n} rows; got {bad}."
            )
        unique, counts = np.unique(indices, return_counts=True)
        if unique.size != indices.size:
            raise ValueError(
                "Precomputed core indices must be distinct; repeated: "
                f"{unique[counts > 1][:5].tolist()}."
            )
        return indices
