"""Selection-quality benchmark: how good a model trained on the picks is.

Protocol (issue 6, fixed so that figures stay comparable across versions):

* Pools and test splits
  - ``digits``: scikit-learn's ``load_digits``, stratified 75/25 split, seed 0.
  - ``wordnet``: the WordNet nouns MiniLM embeddings
    (``../shared/data/wordnet-nouns-minilm``), pool ``train_idx``, test
    ``test_idx``, float32.
  - ``fashion-mnist``: Debian's ``dataset-fashion-mnist`` package, official
    60k/10k split, pixels scaled to [0, 1], PCA to 64 dimensions fitted on
    the pool.
* Budgets: 0.5, 1, 2 and 5 % of the pool (``int(N * p)``); digits 20, 50, 100.
* BiLAF cores: K = 0.25 % of the pool (at most the budget), and also 0.5 %
  for budgets of at least 1 %.
* Evaluation: ``LogisticRegression(C=10, max_iter=2000)`` fitted on the
  selected rows with their true labels; accuracy and balanced accuracy on
  the test split; seeds 0, 1, 2; mean +- sample standard deviation.
  Labels are never used for selection.
* Methods (their ``--methods`` names): ``random``, ``fds`` (farthest
  point), ``kmeans``, ``activeft`` (K = budget), ``typiclust``,
  ``probcover``, ``bilaf-paper`` and ``bilaf-published`` (BiLAF with the
  paper's IDC and with the authors' released one, at the K above) and
  ``bilaf-default`` (``BiLAFSampler``'s defaults); on WordNet also the
  ablations of the paper's Table 4 (the ``abl-*`` names, K = 0.25 %).

Results are appended to ``results/quality.csv`` one row per
(dataset, method, cores, budget, seed) as soon as each is measured; a rerun
skips the rows already there, so the run can be stopped and resumed at any
time.  A row's ``version`` names the commit it was measured at
(``library_version``; rows before 2026-12-02 have ``0.1.0.dev0`` alone);
a rerun says which versions the rows it keeps were measured with.  Each
dataset's pool (its size, its test split's, and a digest of their values)
is recorded beside the results, in ``results/quality_pools.jsonl``: a run
on another pool (another data folder, or another version of the data)
stops instead of resuming from those rows, as it does for rows recorded
before that whose budgets or core counts are not the loaded pool's (a run
that resumes from such rows, and finds them the loaded pool's, records
it).  A pool of another size than the protocol's (another data folder) is
measured into a results file of its own only (``--results-name``): its
rows never go into ``results/quality.csv``, whose tables the benchmarks
page includes.
ActiveFT selections are cached in ``results/cache/`` (they do not
depend on the budget when used as BiLAF's cores), under names that end with
a digest of the pool's values, the selector's parameters and the library's
sources (``cache_key``).  After the runs the script
renders the tables (Markdown and reStructuredText) and one accuracy-vs-budget
plot per dataset (needs matplotlib, the ``plot`` extra), and the summary
(``results/quality_summary.json``), whose ``machine`` (versions, CPU,
platform) is where the rows were measured, whichever machine renders: each
row's machine is recorded as it is measured, ``--no-render`` included, in
``results/quality_machines.jsonl``; rows of several machines are said to
be mixed, with each machine's count of rows.

Usage, from the repository root::

    python3 benchmarks/quality.py                        # the whole protocol,
                                                         # resumed from the
                                                         # committed rows: none
                                                         # left to measure
    python3 benchmarks/quality.py --results-dir /tmp/mine  # measured afresh
                                                           # (hours)
    python3 benchmarks/quality.py --quick                # digits, 50, seed 0
                                                         # (in a temporary folder)
    python3 benchmarks/quality.py --results-dir /tmp/mine \\
        --datasets wordnet --seeds 0 --budgets 1 2     # a part (1 and 2 %)
    python3 benchmarks/quality.py --render-only          # tables and plots
"""

import argparse
import csv
import gzip
import hashlib
import io
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, one run per results file
    fcntl = None

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))
if str(HERE) not in sys.path:  # imported by path (the tests) too
    sys.path.insert(0, str(HERE))

import _pool_records  # noqa: E402
from _machine import read_cpuinfo  # noqa: E402
from _sigterm import exits_on_sigterm  # noqa: E402

from sklearn_bilaf import BiLAFSampler, __version__  # noqa: E402
from sklearn_bilaf.baselines import ProbCoverSelector, TypiClustSelector  # noqa: E402
from sklearn_bilaf.boundary import BoundarySelector  # noqa: E402
from sklearn_bilaf.core import (  # noqa: E402
    ActiveFTSelector,
    FarthestPointSelector,
    KMeansSelector,
    RandomSelector,
    default_init,
    default_n_cores,
)
from sklearn_bilaf.denoise import (  # noqa: E402
    DensityDenoiser,
    DistanceDenoiser,
    IDCDenoiser,
)

RESULTS_DIR = HERE / "results"
WORDNET_DIR = (REPO / ".." / "shared" / "data" / "wordnet-nouns-minilm").resolve()
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")

SEEDS = (0, 1, 2)
MAX_SEED = 2**32 - 1
POOL_FRACTIONS = (0.005, 0.01, 0.02, 0.05)
CORE_FRACTIONS = (0.0025, 0.005)
DIGITS_BUDGETS = (20, 50, 100)

FIELDS = [
    "dataset", "method", "n_cores", "budget", "budget_label", "seed",
    "accuracy", "balanced_accuracy", "n_labels_covered", "select_seconds",
    "pseudo_purity", "boundary_cross_rate", "version", "finished",
]

# Methods in the order they are run for one (seed, budget): cheap first.
MAIN_METHODS = {
    "random": "Random",
    "fds": "FDS",
    "typiclust": "TypiClust",
    "probcover": "ProbCover",
    "kmeans": "K-Means",
    "bilaf-paper": "BiLAF (paper)",
    "bilaf-published": "BiLAF (published)",
    "activeft": "ActiveFT",
    "bilaf-default": "BiLAF (library default)",
}
ABLATIONS = {
    "abl-no-denoising": "BiLAF: no denoising",
    "abl-distance": "BiLAF: distance-guided denoising",
    "abl-density": "BiLAF: density-based denoising",
    "abl-one-shot": "BiLAF: one-shot selection",
    "abl-no-penalty": "BiLAF: no penalty (delta = 1.0)",
    "abl-random-cores": "BiLAF: Random cores",
    "abl-fds-cores": "BiLAF: FDS cores",
    "abl-kmeans-cores": "BiLAF: K-Means cores",
}
ABLATION_DATASETS = ("wordnet",)
METHOD_NAMES = {**MAIN_METHODS, **ABLATIONS}
NEEDS_CORES = {"bilaf-paper", "bilaf-published", *ABLATIONS}


class DatasetUnavailable(RuntimeError):
    """The files of a dataset are not on this machine, or one of them cannot
    be read (cut short, damaged, or not what its name says)."""


def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__


def _refuse_empty(path, hint):
    if path.stat().st_size == 0:
        raise DatasetUnavailable(f"{path} is empty (0 bytes){hint}")


def _load_npy(path, hint, mmap_mode=None):
    """``np.load`` of a dataset's .npy file, or DatasetUnavailable naming it
    and what is wrong, followed by ``hint`` (where to get it again)."""
    _refuse_empty(path, hint)
    with open(path, "rb") as handle:
        if handle.read(6) != b"\x93NUMPY":
            # numpy would say that it "contains pickled (object) data".
            raise DatasetUnavailable(
                f"{path} is not a .npy file (it lacks the .npy header){hint}")
    try:
        return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DatasetUnavailable(
            f"{path} is cut short or damaged ({_one_line(exc)}){hint}") from None


# -- data -------------------------------------------------------------------
@dataclass
class Dataset:
    name: str
    X: np.ndarray  # the pool
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    budgets: list = field(default_factory=list)  # [(label, count), ...]
    # A digest of the files the pool is computed from, when that
    # computation is floating point (Fashion-MNIST's PCA, whose last bits
    # depend on the BLAS): it identifies the pool on every machine.
    source: str | None = None

    @property
    def n_pool(self):
        return self.X.shape[0]

    def core_counts(self, budget):
        """BiLAF core counts for a budget: 0.25 % (capped), 0.5 % from 1 %."""
        counts = [min(budget, max(1, int(self.n_pool * CORE_FRACTIONS[0])))]
        if budget >= int(self.n_pool * 0.01):
            counts.append(min(budget, max(1, int(self.n_pool * CORE_FRACTIONS[1]))))
        return sorted(set(counts))


def _pool_budgets(n):
    return [(f"{100 * p:g}%", int(n * p)) for p in POOL_FRACTIONS]


def load_digits_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_pool, X_test, y_pool, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0)
    return Dataset("digits", X_pool, y_pool, X_test, y_test, 10,
                   [(str(b), b) for b in DIGITS_BUDGETS])


def _wordnet_hint(path):
    """What to do about a damaged file of the WordNet folder ``path``: copy
    that folder again (``--wordnet-dir`` may point away from the shipped
    one, which is then named as where to copy it from)."""
    if Path(path).resolve() == WORDNET_DIR:
        return (f"; copy the folder {path} again (the embeddings are shipped "
                "there, beside this repository)")
    return (f"; copy the folder {path} again (from "
            "../shared/data/wordnet-nouns-minilm beside this repository, "
            "where the embeddings are shipped)")


