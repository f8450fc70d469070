"""The benchmark scripts time the checkout they belong to, not another
installed copy of sklearn_bilaf."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import runpy, sys
runpy.run_path(sys.argv[1], run_name="probe")
import sklearn_bilaf._threads
print(sklearn_bilaf.__file__)
"""


@pytest.mark.parametrize("script", ["bench_activeft", "bench_scale",
                                    "bench_engine", "quality"])
def test_scripts_import_their_checkout(tmp_path, script):
    # Another copy of the package, first on the path (as an installed
    # release would be on a user's).
    fake = tmp_path / "elsewhere" / "sklearn_bilaf"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('__version__ = "another copy"\n')
    env = {**os.environ, "PYTHONPATH": str(fake.parent), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO / "benchmarks" / f"{script}.py")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = Path(done.stdout.strip().splitlines()[-1]).resolve()
    assert imported == REPO / "sklearn_bilaf" / "__init__.py"
