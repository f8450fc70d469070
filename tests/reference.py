"""A literal, slow implementation of spec §2-§5, for checking the fast engine.

Written line by line from ``shared/spec/bilaf.md`` with ``scipy``'s ``cdist``
(direct evaluation) and Python loops, no shared code with the package, so the
two implementations can only agree by both following the spec.  It implements
the rules the released code also follows (no repairs for empty or overfull
classes), so it is only used on inputs where those repairs are not needed.
"""

import math

import numpy as np
from scipy.spatial.distance import cdist


def _floor_rate(n, rate):
    return int(n * rate)


def _mean(values):
    """Correctly rounded mean: equal sets of values give equal means, in
    whatever order they come (a plain sum's rounding depends on it)."""
    return math.fsum(values) / len(values)


def reference_denoise(D, core, *, k=10, p_in=0.1, p_rm=0.1, variant="paper"):
    """Kept local positions, in L order, for one class with distances D."""
    n = D.shape[0]
    if n < 10:
        return list(range(n))
    q = max(1, _floor_rate(n, p_in))
    ring1 = sorted(range(n), key=lambda j: (D[core, j], j))[:q]
    L = list(ring1)

    def rho(j):
        m = min(k, len(L))
        if variant == "paper":
            return _mean(sorted(D[j, L])[:m])
        # Spec §6: the places p (in L) of j's k nearest members of L, but the
        # distances read are D(j, p), to the members at local positions p.
        places = sorted(range(len(L)), key=lambda p: (D[j, L[p]], p))[:m]
        return _mean([D[j, p] for p in places])

    for _ring in range(2, n // q + 1):
        candidates = [j for j in range(n) if j not in L]
        scores = {j: rho(j) for j in candidates}
        ranked = sorted(candidates, key=lambda j: (scores[j], j))
        L.extend(ranked[:q])
    if variant == "paper":
        leftovers = [j for j in range(n) if j not in L]
        scores = {j: rho(j) for j in leftovers}
        L.extend(sorted(leftovers, key=lambda j: (scores[j], j)))
    keep = int(len(L) * (1 - p_rm))
    return L[:keep]


def reference_budgets(sizes, B):
    sizes = np.asarray(sizes)
    share = sizes / sizes.sum()
    alloc = [int(a) for a in np.floor(share * B)]
    for _ in range(B - sum(alloc)):
        best = min(range(len(alloc)), key=lambda c: (alloc[c], -sizes[c], c))
        alloc[best] += 1
    return alloc


def reference_boundary(DU, d_in, d_out, opp, core, b, n_classes, delta=1.1):
    n = DU.shape[0]
    pen = np.ones(n_classes)
    S = [core]
    r = n // b
    candidates = list(range(n))
    while len(S) < b:
        x = S[-1]
        candidates = sorted(candidates, key=lambda j: (DU[x, j], j))[r:]
        if x != core:
            pen[opp[x]] *= delta
        scores = [
            (d_out[j] * pen[opp[j]] - d_in[j]) / max(d_out[j], d_in[j])
            for j in candidates
        ]
        S.append(candidates[int(np.argmin(scores))])
    return S


def reference_one_shot(d_in, d_out, core, b):
    n = d_in.shape[0]
    scores = [(d_out[j] - d_in[j]) / max(d_out[j], d_in[j]) for j in range(n)]
    others = sorted((j for j in range(n) if j != core), key=lambda j: (scores[j], j))
    return [core] + others[: b - 1]


def reference_bilaf(
    X,
    cores,
    B,
    *,
    k=10,
    p_in=0.1,
    p_rm=0.1,
    variant="paper",
    delta=1.1,
    denoise=True,
    strategy="iterative",
):
    """Selected indices (spec output order), labels, kept lists, budgets."""
    X = np.asarray(X, dtype=np.float64)
    cores = sorted(int(c) for c in cores)
    K = len(cores)
    to_cores = cdist(X, X[cores])
    labels = np.argmin(to_cores, axis=1)
    labels[cores] = np.arange(K)
    kept_lists = []
    for c in range(K):
        members = [int(i) for i in np.flatnonzero(labels == c)]
        core_local = members.index(cores[c])
        if denoise:
            D = cdist(X[members], X[members])
            L = reference_denoise(D, core_local, k=k, p_in=p_in, p_rm=p_rm,
                                  variant=variant)
        else:
            L = list(range(len(members)))
        kept_lists.append([members[j] for j in L])
    budgets = reference_budgets([len(u) for u in kept_lists], B)
    selected = []
    for c in range(K):
        U = kept_lists[c]
        core_local = U.index(cores[c])
        DU = cdist(X[U], X[U])
        # Correctly rounded, like rho: members whose distances to the class
        # are the same multiset get the same d_in (a plain row mean rounds
        # them apart, and that decides exact boundary-score ties).
        d_in = np.array([_mean(row) for row in DU])
        Dc = cdist(X[U], X[cores])
        Dc[:, c] = np.inf
        d_out, opp = Dc.min(axis=1), Dc.argmin(axis=1)
        if strategy == "iterative":
            S = reference_boundary(DU, d_in, d_out, opp, core_local, budgets[c], K,
                                   delta)
        else:
            S = reference_one_shot(d_in, d_out, core_local, budgets[c])
        selected.extend(U[j] for j in S)
    return np.array(selected), labels, kept_lists, budgets