def load_wordnet(path=WORDNET_DIR):
    path = Path(path)
    names = ["X.npy", "y.npy", "classes.json", "train_idx.npy", "test_idx.npy"]
    missing = [name for name in names if not (path / name).is_file()]
    if missing:
        what = ("not found" if len(missing) == len(names) else
                f"incomplete (no {', '.join(missing)})")
        raise DatasetUnavailable(
            f"WordNet embeddings {what} in {path} ({', '.join(names)}): "
            "82,022 WordNet noun "
            "definitions embedded with all-MiniLM-L6-v2 and their fixed split, shipped "
            "beside this repository (../shared/data/wordnet-nouns-minilm, "
            "whose README says how they were made); pass their folder with "
            "--wordnet-dir.")
    hint = _wordnet_hint(path)
    X = _load_npy(path / "X.npy", hint, mmap_mode="r")
    y = _load_npy(path / "y.npy", hint, mmap_mode="r")
    train = _load_npy(path / "train_idx.npy", hint)
    test = _load_npy(path / "test_idx.npy", hint)
    X_pool = np.ascontiguousarray(X[train], dtype=np.float32)
    X_test = np.ascontiguousarray(X[test], dtype=np.float32)
    y_pool = np.asarray(y[train], dtype=np.intp)
    y_test = np.asarray(y[test], dtype=np.intp)
    # The number of classes (ProbCover's k-means) is the data set's metadata,
    # not counted from the labels.
    try:
        classes = json.loads((path / "classes.json").read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        classes = exc
    if not isinstance(classes, list):
        reason = _one_line(classes) if isinstance(classes, Exception) else (
            f"a JSON {type(classes).__name__}")
        raise DatasetUnavailable(
            f"{path / 'classes.json'} is not a JSON list ({reason}){hint}")
    n_classes = len(classes)
    return Dataset("wordnet", X_pool, y_pool, X_test, y_test, n_classes,
                   _pool_budgets(X_pool.shape[0]))


def _read_idx(path, hint=""):
    """An IDX file (the MNIST format) of unsigned bytes, gzip-compressed; a
    DatasetUnavailable naming it, followed by ``hint``, when it is not one."""
    _refuse_empty(path, hint)
    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read()
    except EOFError as exc:  # a download or copy cut short
        raise DatasetUnavailable(
            f"{path} is cut short ({_one_line(exc)}){hint}") from None
    except gzip.BadGzipFile as exc:
        what = ("is not a gzip file" if "not a gzipped file" in str(exc).lower()
                else f"is damaged ({_one_line(exc)})")
        raise DatasetUnavailable(f"{path} {what}{hint}") from None
    except (OSError, zlib.error) as exc:
        raise DatasetUnavailable(
            f"{path} is damaged ({_one_line(exc)}){hint}") from None
    # Two zero bytes, 0x08 (unsigned bytes), the number of dimensions, then
    # each size as a big-endian 32-bit integer.
    ndim = data[3] if len(data) >= 4 and data[:3] == b"\0\0\x08" else 0
    if not ndim or len(data) < 4 + 4 * ndim:
        raise DatasetUnavailable(
            f"{path} is not an IDX file of bytes (no valid header after "
            f"decompressing){hint}")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big")
                  for i in range(ndim))
    n_values = len(data) - 4 - 4 * ndim
    if n_values != math.prod(shape):
        raise DatasetUnavailable(
            f"{path} holds {n_values} values where its header announces "
            f"{' x '.join(map(str, shape))} = {math.prod(shape)}: cut short or "
            f"damaged{hint}")
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_fashion_mnist(path=FASHION_DIR):
    from sklearn.decomposition import PCA

    path = Path(path)
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    missing = [name for name in names if not (path / name).is_file()]
    if missing:
        what = ("not found" if len(missing) == len(names) else
                f"incomplete (no {', '.join(missing)})")
        raise DatasetUnavailable(
            f"Fashion-MNIST {what} in {path} ({', '.join(names)}). It comes "
            "from Debian's package: apt-get install dataset-fashion-mnist (or "
            "pass a folder with the four official .gz files with "
            "--fashion-mnist-dir)")
    hint = ("; get it again (apt-get install --reinstall "
            "dataset-fashion-mnist, or the official file)")
    images, labels, test_images, test_labels = raw = [
        _read_idx(path / n, hint) for n in names]
    source = hashlib.sha256(b"pca64-seed0")
    for array in raw:
        source.update(f"{array.shape}".encode())
        source.update(array.tobytes())
    X_pool = images.reshape(len(images), -1).astype(np.float64) / 255.0
    X_test = test_images.reshape(len(test_images), -1).astype(np.float64) / 255.0
    pca = PCA(n_components=64, random_state=0).fit(X_pool)
    X_pool = np.ascontiguousarray(pca.transform(X_pool), dtype=np.float32)
    X_test = np.ascontiguousarray(pca.transform(X_test), dtype=np.float32)
    return Dataset("fashion-mnist", X_pool, labels.astype(np.intp), X_test,
                   test_labels.astype(np.intp), 10, _pool_budgets(len(X_pool)),
                   source.hexdigest())


LOADERS = {
    "digits": load_digits_split,
    "wordnet": load_wordnet,
    "fashion-mnist": load_fashion_mnist,
}


# -- selection --------------------------------------------------------------
_LIBRARY_DIGEST = None


