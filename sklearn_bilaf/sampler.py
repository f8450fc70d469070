"""BiLAFSampler: the estimator that composes BiLAF's stages."""

import importlib
import sys
import time
import warnings

import numpy as np
from joblib import effective_n_jobs
from sklearn import config_context, get_config
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.metrics import pairwise_distances_argmin_min
from sklearn.utils import check_random_state
from sklearn.utils import parallel as sklearn_parallel
from sklearn.utils._param_validation import (
    HasMethods,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._distances import chunk_rows, prepare, refuse_all_zero_rows
from ._text import counted, quoted
from ._threads import (
    CLASS_THREADS,
    blas_threads,
    joblib_runs_threads,
    one_blas_thread_in_task,
    one_thread,
    run_in_threads,
)
from .base import (
    Count,
    Fraction,
    SubsetSamplerMixin,
    _in_cosine_geometry,
    _is_clusterer,
    _labels_not_flags_error,
    _refuse_hidden_fit_predict,
    caller_stacklevel,
    fit_or_forget,
    instance_call,
    require_whole_numbers,
    resolve_count,
    validate_pool,
    whole_numbers,
)
from .baselines import ProbCoverSelector
from .boundary import BoundarySelector
from .budget import allocate_budget
from .core import (
    ActiveFTSelector,
    BaseCoreSelector,
    FarthestPointSelector,
    PrecomputedSelector,
    RandomSelector,
    _directionless,
)
from .denoise import (
    BaseDenoiser,
    IDCDenoiser,
    NoDenoiser,
    OutlierDetectorDenoiser,
    _checked_denoising,
)
from .pseudo_classes import (
    PseudoClass,
    _assign_pseudo_classes,
    _cores_underflow_exponent,
)

__all__ = ["BiLAFSampler"]

_SEED_MAX = np.iinfo(np.int32).max

# A stage named "paper" (or IDC's "published"): the object giving that
# setting, as (what it is, class, call) for the refusal's advice.
_PAPER_STAGES = {
    ("core_selector", "paper"): (
        "the paper's core stage (K = 0.5 % of the pool, ActiveFT's random start)",
        "ActiveFTSelector", "ActiveFTSelector(n_cores='paper')"),
    ("denoiser", "paper"): (
        "the paper's IDC (also the default, denoiser=None)",
        "IDCDenoiser", "IDCDenoiser(variant='paper')"),
    ("denoiser", "published"): (
        "IDC as the authors' released code computes it",
        "IDCDenoiser", "IDCDenoiser(variant='published')"),
    ("boundary_selector", "paper"): (
        "the paper's boundary selection (also the default, "
        "boundary_selector=None)",
        "BoundarySelector", "BoundarySelector()"),
}

#: Stage parameters, the stage their default None stands for, and the
#: module its class is imported from (sklearn_bilaf itself does not export
#: it, so advice to write it must say where it lives).
_STAGE_DEFAULTS = {
    "core_selector": ("ActiveFTSelector(init='auto')", "core"),
    "denoiser": ("IDCDenoiser()", "denoise"),
    "boundary_selector": ("BoundarySelector()", "boundary"),
}


def _stage_advice(stage):
    """The default stage written out as an object, with its import, for
    messages that ask for it."""
    call, module = _STAGE_DEFAULTS[stage]
    name = call.partition("(")[0]
    return (f"from sklearn_bilaf.{module} import {name}, then "
            f"BiLAFSampler(..., {stage}={call})")


def _seeded(estimator, rng):
    """Clone a stage; seed every ``random_state`` in it that is None.

    Nested ones count too (a detector inside an ``OutlierDetectorDenoiser``,
    a clusterer inside a ``ClustererSelector``), so that the sampler's
    ``random_state`` makes the whole selection repeatable.  The stage's own
    parameter draws first, then the nested ones in name order, so that the
    stage's own seed is the same whether or not it holds nested estimators.
    """
    estimator = clone(estimator)
    params = estimator.get_params(deep=True)
    unseeded = sorted(
        (name for name, value in params.items()
         if value is None and (name == "random_state"
                               or name.endswith("__random_state"))),
        key=lambda name: (name != "random_state", name),
    )
    if unseeded:
        estimator.set_params(**{name: int(rng.randint(_SEED_MAX))
                                for name in unseeded})
    return estimator


def _accepts_keyword(function, name):
    """Whether ``function`` can be called with the keyword argument ``name``."""
    import inspect

    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # no signature to read: let the call decide
        return True
    return any(p.name == name and p.kind is not p.POSITIONAL_ONLY
               or p.kind is p.VAR_KEYWORD for p in parameters)


# The per-class tasks receive only their class's rows, never the whole pool,
# so that process and Dask backends ship O(class) data per task.

# Per-class work runs its BLAS products on one thread, whatever n_jobs and the
# backend (see _threads): OpenBLAS's (and MKL's) products change in their last
# bits with the thread count for some shapes (a class's last, partial row
# block, for one), and the selection must not depend on n_jobs or on the
# machine's thread setting.


# Below this much work (about a millisecond) per task, dispatching costs a
# noticeable share, so small pseudo-classes travel in batches: thousands of
# classes (ImageNet-sized K) become a few hundred tasks, which matters most
# on process and Dask backends.  Batches stop growing at _MAX_BATCH_WORK
# (some ten milliseconds), so that the rows gathered for the batches in
# flight stay a small part of the pool: a batch of several classes (largest
# first) holds less than twice that work, and a class's work is at least 65
# times its values, so its rows are under 5 million values (the user
# guide's memory item says so).  Batching changes no result: every
# class is computed alone, the same way, whatever batch it is in.
_MIN_BATCH_WORK = 2e7
_MAX_BATCH_WORK = 8 * _MIN_BATCH_WORK


def _class_work(class_sizes, n_features):
    """Rough cost of a pseudo-class's per-class stages: its pairs of members
    times the features, plus a fixed cost per member."""
    n = np.asarray(class_sizes, dtype=np.float64)
    return n * (n + 64.0) * n_features


def _batch_sizes(work, n_workers):
    """How many consecutive classes (largest first) each task takes.

    A batch closes once it holds an eighth of every worker's fair share of
    the work (so that the workers have enough tasks to balance), but at
    least ``_MIN_BATCH_WORK`` and at most ``_MAX_BATCH_WORK``.
    """
    share = float(np.sum(work)) / (8 * n_workers)
    target = max(_MIN_BATCH_WORK, min(_MAX_BATCH_WORK, share))
    sizes, count, held = [], 0, 0.0
    for w in work:
        count += 1
        held += w
        if held >= target:
            sizes.append(count)
            count, held = 0, 0.0
    if count:
        sizes.append(count)
    return sizes


def _run_batch(tasks):
    """Run a batch of per-class tasks (``(function, args, kwargs)`` triples,
    a list or an iterator that makes them) one after another.

    Each task is let go of once it has run: made one at a time by an
    iterator, a class's rows are then gathered when it starts and freed
    before the next class's are, so that a batch of small classes holds one
    class's rows at a time, not all of them until its last class is done.
    """
    results = []
    for function, args, kwargs in tasks:
        results.append(function(*args, **kwargs))
        del function, args, kwargs
    return results


class _Handover:
    """A class's gathered rows, handed to its task once (:meth:`take`).

    A task's arguments are held by its caller until it returns: rows passed
    as one stayed alive through the whole task, also once the pseudo-class
    had let go of them (its ``X`` made, or the cosine rows normalised).
    Taken, the pseudo-class holds the only reference.
    """

    __slots__ = ("rows",)

    def __init__(self, rows):
        self.rows = rows

    def take(self):
        rows, self.rows = self.rows, None
        return rows


def _refuse_unpicklable_stage(name, stage, n_jobs):
    """Refuse, with what to change, a stage that joblib's backend cannot send
    to its worker processes (joblib's own error names neither the stage nor
    a remedy)."""
    import pickle

    from joblib.parallel import MultiprocessingBackend, get_active_backend

    backend, _ = get_active_backend(prefer="threads")
    if getattr(backend, "uses_threads", False):
        return  # a backend of threads (a user's subclass of joblib's): no pickling
    if isinstance(backend, MultiprocessingBackend):
        dumps = pickle.dumps  # this backend pickles tasks with the standard pickle
    else:  # loky and Dask pickle with cloudpickle
        try:
            from cloudpickle import dumps
        except ImportError:
            try:  # joblib releases that bundle it
                from joblib.externals.cloudpickle import dumps
            except ImportError:  # leave it to the backend
                return
    try:
        dumps(stage)
    except Exception as error:
        raise TypeError(
            f"{name}={type(stage).__name__}(...) cannot be sent to the worker "
            f"processes of joblib's {type(backend).__name__} (n_jobs={n_jobs}): "
            f"{type(error).__name__}: {error}. The per-pseudo-class stages run "
            "there and must be picklable: make it picklable, or run the stages "
            "in threads of this process: fit inside "
            "joblib.parallel_config(backend='threading') (before joblib 1.3: "
            "joblib.parallel_backend('threading'))."
        ) from error


def _denoise_class(label, members, core, class_rows, metric, n_classes, denoiser):
    """Pass 1 for one pseudo-class: denoise, then the members' mean distances."""
    with one_blas_thread_in_task():
        return _denoise_class_work(label, members, core, class_rows, metric,
                                   n_classes, denoiser)


def _denoise_class_work(label, members, core, class_rows, metric, n_classes,
                        denoiser):
    core_position = int(np.searchsorted(members, core))
    pseudo_class = PseudoClass._from_pool_rows(label, members, core_position,
                                               class_rows.take(), metric,
                                               n_classes)
    denoise = getattr(denoiser, "denoise_class", None)
    if getattr(denoise, "__func__", None) is BaseDenoiser.denoise_class:
        ranking, n_kept = denoise(pseudo_class)
    elif denoise is None:
        # A duck-typed denoiser with only rank_class (which the parameter
        # validation accepts) gets the base class's checks and core rule.
        ranking, n_kept = BaseDenoiser.denoise_class(denoiser, pseudo_class)
    else:
        # A denoise_class of the user's gets them too: its ranking picks the
        # members the boundary stage selects from, so repeated positions
        # would select a sample twice, and a core left out fails below.
        ranking, n_kept = _checked_denoising(
            denoise(pseudo_class), pseudo_class,
            f"{type(denoiser).__name__}.denoise_class")
    inside = pseudo_class.mean_distances(ranking[:n_kept])
    return ranking, n_kept, inside


def _select_class(label, members, core_position, class_rows, metric, n_classes,
                  stats, budget, boundary_selector):
    """Pass 2 for one pseudo-class: the boundary picks."""
    with one_blas_thread_in_task():
        return _select_class_work(label, members, core_position, class_rows,
                                  metric, n_classes, stats, budget,
                                  boundary_selector)


def _select_class_work(label, members, core_position, class_rows, metric,
                       n_classes, stats, budget, boundary_selector):
    pseudo_class = PseudoClass._from_pool_rows(label, members, core_position,
                                               class_rows.take(), metric,
                                               n_classes)
    (pseudo_class.inside_distance, pseudo_class.outside_distance,
     pseudo_class.opponent) = stats
    picks = boundary_selector.select_class(pseudo_class, budget)
    expected = (f"{type(boundary_selector).__name__}.select_class must return "
                f"{counted(budget, 'distinct local position')} in "
                f"[0, {members.size - 1}], "
                f"the first the core's ({core_position})")
    given = picks
    picks = require_whole_numbers(given, expected)
    if (picks.shape != (budget,) or picks[0] != core_position
            or np.unique(picks).size != budget or picks.min() < 0
            or picks.max() >= members.size):
        # As given: whole numbers past intp's range were clipped.
        shown = np.ravel(np.asarray(given))
        raise ValueError(f"{expected}; got {quoted(shown[:10])}"
                         f"{'...' if shown.size > 10 else '.'}")
    return members[picks]


def _warned_of_directions(core_selector):
    """Whether the core selector warned already, for the same pools, of rows
    without usable directions: ActiveFT, and the cosine selectors."""
    if isinstance(core_selector, ActiveFTSelector):
        return True
    return (isinstance(core_selector, (FarthestPointSelector, ProbCoverSelector))
            and core_selector.metric == "cosine")


class BiLAFSampler(SubsetSamplerMixin, BaseEstimator):
    """Choose which samples of an unlabeled pool to label, with BiLAF.

    BiLAF (Bi-Level Active Finetuning, Lu et al., NeurIPS 2024) selects a
    labeling budget from the embeddings of a pool, without labels, in two
    levels: *core samples* that cover the data (by default with ActiveFT),
    each the centre of a pseudo-class; then, inside each denoised
    pseudo-class, *boundary samples* near the borders with neighbouring
    pseudo-classes.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    budget : int or float
        How many samples to select: an int is a count (at most the pool
        size), a float in (0, 1] a fraction of the pool
        (``int(n_samples * budget)``, at least 1).  The product is taken in
        floating point, as the authors' code takes it, so a fraction can
        give one sample less than its decimal reading: 0.29 of 100 rows is
        28 (``100 * 0.29 == 28.999999999999996``).  Give a count when the
        exact number matters.
    core_selector : estimator, array-like of int or None, default=None
        Stage 1.  None uses :class:`~sklearn_bilaf.core.ActiveFTSelector`
        with ``n_cores="auto"`` (5 % of the pool, at most the budget) and
        ``init="auto"`` (ActiveFT started from the stratified k-means start:
        k-means within 30 strata of the normalised rows, each given its share
        of the start by its size, on a normalised copy of the pool; from
        random samples when N x K exceeds 1e9 or N a million).  Note that
        ``ActiveFTSelector()``'s own default start is the paper's random one:
        to tune the default core stage, pass ``ActiveFTSelector(init="auto")``;
        ``ActiveFTSelector(n_cores="paper")`` is the paper's setting (0.5 %
        of the pool, random start).  An
        array gives precomputed core indices.  Any selector of
        :mod:`sklearn_bilaf.core`, or any scikit-learn clusterer exposing
        ``cluster_centers_`` (cores are the samples nearest to the centres).
        Not a :class:`~sklearn.pipeline.Pipeline`: to select in a transformed
        space, put the transformers before the sampler.
    denoiser : estimator, "none" or None, default=None
        Stage 3.  None uses :class:`~sklearn_bilaf.denoise.IDCDenoiser`;
        ``"none"`` disables denoising; any denoiser of
        :mod:`sklearn_bilaf.denoise` or scikit-learn outlier detector with
        ``fit_predict`` (applied within each pseudo-class).
    boundary_selector : estimator or None, default=None
        Stage 5.  None uses :class:`~sklearn_bilaf.boundary.BoundarySelector`.
    metric : {"euclidean", "cosine"}, default="euclidean"
        Distance used by stages 2-5 (ActiveFT always works on normalised
        features, as published).
    random_state : int, RandomState instance or None, default=None
        Seeds every stochastic stage that has no seed of its own.
    n_jobs : int or None, default=None
        Pseudo-classes processed in parallel by joblib (``-1`` for all
        cores).  With None or 1 (no joblib jobs) the per-class stages still
        run on as many threads of the library's own as BLAS may use, like
        the search for every sample's nearest cores (stage 2) and like
        scikit-learn's OpenMP-based estimators: limit them with
        ``threadpoolctl.threadpool_limits``.  Each class's products run in
        fixed blocks on one BLAS thread, so the selection does not depend
        on the number of jobs or threads.  A class with more than one
        worker's share of the work also shares its products' blocks among
        the workers.  Each worker holds one class's distances at a time,
        within scikit-learn's ``working_memory``, and that class's rows
        (gathered, and a float64 copy for its distances, shifted to its
        core past 16 features), which the
        setting does not bound; worker processes receive the rows of a
        batch of small classes together (see the user guide's memory item).
    verbose : int, default=0
        Print progress per stage to stderr when positive.  The default core
        stage (``core_selector=None``) also reports its k-means start (the
        stratified one) and
        ActiveFT's loss; a core selector passed in reports only with its own
        ``verbose`` (``ActiveFTSelector(verbose=1)``).

    Attributes
    ----------
    selected_indices_ : ndarray of shape (budget_,)
        Selected pool rows: pseudo-classes in order, each block its core
        first, then its boundary samples in pick order.
    core_indices_ : ndarray of shape (n_cores_,)
        The core samples, ascending.
    labels_ : ndarray of shape (n_samples,)
        Pseudo-class of every sample (numbered by ascending core index).
    inlier_mask_ : ndarray of shape (n_samples,)
        True for the samples kept by denoising.
    class_budgets_ : ndarray of shape (n_cores_,)
        Samples selected per pseudo-class.
    budget_ : int
        The resolved budget.
    n_cores_ : int
        Number of core samples.
    selected_embeddings_ : ndarray of shape (budget_, n_features_in_)
        The selected rows of the pool, in the order of ``selected_indices_``
        (kept for :meth:`score`).
    core_selector_, denoiser_, boundary_selector_ : estimators
        The stages used (fitted core selector; cloned, seeded stages).
    timings_ : dict
        Seconds spent per stage.
    n_samples_fit_ : int
        Rows in the pool.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``, when X has string column
        names.

    See Also
    --------
    sklearn_bilaf.core.ActiveFTSelector : Core selection alone (ActiveFT).

    Notes
    -----
    The stages' hyperparameters are nested parameters of the sampler
    (``denoiser__removal_rate``, ``boundary_selector__penalty``,
    ``core_selector__n_cores``...) for ``set_params``, ``clone`` and
    ``GridSearchCV``, when the stages are given as objects: the defaults of
    None are resolved at fit time and expose no parameters.  To tune a stage,
    pass it explicitly, e.g. ``BiLAFSampler(budget, denoiser=IDCDenoiser())``
    with the grid ``{"denoiser__removal_rate": [0.0, 0.1, 0.2]}``.

    References
    ----------
    Han Lu, Yichen Xie, Xiaokang Yang, Junchi Yan. *Boundary Matters: A
    Bi-Level Active Finetuning Method.* NeurIPS 2024 (arXiv:2403.10069).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_bilaf import BiLAFSampler
    >>> from sklearn_bilaf.core import RandomSelector
    >>> X, _ = load_digits(return_X_y=True)
    >>> sampler = BiLAFSampler(budget=40, core_selector=RandomSelector(8),
    ...                        random_state=0).fit(X)
    >>> sampler.selected_indices_.shape, sampler.core_indices_.shape
    ((40,), (8,))
    >>> sampler.transform(X).shape
    (40, 64)
    """

    _parameter_constraints: dict = {
        "budget": [
            Count(1, None, closed="left"),
            Fraction(0, 1, closed="right"),
        ],
        "core_selector": [None, "array-like", HasMethods(["fit"])],
        "denoiser": [
            None,
            StrOptions({"none"}),
            HasMethods(["rank_class"]),
            HasMethods(["fit_predict"]),
        ],
        "boundary_selector": [None, HasMethods(["select_class"])],
        "metric": [StrOptions({"euclidean", "cosine"})],
        "random_state": ["random_state"],
        "n_jobs": [
            None,
            Count(None, -1, closed="right"),
            Count(1, None, closed="left"),
        ],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        budget,
        *,
        core_selector=None,
        denoiser=None,
        boundary_selector=None,
        metric="euclidean",
        random_state=None,
        n_jobs=None,
        verbose=0,
    ):
        self.budget = budget
        self.core_selector = core_selector
        self.denoiser = denoiser
        self.boundary_selector = boundary_selector
        self.metric = metric
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _validate_params(self):
        _refuse_hidden_fit_predict(self.denoiser, "denoiser")
        self._refuse_command_names()
        super()._validate_params()

    def _refuse_command_names(self):
        """Refuse the ``bilaf`` command's stage names (``--denoiser idc``) by
        naming the object each stands for: ``denoiser="none"`` is a valid
        string, so the others look valid too, and scikit-learn's refusal
        does not say which class to pass."""
        for stage, module in (("core_selector", "core"), ("denoiser", "denoise"),
                              ("boundary_selector", "boundary")):
            value = getattr(self, stage)
            if not isinstance(value, str) or value == "none":
                continue
            # A numpy string as the text it holds: its repr, in the message
            # and the call it advises, read np.str_('idc') under numpy 2.
            value = str(value)
            paper = _PAPER_STAGES.get((stage, value))
            if paper is not None:
                # "paper" (the command's -k paper, --variant paper) is a
                # natural guess for the paper's setting; scikit-learn's
                # refusal lists types, not the object that gives it.
                what, name, call = paper
                raise InvalidParameterError(
                    f"The {stage!r} parameter of BiLAFSampler must be an object, "
                    f"not {value!r}: for {what}, from sklearn_bilaf.{module} "
                    f"import {name}, then BiLAFSampler(..., {stage}={call})."
                )
            # The command's tables, imported only here: most fits have no string.
            from .cli import CORE_SELECTORS, DENOISERS

            names = {"core_selector": CORE_SELECTORS, "denoiser": DENOISERS,
                     "boundary_selector": {"iterative": ("BoundarySelector",),
                                           "one-shot": ("BoundarySelector",)}}
            if value not in names[stage]:
                continue
            name = names[stage][value][0]
            if stage == "boundary_selector":  # the command's --strategy
                call = f"BoundarySelector(strategy={value!r})"
            elif value == "activeft":
                call = _STAGE_DEFAULTS[stage][0]  # the command's default start
            else:
                call = instance_call(getattr(importlib.import_module(
                    f".{module}", __package__), name))
            raise InvalidParameterError(
                f"The {stage!r} parameter of BiLAFSampler must be an object, not "
                f"the bilaf command's name {value!r}: from sklearn_bilaf.{module} "
                f"import {name}, then BiLAFSampler(..., {stage}={call})."
            )

    # -- stage resolution -------------------------------------------------
    def _cosine_throughout(self):
        """Whether every stage computes in the cosine geometry, for the
        input check (see ``base._in_cosine_geometry``): the later stages
        with ``metric="cosine"``, and a core stage that reads the pool only
        through normalised rows, or reads no values at all.  A Euclidean
        core stage reads the pool as given, where tiny values underflow."""
        if self.metric != "cosine":
            return False
        selector = self.core_selector
        if selector is None or not hasattr(selector, "fit"):
            return True  # ActiveFT, or the core indices
        if _is_clusterer(selector) and not isinstance(selector, BaseCoreSelector):
            return False  # k-means and the like, on the pool as given
        return (isinstance(selector, RandomSelector | PrecomputedSelector)
                or _in_cosine_geometry(selector))

    def _check_stage_types(self):
        """Refuse estimators that cannot play their stage, before any work.

        The error is scikit-learn's InvalidParameterError (a TypeError and a
        ValueError), as for the values ``_parameter_constraints`` refuses."""
        for stage in ("core_selector", "denoiser", "boundary_selector"):
            value = getattr(self, stage)
            if isinstance(value, type):
                raise InvalidParameterError(
                    f"{stage}={value.__name__} is a class; pass an instance: "
                    f"{stage}={instance_call(value)}."
                )
            if (hasattr(value, "fit") or hasattr(value, "rank_class")
                    or hasattr(value, "select_class")) and not hasattr(
                        value, "get_params"):
                # Checked here, not left to clone() deep in fit: its error
                # says nothing of what to change.
                raise InvalidParameterError(
                    f"{stage}={type(value).__name__}() is not a scikit-learn "
                    "estimator: the sampler clones its stages (fitting never "
                    "changes your object, and GridSearchCV can set their "
                    "parameters), which needs get_params and set_params. Derive "
                    "the class from sklearn.base.BaseEstimator (or a base class "
                    "of the stage's module, such as sklearn_bilaf.core."
                    "BaseCoreSelector) and store each __init__ parameter as an "
                    "attribute of the same name."
                )
            if (stage != "core_selector"
                    and hasattr(value, "_parameter_constraints")
                    and not get_config()["skip_parameter_validation"]):
                # The stages' own methods run per class, in workers: check
                # their parameters once, here, before the core stage runs.
                value._validate_params()
        selector = self.core_selector
        if hasattr(selector, "fit") and hasattr(selector, "steps"):
            # A Pipeline's fit takes no budget (it refused one the user never
            # passed) and has no cluster_centers_ of its own.
            raise InvalidParameterError(
                f"core_selector={type(selector).__name__}(...) is not supported: "
                "a pipeline cannot take the budget nor give cores. To select in "
                "a transformed space, put the transformers before the sampler, "
                "make_pipeline(PCA(32), BiLAFSampler(...)), or pass the core "
                "indices chosen in that space as an array."
            )
        if (hasattr(selector, "fit") and not _is_clusterer(selector)
                and not _accepts_keyword(selector.fit, "budget")):
            raise InvalidParameterError(
                f"core_selector={type(selector).__name__}() is not a core "
                "selector: its fit does not take the budget (fit(X, budget=...)). "
                "Pass a selector of sklearn_bilaf.core, a scikit-learn clusterer "
                "with cluster_centers_ (KMeans, ...), or an array of core indices."
            )
        denoiser = self.denoiser
        error = (None if hasattr(denoiser, "rank_class")
                 else _labels_not_flags_error(denoiser, "denoiser"))
        if error is not None:
            raise error

    def _make_core_selector(self, rng):
        selector = self.core_selector
        if selector is None:
            from .core import ActiveFTSelector

            # The stratified k-means start (on pools where it is affordable):
            # the best selections on the validation splits (benchmarks page).  The
            # sampler's verbose reaches it: it is the long stage on big pools.
            return _seeded(ActiveFTSelector(init="auto", verbose=self.verbose), rng)
        if not hasattr(selector, "fit"):
            # asanyarray keeps a masked array's mask for the selector to check.
            return PrecomputedSelector(np.asanyarray(selector))
        if _is_clusterer(selector) and not isinstance(selector, BaseCoreSelector):
            from .core import ClustererSelector

            return ClustererSelector(_seeded(selector, rng))
        return _seeded(selector, rng)

    def _make_denoiser(self, rng):
        denoiser = self.denoiser
        if denoiser is None:
            return IDCDenoiser()
        if isinstance(denoiser, str):
            return NoDenoiser()
        if hasattr(denoiser, "rank_class"):
            return _seeded(denoiser, rng)
        return OutlierDetectorDenoiser(_seeded(denoiser, rng))

    def _fewer_cores_advice(self, budget):
        """How to give the core stage fewer cores than the budget, in the
        terms of the core stage the user chose."""
        selector = self.core_selector
        if budget == 1:
            # Fewer cores than that would be none.
            return ("A budget of 1 holds one core and no boundary sample: "
                    "raise the budget to select boundary samples.")
        if selector is None:
            return ("The default core stage takes K = min(budget, 5 % of the "
                    "pool) cores: to select boundary samples, give the core "
                    "stage fewer, e.g. core_selector=ActiveFTSelector("
                    "n_cores='paper').")
        if not hasattr(selector, "fit") or isinstance(selector,
                                                      PrecomputedSelector):
            # Indices, as given or in their selector: no count to lower.
            return ("To select boundary samples, pass fewer core indices than "
                    f"the budget ({budget}).")
        if _is_clusterer(selector) or hasattr(selector, "clusterer"):
            return ("To select boundary samples, ask the clusterer for fewer "
                    f"clusters than the budget ({budget}).")
        if "n_cores" in selector.get_params(deep=False):
            return ("To select boundary samples, give the core stage fewer "
                    f"cores than the budget ({budget}): a smaller n_cores "
                    "(core_selector__n_cores), or n_cores='paper'.")
        return ("To select boundary samples, give the core stage fewer cores "
                f"than the budget ({budget}).")

    @staticmethod
    def _warn_directionless(X):
        """Warn that the cosine stages cannot tell X's rows apart when they
        all normalise to one vector or its opposite."""
        why = _directionless(X)
        if why is None:
            return
        warnings.warn(
            "BiLAFSampler(metric='cosine') compares rows by their direction "
            f"after the core stage, and {why}: which core each row's "
            "pseudo-class follows, and so the boundary samples picked, is "
            "arbitrary. Pass metric='euclidean' (the default), which measures "
            "the distances between the rows.",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )

    def _log(self, message):
        if self.verbose:
            print(f"[BiLAFSampler] {message}", file=sys.stderr, flush=True)

    # -- fit ---------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Select the labeling budget from the pool X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings of the unlabeled pool (float32 stays float32; read-only
            and memory-mapped float32 or float64 arrays are not copied, beyond
            row chunks bounded by scikit-learn's ``working_memory`` and the
            rows of the pseudo-classes being worked on, except by
            the default core stage's stratified k-means start, which clusters a
            normalised copy of pools up to a million rows: pass
            ``core_selector=ActiveFTSelector(init="random")`` to avoid it).
            That holds for a pool that is not C-contiguous too (a
            Fortran-ordered array, or a view such as ``X[:, :-1]``), whose
            row chunks are copied into C order one at a time (ActiveFT
            copies it whole when that fits ``working_memory``).  Other dtypes
            are converted whole (float16 to a float32 copy twice its size, the
            rest to float64).
        y : None
            Ignored: selection never looks at labels.

        Returns
        -------
        self : object
            Fitted sampler.
        """
        with fit_or_forget(self):
            return self._fit(X)

    def _fit(self, X):
        given = X
        # Whether the user's assume_finite skipped the input check: the
        # stages below run under assume_finite whatever it is.
        unchecked = get_config()["assume_finite"]
        X = validate_pool(self, X)
        self._check_stage_types()
        if self.metric == "cosine":
            # A long double pool is float64 now: its rows below float64's
            # smallest value are all zero, which the error explains.
            refuse_all_zero_rows(X, given=given)
        n_samples = X.shape[0]
        budget = resolve_count(self.budget, n_samples, name="budget")
        rng = check_random_state(self.random_state)
        timings = {}

        tic = time.perf_counter()
        core_selector = self._make_core_selector(rng)
        self._log(f"stage 1/5: selecting cores with {type(core_selector).__name__}")
        # X is validated already: the core stage need not scan it again.
        with config_context(assume_finite=True):
            core_selector.fit(X, budget=budget)
        cores = self._checked_cores(core_selector, n_samples, budget)
        stages_set = [name for name in ("denoiser", "boundary_selector")
                      if getattr(self, name) is not None]
        if cores.size == budget and stages_set:
            warnings.warn(
                f"{'The' if budget == 1 else 'All'} "
                f"{counted(budget, 'selected sample')} "
                f"{'is a core' if budget == 1 else 'are cores'}, so the "
                f"{' and '.join(stages_set)} set on this sampler "
                f"{'has' if len(stages_set) == 1 else 'have'} no effect on the "
                f"selection. {self._fewer_cores_advice(budget)}",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )
        if (self.metric == "cosine" and cores.size < budget
                and not _warned_of_directions(core_selector)):
            self._warn_directionless(X)
        timings["cores"] = time.perf_counter() - tic
        self._log(f"  {counted(cores.size, 'core')} ({timings['cores']:.2f}s)")

        tic = time.perf_counter()
        # X was checked for NaN and inf on entry: not again per chunk.  When
        # the user's assume_finite skipped that check, this is the first
        # Euclidean stage to read a pool the core stage read in the cosine
        # geometry only (ActiveFT, core indices): values past the check's
        # limits are refused here as the Euclidean core stages refuse them.
        with config_context(assume_finite=True):
            labels, outside, opponent = _assign_pseudo_classes(
                X, cores, self.metric, return_outside=True, unchecked=unchecked)
        members = _members_by_class(labels, cores.size)
        # A Euclidean pool whose values are all under about 1e-146 has
        # subnormal squared distances within its pseudo-classes, too coarse
        # for the denoising and boundary stages: they see it scaled by a
        # power of two (exactly), as stage 2 searched it (refusing nothing
        # now: stage 2 took the pool).  0, from the cores' rows alone (most
        # often the first few), for every ordinary pool.
        exponent = (_cores_underflow_exponent(X, cores)
                    if self.metric == "euclidean" else 0)
        if exponent:
            outside = np.ldexp(outside, exponent)
        # Per-class tasks start with the largest classes, so that concurrent
        # workers finish together; results come back in class order.
        largest_first = np.argsort([-m.size for m in members], kind="stable")
        class_work = _class_work([m.size for m in members], X.shape[1])
        timings["pseudo_classes"] = time.perf_counter() - tic
        self._log("stage 2/5: "
                  f"{counted(cores.size, 'pseudo-class', 'pseudo-classes')} "
                  f"({timings['pseudo_classes']:.2f}s)")

        tic = time.perf_counter()
        denoiser = self._make_denoiser(rng)
        self._log(f"stage 3/5: denoising with {type(denoiser).__name__}")

        # take() gathers rows faster than fancy indexing; on the plain
        # ndarray so that a memory map's rows come back as an ndarray.
        pool = np.asarray(X)

        def rows_of(indices):
            if pool.flags.c_contiguous:
                rows = np.take(pool, indices, axis=0)
            else:
                # take() first copies a pool that is not C-contiguous
                # (Fortran order, or the view left by dropping a column)
                # whole, once per pseudo-class: indexing gathers the rows
                # through the strides.
                rows = np.ascontiguousarray(pool[indices])
            if exponent:
                np.ldexp(rows, exponent, out=rows)  # the class's own copy
            return rows

        def denoise_all(denoiser):
            per_class = self._parallel(
                lambda c: (_denoise_class,
                           (c, members[c], cores[c],
                            _Handover(rows_of(members[c])),
                            self.metric, cores.size, denoiser), {}),
                largest_first, class_work, ("denoiser", denoiser),
            )
            sizes = np.array([n_kept for _, n_kept, _ in per_class], dtype=np.intp)
            return per_class, sizes

        per_class, sizes = denoise_all(denoiser)
        if sizes.sum() < budget:
            # A budget of the whole pool selects every sample whatever the
            # denoiser keeps: skipping it then is expected, not news.
            if budget < n_samples:
                warnings.warn(
                    f"The budget ({budget}) exceeds the "
                    f"{counted(int(sizes.sum()), 'sample')} kept by denoising; "
                    "denoising is skipped so that the whole budget can be "
                    "selected.",
                    UserWarning,
                    stacklevel=caller_stacklevel(),
                )
            denoiser = NoDenoiser()
            per_class, sizes = denoise_all(denoiser)
        inlier_mask = np.zeros(n_samples, dtype=bool)
        kept_members, kept_core_positions = [], []
        for c, (ranking, n_kept, _) in enumerate(per_class):
            kept = members[c][ranking[:n_kept]]
            inlier_mask[kept] = True
            kept_members.append(kept)
            kept_core_positions.append(int(np.flatnonzero(kept == cores[c])[0]))
        timings["denoise"] = time.perf_counter() - tic
        self._log(f"  kept {int(sizes.sum())} of {counted(n_samples, 'sample')} "
                  f"({timings['denoise']:.2f}s)")

        tic = time.perf_counter()
        class_budgets = allocate_budget(sizes, budget)
        boundary_selector = (BoundarySelector() if self.boundary_selector is None
                             else _seeded(self.boundary_selector, rng))
        low, high = int(class_budgets.min()), int(class_budgets.max())
        self._log(f"stage 4/5: budgets of {low if low == high else f'{low}-{high}'}"
                  f" sample{'' if high == 1 else 's'} per pseudo-class")
        self._log(f"stage 5/5: {counted(budget - cores.size, 'boundary sample')} with "
                  f"{type(boundary_selector).__name__}")
        blocks = self._parallel(
            lambda c: (_select_class,
                       (c, kept_members[c], kept_core_positions[c],
                        _Handover(rows_of(kept_members[c])),
                        self.metric, cores.size,
                        (per_class[c][2], outside[kept_members[c]],
                         opponent[kept_members[c]]),
                        int(class_budgets[c]), boundary_selector), {}),
            largest_first, class_work, ("boundary_selector", boundary_selector),
        )
        timings["boundary"] = time.perf_counter() - tic
        self._log(f"  done ({timings['boundary']:.2f}s)")

        self.selected_indices_ = np.concatenate(blocks).astype(np.intp, copy=False)
        self.core_indices_ = cores
        self.labels_ = labels
        self.inlier_mask_ = inlier_mask
        self.class_budgets_ = class_budgets
        self.budget_ = budget
        self.n_cores_ = int(cores.size)
        # Indexing gathers the rows into an array of their own (a plain
        # ndarray for a memory map too): a copy of it held them twice.
        self.selected_embeddings_ = pool[self.selected_indices_]
        self.core_selector_ = core_selector
        self.denoiser_ = denoiser
        self.boundary_selector_ = boundary_selector
        self.timings_ = timings
        self.n_samples_fit_ = n_samples
        return self

    def score(self, X, y=None, sample_weight=None):
        """Coverage of X by the selection: minus the mean distance to it.

        For every row of X, the distance (in ``metric``, on the features the
        sampler was fitted on) to its nearest selected sample; the score is
        minus their mean, so higher is better and 0 is perfect.  It needs no
        labels, which lets ``GridSearchCV(BiLAFSampler(...), grid).fit(X)``
        tune the sampler: each cross-validation split fits the sampler on one
        part of the pool and scores how well the selection covers the
        held-out part.

        What it measures: how well the selected samples *cover* the data
        (the k-center objective of diversity sampling, averaged instead of
        maximised).  What it does not measure: how near the selected samples
        lie to the borders between classes (BiLAF's second level, which by
        design trades a little coverage for boundary samples), nor the
        accuracy of a model trained on them.  Scores are comparable only
        between samplers with the same budget and metric on data in the same
        feature space (a larger budget or a rescaled space changes them, and
        a cosine distance, at most 2, is not in the unit of a Euclidean one:
        do not put ``metric`` in a grid scored this way); when some
        labels are available for validation, tune by downstream accuracy
        with :class:`~sklearn_bilaf.LabelBudgetClassifier` instead.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
            Embeddings to cover, e.g. held-out rows of the pool.  Processed in
            chunks of scikit-learn's ``working_memory``.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), float or None, \
                default=None
            Non-negative weights of the rows of X in the mean (None: all
            equal).  Also what lets a :class:`~sklearn.pipeline.Pipeline`
            that ends with the sampler be scored with metadata routing on:
            its ``score`` passes ``sample_weight=None`` on.

        Returns
        -------
        score : float
            Minus the (weighted) mean distance from the rows of X to their
            nearest selected sample.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from sklearn_bilaf import BiLAFSampler
        >>> from sklearn_bilaf.core import RandomSelector
        >>> X, _ = load_digits(return_X_y=True)
        >>> sampler = BiLAFSampler(budget=40, core_selector=RandomSelector(8),
        ...                        random_state=0).fit(X[:1000])
        >>> score = sampler.score(X[1000:])
        >>> bool(score < 0)
        True
        """
        check_is_fitted(self, "selected_embeddings_")
        given = X
        X = validate_pool(self, X, reset=False)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X,
                                                 dtype=np.float64,
                                                 ensure_non_negative=True)
            # Older scikit-learn releases let all-zero weights through, and
            # the weighted mean would be 0 / 0.
            if not np.any(sample_weight):
                raise ValueError(
                    "sample_weight is all zeros: give at least one row of X "
                    "a positive weight.")
        selected = np.asarray(self.selected_embeddings_)
        dtype = np.result_type(X.dtype, selected.dtype)
        cosine = self.metric == "cosine"
        if cosine:
            # Counted here: the chunks below would name neither the rows nor
            # their number in X (only in the chunk that failed).
            refuse_all_zero_rows(
                X, where="X has",
                fix=("Remove {them}: an all-zero row has no cosine distance "
                     "to the selection."), given=given)
            # The cosine distance is half the squared Euclidean distance of
            # the L2-normalised rows (stages 2-5 compute it so).  scikit-learn
            # has no bounded-memory argmin for "cosine": it fills blocks of
            # the rows x selection matrix, plus as much in temporaries.
            dtype = np.float64
            selected = prepare(selected, "cosine")
        selected = np.ascontiguousarray(selected, dtype=dtype)
        # Row blocks, C-contiguous: scikit-learn's bounded-memory argmin
        # takes nothing else (a Fortran-ordered pool or a strided view went
        # to the path that fills the rows x selection matrix).
        step = chunk_rows(X.shape[0], 2 * X.shape[1] * np.dtype(dtype).itemsize + 1)
        distances = np.empty(X.shape[0])
        for start in range(0, X.shape[0], step):
            stop = min(X.shape[0], start + step)
            rows = (prepare(X[start:stop], "cosine") if cosine
                    else np.ascontiguousarray(X[start:stop], dtype=dtype))
            _, distances[start:stop] = pairwise_distances_argmin_min(
                rows, selected, metric="sqeuclidean" if cosine else "euclidean")
        if cosine:
            distances *= 0.5
        if sample_weight is not None:
            return -float(np.average(distances, weights=sample_weight))
        return -float(np.mean(distances, dtype=np.float64))

    def set_params(self, **params):
        """Set the parameters of this sampler and of its stage objects.

        Stage parameters such as ``denoiser__removal_rate`` exist only when
        the stage is given as an object (``denoiser=IDCDenoiser()``); the
        default ``None`` is resolved at fit time and has no parameters.

        Parameters
        ----------
        **params : dict
            Sampler parameters, and ``<stage>__<parameter>`` for the stages.

        Returns
        -------
        self : BiLAFSampler
            This sampler.
        """
        own = self.get_params(deep=False)
        for key in params:
            if key not in own:
                self._refuse_stage_parameter(key, params)
            stage, nested, _ = key.partition("__")
            if nested and stage in _STAGE_DEFAULTS:
                value = params.get(stage, getattr(self, stage))
                if not hasattr(value, "set_params"):
                    raise ValueError(
                        f"Invalid parameter {key!r}: {stage}={value!r} has no "
                        "parameters of its own. To tune a stage, pass it as an "
                        f"object: {_stage_advice(stage)}."
                    )
        return super().set_params(**params)

    def _refuse_stage_parameter(self, key, params):
        """Refuse a stage's parameter given to the sampler (``n_cores``, the
        CLI's ``-k``, is the likely one) by naming its stage; other unknown
        keys are left to scikit-learn's message."""
        for stage, (call, module) in _STAGE_DEFAULTS.items():
            value = params.get(stage, getattr(self, stage))
            if value is None:
                name = call.partition("(")[0]
                default = getattr(importlib.import_module(
                    f".{module}", __package__), name)
                if key not in default().get_params(deep=False):
                    continue
                how = (f"Pass the stage as an object, which then takes it "
                       f"(tune it as {stage}__{key}): {_stage_advice(stage)}")
            # Not a class (which fit refuses): its get_params is unbound.
            elif (hasattr(value, "get_params") and not isinstance(value, type)
                  and key in value.get_params(deep=False)):
                how = (f"Set it on the {type(value).__name__} you passed, or "
                       f"tune it as {stage}__{key}")
            else:
                continue
            raise ValueError(
                f"Invalid parameter {key!r} for estimator {self}: {key} is a "
                f"parameter of the {stage.replace('_', ' ')} stage, not of the "
                f"sampler. {how}."
            )

    def _parallel(self, make_task, classes, work, stage):
        """Run the per-class task ``make_task(c)`` (a ``(function, args,
        kwargs)`` triple) of every class ``c`` of ``classes`` (largest
        first; small classes in batches); results in class order.

        In this process (on one thread or on threads), a task is made only
        when the one before it in its batch is done, so that each class's
        rows are gathered then (by the worker thread that runs it) and freed
        before the next class's; tasks sent to other processes are made a
        batch at a time.  ``work`` (per class) decides how small
        classes are batched.  ``stage`` is the ``(name, object)`` of the
        stage the tasks carry (checked for pickling before tasks are sent
        to other processes).
        """
        # Without joblib jobs (n_jobs None or 1) the classes still use the
        # cores BLAS may use, as stage 2 does and as scikit-learn's OpenMP
        # estimators do: on threads of the library's own.  Each class runs
        # on one of them, so the bits do not depend on how many there are.
        n_jobs = effective_n_jobs(self.n_jobs)
        own_threads = n_jobs == 1
        n_workers = blas_threads() if own_threads else n_jobs
        sizes = _batch_sizes(np.asarray(work)[classes], n_workers)
        # A single task (one class, or a few small ones) cannot spread over
        # the workers: a large class's Gram panels go to them instead (same
        # bits: fixed panels on one BLAS thread each).
        sequential = n_workers == 1 or len(sizes) == 1
        ends = np.cumsum(sizes, dtype=np.intp)
        batches = [classes[end - size:end]
                   for size, end in zip(sizes, ends, strict=True)]
        token = CLASS_THREADS.set(n_workers if sequential else 1)
        try:
            # Held here too, so that sequential and threaded runs set the
            # limit once, not once per task.
            with one_thread("blas"):
                if sequential:
                    results = [_run_batch(make_task(c) for c in batch)
                               for batch in batches]
                else:
                    results = self._run_batches(make_task, batches, work,
                                                own_threads, n_workers, stage)
        finally:
            CLASS_THREADS.reset(token)
        results = [result for batch in results for result in batch]
        in_order = [None] * len(results)
        for c, result in zip(classes, results, strict=True):
            in_order[c] = result
        return in_order

    def _run_batches(self, make_task, batches, work, own_threads, n_workers,
                     stage):
        if own_threads or joblib_runs_threads():
            # Threads of this process, as joblib's threading backend would
            # use, without its 10 ms polling for results.  They run under
            # the caller's scikit-learn configuration (working_memory
            # decides how a class's distances are computed, and so their
            # last bits; the selection must not depend on n_jobs).
            # A class with more than a worker's share of the work would keep
            # one worker busy long after the others ran out: its Gram panels
            # are shared among the workers (same bits; the threads then
            # outnumber the cores while the others still run).
            work = np.asarray(work)
            fair_share = float(np.sum(work)) / n_workers
            items = [(batch, float(np.sum(work[batch])) > fair_share)
                     for batch in batches]
            # Large classes are taken largest first by every worker, which
            # balances them best; small ones (Python-heavy) also from the
            # back by every other worker, beside the large ones.
            back_from = next((b for b, batch in enumerate(batches)
                              if work[batch[0]] < _MAX_BATCH_WORK), len(batches))

            def run(item):
                batch, dominant = item
                token = CLASS_THREADS.set(n_workers if dominant else 1)
                try:
                    return _run_batch(make_task(c) for c in batch)
                finally:
                    CLASS_THREADS.reset(token)

            return run_in_threads(run, items, n_workers, back_from)
        # Another backend (processes, a dask cluster): scikit-learn's
        # Parallel and delayed carry the caller's configuration there.
        _refuse_unpicklable_stage(*stage, self.n_jobs)
        return sklearn_parallel.Parallel(n_jobs=self.n_jobs, prefer="threads")(
            sklearn_parallel.delayed(_run_batch)([make_task(c) for c in batch])
            for batch in batches)

    @staticmethod
    def _checked_cores(core_selector, n_samples, budget):
        if not hasattr(core_selector, "selected_indices_"):
            raise TypeError(
                f"The core selector {type(core_selector).__name__} did not set "
                "selected_indices_ in fit. Use a selector from sklearn_bilaf.core, "
                "an array of core indices, or a clusterer with cluster_centers_."
            )
        if np.ma.is_masked(core_selector.selected_indices_):
            # np.asarray would hand over the values under the mask as cores.
            n_masked = int(np.ma.count_masked(core_selector.selected_indices_))
            raise ValueError(
                f"The core selector {type(core_selector).__name__} set "
                "selected_indices_ to a masked array with "
                f"{counted(n_masked, 'masked entry', 'masked entries')}, whose "
                "values would be used as cores. Set it to the unmasked ones "
                "(indices.compressed())."
            )
        cores = np.asarray(core_selector.selected_indices_)
        if cores.ndim != 1 or cores.size == 0 or cores.dtype.kind not in "iu":
            raise ValueError(
                "The core selector must give a non-empty 1-D array of integer row "
                f"numbers; got {cores.dtype} of shape {cores.shape}."
            )
        given = cores
        # whole_numbers, not a cast: uint64 rows past intp's range are kept
        # out of range (a cast wrapped them to negative numbers).
        cores = whole_numbers(given)
        outside = (cores < 0) | (cores >= n_samples)
        if outside.any():
            # Quoted as given, not as the clipped values.
            raise ValueError(
                f"Core indices must lie in [0, {n_samples - 1}]; got "
                f"{np.sort(given[outside])[:5].tolist()}."
            )
        cores = np.sort(cores)
        if np.any(np.diff(cores) == 0):
            raise ValueError(
                "Core indices must be distinct; repeated: "
                f"{np.unique(cores[1:][np.diff(cores) == 0])[:5].tolist()}."
            )
        if cores.size > budget:
            raise ValueError(
                f"The core selector chose {cores.size} cores but the budget is "
                f"{budget}; the number of cores must not exceed the budget. Lower "
                "n_cores or raise the budget."
            )
        return cores

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _members_by_class(labels, n_classes):
    """Members of each class in ascending sample order (one stable sort)."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_classes + 1))
    return [order[bounds[c]: bounds[c + 1]] for c in range(n_classes)]
