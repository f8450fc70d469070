"""The distributions: the sdist carries the whole source tree, so that its
test suite runs, and the wheel only the package.

Built with ``build`` (the test extra) from a copy of the checkout's tracked
files, so that the checkout gets no ``egg-info`` or ``build`` folder and
untracked files cannot hide a missing MANIFEST.in line.  ``build`` installs
the build backend in an isolated environment, from the package index, hence
these are slow tests (CI runs them): the fast suite needs no network.
"""

import importlib.util
import runpy
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tracked_files():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout (the tracked files are the source tree)")
    done = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                          check=True)
    return sorted(name for name in done.stdout.decode().split("\0") if name)


@pytest.fixture(scope="module")
def distributions(tmp_path_factory):
    if importlib.util.find_spec("build") is None:
        pytest.skip('build not installed; install it with: pip install -e ".[test]"')
    tracked = _tracked_files()
    source = tmp_path_factory.mktemp("source")
    for name in tracked:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    # Without --sdist or --wheel, build makes the wheel from the sdist, as pip
    # does when it installs one.
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out),
                           str(source)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return tracked, sdist, wheel


@pytest.mark.slow
def test_sdist_holds_every_tracked_file(distributions):
    """setuptools alone puts tests/test*.py in the sdist but not conftest.py,
    tests/__init__.py or tests/reference.py, nor the benchmarks, docs and
    examples the tests read, so the suite of an unpacked sdist failed at
    collection."""
    tracked, sdist, _ = distributions
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    missing = [name for name in tracked if name not in names]
    assert not missing, missing


@pytest.mark.slow
def test_wheel_holds_only_the_package(distributions):
    tracked, _, wheel = distributions
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    info = next(name.split("/")[0] for name in names
                if name.endswith(".dist-info/METADATA"))
    package = sorted(name for name in names if not name.startswith(info + "/"))
    assert package == [name for name in tracked
                       if name.startswith("sklearn_bilaf/")]
    assert f"{info}/licenses/LICENSE" in names


# The sphinx-gallery release that first takes each setting of doc/conf.py as
# it is written there; an older one stops the whole build with a ConfigError.
GALLERY_SETTINGS_SINCE = {
    "write_computation_times": "0.18",
    "subsection_order": "0.19",  # a plain list of folders with "*"
}


def test_docs_extra_floors_sphinx_gallery_at_the_configuration():
    """``pip install -e ".[docs]"`` keeps an installed sphinx-gallery that
    meets the floor, and 0.15 to 0.18 refused doc/conf.py."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: its backport, which pytest installs
        tomllib = pytest.importorskip(
            "tomli", reason="reading pyproject.toml needs tomllib (Python "
            ">= 3.11) or, on Python 3.10, tomli (pip install tomli)")
    from packaging.requirements import Requirement
    from packaging.version import Version

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]
    (gallery,) = [Requirement(line) for line in extras["docs"]
                  if Requirement(line).name == "sphinx-gallery"]
    floor = max(Version(spec.version) for spec in gallery.specifier
                if spec.operator == ">=")
    # doc/conf.py reads the installed sphinx-gallery's version.
    pytest.importorskip("sphinx_gallery", reason="doc/conf.py needs "
                        "sphinx-gallery (pip install -e '.[docs]')")
    conf = runpy.run_path(str(ROOT / "doc" / "conf.py"))["sphinx_gallery_conf"]
    assert isinstance(conf["subsection_order"], list)
    for setting, since in GALLERY_SETTINGS_SINCE.items():
        assert setting not in conf or floor >= Version(since), (setting, str(floor))