def library_digest():
    """Hash of the library's source files and of the numerical libraries'
    versions: any edit of ``sklearn_bilaf`` (the version number stays
    0.1.0.dev0 through development) gives cached selections a new key."""
    global _LIBRARY_DIGEST
    if _LIBRARY_DIGEST is None:
        import scipy
        import sklearn

        import sklearn_bilaf

        digest = hashlib.sha256()
        for name, version in (("sklearn_bilaf", __version__),
                              ("scikit-learn", sklearn.__version__),
                              ("numpy", np.__version__), ("scipy", scipy.__version__)):
            digest.update(f"{name}={version}\n".encode())
        root = Path(sklearn_bilaf.__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
        _LIBRARY_DIGEST = digest.hexdigest()
    return _LIBRARY_DIGEST


def library_version(root=REPO):
    """The version recorded in each row: ``__version__``, with the commit of
    the checkout ``root`` as a PEP 440 local label.

    The version stays 0.1.0.dev0 through development, so rows measured at
    different commits could not be told apart by it.

    Parameters
    ----------
    root : path, default=REPO
        The checkout whose ``sklearn_bilaf`` the script imports.

    Returns
    -------
    version : str
        ``"0.1.0.dev0+g<commit>"``, with ``".dirty"`` when the sources in
        ``sklearn_bilaf`` differ from the commit (edited, or files not
        committed); the results written beside them do not count.  Only
        ``__version__`` when ``root`` is not the top of a git checkout (an
        unpacked sdist, say) or git is not installed.
    """
    git = shutil.which("git")
    if git is None:
        return __version__
    root = Path(root)

    def call(*args):
        return subprocess.run([git, "-C", str(root), *args], capture_output=True,
                              text=True, timeout=60)

    try:
        top = call("rev-parse", "--show-toplevel")
        # A folder inside another checkout (an sdist unpacked in one) would
        # be given that checkout's commit.
        if top.returncode or Path(top.stdout.strip()).resolve() != root.resolve():
            return __version__
        commit = call("rev-parse", "--short=12", "HEAD")
        status = call("status", "--porcelain", "--", "sklearn_bilaf")
    except (OSError, subprocess.SubprocessError):
        return __version__
    if commit.returncode or status.returncode:  # no commit yet, say
        return __version__
    version = f"{__version__}+g{commit.stdout.strip()}"
    return f"{version}.dirty" if status.stdout.strip() else version


def pool_digest(X):
    """Hash of a pool's values, shape and dtype.

    Computed afresh at each call: a memo by the array's identity kept the
    digest of an array whose values were changed in place.  Hashing is
    cheap beside the selections it keys (0.065 s for WordNet's 65,617 x 384
    float16 values, 0.14 s for their float32 pool).  The values are hashed
    a block of rows (about 16 MiB) at a time, so that a pool that is not
    C-contiguous is never copied whole.
    """
    X = np.asarray(X)
    digest = hashlib.sha256(f"{X.shape}{X.dtype.str}".encode())
    step = max(1, (16 << 20) // max(1, X[:1].nbytes))
    for start in range(0, X.shape[0], step):
        digest.update(np.ascontiguousarray(X[start:start + step]))
    return digest.hexdigest()


def cache_key(dataset_name, X, selector, **extra):
    """Digest of everything a cached selection depends on: the data set's
    name, the pool's values, the selector's class and every parameter, the
    extra keywords and :func:`library_digest`."""
    params = {name: value for name, value in selector.get_params(deep=False).items()
              if not hasattr(value, "get_params")}
    blob = json.dumps({"dataset": dataset_name, "pool": pool_digest(X),
                       "selector": type(selector).__name__, "params": params,
                       "library": library_digest(), **extra},
                      sort_keys=True, default=repr)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


#: What reading a cache entry cut short or damaged raises (``np.load``:
#: BadZipFile, EOFError or ValueError; a missing array: KeyError).
DAMAGED_ENTRY = (ValueError, EOFError, KeyError, zipfile.BadZipFile)


def damaged_entry(path, what, exc):
    """Say that the cache entry ``path`` (``what``) cannot be read, ``exc``
    telling why, and that it is computed again."""
    print(f"{path} is not {what} (cut short or damaged: {_one_line(exc)}); "
          "it is computed again", file=sys.stderr, flush=True)


class Context:
    """Caches shared by the runs on one dataset (ActiveFT cores, radii).

    A cache entry's file name ends with :func:`cache_key`, so that an entry
    computed from other data (``--wordnet-dir``), other selector parameters
    or another state of the library is never served."""

    def __init__(self, dataset, cache_dir):
        self.ds = dataset
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)

    def _path(self, kind, n, seed, selector, suffix=".npz"):
        key = cache_key(self.ds.name, self.ds.X, selector)
        size = "" if n is None else f"-k{n}"
        return self.cache_dir / f"{self.ds.name}-{kind}{size}-seed{seed}-{key}{suffix}"

    def activeft(self, n_cores, seed, init="random"):
        """ActiveFT's selection of ``n_cores`` samples (cached), and its time.

        ``init="random"`` is ActiveFT as published (the *ActiveFT* rows and
        the BiLAF rows with the paper's settings); ``init="stratified"`` is
        the start of the library's default core stage (``"k-means"`` was,
        before 2026-11-30).  A lock file next to the
        cache entry lets several processes share the cache: while one computes
        an entry, the others wait for it.
        """
        kind = {"random": "activeft", "k-means": "activeft-kmeans"}.get(
            init, f"activeft-{init}")
        selector = ActiveFTSelector(n_cores=n_cores, init=init, random_state=seed)
        path = self._path(kind, n_cores, seed, selector)
        for again in (False, True):
            self._compute_activeft(selector, path)
            try:
                with np.load(path) as cached:
                    return cached["indices"], float(cached["seconds"])
            except DAMAGED_ENTRY as exc:
                if again:  # damaged as written: not computed for ever
                    raise
                # Computed again (under the lock, as a missing entry):
                # reading it ended every later run with a traceback.
                damaged_entry(path, "an ActiveFT cache entry", exc)
                path.unlink(missing_ok=True)

    def _compute_activeft(self, selector, path):
        """Compute the ActiveFT entry ``path`` unless it exists, under its
        lock file, or wait for the process that holds that lock."""
        lock = Path(str(path) + ".lock")
        waited = False
        while not path.exists():
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if _lock_is_stale(lock):
                    lock.unlink(missing_ok=True)  # its owner died
                    continue
                if not waited:
                    print(f"waiting for {lock} (another run computes it)",
                          file=sys.stderr, flush=True)
                    waited = True
                time.sleep(5)
                continue
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            try:
                tic = time.perf_counter()
                selector.fit(self.ds.X)
                seconds = time.perf_counter() - tic

                def save(tmp, indices=selector.selected_indices_,
                         seconds=seconds):
                    with open(tmp, "wb") as handle:
                        np.savez(handle, indices=indices, seconds=seconds)

                write_atomic(path, save)
            finally:
                lock.unlink(missing_ok=True)

    def probcover_radius(self, seed):
        """ProbCover's purity radius for a seed (it does not depend on the budget)."""
        selector = ProbCoverSelector(n_classes=self.ds.n_classes, random_state=seed)
        path = self._path("probcover-radius", None, seed, selector, suffix=".json")
        if path.exists():
            try:
                info = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:  # cut short, or not UTF-8 text
                info = None
            if isinstance(info, dict) and all(
                    isinstance(info.get(name), (int, float))
                    and not isinstance(info.get(name), bool)
                    for name in ("radius", "purity", "seconds")):
                return info
            # A cache entry: computed again (the same radius, the seed's)
            # and written over it, where reading it ended every run.
            print(f"{path} is not a ProbCover radius entry (cut short or "
                  "damaged); it is computed again", file=sys.stderr,
                  flush=True)
        tic = time.perf_counter()
        radius, purity = selector._pure_radius(self.ds.X, np.random.RandomState(seed))
        info = {"radius": radius, "purity": purity,
                "seconds": time.perf_counter() - tic}
        write_atomic(path, json.dumps(info))
        return info

    def probcover(self, budget, seed):
        """ProbCover's selection of ``budget`` samples, and its time.

        The radius and the greedy coverage depend only on the seed, so one
        run at the dataset's largest budget serves every smaller budget whose
        picks are all greedy (a prefix of that run, exactly what
        ``ProbCoverSelector(budget, ...)`` would return); otherwise the
        selector is run for this budget.
        """
        info = self.probcover_radius(seed)
        largest = max(b for _, b in self.ds.budgets)
        runs = self.__dict__.setdefault("_probcover_runs", {})
        if seed not in runs:
            tic = time.perf_counter()
            selector = ProbCoverSelector(largest, radius=info["radius"],
                                         random_state=seed).fit(self.ds.X)
            runs[seed] = (selector, time.perf_counter() - tic)
        selector, seconds = runs[seed]
        if budget <= selector.n_covering_picks_:
            return selector.selection_order_[:budget], info["seconds"] + seconds
        tic = time.perf_counter()
        selector = ProbCoverSelector(budget, radius=info["radius"],
                                     random_state=seed).fit(self.ds.X)
        return (selector.selected_indices_,
                info["seconds"] + time.perf_counter() - tic)


def _bilaf_kwargs(method):
    if method == "bilaf-published":
        return {"denoiser": IDCDenoiser(variant="published")}
    if method == "abl-no-denoising":
        return {"denoiser": "none"}
    if method == "abl-distance":
        return {"denoiser": DistanceDenoiser()}
    if method == "abl-density":
        return {"denoiser": DensityDenoiser()}
    if method == "abl-one-shot":
        return {"boundary_selector": BoundarySelector(strategy="one-shot")}
    if method == "abl-no-penalty":
        return {"boundary_selector": BoundarySelector(penalty=1.0)}
    return {}


def select(ctx, method, budget, n_cores, seed):
    """Run one method; return (indices, seconds, diagnostics)."""
    X = ctx.ds.X
    extra = {}
    if method in NEEDS_CORES:
        tic = time.perf_counter()
        if method == "abl-random-cores":
            cores = RandomSelector(n_cores, random_state=seed).fit(X).selected_indices_
        elif method == "abl-fds-cores":
            cores = FarthestPointSelector(n_cores, random_state=seed).fit(
                X).selected_indices_
        elif method == "abl-kmeans-cores":
            cores = KMeansSelector(n_cores, random_state=seed).fit(X).selected_indices_
        else:
            cores, core_seconds = ctx.activeft(n_cores, seed)
            # The cores' own time, whether cached or just computed.
            tic = time.perf_counter() - core_seconds
        sampler = BiLAFSampler(budget, core_selector=cores, random_state=seed,
                               **_bilaf_kwargs(method))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            sampler.fit(X)
        seconds = time.perf_counter() - tic
        extra = bilaf_diagnostics(sampler, ctx.ds.y)
        return sampler.selected_indices_, seconds, extra
    tic = time.perf_counter()
    if method == "random":
        idx = RandomSelector(budget, random_state=seed).fit(X).selected_indices_
    elif method == "fds":
        idx = FarthestPointSelector(budget, random_state=seed).fit(X).selected_indices_
    elif method == "kmeans":
        idx = KMeansSelector(budget, random_state=seed).fit(X).selected_indices_
    elif method == "typiclust":
        idx = TypiClustSelector(budget, random_state=seed).fit(X).selected_indices_
    elif method == "probcover":
        idx, seconds = ctx.probcover(budget, seed)
        return idx, seconds, extra
    elif method == "activeft":
        idx, seconds = ctx.activeft(budget, seed)
        return idx, seconds, extra
    elif method == "bilaf-default":
        return select_default(ctx, budget, seed)
    else:
        raise ValueError(f"unknown method {method!r}")
    return idx, time.perf_counter() - tic, extra


def default_cores(n_pool, budget):
    """K of ``BiLAFSampler``'s default core stage (``n_cores="auto"``)."""
    return min(budget, default_n_cores(n_pool))


def select_default(ctx, budget, seed):
    """``BiLAFSampler(budget, core_selector=ActiveFTSelector(init="auto",
    random_state=seed), random_state=seed)``: the library's defaults, with the
    default core stage (``n_cores="auto"``, ``init="auto"``, the stratified
    k-means start on these pools) taken from the ActiveFT cache."""
    n_cores = default_cores(ctx.ds.n_pool, budget)
    start = default_init(ctx.ds.n_pool, n_cores)
    cores, core_seconds = ctx.activeft(n_cores, seed, init=start)
    tic = time.perf_counter() - core_seconds  # cached or just computed
    sampler = BiLAFSampler(budget, core_selector=cores, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sampler.fit(ctx.ds.X)
    return (sampler.selected_indices_, time.perf_counter() - tic,
            bilaf_diagnostics(sampler, ctx.ds.y))


def bilaf_diagnostics(sampler, y):
    """Label-based diagnostics (for the report only, never for selection).

    pseudo_purity: share of the pool whose true label is the majority label of
    its pseudo-class.  boundary_cross_rate: share of the boundary (non-core)
    picks whose true label differs from their pseudo-class core's.
    """
    labels = sampler.labels_
    n_classes = int(y.max()) + 1
    table = np.zeros((sampler.n_cores_, n_classes), dtype=np.int64)
    np.add.at(table, (labels, y), 1)
    purity = table.max(axis=1).sum() / y.size
    picks = sampler.selected_indices_
    is_core = np.isin(picks, sampler.core_indices_)
    boundary = picks[~is_core]
    if boundary.size:
        core_label = y[sampler.core_indices_][labels[boundary]]
        cross = float(np.mean(y[boundary] != core_label))
    else:
        cross = float("nan")
    return {"pseudo_purity": float(purity), "boundary_cross_rate": cross}


def fit_probe(X, y):
    """The protocol's probe, ``LogisticRegression(C=10, max_iter=2000)``,
    fitted on (X, y); returns it and a note: "" or why it is not a plain fit
    (lbfgs stopped at max_iter without converging)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=10, max_iter=2000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(X, y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return clf, "" if converged else "probe did not converge in 2000 iterations"


def probe_predictions(X_sel, y_sel, X_eval, rows="test"):
    """The protocol probe's predictions for ``X_eval``, trained on the picks
    (``X_sel``, ``y_sel``), and a note: :func:`fit_probe`'s, or, for picks
    of a single class (which LogisticRegression refuses), that the probe
    predicts that class for every one of the ``rows`` (what any classifier
    trained on them would do)."""
    if np.unique(y_sel).size < 2:
        return (np.full(X_eval.shape[0], y_sel[0]),
                f"one class selected: the probe predicts it for every {rows} row")
    clf, note = fit_probe(X_sel, y_sel)
    return clf.predict(X_eval), note


def evaluate(ds, indices):
    """Accuracy and balanced accuracy of the protocol's probe on the test split.

    Returns (accuracy, balanced accuracy, classes among the picks, note); the
    note says when the probe is not a converged logistic regression: a
    selection of one class, which LogisticRegression refuses, predicts that
    class everywhere; a probe that hit max_iter is kept as it is (the run
    logs both).
    """
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    indices = np.asarray(indices)
    y_sel = ds.y[indices]
    pred, note = probe_predictions(ds.X[indices], y_sel, ds.X_test, "test")
    with warnings.catch_warnings():
        # Classes predicted but absent from y_test (not in these splits).
        warnings.simplefilter("ignore")
        bacc = balanced_accuracy_score(ds.y_test, pred)
    return (accuracy_score(ds.y_test, pred), bacc, int(np.unique(y_sel).size),
            note)


# -- results file -----------------------------------------------------------
def _key(row):
    return (row["dataset"], row["method"], str(row["n_cores"]), str(row["budget"]),
            str(row["seed"]))


def _lock_is_stale(lock):
    """A lock whose owner (its PID, on this machine) is gone, or that is
    older than six hours (an owner on another machine sharing the cache)."""
    try:
        pid = int(lock.read_text().strip() or 0)
        age = time.time() - lock.stat().st_mtime
    except (OSError, ValueError):
        return False  # being written, or just removed: look again later
    if age > 6 * 3600:
        return True
    if pid > 0:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
    return False


#: Columns every finished row has; a row without them (a run killed while
#: writing it) is dropped on reading, so that it is run again.
REQUIRED = ("dataset", "method", "budget", "seed", "accuracy",
            "balanced_accuracy", "finished")


class ResultsFileError(ValueError):
    """A results file that is not one this script writes (another CSV, or
    one with other columns)."""


class UsageError(SystemExit):
    """A run stopped, once its data are loaded, for what it was given: a
    results file of rows of another pool, a pool too small for the shares
    asked for.  Its message says what to give instead.

    The scripts' ``main`` report it as argparse reports the usage errors
    found before any data is loaded, exit status 2 (these stopped with
    status 1, and the same problem found at the start with 2); uncaught
    (the functions called directly), it ends with its message, as
    ``SystemExit`` does.
    """


def _check_header(path, text, fields, required, exact):
    """Raise :class:`ResultsFileError` unless the CSV text's header has the
    ``required`` columns (``exact``: is ``fields`` itself, so that rows can
    be appended under it)."""
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    missing = [c for c in required if c not in header]
    if missing:
        raise ResultsFileError(
            f"{path} is not a results file of this script: its first line "
            f"lacks the columns {', '.join(missing)} (it starts "
            f"{','.join(header)[:60]!r})")
    if exact and header != list(fields):
        raise ResultsFileError(
            f"{path} has other columns than this script writes "
            f"({','.join(header)[:60]!r} instead of {','.join(fields)[:60]!r}...); "
            "rows appended to it would land under the wrong columns")


def _decode(path, data):
    """The text of the results file ``path`` read as ``data``; a
    :class:`ResultsFileError` if it is not UTF-8 (which rows are written
    in)."""
    try:
        return data.decode()
    except UnicodeDecodeError as exc:
        raise ResultsFileError(
            f"{path} is not a results file of this script: it is not UTF-8 "
            f"text (byte {exc.start} is {data[exc.start]:#04x})") from None


def _read_shared(path):
    """The bytes of the results file ``path`` (None when it does not
    exist), read under a shared advisory lock.

    Writers append under the exclusive lock (:func:`locked`): a last line
    without its newline read so is one cut short by a killed run, never a
    row another run is still writing (reported cut, and run again).  The
    file is opened for reading only, so that one that cannot be written
    (published rows) is read, and a missing one is not created.
    """
    return _pool_records.read_locked(path)


def read_rows(path, fields=FIELDS, required=REQUIRED):
    """The finished rows of a results file (none when it does not exist or
    is empty); a row cut short or missing a required value is left out (and
    run again).  Raises :class:`ResultsFileError` for a file whose header
    lacks the required columns."""
    path = Path(path)
    data = _read_shared(path)
    if data is None:
        return []
    text = _decode(path, data)
    if text.strip() and not text.endswith("\n"):
        # A last line without its newline was cut short while being written.
        text = text[: text.rfind("\n") + 1]
        print(f"{path}: its last row is cut short; it will be run again",
              file=sys.stderr, flush=True)
    if not text.strip():
        return []
    _check_header(path, text, fields, required, exact=False)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    complete = [r for r in rows if all(r.get(c) for c in required)]
    if len(complete) < len(rows):
        print(f"{path}: {len(rows) - len(complete)} incomplete row(s) ignored "
              "(they will be run again)", file=sys.stderr, flush=True)
    return complete


def check_appendable(path, fields=FIELDS, required=REQUIRED):
    """Raise :class:`ResultsFileError` unless rows of ``fields`` can be
    appended to the results file (it is missing, empty, or has exactly
    these columns) and its pools file (:func:`pools_path`) can be read."""
    path = Path(path)
    # Checked before any data is loaded: the pools recorded are read when
    # each dataset's rows are resumed.
    read_pools(pools_path(path))
    data = _read_shared(path)
    if data is not None:
        whole = data[: data.rfind(b"\n") + 1]  # without a row cut short
        if whole.strip():
            _check_header(path, _decode(path, whole), fields, required,
                          exact=True)


@contextmanager
def locked(path):
    """Open ``path`` (created if missing) for appending, under an exclusive
    advisory lock (``flock``) held until the block ends, and give its file
    descriptor.

    Runs writing into the same results file (several processes side by
    side) take their turns through it: what one reads, checks and appends
    under the lock, no other changes meanwhile.  Where ``fcntl`` is
    missing (Windows) nothing is locked: one run per results file there.
    """
    # O_BINARY (Windows only): without it newlines would be translated,
    # and the offsets of the cut back to the last newline and the bytes
    # written would not be the file's.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND
                 | getattr(os, "O_BINARY", 0), 0o666)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # which releases the lock


def _write_whole(fd, data):
    """Write ``data`` at the end of the file opened by :func:`locked`,
    flushed to disk."""
    while data:
        data = data[os.write(fd, data):]
    os.fsync(fd)


def append_row(path, row, fields=FIELDS, required=REQUIRED, pool=None):
    """Append one row (and the header to a new or empty file), flushed to
    disk; a last row cut short by a killed run is dropped first.  Raises
    :class:`ResultsFileError` for a file with other columns.

    The file is read, checked and appended to under its lock
    (:func:`locked`), the row in one write: a row without its newline is
    then one whose run was killed while writing it, never one another run
    is still writing (which would be cut back, the rest of it landing after
    this row).

    ``pool``, the record of the pool the row was measured on (as
    :func:`record_pool` takes it), is checked against the one recorded
    beside the file and recorded, with the row appended in between, all
    under the pools file's lock: a run whose pool is not the one recorded
    stops before its row is written, however close together two runs
    started.
    """
    if pool is not None:
        with locked(pools_path(path)) as fd:
            recorded = _recorded_pool(path, pool, fd)
            append_row(path, row, fields, required)
            if recorded is None:
                _append_lines_locked(fd, json.dumps(pool) + "\n")
        return
    path = Path(path)
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=fields)
    writer.writeheader()
    header = text.tell()
    writer.writerow(row)  # a row of other keys is refused before any write
    text = text.getvalue()
    with locked(path) as fd:
        data = path.read_bytes()
        whole = data[: data.rfind(b"\n") + 1]  # without a row cut short
        if whole.strip():  # checked before anything is changed
            _check_header(path, _decode(path, whole), fields, required, exact=True)
            text = text[header:]
        else:
            whole = b""  # blank: written afresh, with the header
        if len(whole) < len(data):
            # Drop a row cut short by a killed run (read_rows ignores it).
            os.ftruncate(fd, len(whole))
        _write_whole(fd, text.encode())


def machines_path(results):
    """The file beside ``results`` that records the machine each of its rows
    was measured on (``<stem>_machines.jsonl``)."""
    results = Path(results)
    return results.with_name(f"{results.stem}_machines.jsonl")


def _machine_id(machine):
    return hashlib.sha256(json.dumps(machine, sort_keys=True).encode()).hexdigest()[:12]


def read_machines(path, fd=None):
    """The records of a machines file (see :func:`record_machine`), read
    under its lock: a record another run is still writing is waited for,
    not left out as one cut short by a killed run.

    Parameters
    ----------
    path : path
        The machines file; a missing one has no records.
    fd : int, optional
        The descriptor on which the caller holds the file's exclusive lock
        (:func:`locked`), read from instead: a shared lock on another
        descriptor would wait for that lock for ever.

    Returns
    -------
    machines : dict
        Each recorded machine (a dict), by its id.
    rows : dict
        The id of the machine of each row, by the row's key and finish time
        (the first record of a row when there are several).

    Raises
    ------
    ResultsFileError
        For a file that cannot be read, is not UTF-8 text or holds a line
        that is not a record (nor one cut short by a killed run), naming it
        and the problem: taken for one without records, the summary would
        say its rows' machines were never recorded.
    """
    machines, rows = {}, {}
    try:
        data = _pool_records.read_locked(path, fd) or b""
    except OSError as exc:
        raise ResultsFileError(
            f"the machines file {path} cannot be read "
            f"({exc.strerror or type(exc).__name__})") from None
    try:
        lines = data.decode().splitlines()
    except UnicodeDecodeError as exc:
        raise ResultsFileError(
            f"the machines file {path} is not UTF-8 text (byte {exc.start} "
            f"is {data[exc.start]:#04x}); it should hold "
            f"{_pool_records._LAYOUT}") from None
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError:
            # A record's start (or nothing), cut short by a killed run: that
            # row has no machine.  Anything else was never written by a run
            # (as for the pools file, read_pools).
            if not line.strip() or line.lstrip().startswith("{"):
                continue
            record = None
        if not isinstance(record, dict) or not isinstance(
                record.get("machine", {}), dict) or not isinstance(
                record.get("row", []), list):
            raise ResultsFileError(
                f"line {number} of the machines file {path} is not a machine "
                f"record: {line[:40]!r}; it should hold "
                f"{_pool_records._LAYOUT}")
        if isinstance(record.get("machine"), dict):
            machines.setdefault(record.get("id"), record["machine"])
        elif isinstance(record.get("row"), list):
            key = (tuple(map(str, record["row"])), str(record.get("finished")))
            rows.setdefault(key, record.get("id"))
    return machines, rows


def record_machine(results, row, machine):
    """Record, beside the results file, that ``row`` was measured on
    ``machine``.

    The summary describes where the rows were measured whenever they are
    rendered (``--no-render`` runs on one host, ``--render-only`` on
    another), so each row's machine is written as it is measured: one line
    per machine (its description and an id) and one per row (its key, its
    finish time and the machine's id), appended to
    :func:`machines_path` ``(results)``.

    Parameters
    ----------
    results : path
        The results file the row was appended to.
    row : dict
        The row, with its key's columns and ``"finished"``.
    machine : dict
        The machine that measured it (:func:`machine_info`).
    """
    path = machines_path(results)
    ident = _machine_id(machine)
    # Checked and appended under the file's lock: a record another run was
    # writing read as missing, was written again, and this run's lines
    # split it in two.
    with locked(path) as fd:
        lines = []
        if ident not in read_machines(path, fd)[0]:
            lines.append({"id": ident, "machine": machine})
        lines.append({"id": ident, "row": list(_key(row)),
                      "finished": str(row["finished"])})
        _append_lines_locked(fd, "".join(json.dumps(line) + "\n"
                                         for line in lines))


def _append_lines_locked(fd, text):
    """Append ``text``, whole lines, in one write, flushed to disk, to the
    records file opened by :func:`locked`, whose lock the caller holds: a
    last line without its newline is then one cut short by a killed run,
    never one another run is still writing.

    Opened for appending, the file is never cut back: two runs writing
    beside the same results file append where its end is at their write,
    and a line cut short by a killed run is left (its readers skip it),
    where cutting it back could erase a line another run had just added.
    """
    data = text.encode()
    # lseek and read, not pread (missing on Windows); writes go to the end
    # whatever the position (O_APPEND).
    if os.lseek(fd, 0, os.SEEK_END):
        os.lseek(fd, -1, os.SEEK_END)
        if os.read(fd, 1) != b"\n":
            # A line cut short would swallow the first one written.
            data = b"\n" + data
    _write_whole(fd, data)


def pools_path(results):
    """The file beside ``results`` that records the pool each dataset's
    rows were measured on (``<stem>_pools.jsonl``)."""
    results = Path(results)
    return results.with_name(f"{results.stem}_pools.jsonl")


def pool_record(ds):
    """What a dataset's rows were measured on: the pool's and the test
    split's sizes, and a digest of their values and labels (of the files
    they are computed from, ``ds.source``, when the loader gives one)."""
    if ds.source is not None:
        digest = ds.source
    else:
        hashed = hashlib.sha256(pool_digest(ds.X).encode())
        for array in (ds.y, ds.X_test, ds.y_test):
            array = np.ascontiguousarray(array)
            hashed.update(f"{array.shape}{array.dtype.str}".encode())
            hashed.update(array.tobytes())
        digest = hashed.hexdigest()
    return {"dataset": ds.name, "rows": int(ds.n_pool),
            "test_rows": int(ds.X_test.shape[0]), "digest": digest}


def read_pools(path, fd=None):
    """The records of the pools file ``path`` by dataset (see
    ``_pool_records.read_pools``, the code ``quality_more_seeds.py`` reads
    them with); :class:`ResultsFileError` for a file that cannot be read or
    is not one."""
    try:
        return _pool_records.read_pools(path, fd)
    except _pool_records.PoolsFileError as exc:
        raise ResultsFileError(str(exc)) from None


_pool_text = _pool_records.pool_text


def check_pool(results, current, wrong, fix):
    """Stop unless the rows of a dataset already in ``results`` were
    measured on the pool described by ``current``: resumed, rows of another
    pool would be kept as its own when their key is the same.

    Shared by the scripts that resume from a results file (this one and
    the validation studies).

    Parameters
    ----------
    results : path
        The results file, which holds rows of the dataset.
    current : dict
        The record of the pool loaded (:func:`pool_record`, with the
        validation split's seed and size for the studies).
    wrong : callable
        Called without arguments when no pool is recorded for the dataset
        (rows written before the record): what the rows' own values show is
        not of the pool loaded, a list of str (empty if nothing).
    fix : str
        What to do instead, the end of the message.
    """
    name = current["dataset"]
    recorded = read_pools(pools_path(results)).get(name)
    if recorded is not None:
        if recorded != current:
            raise UsageError(
                f"[{name}] {results} holds rows measured on another pool "
                f"({_pool_text(recorded)}) than the one loaded "
                f"({_pool_text(current)}): resumed, they would stand for it; "
                f"{fix}")
        return
    problems = wrong()
    if problems:
        raise UsageError(
            f"[{name}] {results} holds rows measured on another pool: "
            f"{'; '.join(sorted(set(problems))[:3])}; {fix}")


def check_same_pool(ds, rows, results):
    """Stop unless the rows of ``ds`` already in ``results`` were measured
    on the pool loaded, ``ds``: resumed, rows of another pool (another data
    folder, or another version of the data) would be kept as its own, their
    key (dataset, method, cores, budget, seed) being the same.

    The pool recorded beside the results file (:func:`pools_path`) decides;
    rows written before it was recorded are checked by what the pool's size
    sets: their budgets (``int(N * p)``) and BiLAF's core counts.  Returns
    the pool's record (:func:`pool_record`), for :func:`record_pool`.
    """
    current = pool_record(ds)
    mine = [row for row in rows if row["dataset"] == ds.name]
    if not mine:
        return current

    def wrong():
        budgets = dict(ds.budgets)
        problems = []
        for row in mine:
            label, budget = row["budget_label"], int(row["budget"])
            if budgets.get(label) != budget:
                shown = (f"{label} = {budgets[label]}" if label in budgets
                         else f"none labelled {label}")
                problems.append(f"budget {label} = {budget} where the pool "
                                f"loaded ({ds.n_pool} rows) gives {shown}")
            elif row["method"] in NEEDS_CORES and row["n_cores"] != "":
                counts = ds.core_counts(budget)
                if row["method"] in ABLATIONS:
                    counts = counts[:1]
                if int(row["n_cores"]) not in counts:
                    problems.append(f"{row['method']} at {label} with K = "
                                    f"{row['n_cores']} where the pool loaded "
                                    f"({ds.n_pool} rows) gives K = "
                                    f"{', '.join(map(str, counts))}")
        return problems

    check_pool(results, current, wrong,
               "give --results-name (or --results-dir) for a results file of "
               "its own, or the data folder those rows were measured on")
    return current


def _recorded_pool(results, record, fd):
    """The pool recorded beside ``results`` for ``record``'s dataset (None
    if none is), read from ``fd``, on which the caller holds the pools
    file's lock; stop if it is another one."""
    path = pools_path(results)
    recorded = read_pools(path, fd).get(record["dataset"])
    if recorded is not None and recorded != record:
        # check_pool, earlier, found no rows of another pool: another run
        # into the same results file has written its first rows since.
        name = record["dataset"]
        raise UsageError(
            f"[{name}] {path} records another pool ({_pool_text(recorded)}) "
            f"than the one loaded ({_pool_text(record)}) for the rows of "
            f"{name} in {results}: another run measures (or measured) rows of "
            "that pool into the same results file, and rows of the two would "
            "stand for one pool; give this run a results file of its own "
            "(quality.py's --results-name or --results-dir, the studies' "
            "--results), or the data those rows are measured on")
    return recorded


def record_pool(results, record):
    """Record, beside the results file, the pool its rows of a dataset are
    measured on (``record``, as :func:`check_pool` takes it; once per
    dataset), flushed to disk.

    Checked and recorded under the pools file's lock (:func:`locked`): a
    run whose pool is not the one recorded for the dataset stops, where it
    went on, its rows then taken for rows of the recorded pool.
    :func:`append_row` with ``pool`` records it with a row.
    """
    path = pools_path(results)
    with locked(path) as fd:
        if _recorded_pool(results, record, fd) is None:
            _append_lines_locked(fd, json.dumps(record) + "\n")


def plan(ds, methods, budget_ids, seeds):
    """Every (seed, budget label, budget, method, n_cores) to run, in order."""
    jobs = []
    for seed in seeds:
        for i, (label, budget) in enumerate(ds.budgets):
            if budget_ids is not None and i not in budget_ids:
                continue
            for method in methods:
                if method in ABLATIONS:
                    if ds.name not in ABLATION_DATASETS:
                        continue
                    counts = ds.core_counts(budget)[:1]
                elif method in NEEDS_CORES:
                    counts = ds.core_counts(budget)
                else:
                    counts = [""]
                for n_cores in counts:
                    jobs.append((seed, label, budget, method, n_cores))
    return jobs


def run(dataset_name, methods, budget_ids, seeds, results, cache_dir, log=print,
        data_dir=None):
    """Run the missing (seed, budget, method) rows of one dataset.

    Returns the number of rows run, or None when the dataset is unavailable.
    """
    try:
        loader = LOADERS[dataset_name]
        ds = loader() if data_dir is None else loader(data_dir)
    except DatasetUnavailable as exc:
        log(f"[{dataset_name}] skipped: {exc}")
        return None
    if budget_ids is not None:
        wrong = sorted(i for i in budget_ids if not 0 <= i < len(ds.budgets))
        if wrong:
            raise UsageError(
                f"[{ds.name}] --budgets {wrong}: positions must be 0 to "
                f"{len(ds.budgets) - 1} ({', '.join(b for b, _ in ds.budgets)})")
    if ds.n_pool != POOL_SIZES.get(ds.name, ds.n_pool):
        if Path(results).resolve() == (RESULTS_DIR / "quality.csv").resolve():
            # The benchmarks page includes that file's tables: rows of
            # another pool there would stand beside the protocol's (and
            # leave the tables without percentages of the pool).
            raise UsageError(
                f"[{ds.name}] the pool loaded has {ds.n_pool} rows, not the "
                f"protocol's {POOL_SIZES[ds.name]}: its rows would go into "
                f"the protocol's results file, {results}; give --results-name "
                f"for a results file of their own (--results-name "
                f"quality_{ds.name}_{ds.n_pool}, say), or the data folder of "
                "the protocol's pool")
        # Said before hours of runs, not only by the render (see _n_pool).
        log(f"[{ds.name}] WARNING: the pool has {ds.n_pool} rows, not the "
            f"protocol's {POOL_SIZES[ds.name]}: its rows are not comparable "
            "with the protocol's and the tables give no percentages of the "
            "pool; use --results-name for a results file of their own")
    ctx = Context(ds, cache_dir)
    machine = machine_info()
    version = library_version()
    existing = read_rows(results)
    pool = check_same_pool(ds, existing, results)
    if any(row["dataset"] == ds.name for row in existing):
        # Rows that check out are of this pool: recorded now, a file that
        # is only ever resumed from (written before the record) is checked
        # by it from then on, not by its budgets and K alone.
        record_pool(results, pool)
    done = {_key(r): r["version"] for r in existing}
    n_run = n_skipped = 0
    kept_versions = set()
    for seed, label, budget, method, n_cores in plan(ds, methods, budget_ids, seeds):
        row = {"dataset": ds.name, "method": method, "n_cores": n_cores,
               "budget": budget, "seed": seed}
        if _key(row) in done:
            n_skipped += 1
            kept_versions.add(done[_key(row)])
            continue
        indices, seconds, extra = select(ctx, method, budget,
                                         n_cores if n_cores != "" else None, seed)
        indices = np.asarray(indices)
        if indices.size != budget or np.unique(indices).size != budget:
            raise RuntimeError(f"{method} returned {indices.size} indices "
                               f"({np.unique(indices).size} distinct) for {budget}")
        acc, bacc, covered, note = evaluate(ds, indices)
        row.update(
            budget_label=label, accuracy=f"{acc:.6f}",
            balanced_accuracy=f"{bacc:.6f}", n_labels_covered=covered,
            select_seconds=f"{seconds:.3f}",
            pseudo_purity=_fmt(extra.get("pseudo_purity")),
            boundary_cross_rate=_fmt(extra.get("boundary_cross_rate")),
            version=version, finished=time.strftime("%Y-%m-%dT%H:%M:%S"),
        )
        append_row(results, row, pool=pool)
        record_machine(results, row, machine)
        done[_key(row)] = version
        n_run += 1
        cores = f" K={n_cores}" if n_cores != "" else ""
        log(f"[{ds.name}] seed {seed} budget {label} ({budget}) {method}{cores}: "
            f"acc {acc:.4f} bacc {bacc:.4f} ({seconds:.1f}s)"
            + (f" WARNING: {note}" if note else ""))
    if n_skipped:
        # Rows of other versions of the library are kept, as the protocol
        # is (a figure's version is in its row): said, not silent.
        others = sorted(kept_versions - {version})
        measured = (f" (measured with {', '.join(others[:3])}"
                    f"{' and others' if len(others) > 3 else ''}, not {version})"
                    if others else "")
        log(f"[{ds.name}] {n_skipped} run(s) already in {results}{measured}, "
            "not run again "
            "(use --results-dir or --results-name for a fresh results file)")
    return n_run


def _fmt(value):
    return "" if value is None else f"{value:.6f}"


# -- rendering --------------------------------------------------------------
def write_atomic(path, content):
    """Write a file whole or not at all: into a temporary file beside it,
    then renamed over it, so that a run killed while writing leaves the
    previous version (or none), never half a file.  ``content`` is text
    (written as UTF-8), or a function that writes the file at the path it
    is given.

    A file that already holds the same bytes is left as it is (a render
    of unchanged results touches nothing).  Returns whether the file was
    written.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if callable(content):
            content(tmp)
        else:
            # UTF-8 whatever the locale's encoding: the tables' "±" and "—"
            # failed to encode under an ASCII locale (and Sphinx reads the
            # benchmarks page's includes as UTF-8).
            tmp.write_text(content, encoding="utf-8")
        if (path.is_file() and path.stat().st_size == tmp.stat().st_size
                and path.read_bytes() == tmp.read_bytes()):
            return False
        os.replace(tmp, path)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def aggregate(rows):
    """Mean and sample std per (dataset, method, n_cores, budget)."""
    groups = {}
    for row in rows:
        key = (row["dataset"], row["method"], row["n_cores"], int(row["budget"]))
        groups.setdefault(key, []).append(row)
    summary = []
    for (dataset, method, n_cores, budget), members in sorted(groups.items()):
        entry = {"dataset": dataset, "method": method, "n_cores": n_cores,
                 "budget": budget, "budget_label": members[0]["budget_label"],
                 "n_seeds": len(members),
                 "seeds": sorted(int(m["seed"]) for m in members)}
        for metric in ("accuracy", "balanced_accuracy", "select_seconds",
                       "pseudo_purity", "boundary_cross_rate"):
            values = np.array([float(m[metric]) for m in members if m[metric] != ""])
            if values.size:
                entry[metric] = float(values.mean())
                entry[metric + "_std"] = (float(values.std(ddof=1))
                                          if values.size > 1 else 0.0)
        summary.append(entry)
    return summary


def _label(method, n_cores, n_pool):
    name = METHOD_NAMES.get(method, method)
    if n_cores != "" and n_pool is None:  # see _n_pool
        name += f", K={n_cores}"
    elif n_cores != "":
        name += f", K={n_cores} ({100 * int(n_cores) / n_pool:.2g}%)"
    return name


def _row_order(method, n_cores):
    order = list(METHOD_NAMES)
    # Tables list baselines first, then ActiveFT, then BiLAF.
    display = ["random", "fds", "kmeans", "typiclust", "probcover", "activeft",
               "bilaf-paper", "bilaf-published", "bilaf-default", *ABLATIONS]
    return (display.index(method) if method in display else len(order),
            int(n_cores) if n_cores != "" else 0)


def table(summary, dataset, metric, methods, n_pool, fmt="rst"):
    """A methods x budgets table of mean +- std, best mean per column in bold."""
    entries = [e for e in summary if e["dataset"] == dataset and e["method"] in methods]
    if not entries:
        return ""
    budgets = sorted({(e["budget"], e["budget_label"]) for e in entries})
    rows = sorted({(e["method"], e["n_cores"]) for e in entries},
                  key=lambda r: _row_order(*r))
    cell = {(e["method"], e["n_cores"], e["budget"]): e for e in entries}
    best = {}
    for budget, _ in budgets:
        means = [cell[(m, k, budget)][metric] for m, k in rows
                 if (m, k, budget) in cell and cell[(m, k, budget)]["n_seeds"] == 3]
        best[budget] = max(means) if means else None
    header = ["method"] + [label if label == str(budget) else f"{label} ({budget})"
                           for budget, label in budgets]
    body = []
    for method, n_cores in rows:
        line = [_label(method, n_cores, n_pool)]
        for budget, _ in budgets:
            e = cell.get((method, n_cores, budget))
            if e is None:
                line.append("—")
                continue
            if e["n_seeds"] > 1:
                text = f"{100 * e[metric]:.1f} ± {100 * e[metric + '_std']:.1f}"
            else:
                text = f"{100 * e[metric]:.1f}"
            if e["n_seeds"] < 3:
                text += f" (n={e['n_seeds']})"
            if best[budget] is not None and e["n_seeds"] == 3 and np.isclose(
                    e[metric], best[budget]):
                text = f"**{text}**"
            line.append(text)
        body.append(line)
    if fmt == "md":
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(lines) + "\n"
    widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)
    out = [rule, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
           rule]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in body]
    out.append(rule)
    return "\n".join(out) + "\n"


#: The pools' sizes under the protocol, known before any data is loaded.
POOL_SIZES = {"digits": 1347, "wordnet": 65617, "fashion-mnist": 60000}


def _n_pool(rows, dataset, log=print):
    """The size of the pool the rows of ``dataset`` were measured on, of
    which the tables and plots give K and the budgets as percentages.

    Parameters
    ----------
    rows : list of dict
        The results' rows (those of other datasets are left out).
    dataset : str
        The dataset.
    log : callable, default=print
        Receives the warning when the rows' budgets are not those of the
        protocol's pool.

    Returns
    -------
    n_pool : int or None
        The protocol's pool size (``POOL_SIZES``) when every row's budget
        is its share of that pool, as :func:`run` computed it from the pool
        it loaded; None when one is not (rows of another data folder or
        another version of the data), and the figures then give no
        percentage rather than shares of a pool the rows did not come from.
    """
    n_pool = POOL_SIZES.get(dataset)
    if n_pool is None:
        return None
    shares = {label: count for label, count in _pool_budgets(n_pool)}
    # Budgets given as counts (digits') say nothing of the pool's size.
    wrong = sorted({(row["budget_label"], int(row["budget"])) for row in rows
                    if row["dataset"] == dataset
                    and row["budget_label"].endswith("%")
                    and shares.get(row["budget_label"]) != int(row["budget"])})
    if wrong:
        seen = ", ".join(f"{label} = {budget}" for label, budget in wrong[:4])
        log(f"{dataset}: the rows' budgets are not those of the protocol's pool "
            f"of {n_pool} rows ({seen} where that pool gives "
            f"{', '.join(f'{label} = {count}' for label, count in shares.items())}"
            "): they were measured on other data (another data folder or "
            "version), so the tables and plots give no percentages of the pool; "
            "render such rows under their own --results-name, apart from the "
            "protocol's")
        return None
    return n_pool


def render(results, out_dir, log=print, measured=False):
    """Write the summary, tables and plots of ``results`` into ``out_dir``.

    Parameters
    ----------
    results : path
        The results file (its rows, once each, make every figure).
    out_dir : path
        Folder of the summary, tables and plots, named after the results
        file's stem.
    log : callable, default=print
        Receives the progress and warning messages.
    measured : bool, default=False
        Whether this process measured rows of ``results``.  The summary's
        ``"machine"`` (versions, CPU, platform) is that of the machine that
        measured the rows, as :func:`record_machine` recorded it beside the
        results file, whichever machine renders; rows of several machines
        make it a text saying so, and ``"machines"`` lists each with its
        number of rows.  Only when no row's machine is recorded (rows of
        older runs) does ``measured`` matter: this machine is recorded if
        it measured rows, else the machine already in the summary is kept
        (that of the last run that measured rows), or this one when there
        is none (no summary yet, or one that cannot be read).
    """
    rows = read_rows(results)
    if not rows:
        log(f"no results in {results}")
        return
    unique = {}
    for row in rows:
        unique.setdefault(_key(row), row)  # the first measurement of each
    if len(unique) < len(rows):
        # Two runs into one file at once measure the same rows; counted
        # twice, a cell would be a mean of four "seeds".
        log(f"{results}: {len(rows) - len(unique)} duplicate row(s) of the same "
            "dataset, method, cores, budget and seed ignored (the first is kept)")
        rows = list(unique.values())
    out_dir = Path(out_dir)
    stem = Path(results).stem
    summary = aggregate(rows)
    summary_path = out_dir / f"{stem}_summary.json"
    written = measured_machines(results, rows)
    if not any(machine for _, machine in written):
        # Rows measured before machines were recorded per row (or by a run
        # that did not record them): the machine of the last run that
        # measured rows, as recorded in the summary, is all there is.
        meta = None if measured else recorded_machine(summary_path)
        written = [(len(rows), machine_info() if meta is None else meta)]
    if len(written) == 1:
        head = {"machine": written[0][1]}
    else:
        head = {"machine": _mixed(written),
                "machines": [{"rows": count, "machine": machine}
                             for count, machine in written]}
    write_atomic(summary_path,
                 json.dumps({**head, "summary": summary}, indent=1) + "\n")
    datasets = [d for d in LOADERS if any(r["dataset"] == d for r in rows)]
    titles = {"accuracy": "Accuracy (%)", "balanced_accuracy": "Balanced accuracy (%)"}
    pools = {dataset: _n_pool(rows, dataset, log=log) for dataset in datasets}
    for fmt, suffix in (("rst", "rst"), ("md", "md")):
        parts = []
        for dataset in datasets:
            n_pool = pools[dataset]
            for metric, title in titles.items():
                text = table(summary, dataset, metric, MAIN_METHODS, n_pool, fmt)
                if text:
                    parts.append(_heading(f"{dataset}: {title}", fmt) + text)
            if dataset in ABLATION_DATASETS:
                text = table(summary, dataset, "accuracy",
                             {"bilaf-paper", *ABLATIONS}, n_pool, fmt)
                if text:
                    parts.append(_heading(f"{dataset}: ablations, accuracy (%)", fmt)
                                 + text)
        write_atomic(out_dir / f"{stem}_tables.{suffix}", "\n".join(parts))
    for dataset in datasets:
        plot(summary, dataset, out_dir / f"{stem}_{dataset}.png", log=log,
             n_pool=pools[dataset])


def measured_machines(results, rows):
    """Where the rows were measured, from :func:`machines_path`'s records.

    Returns
    -------
    machines : list of (int, dict or None)
        Each machine that measured rows (None for the rows whose machine was
        not recorded), with its number of rows, in the order of their first
        row.
    """
    machines, measured = read_machines(machines_path(results))
    counts = {}
    for row in rows:
        ident = measured.get((tuple(map(str, _key(row))), row["finished"]))
        counts.setdefault(ident if ident in machines else None, [0])[0] += 1
    return [(count, machines.get(ident)) for ident, (count,) in counts.items()]


def _mixed(machines):
    """The summary's ``"machine"`` for rows measured on several machines."""
    unrecorded = sum(count for count, machine in machines if machine is None)
    known = len(machines) - (unrecorded > 0)
    text = f"mixed: the rows were measured on {known} machines"
    if unrecorded:
        text = (f"mixed: {unrecorded} rows measured before their machine was "
                f"recorded, the others on {known} "
                f"machine{'s' if known > 1 else ''}")
    return text + " (see \"machines\")"


def _heading(title, fmt):
    if fmt == "md":
        return f"### {title}\n\n"
    return f".. rubric:: {title}\n\n"


def plot(summary, dataset, path, log=print, n_pool=None):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed (pip install matplotlib): "
            "no plots")
        return
    entries = [e for e in summary if e["dataset"] == dataset and e["method"] in
               MAIN_METHODS]
    if not entries:
        return
    fig, ax = plt.subplots(figsize=(9.5, 4.5))
    lines = sorted({(e["method"], e["n_cores"]) for e in entries},
                   key=lambda r: _row_order(*r))
    styles = {"bilaf-paper": "-", "bilaf-published": ":", "activeft": "-",
              "bilaf-default": "-"}
    # More lines than the default 10-colour cycle: one colour each.
    colours = plt.get_cmap("tab20").colors
    for index, (method, n_cores) in enumerate(lines):
        points = sorted((e["budget"], e["accuracy"], e["accuracy_std"], e["n_seeds"])
                        for e in entries
                        if e["method"] == method and e["n_cores"] == n_cores)
        b, acc, std, n = (np.array(v) for v in zip(*points, strict=True))
        label = _label(method, n_cores, n_pool)
        if n.min() < 3:
            label += f" [{n.min()} seed{'s' if n.min() > 1 else ''}]"
        bold = method.startswith("bilaf") or method == "activeft"
        ax.errorbar(b, 100 * acc, yerr=100 * std, marker="o", ms=4, capsize=3,
                    linestyle=styles.get(method, "--"), lw=2 if bold else 1.2,
                    # The library default in black, the others one colour each.
                    color=("black" if method == "bilaf-default" else
                           colours[(2 * index) % 20 + (2 * index) // 20 % 2]),
                    label=label)
    ax.set_xscale("log")
    budgets = sorted({e["budget"] for e in entries})
    ax.set_xticks(budgets)
    ax.set_xticklabels([str(b) if n_pool is None else
                        f"{b}\n({100 * b / n_pool:.2g}%)" for b in budgets])
    ax.minorticks_off()
    ax.set_xlabel("budget (samples labelled)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"{dataset}: logistic regression on the selected samples "
                 "(mean ± std)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    # No "Software" text (matplotlib's version): the file's bytes are then
    # the figure's pixels only, and a render with another matplotlib that
    # draws the same pixels leaves the committed plot unchanged.
    written = write_atomic(path, lambda tmp: fig.savefig(
        tmp, dpi=110, format="png", metadata={"Software": None}))
    plt.close(fig)
    log(f"wrote {path}" if written else f"{path} unchanged")


def recorded_machine(path):
    """The ``"machine"`` recorded in the summary ``path`` (a dict), or None
    when there is no summary there or it cannot be read."""
    try:
        recorded = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    machine = recorded.get("machine") if isinstance(recorded, dict) else None
    return machine if isinstance(machine, dict) else None


def machine_info():
    """This machine, as the summary records where rows were measured.

    Returns
    -------
    machine : dict
        The versions of ``sklearn_bilaf``, scikit-learn, NumPy, SciPy and
        Python, the CPU model, the number of CPUs and the platform.
    """
    model = platform.processor() or "unknown"
    try:
        for line in read_cpuinfo().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import scipy
    import sklearn

    # SciPy too: the selectors use its BLAS, sparse graphs and distances.
    return {"sklearn_bilaf": __version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__,
            "python": platform.python_version(),
            "cpu": model, "cpus": os.cpu_count(), "platform": platform.platform()}


# -- command line -----------------------------------------------------------
def n_budgets(dataset):
    """How many budgets a dataset's protocol has (known before loading it)."""
    return len(DIGITS_BUDGETS) if dataset == "digits" else len(POOL_FRACTIONS)


def path_problem(path, folder=True, write=True):
    """Why ``path`` cannot be a folder (``folder``) or a file the script
    writes: an existing file where a folder must be, a folder where the
    file must be, or (``write``) a folder in which nothing can be made or
    a file that cannot be opened for writing; None when it can be
    (made)."""
    path = Path(path)
    if not folder:
        if path.is_dir():
            return f"{path} is a folder, not a file"
        if write and path.is_file():
            # Opened as locked() opens it, nothing written: a file that
            # cannot be appended to failed at the first row.
            try:
                os.close(os.open(path, os.O_RDWR | os.O_APPEND
                                 | getattr(os, "O_BINARY", 0)))
            except OSError as exc:
                return (f"{path} cannot be written to "
                        f"({exc.strerror or type(exc).__name__})")
        path = path.parent
    # The first existing folder on the way is where mkdir (or the first
    # write) would fail, once the data are loaded and a row measured.
    for part in (path, *path.parents):
        if part.exists():
            if not part.is_dir():
                return f"{part} is a file, not a folder"
            return _unwritable(part) if write else None
    return None


def _unwritable(folder):
    """Why no file can be made in ``folder`` (None if one can)."""
    # A file made and removed, not os.access: root passes access() in a
    # folder where nothing can be made (a read-only mount, /proc).
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return (f"{folder} cannot be written to "
                f"({exc.strerror or type(exc).__name__})")
    return None


def file_stem(text):
    """argparse type: a results file stem, a name without a folder (the
    results file, tables and plots are named after it in --results-dir)."""
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    if text in ("", ".", "..") or any(sep in text for sep in separators):
        # A folder in the name was found only when the first row was
        # appended to it, after the data were loaded and that row measured.
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a file name; give the folder with --results-dir")
    if text.endswith(".csv"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give the stem without .csv ({text[:-4]!r} for "
            f"{text!r}); the tables and plots are named after it too")
    return text


def check_plan(parser, args):
    """Usage errors, before any data is loaded, for seeds below 0 or above
    ``MAX_SEED``, budget positions a dataset does not have and a selection
    of methods and datasets with nothing to run (the ablations run on
    WordNet only)."""
    negative = [seed for seed in args.seeds if seed < 0]
    if negative:
        parser.error(f"argument --seeds: seeds are 0 or more, got {negative}")
    # The selectors' random_state: NumPy's RandomState takes 32-bit seeds.
    too_large = [seed for seed in args.seeds if seed > MAX_SEED]
    if too_large:
        parser.error(f"argument --seeds: seeds are at most {MAX_SEED} "
                     f"(2**32 - 1), got {too_large}")
    for dataset in args.datasets:
        wrong = sorted(i for i in args.budgets or () if not 0 <= i < n_budgets(dataset))
        if wrong:
            labels = ([str(b) for b in DIGITS_BUDGETS] if dataset == "digits"
                      else [f"{100 * f:g}%" for f in POOL_FRACTIONS])
            parser.error(f"[{dataset}] --budgets {wrong}: positions must be 0 "
                         f"to {n_budgets(dataset) - 1} ({', '.join(labels)})")
    if all(method in ABLATIONS for method in args.methods) and not any(
            dataset in ABLATION_DATASETS for dataset in args.datasets):
        parser.error(f"--methods {' '.join(args.methods)}: the ablations run on "
                     f"{', '.join(ABLATION_DATASETS)} only, so there is nothing "
                     f"to run on {', '.join(args.datasets)}; add a main method "
                     "or --datasets wordnet")


@exits_on_sigterm
def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--quick", action="store_true",
                        help="digits, budget 50, seed 0, main methods (for CI)")
    parser.add_argument("--datasets", nargs="+", choices=list(LOADERS),
                        default=None, help="default: all (those whose data "
                        "are missing are skipped)")
    parser.add_argument("--methods", nargs="+", choices=list(METHOD_NAMES),
                        default=None, help="default: all (the main methods "
                        "with --quick)")
    parser.add_argument("--budgets", nargs="+", type=int, default=None,
                        help="positions in the dataset's budget list, 0 = "
                        "smallest: 0 1 2 for digits' 20 50 100 samples, 0 1 "
                        "2 3 for the others' 0.5 1 2 5 %% of the pool "
                        "(default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=None,
                        help=f"default: {' '.join(map(str, SEEDS))}")
    parser.add_argument("--wordnet-dir", type=Path, default=None,
                        help=f"WordNet embeddings (default {WORDNET_DIR})")
    parser.add_argument("--fashion-mnist-dir", type=Path, default=None,
                        help=f"Fashion-MNIST .gz files (default {FASHION_DIR})")
    parser.add_argument("--results-dir", type=Path, default=None,
                        help="default: benchmarks/results, or a new "
                             "temporary folder with --quick")
    parser.add_argument("--results-name", type=file_stem, default=None,
                        help="results file stem (default quality, or "
                             "quality_quick with --quick)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="ActiveFT cache (default RESULTS_DIR/cache)")
    parser.add_argument("--render-only", action="store_true",
                        help="only render the tables and plots of the "
                        "results file (the summary names the machines that "
                        "measured the rows, not this one)")
    parser.add_argument("--no-render", action="store_true",
                        help="only run, do not render")
    args = parser.parse_args(argv)
    if args.render_only and args.no_render:
        parser.error("--render-only and --no-render together do nothing; "
                     "drop one")
    if args.render_only:
        # The tables are of the whole results file, and nothing runs.
        given = [option for option, value in [
            ("--quick", args.quick or None), ("--datasets", args.datasets),
            ("--methods", args.methods), ("--budgets", args.budgets),
            ("--seeds", args.seeds), ("--wordnet-dir", args.wordnet_dir),
            ("--fashion-mnist-dir", args.fashion_mnist_dir),
            ("--cache-dir", args.cache_dir)] if value is not None]
        if given:
            parser.error(f"--render-only renders the whole results file and "
                         f"runs nothing; drop {' and '.join(given)} (or run "
                         "without --render-only)")
    requested = args.datasets is not None
    if args.quick:
        if requested or args.budgets is not None or args.seeds is not None:
            parser.error("--quick fixes the dataset (digits), budget and seed; "
                         "drop --datasets, --budgets and --seeds")
        args.datasets, args.budgets, args.seeds = ["digits"], [1], [0]
        # --methods narrows the quick run (it used to be silently replaced).
        args.methods = args.methods or list(MAIN_METHODS)
    args.methods = args.methods or list(METHOD_NAMES)
    args.datasets = args.datasets or list(LOADERS)
    args.seeds = list(SEEDS) if args.seeds is None else args.seeds
    if not args.render_only:
        check_plan(parser, args)
    data_dirs = {"wordnet": args.wordnet_dir, "fashion-mnist": args.fashion_mnist_dir}
    name = args.results_name or ("quality_quick" if args.quick else "quality")
    # A quick run (a smoke test) measures afresh every time and leaves the
    # committed results folder alone: resumed from an earlier quick run's
    # file there, it would measure nothing.  Its new folder is made once the
    # options are checked: a usage error left it behind, empty.
    fresh = args.results_dir is None and args.quick
    if args.results_dir is None and not args.quick:
        args.results_dir = RESULTS_DIR
    folders = [] if fresh else [("--results-dir", args.results_dir)]
    if not args.render_only and not (fresh and args.cache_dir is None):
        # The default cache folder too: a file named cache in the results
        # folder failed once the first ActiveFT selection was computed.
        folders.append(("--cache-dir",
                        args.cache_dir or args.results_dir / "cache"))
    for option, folder in folders:
        problem = path_problem(folder)
        if problem:
            parser.error(f"{option}: {problem}; give {option} a folder (new "
                         "or existing) you can write to")
    if fresh:
        args.results_dir = Path(tempfile.mkdtemp(prefix="bilaf-quality-quick-"))
    cache_dir = args.cache_dir or args.results_dir / "cache"
    results = args.results_dir / f"{name}.csv"
    fix = ("give --results-dir or --results-name of a results file of this "
           "script (or of a new one)")
    try:
        # Checked before any data is loaded: a file of another script (or
        # with other columns) is neither resumed from nor appended to.
        rows = read_rows(results)
        if not args.render_only:
            check_appendable(results)
        # Read by the summary, and before each row is recorded.
        read_machines(machines_path(results))
    except ResultsFileError as exc:
        parser.error(f"{exc}; {fix}")
    if args.render_only and not rows:
        state = "has no finished row" if results.exists() else "does not exist"
        parser.error(f"--render-only: {results} {state}; give --results-dir "
                     "/ --results-name of a results file, or run the benchmark "
                     "first")
    if not args.render_only:
        args.results_dir.mkdir(parents=True, exist_ok=True)

    def log(message):
        print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)

    missing = []
    n_measured = 0
    try:
        if not args.render_only:
            log(f"sklearn_bilaf {library_version()}; results in {results}")
            for dataset in args.datasets:
                n_run = run(dataset, args.methods, args.budgets, args.seeds,
                            results, cache_dir, log=log,
                            data_dir=data_dirs.get(dataset))
                if n_run is None:
                    missing.append(dataset)
                else:
                    n_measured += n_run
        if not args.no_render:
            # Only a run that measured rows records this machine in the
            # summary.
            render(results, args.results_dir, log=log,
                   measured=n_measured > 0)
    except ResultsFileError as exc:
        # The files are read again as each dataset's rows are resumed and
        # recorded: one changed since (by another run, or by hand) is told
        # as at the start, not with a traceback.
        parser.error(f"{exc}; {fix}")
    except UsageError as exc:  # its message says what to give instead
        parser.error(str(exc))
    # Data asked for by name but missing is an error; with the default list
    # it is a skip (the datasets that exist were run).
    return 1 if requested and missing else 0


if __name__ == "__main__":
    from _stdout import exit_status

    sys.exit(exit_status(main))
