"""
=========================================
Select samples to label from a small pool
=========================================

Choose 120 of the 1,797 handwritten digits to label, without looking at any
label, and see what BiLAF picked: a few *core samples* that cover the pool,
and *boundary samples* near the borders between the pseudo-classes around the
cores.

The digits' 64 pixel values stand in for the embeddings a pretrained model
would give; any array of shape ``(n_samples, n_features)`` works the same way.
"""

# %%
# Select the budget
# -----------------
# ``budget=120`` asks for 120 samples.  The number of core samples is left to its
# default, ``"auto"``: 5 % of the pool (at most the budget), here 89; the
# other 31 are boundary samples.  (Up to a budget of 5 % of the pool, the
# default spends it all on core samples.)
import numpy as np
from sklearn.datasets import load_digits

from sklearn_bilaf import BiLAFSampler

X, y = load_digits(return_X_y=True)
sampler = BiLAFSampler(budget=120, random_state=0).fit(X)

print(f"{sampler.n_cores_} core samples: {sampler.core_indices_.tolist()}")
print(f"samples per pseudo-class: {sampler.class_budgets_.tolist()}")
print(f"removed as noise by denoising: {np.sum(~sampler.inlier_mask_)} samples")
print(f"the 120 rows to label: {sampler.selected_indices_.tolist()}")

# %%
# ``selected_indices_`` lists each pseudo-class in turn: its core first, then
# its boundary samples in the order they were picked.  Labels were never used;
# we look at them now only to see what an annotator would receive.
picked_labels = y[sampler.selected_indices_]
counts = np.bincount(picked_labels, minlength=10)
print("digits among the picks:", dict(enumerate(counts.tolist())))

# %%
# Look at the selection
# ---------------------
# :class:`~sklearn_bilaf.plotting.SelectionDisplay` draws the pool in 2-D
# (here with t-SNE), coloured by true class: stars are the core samples,
# circles the boundary samples, crosses the samples removed by denoising.
import matplotlib.pyplot as plt

from sklearn_bilaf.plotting import SelectionDisplay

display = SelectionDisplay.from_estimator(
    sampler, X, y, projection="tsne", random_state=0
)
display.ax_.set_title("BiLAF's 120 picks, coloured by digit")
plt.show()

# %%
# The selection itself works on pseudo-classes, not on digits: every sample
# belongs to the pseudo-class of its nearest core.  Without ``y``, the display
# colours the pool by pseudo-class.  Passing the first display as
# ``projection`` reuses its t-SNE coordinates, so both pictures line up.
pseudo = SelectionDisplay.from_estimator(sampler, X, projection=display)
pseudo.ax_.set_title(f"The same picks over the {sampler.n_cores_} pseudo-classes")
plt.show()

# %%
# The boundary samples sit where a pseudo-class meets another: measured in the
# original 64-d space, their distance to their own core is close to their
# distance to the nearest other core.
cores = sampler.core_indices_
to_cores = np.linalg.norm(X[:, None, :] - X[cores][None, :, :], axis=2)
own = to_cores[np.arange(len(X)), sampler.labels_]
to_cores[np.arange(len(X)), sampler.labels_] = np.inf
ratio = own / to_cores.min(axis=1)  # 1 = exactly on the border
boundary = np.setdiff1d(sampler.selected_indices_, cores)
others = np.setdiff1d(np.flatnonzero(sampler.inlier_mask_), sampler.selected_indices_)
print(f"own-core / other-core distance, median: boundary samples "
      f"{np.median(ratio[boundary]):.2f}, other kept samples "
      f"{np.median(ratio[others]):.2f}")
