"""The documentation builds with warnings as errors (gallery examples included).

A broken docstring, cross-reference or gallery example fails this test, so CI
catches it.  It runs every example, hence it is marked slow.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC_REQUIREMENTS = ["sphinx", "sphinx_gallery", "numpydoc", "pydata_sphinx_theme",
                    "matplotlib"]


@pytest.mark.slow
def test_documentation_builds_without_warnings(tmp_path):
    missing = [m for m in DOC_REQUIREMENTS if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(
            f"documentation tools not installed ({', '.join(missing)}); "
            'install them with: pip install -e ".[docs]"'
        )
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-b", "html", "-q",
         # Rerun every example even if its output is cached in the source
         # tree: a library change can break an unchanged example.
         "-D", "sphinx_gallery_conf.run_stale_examples=True",
         "-d", str(tmp_path / "doctrees"), str(ROOT / "doc"), str(tmp_path / "html")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert result.returncode == 0, (
        "sphinx-build -W failed:\n" + result.stdout[-5000:] + result.stderr[-10000:]
    )
    assert (tmp_path / "html" / "index.html").exists()
    assert (tmp_path / "html" / "auto_examples" / "index.html").exists()
