"""
=======================
Write your own stage
=======================

Three stages of :class:`~sklearn_bilaf.BiLAFSampler` (core selection,
denoising, boundary selection) are scikit-learn estimators that follow a
small protocol, so any of them can be replaced by your own.  This example
writes one of each:

- a **core selector** taking the k-means++ seeds as core samples;
- a **denoiser** removing the members farthest from their pseudo-class's
  mean (instead of growing the class from its core, as IDC does);
- a **boundary selector** taking the members nearest to another core, with
  none of BiLAF's spreading rules (the paper's "plain distance" ablation).

Like every scikit-learn estimator, a stage takes its hyperparameters in
``__init__`` and stores them unchanged, so that ``clone``, ``get_params``
and ``GridSearchCV`` work with it.
"""

# %%
# A core selector
# ---------------
# Subclass :class:`~sklearn_bilaf.core.BaseCoreSelector` and implement
# ``_select(X, n_select, random_state)``, returning ``n_select`` distinct row
# numbers.  The base class validates ``X``, turns ``n_cores`` (``"auto"``,
# ``"paper"``, a count or a fraction) into ``n_select``, sorts the result into
# ``selected_indices_``, and makes the selector a sampler of its own.
import numpy as np
from sklearn.cluster import kmeans_plusplus

from sklearn_bilaf.core import BaseCoreSelector


class KMeansPlusPlusSelector(BaseCoreSelector):
    """The k-means++ seeds: spread out, and drawn in proportion to density."""

    def __init__(self, n_cores="auto", random_state=None):
        self.n_cores = n_cores
        self.random_state = random_state

    def _select(self, X, n_select, random_state):
        _, indices = kmeans_plusplus(X, n_select, random_state=random_state)
        return indices


# %%
# A denoiser
# ----------
# Subclass :class:`~sklearn_bilaf.denoise.BaseDenoiser` and implement
# ``rank_class(pseudo_class)``.  It sees one pseudo-class at a time, as a
# :class:`~sklearn_bilaf.pseudo_classes.PseudoClass` whose members are
# numbered ``0 .. n - 1`` ("local positions"), and returns a ranking of those
# positions, most typical first, with how many of them to keep.  The sampler
# keeps the core whatever the ranking says.
from sklearn_bilaf.denoise import BaseDenoiser


class MeanDistanceDenoiser(BaseDenoiser):
    """Remove the ``removal_rate`` share of members farthest from the mean."""

    def __init__(self, removal_rate=0.1):
        self.removal_rate = removal_rate

    def rank_class(self, pseudo_class):
        members = pseudo_class.X  # the members' rows, in the working geometry
        spread = np.linalg.norm(members - members.mean(axis=0), axis=1)
        ranking = np.argsort(spread, kind="stable")
        return ranking, int(pseudo_class.n * (1 - self.removal_rate))


# %%
# A boundary selector
# -------------------
# Subclass :class:`~sklearn_bilaf.boundary.BaseBoundarySelector` and implement
# ``select_class(pseudo_class, budget)``, returning ``budget`` distinct local
# positions, the core first.  The pseudo-class arrives denoised, with
# ``outside_distance`` (distance to the nearest other core), ``opponent``
# (that core's pseudo-class) and ``inside_distance`` (mean distance to the
# class) filled in.
from sklearn_bilaf.boundary import BaseBoundarySelector


class NearestToOtherCoreSelector(BaseBoundarySelector):
    """The members nearest to another pseudo-class's core."""

    def select_class(self, pseudo_class, budget):
        order = np.argsort(pseudo_class.outside_distance, kind="stable")
        order = order[order != pseudo_class.core_position]
        return np.r_[pseudo_class.core_position, order[: budget - 1]]


# %%
# Plug them in
# ------------
from sklearn.datasets import load_digits

from sklearn_bilaf import BiLAFSampler

X, y = load_digits(return_X_y=True)
custom = BiLAFSampler(
    budget=60,
    core_selector=KMeansPlusPlusSelector(n_cores=12),
    denoiser=MeanDistanceDenoiser(removal_rate=0.2),
    boundary_selector=NearestToOtherCoreSelector(),
    random_state=0,
).fit(X)
print(f"cores: {custom.core_indices_.tolist()}")
print(f"removed: {np.sum(~custom.inlier_mask_)} samples; budgets per class: "
      f"{custom.class_budgets_.tolist()}")

# %%
# The stages' hyperparameters are reachable like any nested parameter, e.g.
# for a grid search:
print(sorted(k for k in custom.get_params() if "__" in k))

# %%
# The core selector is also a sampler on its own:
print(KMeansPlusPlusSelector(n_cores=5, random_state=0).fit(X).selected_indices_)

# %%
# Compare with BiLAF's own boundary stage on the same cores and denoiser.  The
# plain-distance picks crowd against the nearest border, where BiLAF's
# removal of the neighbours of each pick and its opponent penalty spread them
# out.
import matplotlib.pyplot as plt

from sklearn_bilaf.plotting import SelectionDisplay

default_boundary = BiLAFSampler(
    budget=60,
    core_selector=custom.core_indices_,
    denoiser=MeanDistanceDenoiser(removal_rate=0.2),
    random_state=0,
).fit(X)

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.5), sharex=True, sharey=True)
display = SelectionDisplay.from_estimator(custom, X, projection="pca", ax=left)
left.set_title("nearest to another core")
SelectionDisplay.from_estimator(default_boundary, X, projection=display, ax=right)
right.set_title("BiLAF's BoundarySelector")
fig.tight_layout()
plt.show()
