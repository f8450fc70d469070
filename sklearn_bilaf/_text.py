"""Wording shared by the messages of the estimators, the readers and ``bilaf``.

Kept free of heavy imports: the command line and :mod:`sklearn_bilaf.io`
import it before anything needs scikit-learn (numpy, which they import
anyway, is no heavy import here).
"""

import numpy as np


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


def rows_named(rows, shown=5, noun="row"):
    """The row numbers ``rows`` as a message names them: ``row 7`` for one,
    else ``rows [3, 40]``, the first ``shown`` then ``...`` for more.

    Parameters
    ----------
    rows : sequence of int
        The row numbers, all of them: whether there are more than ``shown``
        is read from it.
    shown : int, default=5
        How many are written out.
    noun : str, default="row"
        What the numbers number, in the singular (e.g. ``"centre"``).

    Returns
    -------
    text : str

    Examples
    --------
    >>> rows_named([7]), rows_named([3, 40]), rows_named(range(8))
    ('row 7', 'rows [3, 40]', 'rows [0, 1, 2, 3, 4, ...]')
    >>> rows_named([2], noun="centre")
    'centre 2'
    """
    # Only what is written out is converted: rows can be a large array.
    head = [int(row) for row in rows[:shown + 1]]
    if len(head) == 1:
        return f"{noun} {head[0]}"
    more = ", ..." if len(head) > shown else ""
    return f"{noun}s [{', '.join(map(str, head[:shown]))}{more}]"


def rows_counted(rows, shown=5, noun="row"):
    """:func:`rows_named`, after the number of rows when there are several:
    ``row 7``, ``2 rows (rows [3, 40])``, ``8 rows (rows [0, 1, 2, 3, 4,
    ...])``.  Its parameters are those of :func:`rows_named`.

    Examples
    --------
    >>> rows_counted([7]), rows_counted([3, 40])
    ('row 7', '2 rows (rows [3, 40])')
    """
    if len(rows) == 1:
        return rows_named(rows, shown, noun)
    return f"{len(rows)} {noun}s ({rows_named(rows, shown, noun)})"


def quoted_value(value):
    """One value of an array as a message quotes it: ``-1.0``, ``nan``,
    ``'3'``.

    Parameters
    ----------
    value : object
        A Python value or a numpy scalar (a date or duration is written as
        numpy prints it).

    Returns
    -------
    text : str

    Examples
    --------
    >>> import numpy as np
    >>> quoted_value(np.float64(-1.0)), quoted_value(np.longdouble(-1.0))
    ('-1.0', '-1.0')
    >>> quoted_value(np.str_("3"))
    "'3'"
    >>> quoted_value(np.timedelta64(5, "ns"))
    '5 nanoseconds'
    >>> quoted_value(np.float32(0.1)), quoted_value(np.complex64(1 + 0.1j))
    ('0.1', '(1+0.1j)')
    """
    if isinstance(value, np.datetime64 | np.timedelta64):
        # Their item is an int at nanosecond resolution (a date would read
        # 1577836800000000000) and a datetime object at others; their str is
        # the date or duration at any resolution, and, unlike their repr
        # ("np." or "numpy."), the same under numpy 1 and 2.
        return str(value)
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        # item() gives the float64 of the same bits, whose digits are not
        # the user's (float32 0.1 read 0.10000000149011612); numpy's str is
        # the shortest text that reads back as the value, under numpy 1 and
        # 2, and as a Python float it is written as float64 values are
        # (10000000000.0, not 1e+10).
        return repr(float(str(value)))
    if isinstance(value, np.complexfloating) and value.dtype.itemsize < 16:
        # complex64, for the same reason (0.1j read 0.10000000149011612j):
        # each part's str is the shortest text for its float32, and as a
        # Python complex it is written as complex128 values are, (1+0.1j).
        return repr(complex(float(str(value.real)), float(str(value.imag))))
    if isinstance(value, np.generic):
        value = value.item()
    # item (and tolist) give Python values, except for long doubles (and
    # complex ones), which stay numpy scalars whose repr reads
    # np.longdouble('-1.0'); their str is the plain number, with the digits
    # beyond float64's.
    return str(value) if isinstance(value, np.generic) else repr(value)


def quoted(values):
    """The values of an array as a message lists them: ``[nan, 25.0]``.

    Parameters
    ----------
    values : ndarray
        The values to list, all of them (take the first few before).

    Returns
    -------
    text : str

    Examples
    --------
    >>> import numpy as np
    >>> quoted(np.array([np.nan, 25.0], dtype=np.longdouble))
    '[nan, 25.0]'
    >>> quoted(np.array(["2020-01-01"], dtype="datetime64[ns]"))
    '[2020-01-01T00:00:00.000000000]'
    """
    # Element by element, as numpy scalars: tolist() turned dates into ints
    # (nanoseconds) or datetime objects, and float32 values into float64s,
    # before quoted_value could see what they were.
    return "[" + ", ".join(map(quoted_value, np.ravel(values))) + "]"
