"""Test configuration: markers for slow and data tests, shared fixtures."""

import os
from pathlib import Path

import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
WORDNET = (SHARED_DATA / "wordnet-nouns-minilm").resolve()


def pytest_addoption(parser):
    parser.addoption(
        "--runslow",
        action="store_true",
        default=False,
        help="also run tests marked slow (always on when CI=true)",
    )


def _run_slow(config):
    return config.getoption("--runslow") or os.environ.get("CI", "") == "true"


def pytest_collection_modifyitems(config, items):
    if _run_slow(config):
        return
    skip = pytest.mark.skip(reason="slow test: run with --runslow (CI runs it)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def wordnet():
    """The WordNet nouns embeddings (memory-mapped), or skip when absent."""
    if not (WORDNET / "X.npy").exists():
        pytest.skip(
            f"WordNet embeddings not found at {WORDNET} (they live in the "
            "workplace's shared/ folder, beside this repository)"
        )
    return {
        "X": np.load(WORDNET / "X.npy", mmap_mode="r"),
        "y": np.load(WORDNET / "y.npy"),
        "train_idx": np.load(WORDNET / "train_idx.npy"),
        "test_idx": np.load(WORDNET / "test_idx.npy"),
    }


@pytest.fixture(scope="session")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X, y


@pytest.fixture(scope="session")
def benchmark_script():
    """Import a script of ``benchmarks/`` by name (with that folder on the
    path while it imports, as the scripts import each other)."""
    import importlib
    import sys

    folder = str(Path(__file__).resolve().parents[1] / "benchmarks")

    def load(name):
        sys.path.insert(0, folder)
        try:
            return importlib.import_module(name)
        finally:
            sys.path.remove(folder)

    return load
