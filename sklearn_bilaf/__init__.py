"""BiLAF sample selection for labeling budgets, as scikit-learn estimators.

The main entry point is :class:`BiLAFSampler`; the stages it composes live in
:mod:`sklearn_bilaf.core` (core selection), :mod:`sklearn_bilaf.pseudo_classes`,
:mod:`sklearn_bilaf.denoise`, :mod:`sklearn_bilaf.budget` and
:mod:`sklearn_bilaf.boundary`.  :class:`LabelBudgetClassifier` and
:class:`SubsetResampler` (defined in ``sklearn_bilaf.meta``) put a sampler inside
model selection and pipelines; :mod:`sklearn_bilaf.baselines` holds the
cold-start baselines, :mod:`sklearn_bilaf.plotting` the selection plot and
:mod:`sklearn_bilaf.cli` the ``bilaf`` command.
"""

import importlib

from ._version import __version__

# Imported on first use (PEP 562), so that `bilaf --help` and error messages
# do not wait for scikit-learn and SciPy to load.
_LAZY = {
    "BiLAFSampler": "sampler",
    "LabelBudgetClassifier": "meta",
    "SubsetResampler": "meta",
}

__all__ = ["BiLAFSampler", "LabelBudgetClassifier", "SubsetResampler", "__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
