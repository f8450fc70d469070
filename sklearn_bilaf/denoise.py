"""Stage 3: denoising each pseudo-class before boundary samples are picked.

A denoiser ranks the members of one pseudo-class from most to least typical
and says how many of them are kept.  BiLAF's default is iterative
density-based clustering (:class:`IDCDenoiser`); the paper's ablations
(:class:`DistanceDenoiser`, :class:`DensityDenoiser`), no denoising
(:class:`NoDenoiser`) and any scikit-learn outlier detector
(:class:`OutlierDetectorDenoiser`) share the same interface.

Writing your own denoiser
-------------------------
Subclass :class:`BaseDenoiser` and implement ``rank_class(pseudo_class)``,
which receives a :class:`~sklearn_bilaf.pseudo_classes.PseudoClass` and
returns ``(ranking, n_kept)``: ``ranking`` is a permutation of the local
positions ``0 .. n - 1`` and its first ``n_kept`` entries are the members that
stay, in the order later tie-breaks use.  The core is always kept: if the
ranking leaves it out, it takes the place of the last kept member (and an
``n_kept`` of 0 keeps the core alone).  Use
``pseudo_class.distances(rows, cols)`` for distances.
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, _fit_context, clone
from sklearn.utils._param_validation import (
    HasMethods,
    StrOptions,
)

from ._distances import (
    _TIE_SLACK,
    _decide_near_ties,
    _tie_floor,
    _tie_tolerance,
    chunk_rows,
    sq_norms,
)
from ._kernels import absorb_columns, densities, idc_order, row_means
from ._text import counted, quoted, quoted_value
from ._threads import one_thread
from .base import (
    Count,
    Number,
    _labels_not_flags_error,
    _refuse_hidden_fit_predict,
    fit_or_forget,
    not_whole_hint,
    spread_rows,
    validate_pool,
    whole_numbers,
    written_float,
)
from .pseudo_classes import PseudoClass, _tiny_exponent

__all__ = [
    "BaseDenoiser",
    "DensityDenoiser",
    "DistanceDenoiser",
    "IDCDenoiser",
    "NoDenoiser",
    "OutlierDetectorDenoiser",
    "MIN_CLASS_SIZE",
]

#: Pseudo-classes with fewer members than this are never denoised (spec §3.1).
MIN_CLASS_SIZE = 10


def _kept_count(n, removal_rate):
    # Same float64 rounding as the reference code: int(n * (1 - rate)).  A
    # numpy float32 or float16 rate would make numpy compute in that type
    # (another floor, or inf past float16's range), and its widened value
    # another count (float32 0.1 kept 89 of 100): the rate as written.
    return max(1, int(n * (1.0 - written_float(removal_rate))))


def _ensure_core_kept(ranking, n_kept, core_position):
    """Make sure the core is among the first ``n_kept`` of ``ranking``.

    The library's denoisers push it out only on degenerate data (many exact
    duplicates of the core); a user's ``rank_class`` may leave it out of any
    ranking.  Either way it takes the place of the last kept member.
    """
    ranking = np.asarray(ranking, dtype=np.intp)
    where = np.flatnonzero(ranking == core_position)[0]
    if where >= n_kept:
        ranking = ranking.copy()
        ranking[[n_kept - 1, where]] = ranking[[where, n_kept - 1]]
    return ranking, n_kept


class BaseDenoiser(OutlierMixin, BaseEstimator):
    """Base class for denoising stages.

    Subclasses implement ``rank_class(pseudo_class) -> (ranking, n_kept)``.
    Used on its own, a denoiser treats the whole of ``X`` as one pseudo-class
    whose core is the sample nearest to the mean, which makes it a small
    outlier detector: ``fit_predict(X)`` returns 1 for kept samples and -1
    for removed ones.
    """

    _parameter_constraints: dict = {}

    def denoise_class(self, pseudo_class):
        """Rank one pseudo-class and keep its core among the kept members.

        Parameters
        ----------
        pseudo_class : PseudoClass
            The members of one pseudo-class.

        Returns
        -------
        ranking : ndarray of shape (n,)
            A permutation of the local positions, most typical first.
        n_kept : int
            How many leading entries of ``ranking`` are kept.
        """
        return _checked_denoising(self.rank_class(pseudo_class), pseudo_class,
                                 f"{type(self).__name__}.rank_class")

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Denoise X as a single pseudo-class around its most central sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings of one group of samples.
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted denoiser with ``core_index_``, ``ranking_`` (most typical
            first), ``n_kept_`` and ``inlier_mask_``.
        """
        with fit_or_forget(self):
            X = validate_pool(self, X)
            exponent = _tiny_exponent(X, spread_rows(X))
            if exponent:
                # Values all under about 1e-146 have subnormal squared
                # distances: the ranking changed with the pool's scale.
                # Scaled by a power of two (exactly), as the sampler scales
                # its classes' rows, it is that of an ordinary scale.  A few
                # rows spread over the pool bound the largest value from
                # below: the pool is read only when they are all that small.
                X = np.ldexp(X, exponent)
            # One BLAS thread, as the sampler runs its per-class stages: some
            # BLAS builds round a product differently on more threads, and
            # the result must not depend on the machine's thread count.
            with one_thread("blas"):
                # The pool's rows as the sampler's classes hold them: no
                # float64 copy of a float32 pool unless the denoiser reads X.
                core = _most_central(X)
                pseudo_class = PseudoClass._from_pool_rows(
                    0, np.arange(X.shape[0]), core, X, "euclidean")
                ranking, n_kept = self.denoise_class(pseudo_class)
            self.core_index_ = core
            self.ranking_ = ranking
            self.n_kept_ = n_kept
            mask = np.zeros(X.shape[0], dtype=bool)
            mask[ranking[:n_kept]] = True
            self.inlier_mask_ = mask
            return self

    def fit_predict(self, X, y=None):
        """Fit, then return 1 for kept samples and -1 for removed ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings of one group of samples.
        y : None
            Ignored.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            1 for inliers, -1 for samples removed as noise.
        """
        self.fit(X)
        return np.where(self.inlier_mask_, 1, -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _checked_denoising(result, pseudo_class, name):
    """A denoiser's ``(ranking, n_kept)`` for ``pseudo_class``, checked, with
    the core moved among the kept members if it was left out.

    ``name`` is the method that returned ``result``, for the errors.
    """
    n = pseudo_class.n
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise TypeError(
            f"{name} must return a pair (ranking, n_kept); got "
            f"{type(result).__name__}."
        )
    ranking, n_kept = result
    # Checked before any cast: a cast to int would truncate fractional
    # positions and counts, and turn a boolean mask into 0s and 1s.
    positions = whole_numbers(ranking)
    if positions is None:
        raise TypeError(
            f"{name} must return a ranking of local positions (integers); "
            f"got dtype {np.asarray(ranking).dtype}." + not_whole_hint(ranking)
        )
    ranking = positions
    if ranking.shape != (n,) or not np.array_equal(np.sort(ranking), np.arange(n)):
        raise ValueError(
            f"{name} must return a permutation of the "
            f"{counted(n, 'local position')} "
            f"(each of 0 .. {n - 1} once); got {_not_a_permutation(ranking, n)}."
        )
    if (isinstance(n_kept, bool | np.bool_ | np.timedelta64)
            or not isinstance(n_kept, Real)
            or not float(n_kept).is_integer() or not 0 <= n_kept <= n):
        raise ValueError(
            f"{name} must return n_kept, a whole number of members to keep "
            f"between 0 and the class's {counted(n, 'member')}; got "
            f"{quoted_value(n_kept)}."
        )
    # The core is always kept, so 0 keeps the core alone.
    n_kept = max(1, int(n_kept))
    return _ensure_core_kept(ranking, n_kept, pseudo_class.core_position)


def _not_a_permutation(ranking, n):
    """What is wrong with ``ranking`` as a permutation of ``range(n)``."""
    if ranking.shape != (n,):
        return f"an array of shape {ranking.shape}"
    outside = ranking[(ranking < 0) | (ranking >= n)]
    if outside.size:
        return f"{outside[:5].tolist()}, outside that range"
    values, counts = np.unique(ranking, return_counts=True)
    return f"{', '.join(map(str, values[counts > 1][:5].tolist()))} repeated"


def _most_central(rows):
    """Local position of the sample nearest to the mean (ties: lowest).

    ``rows`` are float32 or float64, read a block at a time: the result is
    that of ``argmin_exact`` of the float64 mean against the rows converted
    to float64, without their float64 copy and its shifted copy.
    """
    if not rows.flags.c_contiguous or rows.dtype not in (np.float32, np.float64):
        # The mean of a C-ordered float64 array sums the rows in order;
        # numpy sums the contiguous columns of other layouts pairwise.
        rows = np.ascontiguousarray(rows, dtype=np.float64)
    n, d = rows.shape
    # The mean is its own origin in argmin_exact: the expanded form's
    # squared distances are then the shifted rows' squared norms, exactly.
    centre = np.mean(rows, axis=0, dtype=np.float64)
    sq = np.empty(n)
    # Blocks that stay in cache, as assign_pseudo_classes reads the pool,
    # all shifted into one buffer.
    step = min(4096, chunk_rows(n, 8 * d + 1))
    shifted = np.empty((min(n, step), d))
    for start in range(0, n, step):
        block = shifted[:min(n, start + step) - start]
        np.subtract(rows[start:start + step], centre, out=block)
        sq[start:start + step] = sq_norms(block)
    best = int(np.argmin(sq))
    slack = _TIE_SLACK[np.dtype(np.float64)]
    tol = _tie_tolerance(np.zeros(1), sq[best:best + 1], slack,
                         _tie_floor(np.float64, d))[0]
    # Twice the tolerance: every row that argmin_exact's near-tie test and
    # re-decision look at, whatever the rounding of the bound.
    near = np.flatnonzero(sq <= sq[best] + 2 * tol)
    if near.size > 1:
        # The same near-tie test and direct re-decision as argmin_exact.
        arg = np.searchsorted(near, [best])
        _decide_near_ties(sq[near][None, :], centre[None, :],
                          np.asarray(rows[near], dtype=np.float64), np.zeros(1),
                          sq[near], arg, "euclidean", slack)
        best = int(near[arg[0]])
    return best


class NoDenoiser(BaseDenoiser):
    """Keep every member (the paper's "no denoising" ablation).

    Attributes
    ----------
    core_index_, ranking_, n_kept_, inlier_mask_, n_features_in_, feature_names_in_
        As for :class:`IDCDenoiser` used standalone (every sample is kept).

    See Also
    --------
    IDCDenoiser : BiLAF's denoiser.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.denoise import NoDenoiser
    >>> NoDenoiser().fit_predict(np.arange(12.0).reshape(-1, 1)).tolist()
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    """

    def rank_class(self, pseudo_class):
        """Every member kept, in the current order.

        Parameters
        ----------
        pseudo_class : PseudoClass
            The members of one pseudo-class.

        Returns
        -------
        ranking : ndarray of shape (n,)
            Local positions, most typical first.
        n_kept : int
            How many leading entries of ``ranking`` are kept.
        """
        return np.arange(pseudo_class.n), pseudo_class.n


class IDCDenoiser(BaseDenoiser):
    """Iterative density-based clustering (IDC), BiLAF's denoiser.

    Grows the pseudo-class from its core in rings: the first ring is the
    ``ring_fraction`` of members nearest to the core, and each next ring adds
    the same number of members with the smallest *density distance* (mean
    distance to their ``n_neighbors`` nearest members already grown).  The
    members reached last, a ``removal_rate`` share, are removed as noise.
    Classes with fewer than 10 members are not denoised.

    Parameters
    ----------
    n_neighbors : int, default=10
        k in the density distance (paper Eq. 3).
    ring_fraction : float in (0, 1], default=0.1
        Share of the class added per ring (p_in).
    removal_rate : float in [0, 1), default=0.1
        Share of the grown list removed at the end (p_rm).
    variant : {"paper", "published"}, default="paper"
        ``"paper"`` follows the paper.  ``"published"`` reproduces the authors'
        released code, index for index: its density distance finds a
        member's ``n_neighbors`` nearest grown members, but then averages the
        distances to the members at the *local positions* equal to their
        places in the grown list (an indexing defect), and members left over
        after the last full ring are dropped with the removed tail.

    Attributes
    ----------
    core_index_ : int
        Used standalone: the sample nearest to the mean, taken as the core.
    ranking_ : ndarray of shape (n_samples,)
        Used standalone: the samples in IDC order, most typical first.
    n_kept_ : int
        Used standalone: how many leading samples of ``ranking_`` are kept.
    inlier_mask_ : ndarray of shape (n_samples,)
        Used standalone: True for kept samples.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    DistanceDenoiser : Remove the members farthest from the core.
    DensityDenoiser : Remove the members with the sparsest neighbourhoods.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.denoise import IDCDenoiser
    >>> X = np.r_[np.random.RandomState(0).normal(size=(40, 2)), [[9.0, 9.0]]]
    >>> labels = IDCDenoiser(removal_rate=0.1).fit_predict(X)
    >>> int((labels == -1).sum()), bool(labels[-1] == -1)  # 41 - int(41 * 0.9)
    (5, True)
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Count(1, None, closed="left")],
        "ring_fraction": [Number(0, 1, closed="right")],
        "removal_rate": [Number(0, 1, closed="left")],
        "variant": [StrOptions({"paper", "published"})],
    }

    def __init__(
        self, n_neighbors=10, ring_fraction=0.1, removal_rate=0.1, variant="paper"
    ):
        self.n_neighbors = n_neighbors
        self.ring_fraction = ring_fraction
        self.removal_rate = removal_rate
        self.variant = variant

    def rank_class(self, pseudo_class):
        """Grow the class in rings from its core (spec §3).

        Parameters
        ----------
        pseudo_class : PseudoClass
            The members of one pseudo-class.

        Returns
        -------
        ranking : ndarray of shape (n,)
            Local positions in growth order (for ``variant="published"``,
            the members never reached follow in ascending position).
        n_kept : int
            ``int(|L| * (1 - removal_rate))``, at least 1, where ``|L|`` counts
            the members ranked by growth (for ``variant="published"``, not
            those never reached).
        """
        n = pseudo_class.n
        if n < MIN_CLASS_SIZE:
            return np.arange(n), n
        published = self.variant == "published"
        # More neighbours than members means all the grown members, as n
        # does (the kernels hold n x k distances: a huge k cost memory and
        # time for nothing, and past int64 failed in the compiled code).
        # A Python int: the compiled pass failed to type a numpy uint64
        # (and compiled again for every other integer type).
        k = min(int(self.n_neighbors), n)
        q = max(1, int(n * written_float(self.ring_fraction)))  # as _kept_count
        core = pseudo_class.core_position
        if pseudo_class._fits_in_memory():
            # The cached matrix and one compiled pass over the rings.  A
            # subclass that redefines distances gets its own, as the rings
            # below read them: the base class's matrix holds other ones.
            matrix = (pseudo_class.distance_matrix()
                      if type(pseudo_class).distances is PseudoClass.distances
                      else np.ascontiguousarray(
                          pseudo_class.distances(np.arange(n)),
                          dtype=np.float64))
            ranking, n_grown = idc_order(matrix, core, k, q, published)
            return ranking, _kept_count(int(n_grown), self.removal_rate)

        to_core = pseudo_class.distances([core])[0]
        grown = list(np.argsort(to_core, kind="stable")[:q])
        in_grown = np.zeros(n, dtype=bool)
        in_grown[grown] = True
        # Row j holds member j's k smallest distances to the reference
        # members seen so far, ascending; inf while fewer than k exist
        # (kth: the last of them).  Published variant: beside each, the
        # distance from the member to the one at the local position equal to
        # the grown-list place of the member found (the released code reads
        # these: spec §6's defect).
        nearest = np.full((n, k), np.inf)
        read = np.zeros((n if published else 0, k))
        kth = np.full(n, np.inf)
        n_refs = 0

        def density(candidates):
            nonlocal n_refs
            refs = np.asarray(grown[n_refs:], dtype=np.intp)
            to_candidates = pseudo_class._distances_to(candidates)
            # Reference rows against the candidates, in chunks to bound
            # memory, merged in grown-list order by a compiled pass.
            step = max(k, chunk_rows(len(refs), 8 * 4 * len(candidates)))
            for start in range(0, len(refs), step):
                block = to_candidates(refs[start : start + step])
                at_places = block
                if published:
                    at_places = to_candidates(
                        np.arange(n_refs + start, n_refs + start + block.shape[0]))
                absorb_columns(block, at_places, candidates, nearest, read, kth,
                               published)
            n_refs = len(grown)
            return densities(candidates, nearest, read, min(k, n_refs), published)

        for _ in range(2, n // q + 1):
            candidates = np.flatnonzero(~in_grown)
            order = np.argsort(density(candidates), kind="stable")
            ring = candidates[order[:q]]
            grown.extend(ring.tolist())
            in_grown[ring] = True

        leftovers = np.flatnonzero(~in_grown)
        n_grown = len(grown)
        if leftovers.size:
            if published:
                # The released code never ranks them: they go with the tail.
                grown.extend(leftovers.tolist())
            else:
                order = np.argsort(density(leftovers), kind="stable")
                grown.extend(leftovers[order].tolist())
                n_grown = len(grown)
        return np.asarray(grown, dtype=np.intp), _kept_count(
            n_grown, self.removal_rate
        )


class DistanceDenoiser(BaseDenoiser):
    """Remove the members farthest from the core (the paper's "distance-guided"
    ablation).

    Members are ranked by distance to the core (ties: lower position first);
    the first ``int(n * (1 - removal_rate))`` are kept, in that order (at
    least one; the core is always kept, in place of the last kept member if
    it would fall outside).  Classes with fewer than 10 members are not
    denoised, as in :class:`IDCDenoiser`.

    Parameters
    ----------
    removal_rate : float in [0, 1), default=0.1
        Share of the class removed.

    Attributes
    ----------
    core_index_, ranking_, n_kept_, inlier_mask_, n_features_in_, feature_names_in_
        As for :class:`IDCDenoiser` used standalone.

    See Also
    --------
    IDCDenoiser : BiLAF's denoiser.
    DensityDenoiser : Remove the members with the sparsest neighbourhoods.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.denoise import DistanceDenoiser
    >>> X = np.arange(20.0).reshape(-1, 1)
    >>> # Standalone, the core is the sample nearest to the mean (9; ties go to
    >>> # the lower row), and 0 and 18 tie at distance 9: the lower row stays.
    >>> np.flatnonzero(DistanceDenoiser(0.1).fit_predict(X) == -1).tolist()
    [18, 19]
    """

    _parameter_constraints: dict = {
        "removal_rate": [Number(0, 1, closed="left")],
    }

    def __init__(self, removal_rate=0.1):
        self.removal_rate = removal_rate

    def rank_class(self, pseudo_class):
        """Members by distance to the core, nearest first.

        Parameters
        ----------
        pseudo_class : PseudoClass
            The members of one pseudo-class.

        Returns
        -------
        ranking : ndarray of shape (n,)
            Local positions, most typical first.
        n_kept : int
            How many leading entries of ``ranking`` are kept.
        """
        n = pseudo_class.n
        if n < MIN_CLASS_SIZE:
            return np.arange(n), n
        to_core = pseudo_class.distances([pseudo_class.core_position])[0]
        return np.argsort(to_core, kind="stable"), _kept_count(n, self.removal_rate)


class DensityDenoiser(BaseDenoiser):
    """Remove the members with the sparsest neighbourhoods (the paper's
    "density-based" ablation).

    The score of a member is its mean distance to its ``n_neighbors`` nearest
    other members of the class (its own zero distance not counted); the
    ``removal_rate`` share with the largest scores is removed: the
    ``int(n * (1 - removal_rate))`` lowest scores are kept, densest first
    (ties: lower position first; the core is always kept, in place of the
    last kept member if it would fall outside).  Classes with fewer than 10
    members are not denoised, as in :class:`IDCDenoiser`.

    Parameters
    ----------
    n_neighbors : int, default=10
        Neighbours in the density score.
    removal_rate : float in [0, 1), default=0.1
        Share of the class removed.

    Attributes
    ----------
    core_index_, ranking_, n_kept_, inlier_mask_, n_features_in_, feature_names_in_
        As for :class:`IDCDenoiser` used standalone.

    See Also
    --------
    IDCDenoiser : BiLAF's denoiser.
    DistanceDenoiser : Remove the members farthest from the core.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_bilaf.denoise import DensityDenoiser
    >>> X = np.r_[[[-5.0]], np.zeros((9, 1)), [[5.0]]]
    >>> np.flatnonzero(DensityDenoiser(3, 0.1).fit_predict(X) == -1).tolist()
    [0, 10]
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Count(1, None, closed="left")],
        "removal_rate": [Number(0, 1, closed="left")],
    }

    def __init__(self, n_neighbors=10, removal_rate=0.1):
        self.n_neighbors = n_neighbors
        self.removal_rate = removal_rate

    def rank_class(self, pseudo_class):
        """Members by mean distance to their nearest class members, densest first.

        Parameters
        ----------
        pseudo_class : PseudoClass
            The members of one pseudo-class.

        Returns
        -------
        ranking : ndarray of shape (n,)
            Local positions, most typical first.
        n_kept : int
            How many leading entries of ``ranking`` are kept.
        """
        n = pseudo_class.n
        if n < MIN_CLASS_SIZE:
            return np.arange(n), n
        k = min(self.n_neighbors, n - 1)
        score = np.empty(n)
        # Blocks of 16 MiB of distances, fewer rows when working_memory is
        # lower: a block's temporaries (distances' own, the copy, the
        # partition) are about four such arrays.
        step = max(1, min(2**24 // (8 * n), chunk_rows(n, 4 * 8 * n)))
        for start in range(0, n, step):
            rows = np.arange(start, min(n, start + step))
            D = np.array(pseudo_class.distances(rows), copy=True)
            D[np.arange(rows.size), rows] = np.inf  # not its own neighbour
            nearest = np.sort(np.partition(D, k - 1, axis=1)[:, :k], axis=1)
            # Compensated means of the sorted distances, as IDC takes them:
            # equal sets of distances tie exactly, and the stable sort below
            # then keeps the lower position first (a plain mean's rounding
            # decided such ties).
            score[rows] = row_means(nearest)
        return np.argsort(score, kind="stable"), _kept_count(n, self.removal_rate)


class OutlierDetectorDenoiser(BaseDenoiser):
    """Use any scikit-learn outlier detector inside each pseudo-class.

    The detector's ``fit_predict`` runs on the members of each pseudo-class
    (in the computing geometry); members it labels -1 are removed, except the
    core, which is always kept: a class whose members are all labelled -1
    keeps its core alone.  Kept members stay in ascending sample order.
    Classes with fewer than 10 members are not denoised (the detector does
    not run on them), as in :class:`IDCDenoiser`.

    Parameters
    ----------
    detector : estimator with ``fit_predict``
        An outlier detector, returning 1 (inlier) or -1 (outlier) for each
        sample: for example ``LocalOutlierFactor(n_neighbors=10)`` or
        ``IsolationForest(random_state=0)``.  It is cloned for each class.
        Clusterers (``DBSCAN``, ``HDBSCAN``, ``KMeans``, ...) are refused:
        their -1 means noise and their other labels are cluster numbers, so
        a class they found no cluster in would keep its core alone.  Mixture
        models (``GaussianMixture``, ...) are refused too: their labels are
        component numbers.

    Attributes
    ----------
    core_index_, ranking_, n_kept_, inlier_mask_, n_features_in_, feature_names_in_
        As for :class:`IDCDenoiser` used standalone.

    See Also
    --------
    IDCDenoiser : BiLAF's denoiser.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import LocalOutlierFactor
    >>> from sklearn_bilaf.denoise import OutlierDetectorDenoiser
    >>> X = np.r_[np.random.RandomState(0).normal(size=(30, 2)), [[8.0, 8.0]]]
    >>> den = OutlierDetectorDenoiser(LocalOutlierFactor(n_neighbors=5))
    >>> bool(den.fit_predict(X)[-1] == -1)
    True
    """

    _parameter_constraints: dict = {"detector": [HasMethods(["fit_predict"])]}

    def __init__(self, detector):
        self.detector = detector

    def _validate_params(self):
        _refuse_hidden_fit_predict(self.detector, "detector")
        super()._validate_params()
        # The detector's own settings too, once, before any class runs it: a
        # wrong one surfaced inside the first class of 10 members or more,
        # in an error about small classes and duplicate rows.
        # A clusterer's flags passed only when it found no cluster in a
        # class (DBSCAN's all -1, "noise"), which then kept its core alone;
        # any cluster found failed the flag check instead.  A mixture
        # model's components likewise, and where every class was small it
        # never ran at all.
        error = _labels_not_flags_error(self.detector, "detector")
        if error is not None:
            raise error
        # Only a detector that declares constraints: scikit-learn's
        # _validate_params reads them, and an estimator of the user's, on
        # BaseEstimator without them, failed here with an AttributeError.
        if (hasattr(self.detector, "_validate_params")
                and hasattr(self.detector, "_parameter_constraints")):
            self.detector._validate_params()

    def rank_class(self, pseudo_class):
        """Inliers (and the core) first, in ascending position, then outliers.

        Parameters
        ----------
        pseudo_class : PseudoClass
            The members of one pseudo-class.

        Returns
        -------
        ranking : ndarray of shape (n,)
            Local positions, most typical first.
        n_kept : int
            How many leading entries of ``ranking`` are kept.
        """
        n = pseudo_class.n
        if n < MIN_CLASS_SIZE:
            return np.arange(n), n
        detector = clone(self.detector)
        try:
            flags = np.asarray(detector.fit_predict(pseudo_class.X))
        except (ValueError, ArithmeticError) as exc:
            # What a class's data can cause (too few members, duplicate rows,
            # a singular covariance: LinAlgError is a ValueError); the class
            # is then the news.  Any other error (a TypeError, ...) is the
            # detector's own bug and surfaces as raised, as the guide says.
            raise ValueError(
                f"{type(detector).__name__}.fit_predict failed on pseudo-class "
                f"{pseudo_class.label} ({counted(n, 'member')}): "
                f"{str(exc).rstrip('.')}. "
                "The detector runs inside each pseudo-class, which may be small "
                "or hold duplicate rows; use a detector that copes with them "
                "(LocalOutlierFactor, IsolationForest) or the default IDCDenoiser."
            ) from exc
        values = np.unique(flags)
        if flags.shape != (n,) or not np.isin(values, (-1, 1)).all():
            raise ValueError(
                f"{type(detector).__name__}.fit_predict must return 1 (inlier) "
                f"or -1 (outlier) for each of the {counted(n, 'member')} of "
                "pseudo-class "
                f"{pseudo_class.label}; got values {quoted(values[:5])} of shape "
                f"{flags.shape}. Pass an outlier detector (LocalOutlierFactor, "
                "IsolationForest, ...), not a clusterer or a classifier."
            )
        inlier = flags == 1
        inlier[pseudo_class.core_position] = True
        ranking = np.r_[np.flatnonzero(inlier), np.flatnonzero(~inlier)]
        return ranking, int(inlier.sum())

