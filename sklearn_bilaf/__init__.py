"""BiLAF sample selection for labeling budgets, as scikit-learn estimators.

The main entry point is :class:`BiLAFSampler`; the stages it composes live in
:mod:`sklearn_bilaf.core` (core selection), :mod:`sklearn_bilaf.pseudo_classes`,
:mod:`sklearn_bilaf.denoise`, :mod:`sklearn_bilaf.budget` and
:mod:`sklearn_bilaf.boundary`.
"""

from ._version import __version__
from .meta import LabelBudgetClassifier, SubsetResampler
from .sampler import BiLAFSampler

__all__ = ["BiLAFSampler", "LabelBudgetClassifier", "SubsetResampler", "__version__"]
