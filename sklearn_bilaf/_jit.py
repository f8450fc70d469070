"""numba's ``njit`` for the compiled kernels, cached on disk where it can be.

With ``cache=True`` numba looks for a writable folder when it decorates a
function (``NUMBA_CACHE_DIR``, then the package's ``__pycache__``, then the
user's cache folder) and raises if there is none: a read-only installation
run with an unwritable home (a container's non-root user, a serverless
function) could not even import the library.  There the kernels are
compiled in every process instead, with one warning that says how to keep
them.
"""

import warnings

from numba import njit as _numba_njit

_WARNED = [False]


def _warn_uncached():
    if _WARNED[0]:
        return
    _WARNED[0] = True
    warnings.warn(
        "numba found no writable folder to cache sklearn_bilaf's compiled "
        "kernels in (neither the package's folder nor the user's cache folder "
        "is writable), so every process compiles them again (15-40 s on two CPUs). Set "
        "the NUMBA_CACHE_DIR environment variable to a writable folder to "
        "keep them.",
        RuntimeWarning,
        stacklevel=3,
    )


def njit(**options):
    """``numba.njit(**options)``, without ``cache`` where numba has nowhere
    to write its cache."""

    def decorate(func):
        try:
            return _numba_njit(**options)(func)
        except RuntimeError as error:
            # numba's message when no cache locator applies; anything else
            # is not ours to hide.
            if not options.get("cache") or "cannot cache" not in str(error):
                raise
        _warn_uncached()
        return _numba_njit(**{**options, "cache": False})(func)

    return decorate
