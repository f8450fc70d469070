"""Wording shared by the messages of the estimators, the readers and ``bilaf``.

Kept free of heavy imports: the command line and :mod:`sklearn_bilaf.io`
import it before anything needs scikit-learn.
"""


def counted(n, noun, plural=None):
    """``n`` followed by ``noun``, in the plural unless ``n`` is one.

    Parameters
    ----------
    n : int or str
        The count, as printed; a string of digits is read as its number
        (counts taken back out of another message).
    noun : str
        The singular, e.g. ``"row"`` or ``"selected sample"``.
    plural : str, default=None
        The plural when it is not ``noun + "s"``, e.g. ``"pseudo-classes"``.

    Returns
    -------
    text : str

    Examples
    --------
    >>> counted(1, "row"), counted(2, "row"), counted(0, "row")
    ('1 row', '2 rows', '0 rows')
    >>> counted(1, "pseudo-class", "pseudo-classes")
    '1 pseudo-class'
    """
    one = (n == "1") if isinstance(n, str) else (n == 1)
    if one:
        return f"{n} {noun}"
    return f"{n} {noun + 's' if plural is None else plural}"
