"""Stage 4: how many samples each pseudo-class gets."""

import heapq

import numpy as np

from ._text import counted, quoted_value
from .base import _is_int, not_whole_hint, whole_numbers

__all__ = ["allocate_budget"]


def _hand_out(alloc, sizes, count, capped):
    """Give ``count`` units one at a time to the class with the smallest
    allocation (ties: larger size, then lower class); with ``capped``, only to
    classes below their size.
    """
    heap = [
        (int(alloc[c]), -int(sizes[c]), c)
        for c in range(alloc.shape[0])
        if not capped or alloc[c] < sizes[c]
    ]
    heapq.heapify(heap)
    for _ in range(count):
        a, neg_size, c = heapq.heappop(heap)
        alloc[c] += 1
        if not capped or alloc[c] < sizes[c]:
            heapq.heappush(heap, (a + 1, neg_size, c))
    return alloc


def _take_back(alloc, sizes, count):
    """Take ``count`` units back one at a time from the class with the largest
    allocation (ties: smaller size, then higher class), never below 1.
    """
    heap = [
        (-int(alloc[c]), int(sizes[c]), -c)
        for c in range(alloc.shape[0])
        if alloc[c] > 1
    ]
    heapq.heapify(heap)
    for _ in range(count):
        neg_a, size, neg_c = heapq.heappop(heap)
        alloc[-neg_c] -= 1
        if alloc[-neg_c] > 1:
            heapq.heappush(heap, (neg_a + 1, size, neg_c))
    return alloc


def allocate_budget(sizes, budget):
    """Split a budget over pseudo-classes in proportion to their sizes.

    Follows spec §4: ``a_c = floor(B * s_c / sum(s))`` (computed as
    ``np.floor(share * B)`` in float64, as the reference code does), then the
    remainder one at a time to the class with the smallest allocation (ties:
    larger class, then lower class number).  Unlike the reference code, the
    result is always usable: every class gets at least 1 and at most its size;
    the difference is handed out (or taken back) by the same one-at-a-time
    rule.

    Parameters
    ----------
    sizes : array-like of int, shape (n_classes,)
        Members of each pseudo-class after denoising (all >= 1; whole-valued
        floats are accepted, fractions are refused).
    budget : int
        Total number of samples, ``n_classes <= budget <= sum(sizes)``.

    Returns
    -------
    allocation : ndarray of shape (n_classes,), dtype=intp
        Samples per class, summing to ``budget``; the core counts inside.

    Examples
    --------
    >>> from sklearn_bilaf.budget import allocate_budget
    >>> allocate_budget([50, 30, 20], 10).tolist()
    [5, 3, 2]
    >>> allocate_budget([5, 3, 2], 7).tolist()
    [3, 2, 2]
    """
    # Not clipped: clipped uint64 sizes overflowed the sum, which the error
    # then quoted as a negative number of samples.
    counts = whole_numbers(sizes, clip=False)
    if counts is None or counts.ndim != 1 or np.asarray(sizes).dtype.kind == "b":
        array = np.asarray(sizes)
        raise ValueError(
            "sizes must be a 1-D array of member counts (whole numbers), one per "
            f"pseudo-class; got an array of dtype {array.dtype} and shape "
            f"{array.shape}." + not_whole_hint(array)
        )
    if not _is_int(budget):
        raise TypeError(
            f"budget must be an int, the number of samples to split; got "
            f"{quoted_value(budget)}."
        )
    budget = int(budget)
    sizes = counts
    n_classes = sizes.shape[0]
    # Python ints: an intp sum of sizes near intp's limit wrapped negative.
    total = sum(sizes.tolist())
    if budget < n_classes or budget > total or np.any(sizes < 1):
        raise ValueError(
            f"Cannot split a budget of {budget} over "
            f"{counted(n_classes, 'pseudo-class', 'pseudo-classes')} holding "
            f"{counted(total, 'sample')}: need n_classes <= budget <= "
            "samples and every class non-empty."
        )
    share = sizes.astype(np.float64) / float(total)
    alloc = np.floor(share * budget).astype(np.intp)
    alloc = _hand_out(alloc, sizes, budget - int(alloc.sum()), capped=False)

    # Repairs the reference code does not make (it crashes or repeats samples).
    surplus = int(np.maximum(alloc - sizes, 0).sum())
    np.minimum(alloc, sizes, out=alloc)
    deficit = int((alloc == 0).sum())
    alloc[alloc == 0] = 1
    if surplus > deficit:
        alloc = _hand_out(alloc, sizes, surplus - deficit, capped=True)
    elif deficit > surplus:
        alloc = _take_back(alloc, sizes, deficit - surplus)
    return alloc
