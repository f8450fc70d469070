"""Checks of the test suite itself, for the README's ``pytest`` on new
versions of pytest."""

import importlib
from collections.abc import Collection
from pathlib import Path

import pytest


def _listed(marks):
    # A module's pytestmark may be one MarkDecorator rather than a list.
    marks = marks if isinstance(marks, list) else [marks]
    return [getattr(mark, "mark", mark) for mark in marks]


def _parametrize_marks(module):
    marks = _listed(getattr(module, "pytestmark", []))
    for value in vars(module).values():
        marks += _listed(getattr(value, "pytestmark", []))
    return [mark for mark in marks if mark.name == "parametrize"]


def test_parametrize_argvalues_are_collections():
    """pytest 9 warns about argvalues given as an iterator (an enumerate, a
    generator), and pytest 10 refuses them, so that the whole suite would
    stop at collection; the test extra does not cap pytest."""
    found = 0
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        try:
            module = importlib.import_module(f"{__package__}.{path.stem}")
        except pytest.skip.Exception:  # a module-level importorskip
            continue
        for mark in _parametrize_marks(module):
            found += 1
            argvalues = (mark.args[1] if len(mark.args) > 1
                         else mark.kwargs["argvalues"])
            assert isinstance(argvalues, Collection), (
                f"{path.name}: @pytest.mark.parametrize({mark.args[0]!r}, ...) "
                f"gets an iterator ({type(argvalues).__name__}); pass a list")
    assert found > 100  # the scan sees the suite's marks
