"""Make the documentation's figures (PNG files in doc/images/).

The WordNet figures need the WordNet nouns embeddings (all-MiniLM-L6-v2, see
the README beside them), which are not part of this repository; the PNGs are
committed so that the documentation builds without them.  Rerun after a change
to the selection or to SelectionDisplay::

    python doc/scripts/make_figures.py --data ../shared/data/wordnet-nouns-minilm

The script also prints, for every figure, numbers measured in the original
embedding space, so that what a 2-D picture suggests can be checked.
``--only two_levels`` makes the one figure that needs no data.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402
from sklearn.metrics import pairwise_distances, pairwise_distances_argmin  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sklearn_bilaf import BiLAFSampler  # noqa: E402
from sklearn_bilaf.denoise import IDCDenoiser, NoDenoiser  # noqa: E402
from sklearn_bilaf.plotting import SelectionDisplay  # noqa: E402

DEFAULT_DATA = Path(
    os.environ.get("SKLEARN_BILAF_WORDNET",
                   ROOT.parent / "shared" / "data" / "wordnet-nouns-minilm")
)
OUT = ROOT / "doc" / "images"

# A readable picture needs few classes: six WordNet categories, some far
# apart (animals, time), some that share words (plants and food).
CATEGORIES = ["noun.animal", "noun.plant", "noun.food", "noun.body",
              "noun.location", "noun.time"]
POOL_SIZE = 3000
BUDGET = 60          # 2 % of the pool
N_CORES = 15         # 0.5 % of the pool, the paper's setting
SEED = 0
DPI = 100
# No "Software" text (matplotlib's version) in the PNGs: a rerun under another
# matplotlib that draws the same pixels leaves the committed images unchanged.
PNG_METADATA = {"Software": None}


def wordnet_pool(data):
    """A stratified pool of POOL_SIZE training rows from CATEGORIES."""
    X = np.load(data / "X.npy", mmap_mode="r")
    y = np.load(data / "y.npy")
    names = json.loads((data / "classes.json").read_text())
    train = np.load(data / "train_idx.npy")
    wanted = [names.index(c) for c in CATEGORIES]
    candidates = train[np.isin(y[train], wanted)]
    rng = np.random.RandomState(SEED)
    # Proportional to the category sizes, as a real pool would be.
    rows = np.sort(rng.choice(candidates, size=POOL_SIZE, replace=False))
    X_pool = np.asarray(X[rows], dtype=np.float32)
    y_pool = np.array([CATEGORIES.index(names[c]) for c in y[rows]])
    return X_pool, y_pool


def where_picks_sit(X, sampler_like, cores, labels):
    """Closeness to a pseudo-class border, in the original space.

    For every sample: distance to its own pseudo-class's core divided by the
    distance to the nearest other core (the ratio BiLAF's boundary score is
    built on; 1 means on the border, 0 at the core).
    """
    D = pairwise_distances(X, X[np.sort(cores)])
    own = D[np.arange(X.shape[0]), labels]
    D[np.arange(X.shape[0]), labels] = np.inf
    return own / D.min(axis=1)


def two_levels(out):
    """Synthetic 2-D pool: the two levels step by step, no projection needed."""
    X, _ = make_blobs(n_samples=[260, 200, 220, 160, 180],
                      centers=[[0, 0], [5, 1], [2, 5], [7, 6], [-3, 5]],
                      cluster_std=[1.2, 1.0, 1.1, 0.9, 1.0], random_state=SEED)
    rng = np.random.RandomState(SEED)
    X = np.r_[X, rng.uniform([-7, -4], [11, 10], size=(60, 2))]
    n_cores, budget = 6, 36
    # K-means cores: ActiveFT works on L2-normalised features, which would
    # squash a 2-D toy pool onto a circle.
    centres = KMeans(n_cores, n_init=10, random_state=SEED).fit(X).cluster_centers_
    cores = np.unique(pairwise_distances_argmin(centres, X))
    sampler = BiLAFSampler(budget, core_selector=cores, denoiser=IDCDenoiser(),
                           random_state=SEED).fit(X)

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8), sharex=True, sharey=True)
    xx, yy = np.meshgrid(np.linspace(X[:, 0].min() - 1, X[:, 0].max() + 1, 400),
                         np.linspace(X[:, 1].min() - 1, X[:, 1].max() + 1, 400))
    grid_labels = pairwise_distances_argmin(np.c_[xx.ravel(), yy.ravel()],
                                            X[np.sort(cores)]).reshape(xx.shape)
    identity = X
    steps = [
        ("1. core samples and their pseudo-classes",
         dict(selected_indices=sampler.core_indices_)),
        ("2. denoising removes each class's outskirts",
         dict(selected_indices=sampler.core_indices_,
              inlier_mask=sampler.inlier_mask_)),
        (f"3. boundary samples (budget {budget})",
         dict(selected_indices=sampler.selected_indices_,
              inlier_mask=sampler.inlier_mask_)),
    ]
    for ax, (title, kwargs) in zip(axes, steps, strict=True):
        SelectionDisplay(identity, core_indices=sampler.core_indices_,
                         labels=sampler.labels_, projection_name="x",
                         **kwargs).plot(ax=ax, legend_kw={"loc": "lower left"})
        ax.contour(xx, yy, grid_labels, levels=np.arange(n_cores) + 0.5,
                   colors="0.35", linewidths=0.6, linestyles="--")
        ax.set_title(title)
        ax.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(out / "two_levels.png", dpi=DPI, metadata=PNG_METADATA)
    plt.close(fig)

    ratio = where_picks_sit(X, sampler, sampler.core_indices_, sampler.labels_)
    boundary = np.setdiff1d(sampler.selected_indices_, sampler.core_indices_)
    inliers = np.flatnonzero(sampler.inlier_mask_)
    print(f"two_levels: removed {np.sum(~sampler.inlier_mask_)} of {len(X)}; "
          f"own/other core distance ratio: boundary picks median "
          f"{np.median(ratio[boundary]):.2f}, inliers median "
          f"{np.median(ratio[inliers]):.2f}; of the 60 uniform noise points "
          f"{np.sum(~sampler.inlier_mask_[-60:])} were removed")


def wordnet(data, out, tsne_cache=None):
    from sklearn_bilaf.core import ActiveFTSelector

    X, y = wordnet_pool(data)
    counts = np.bincount(y, minlength=len(CATEGORIES)).tolist()
    print(f"WordNet pool: {X.shape}, per category "
          f"{dict(zip(CATEGORIES, counts, strict=True))}")
    if tsne_cache is not None and tsne_cache.exists():
        embedding = np.load(tsne_cache)
    else:
        tic = time.perf_counter()
        embedding = TSNE(n_components=2, init="pca",
                         random_state=SEED).fit_transform(X)
        print(f"  t-SNE: {time.perf_counter() - tic:.1f}s")
        if tsne_cache is not None:
            np.save(tsne_cache, embedding)

    activeft = ActiveFTSelector(n_cores=BUDGET, random_state=SEED).fit(X)
    bilaf = BiLAFSampler(BUDGET, core_selector=ActiveFTSelector(N_CORES),
                         random_state=SEED).fit(X)

    # The paper's picture: the same pool, ActiveFT's picks vs BiLAF's picks.
    fig, axes = plt.subplots(1, 2, figsize=(13, 6), sharex=True, sharey=True)
    SelectionDisplay.from_estimator(activeft, X, y, projection=embedding,
                                    ax=axes[0])
    axes[0].set_title(f"ActiveFT: {BUDGET} samples")
    SelectionDisplay.from_estimator(bilaf, X, y, projection=embedding, ax=axes[1])
    axes[1].set_title(f"BiLAF: {N_CORES} core + {BUDGET - N_CORES} boundary "
                      "samples")
    for ax in axes:
        _tsne_labels(ax)
    _category_legend(fig, axes[1])
    fig.tight_layout()
    fig.savefig(out / "wordnet_activeft_vs_bilaf.png", dpi=DPI, metadata=PNG_METADATA)
    plt.close(fig)

    # The check that matters is made in the 384-d space the selection used.
    ratio = where_picks_sit(X, bilaf, bilaf.core_indices_, bilaf.labels_)
    boundary = np.setdiff1d(bilaf.selected_indices_, bilaf.core_indices_)
    kept = np.flatnonzero(bilaf.inlier_mask_)
    aft = np.setdiff1d(activeft.selected_indices_, bilaf.core_indices_)
    print("  own/other core distance ratio (1 = on a pseudo-class border): "
          f"BiLAF boundary median {np.median(ratio[boundary]):.3f}, "
          f"ActiveFT picks {np.median(ratio[aft]):.3f}, "
          f"all kept samples {np.median(ratio[kept]):.3f}")
    print(f"  boundary picks above the 90th percentile of kept samples: "
          f"{np.mean(ratio[boundary] > np.quantile(ratio[kept], 0.9)):.0%}")
    print(f"  true categories covered: ActiveFT "
          f"{np.unique(y[activeft.selected_indices_]).size}, BiLAF "
          f"{np.unique(y[bilaf.selected_indices_]).size} of {len(CATEGORIES)}")

    # Pseudo-classes, and where the picks sit relative to their borders.
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.6),
                             gridspec_kw={"width_ratios": [1.25, 1]})
    SelectionDisplay.from_estimator(bilaf, X, projection=embedding, ax=axes[0])
    axes[0].set_title(f"BiLAF's picks over its {N_CORES} pseudo-classes")
    _tsne_labels(axes[0])
    kept = np.setdiff1d(kept, bilaf.core_indices_)
    bins = np.linspace(0.6, 1, 21)
    axes[1].hist(ratio[kept], bins=bins, density=True, color="0.75",
                 label=f"all kept samples ({kept.size})")
    axes[1].hist(ratio[aft], bins=bins, density=True, histtype="step",
                 linewidth=2, color="tab:blue",
                 label=f"ActiveFT's picks ({aft.size})")
    axes[1].hist(ratio[boundary], bins=bins, density=True, histtype="step",
                 linewidth=2, color="tab:red",
                 label=f"BiLAF's boundary samples ({boundary.size})")
    axes[1].set_xlabel("distance to own core / distance to nearest other core\n"
                       "(1 = on the border; in the 384-d embedding space)")
    axes[1].set_ylabel("density")
    axes[1].set_title("How close to a pseudo-class border")
    axes[1].legend(loc="upper left", fontsize="small")
    print(f"  2-D check: share of the 10 nearest t-SNE neighbours in another "
          f"pseudo-class: boundary picks "
          f"{_mixed_neighbourhood(embedding, bilaf.labels_, boundary):.0%}, "
          f"kept samples {_mixed_neighbourhood(embedding, bilaf.labels_, kept):.0%}")
    fig.tight_layout()
    fig.savefig(out / "wordnet_pseudo_classes.png", dpi=DPI, metadata=PNG_METADATA)
    plt.close(fig)

    # The removal rate: same cores, only the denoiser changes.
    rates = [0.0, 0.1, 0.3]
    fig, axes = plt.subplots(2, 3, figsize=(18, 9.5),
                             gridspec_kw={"height_ratios": [1.6, 1]})
    for top, bottom, rate in zip(axes[0], axes[1], rates, strict=True):
        denoiser = NoDenoiser() if rate == 0 else IDCDenoiser(removal_rate=rate)
        sampler = BiLAFSampler(BUDGET, core_selector=bilaf.core_indices_,
                               denoiser=denoiser, random_state=SEED).fit(X)
        SelectionDisplay.from_estimator(sampler, X, projection=embedding, ax=top)
        top.set_title(f"IDC removal_rate={rate}" if rate else
                      "no denoising (removal_rate=0)")
        _tsne_labels(top)
        ratio_r = where_picks_sit(X, sampler, sampler.core_indices_,
                                  sampler.labels_)
        picks = np.setdiff1d(sampler.selected_indices_, sampler.core_indices_)
        removed = np.flatnonzero(~sampler.inlier_mask_)
        kept_r = np.setdiff1d(np.flatnonzero(sampler.inlier_mask_),
                              sampler.core_indices_)
        bins = np.linspace(0.6, 1, 21)
        bottom.hist(ratio_r[kept_r], bins=bins, density=True, color="0.75",
                    label=f"kept ({kept_r.size})")
        if removed.size:
            bottom.hist(ratio_r[removed], bins=bins, density=True,
                        histtype="step", linewidth=2, color="black",
                        label=f"removed ({removed.size})")
        bottom.hist(ratio_r[picks], bins=bins, density=True, histtype="step",
                    linewidth=2, color="tab:red",
                    label=f"boundary samples ({picks.size})")
        bottom.set_xlabel("distance to own core / to nearest other core "
                          "(384-d)")
        bottom.set_ylabel("density")
        bottom.legend(loc="upper left", fontsize="small")
        core_category = y[sampler.core_indices_[sampler.labels_[picks]]]
        print(f"  removal_rate={rate}: removed {removed.size}, boundary picks "
              f"ratio median {np.median(ratio_r[picks]):.3f}; removed ratio "
              f"median {np.median(ratio_r[removed]) if removed.size else np.nan:.3f}"
              f", kept {np.median(ratio_r[kept_r]):.3f}; boundary picks in "
              f"another true category than their core: "
              f"{np.mean(y[picks] != core_category):.0%}")
    fig.tight_layout()
    fig.savefig(out / "wordnet_removal_rate.png", dpi=DPI, metadata=PNG_METADATA)
    plt.close(fig)


def _tsne_labels(ax):
    ax.set_xlabel("t-SNE 1")
    ax.set_ylabel("t-SNE 2")


def _mixed_neighbourhood(embedding, labels, rows, k=10):
    """Mean share of a sample's k nearest 2-D neighbours in another class."""
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=k + 1).fit(embedding)
    _, idx = nn.kneighbors(embedding[rows])
    return np.mean(labels[idx[:, 1:]] != labels[rows][:, None])


def _category_legend(fig, ax):
    from matplotlib.lines import Line2D

    colors = plt.get_cmap("tab10").colors
    handles = [Line2D([], [], linestyle="", marker="o", color=colors[i],
                      label=name.removeprefix("noun."))
               for i, name in enumerate(CATEGORIES)]
    ax.add_artist(ax.get_legend())
    ax.legend(handles=handles, title="true category", loc="upper left",
              fontsize="small")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder with the WordNet X.npy, y.npy, classes.json")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", choices=["two_levels", "wordnet"])
    parser.add_argument("--tsne-cache", type=Path,
                        help="a .npy file keeping the t-SNE of the WordNet pool "
                             "between runs (it takes a minute on 2 cores)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "two_levels"):
        two_levels(args.out)
    if args.only in (None, "wordnet"):
        if not (args.data / "X.npy").exists():
            parser.error(f"no WordNet embeddings in {args.data}; pass --data")
        wordnet(args.data, args.out, args.tsne_cache)


if __name__ == "__main__":
    main()
