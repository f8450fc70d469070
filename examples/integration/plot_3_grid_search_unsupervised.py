"""
====================================
Tune the selection without any label
====================================

Before anything is labeled there is no accuracy to tune by.
:meth:`BiLAFSampler.score <sklearn_bilaf.BiLAFSampler.score>` gives a
label-free score instead, so that
``GridSearchCV(BiLAFSampler(...), grid).fit(X)`` runs on the unlabeled pool
alone.  This example shows what that score measures, and what it does not.
"""

# %%
# The score: coverage
# -------------------
# ``sampler.score(X)`` is minus the mean distance from each row of ``X`` to its
# nearest selected sample (in the sampler's ``metric``).  Higher is better; 0
# means every row of ``X`` is one of the selected samples.  In a grid search,
# each cross-validation split fits the sampler on one part of the pool and
# scores how well its selection covers the held-out part.
from sklearn.datasets import load_digits

from sklearn_bilaf import BiLAFSampler
from sklearn_bilaf.core import ActiveFTSelector
from sklearn_bilaf.denoise import IDCDenoiser

X, y = load_digits(return_X_y=True)  # y is only used at the very end

# The stages are given as objects so that the grid search below can reach
# their parameters; they are the sampler's default stages written out
# (ActiveFT started from k-means within strata of the pool, ``init="auto"``,
# and IDC denoising), with 10
# core samples: the default number, 5 % of the pool, would equal this budget
# and leave no boundary samples.
sampler = BiLAFSampler(
    budget=0.05,
    core_selector=ActiveFTSelector(n_cores=10, init="auto", random_state=0),
    denoiser=IDCDenoiser(),
    random_state=0,
)
sampler.fit(X[:1200])
print(f"coverage of 597 new rows: {sampler.score(X[1200:]):.2f}")

# %%
# A grid search on the pool alone
# -------------------------------
# Tune the number of core samples and the denoiser's removal rate; the budget
# stays fixed at 5 % (coverage scores are only comparable at equal budgets: a
# larger budget always covers better).
import pandas as pd
from sklearn.model_selection import GridSearchCV

grid = {
    "core_selector__n_cores": [3, 10, 30],
    "denoiser__removal_rate": [0.0, 0.2],
}
search = GridSearchCV(sampler, grid, cv=3, n_jobs=2).fit(X)  # no y

results = pd.DataFrame(search.cv_results_)
table = results.pivot(
    index="param_core_selector__n_cores",
    columns="param_denoiser__removal_rate",
    values="mean_test_score",
)
print(table.round(2))
print("best by coverage:", search.best_params_)

# %%
# What the score does not measure
# -------------------------------
# Coverage rewards spreading the budget evenly over the data, which is the
# first of BiLAF's two levels.  It does not reward BiLAF's second level, the
# boundary samples between pseudo-classes, which by design trade a little
# coverage for samples near class borders; nor does it measure the accuracy of
# a model trained on the selection.
#
# Here the digits' labels are available, so we can look at both for each
# setting: select on the first 1,200 digits, train a classifier on the labels
# of the selected ones, and test it on the other 597.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

X_pool, y_pool, X_new, y_new = X[:1200], y[:1200], X[1200:], y[1200:]
coverage, accuracy, labels = [], [], []
for params in search.cv_results_["params"]:
    fitted = clone(sampler).set_params(**params).fit(X_pool)
    picked = fitted.selected_indices_
    model = LogisticRegression(max_iter=2000).fit(X_pool[picked], y_pool[picked])
    coverage.append(fitted.score(X_new))
    accuracy.append(model.score(X_new, y_new))
    labels.append(
        f"{params['core_selector__n_cores']} cores, "
        f"rate {params['denoiser__removal_rate']}"
    )

fig, ax = plt.subplots(figsize=(6, 4))
ax.scatter(coverage, accuracy)
for c, a, label in zip(coverage, accuracy, labels, strict=True):
    ax.annotate(label, (c, a), textcoords="offset points", xytext=(4, 4), fontsize=8)
ax.set_xlabel("coverage score (higher = selection closer to every sample)")
ax.set_ylabel("accuracy of a model trained on the selection")
ax.set_title("Label-free score versus downstream accuracy")
fig.tight_layout()
plt.show()

print(
    "correlation between coverage and accuracy over these settings: "
    f"{np.corrcoef(coverage, accuracy)[0, 1]:.2f}"
)

# %%
# Use the coverage score to rule out settings that leave parts of the data
# uncovered, not as a proxy for accuracy.  When some labeled data is available
# (even from a related task), tune by the accuracy of the model trained on the
# selection with :class:`~sklearn_bilaf.LabelBudgetClassifier`, as in
# :ref:`sphx_glr_auto_examples_integration_plot_2_grid_search_supervised.py`.
