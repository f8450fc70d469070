"""
=======================================
Select samples at the end of a Pipeline
=======================================

Embeddings often need preprocessing before selection: scaling, a PCA to a few
dozen dimensions, a :class:`~sklearn.compose.ColumnTransformer` over a table.
:class:`~sklearn_bilaf.BiLAFSampler` is a scikit-learn transformer, so it can be
the last step of a :class:`~sklearn.pipeline.Pipeline`: the selection is made
in the transformed space, and ``selected_indices_`` still numbers the rows of
the data you passed in, which is what you hand to the annotators.

The 1,797 handwritten digits stand in for a pool of unlabeled images and their
64 pixel values for the embeddings.
"""

# %%
# A sampler as the last step
# --------------------------
# Standardise, reduce to 32 dimensions, select 100 samples.  Fitting the
# pipeline needs no labels.
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_bilaf import BiLAFSampler

X, y = load_digits(return_X_y=True)
pipe = make_pipeline(
    StandardScaler(), PCA(32, random_state=0), BiLAFSampler(budget=100, random_state=0)
)
pipe.fit(X)

selected = pipe[-1].selected_indices_
print(f"{selected.size} rows of X to label, e.g. {selected[:10].tolist()}")

# %%
# ``selected`` numbers rows of the *original* pool: index anything aligned with
# it, such as the images themselves (here the 8x8 pixel grids).
import matplotlib.pyplot as plt

images = X[selected].reshape(-1, 8, 8)
fig, axes = plt.subplots(5, 20, figsize=(10, 2.8))
for ax, image in zip(axes.ravel(), images, strict=True):
    ax.imshow(image, cmap="gray_r")
    ax.set_axis_off()
fig.suptitle("The 100 digits BiLAF asks to label (cores first in each block)")
plt.show()

# %%
# ``fit_transform`` returns the selected rows themselves, in the space the
# sampler worked in (the 32 PCA components), in the order of
# ``selected_indices_``.
X_selected = pipe.fit_transform(X)
print("selected rows in PCA space:", X_selected.shape)

# %%
# A sampler's ``transform`` only accepts the pool it was fitted on: the
# selection is a property of the whole pool, not a mapping of each row.  So
# ``pipe.transform(X)`` gives the same 100 rows again, and new data is refused
# with an explanation.
try:
    pipe.transform(X[:500])
except ValueError as error:
    print(error)

# %%
# pandas in, pandas out
# ---------------------
# With ``set_output(transform="pandas")`` every step returns a DataFrame, and
# the sampler keeps the selected rows' index labels, so the result says which
# items were chosen.
import pandas as pd

frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(64)])
frame.index = pd.Index([f"scan-{i:04d}" for i in range(len(frame))], name="image_id")

pipe.set_output(transform="pandas")
chosen = pipe.fit_transform(frame)
print(chosen.iloc[:5, :4])
print("first image ids to label:", chosen.index[:5].tolist())

# %%
# Mixed tables
# ------------
# A :class:`~sklearn.compose.ColumnTransformer` can prepare a table with
# embeddings and metadata columns; the sampler works on its (dense) output.
# Here a made-up ``scanner`` column is one-hot encoded next to the scaled pixels.
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder

table = frame.assign(scanner=np.array(["A", "B", "C"])[np.arange(len(frame)) % 3])
prepare = ColumnTransformer(
    [
        ("pixels", make_pipeline(StandardScaler(), PCA(16, random_state=0)),
         list(frame.columns)),
        ("scanner", OneHotEncoder(sparse_output=False), ["scanner"]),
    ]
)
table_pipe = make_pipeline(prepare, BiLAFSampler(budget=50, random_state=0))
table_pipe.fit(table)
print("rows of the table to label:", table_pipe[-1].selected_indices_[:10].tolist())

# %%
# Sparse outputs (e.g. a one-hot encoder with its default ``sparse_output=True``)
# are refused with a message: the selection needs dense embeddings.
try:
    make_pipeline(OneHotEncoder(), BiLAFSampler(budget=50)).fit(table[["scanner"]])
except TypeError as error:
    print(error)
