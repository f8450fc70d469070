"""The documentation: docstring examples run, and the docs build.

Every ``>>>`` example in the package's docstrings must give the output it
shows (fast, run by default), and every Python block of the README, the
quick start and the user guide runs as written (the README's by default,
the others, which draw t-SNE pictures, with the slow tests).  The
documentation builds with warnings as errors, gallery examples included: a
broken docstring, cross-reference or gallery example fails it, so CI catches
it; it runs every example, hence it is marked slow.
"""

import doctest
import importlib
import importlib.util
import os
import pkgutil
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import sklearn_bilaf

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(
    ["sklearn_bilaf"]
    + [f"sklearn_bilaf.{m.name}" for m in pkgutil.iter_modules(sklearn_bilaf.__path__)
       if m.name != "__main__"]  # importing it runs the command line
)
# Modules whose examples need an optional extra.
OPTIONAL = {"sklearn_bilaf.plotting": "matplotlib"}
DOC_REQUIREMENTS = ["sphinx", "sphinx_gallery", "numpydoc", "pydata_sphinx_theme",
                    "matplotlib"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    extra = OPTIONAL.get(name)
    if extra and importlib.util.find_spec(extra) is None:
        pytest.skip(f"{name}'s examples need {extra} (pip install -e \".[plot]\")")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for test in finder.find(module, name):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, (
        f"{results.failed} docstring example(s) of {name} failed (output above)")


def _python_blocks(path):
    """(line, code) of every Python block of a Markdown or reStructuredText
    file, in order."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return [(text.count("\n", 0, m.start()) + 2, m.group(1))
                for m in re.finditer(r"```python\n(.*?)```", text, re.S)]
    lines, blocks = text.split("\n"), []
    for number, line in enumerate(lines):
        start = re.match(r"^(\s*)\.\. code-block:: python\s*$", line)
        if start is None:
            continue
        indent, body = len(start.group(1)), []
        for following in lines[number + 1:]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following)
        blocks.append((number + 2, textwrap.dedent("\n".join(body)).strip("\n")))
    return blocks


def _user_data():
    """What the user guide's fragments take as the reader's own data."""
    import numpy as np
    from sklearn.datasets import load_digits

    from sklearn_bilaf import BiLAFSampler

    X, y = load_digits(return_X_y=True)
    return {"X": X, "y": y, "B": 100, "features": X,
            "published_cores": np.arange(0, X.shape[0], 180),
            "sampler": BiLAFSampler(100, random_state=0).fit(X)}


@pytest.mark.parametrize("page", [
    "README.md",
    pytest.param("doc/quick_start.rst", marks=pytest.mark.slow),
    pytest.param("doc/user_guide.rst", marks=pytest.mark.slow),
])
def test_python_blocks_of_the_pages_run(page, monkeypatch):
    """The blocks of a page run in order, in one namespace, as a reader
    would paste them; the user guide's fragments get digits as the reader's
    own ``X``, ``y`` and budget ``B``."""
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = _python_blocks(ROOT / page)
    assert blocks, f"no Python block found in {page}"
    namespace = _user_data() if page == "doc/user_guide.rst" else {}
    try:
        for line, code in blocks:
            exec(compile(code, f"{page}:{line}", "exec"), namespace)
    finally:
        plt.close("all")


@pytest.mark.slow
def test_documentation_builds_without_warnings(tmp_path):
    missing = [m for m in DOC_REQUIREMENTS if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(
            f"documentation tools not installed ({', '.join(missing)}); "
            'install them with: pip install -e ".[docs]"'
        )
    result = subprocess.run(
        # -n: a cross-reference to an object of this package that does not
        # resolve is a warning, so an error (conf.py ignores other packages).
        [sys.executable, "-m", "sphinx", "-W", "-n", "-b", "html", "-q",
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


def test_pages_do_not_nest_markup_in_bold_or_italics():
    """reStructuredText has no nested inline markup: ``code`` or a role
    inside **bold** or *italics* is shown with its backticks as plain text
    (the development log's entry on ``IDCDenoiser(variant="published")``
    was), and Sphinx does not warn.  Bold stops before the code and resumes
    after it."""
    pytest.importorskip("docutils")
    from docutils import nodes
    from docutils.core import publish_doctree

    pages = sorted((ROOT / "doc").glob("*.rst")) + sorted(
        (ROOT / "examples").glob("**/README.rst"))
    nested = []
    for page in pages:
        # Sphinx's roles and directives are unknown to plain docutils: its
        # complaints about them are silenced, the inline markup is still parsed.
        tree = publish_doctree(
            page.read_text(encoding="utf-8"), source_path=str(page),
            settings_overrides={"report_level": 5, "halt_level": 5,
                                "file_insertion_enabled": False,
                                "raw_enabled": False})
        for node in tree.findall(lambda n: isinstance(n, (nodes.strong,
                                                          nodes.emphasis))):
            if "`" in node.astext():
                nested.append(f"{page.relative_to(ROOT)}: {node.astext()[:80]!r}")
    assert not nested, "\n".join(nested)


#: numpydoc checks every public docstring must pass: documented, with every
#: parameter described and typed, in the signature's order, and a described
#: Returns (or Yields) section where something is returned.  Not checked,
#: as the package does not follow them: See Also and Examples on every
#: method (SA01, EX01; estimators have them, see the next test), extended
#: summaries (ES01), named returns (RT02: "self : object", as scikit-learn),
#: and the wording of summaries (SS02, SS05, SS06, PR08, RT04).
NUMPYDOC_CHECKS = ("GL08", "PR01", "PR02", "PR03", "PR04", "PR06", "PR07",
                   "RT01", "RT03", "YD01")


def _exported_callables():
    """(module name, name, object) of every callable in a module's __all__."""
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if callable(obj):
                yield module_name, name, obj


def _public_objects():
    names = []
    for module_name, name, obj in _exported_callables():
        names.append(f"{module_name}.{name}")
        if isinstance(obj, type):
            names += [f"{module_name}.{name}.{attr}"
                      for attr, value in vars(obj).items()
                      if not attr.startswith("_") and callable(value)]
    return names


def test_public_docstrings_follow_numpydoc():
    if importlib.util.find_spec("numpydoc") is None:
        pytest.skip('numpydoc not installed; install it with: pip install -e ".[docs]"')
    from numpydoc.validate import validate

    problems = []
    for name in _public_objects():
        errors = [f"{code} {message}" for code, message in validate(name)["errors"]
                  if code in NUMPYDOC_CHECKS]
        problems += [f"{name}: {error}" for error in errors]
    assert not problems, "\n".join(problems)


def test_public_estimators_have_see_also_and_examples():
    """Every public, concrete estimator's docstring has the sections a
    scikit-learn estimator's has: See Also (SA01) and Examples (EX01)."""
    if importlib.util.find_spec("numpydoc") is None:
        pytest.skip('numpydoc not installed; install it with: pip install -e ".[docs]"')
    from numpydoc.validate import validate
    from sklearn.base import BaseEstimator

    problems = []
    for name in _public_objects():
        module_name, _, attr = name.rpartition(".")
        obj = getattr(sys.modules.get(module_name), attr, None)
        if (not isinstance(obj, type) or not issubclass(obj, BaseEstimator)
                or obj.__name__.startswith("Base")):
            continue
        problems += [f"{name}: {code} {message}"
                     for code, message in validate(name)["errors"]
                     if code in ("SA01", "EX01")]
    assert not problems, "\n".join(problems)


def test_activeft_speed_section_names_the_start_it_times():
    """The section called its timings "the default core selection", whose
    ActiveFT starts from k-means; the script times ActiveFTSelector's own
    default, the random start."""
    from sklearn_bilaf.core import ActiveFTSelector

    page = (ROOT / "doc" / "benchmarks.rst").read_text(encoding="utf-8")
    section = page.split(".. _benchmarks_activeft_speed:")[1].split("\n.. _")[0]
    section = " ".join(section.split())
    script = (ROOT / "benchmarks" / "bench_activeft.py").read_text(encoding="utf-8")
    call = re.search(r"ActiveFTSelector\((.*?)\)", script, re.S).group(1)
    assert "init=" not in call and ActiveFTSelector().init == "random"
    assert "the default core selection" not in section
    assert "from the paper's random start" in section


def test_user_guide_says_kmeans_selectors_run_on_at_most_two_threads():
    """scikit-learn's KMeans adds its OpenMP threads' partial centres under
    a lock, in the order the threads finish: with more than two threads
    (two partial sums add the same either way) its centres can change in
    their last bits from one run to the next on the same machine.  The
    k-means-based selectors run it on at most two threads, and the guide
    says so (it said they ran on all threads and could differ between
    runs)."""
    from pathlib import Path

    import sklearn.cluster

    source = (Path(sklearn.cluster.__file__).parent / "_k_means_lloyd.pyx")
    if source.exists():  # the reduction the page describes
        text = source.read_text(encoding="utf-8")
        assert "omp_set_lock" in text and "prange" in text
    page = (ROOT / "doc" / "user_guide.rst").read_text(encoding="utf-8")
    bullet = " ".join(page.split("- **Deterministic.**")[1]
                      .split("- **Accurate orderings.**")[0].split())
    assert "from one run to the next" in bullet
    assert "on at most two OpenMP threads" in bullet
    assert "Their picks repeat from run to run" in bullet
    assert "run on all of scikit-learn's threads" not in bullet


def test_guarantees_name_every_test_file_that_checks_them():
    """The user guide's Guarantees say which test files check each line
    below; a file that pins one of its items (by the item's bold heading)
    must be among them.  The list named test_engine, test_robustness and
    test_properties only, while this file checks sentences of "Inputs left
    alone" (object arrays), "Deterministic" and "Accurate orderings"."""
    page = (ROOT / "doc" / "user_guide.rst").read_text(encoding="utf-8")
    section = page.split("\nGuarantees\n==========\n")[1]
    section = re.split(r"\n[^\n]+\n=+\n", section)[0]  # up to the next title
    intro = " ".join(section.strip().split("\n\n")[0].split())
    headings = re.findall(r"^- (\*\*.+?\*\*)", section, flags=re.M)
    assert "**Inputs left alone.**" in headings
    pinning = sorted(
        path.name for path in (ROOT / "tests").glob("test_*.py")
        if any(heading in path.read_text(encoding="utf-8")
               for heading in headings))
    assert "test_docs.py" in pinning
    missing = [name for name in pinning if f"``tests/{name}``" not in intro]
    assert not missing, (missing, intro)


def test_user_guide_says_cosine_ties_of_parallel_rows_go_by_rounding():
    """Rows pointing the same way are at cosine distance 0 in exact
    arithmetic, but scaling them to unit norm rounds, differently for
    different norms: their ties are not exact (differential fuzzing against
    the literal spec found a sample parallel to two cores joining the
    higher class).  The page's promise that exact ties stay exact is
    Euclidean; it must say so."""
    import numpy as np

    from sklearn_bilaf._distances import prepare
    from sklearn_bilaf.pseudo_classes import assign_pseudo_classes

    rows = prepare(np.array([[1.0, 1.0], [3.0, 3.0]]), "cosine")
    assert not np.array_equal(rows[0], rows[1])
    X = np.array([[1.0, 1.0], [3.0, 3.0], [2.0, 2.0], [1.0, -1.0]])
    # Row 0 ties with the cores at rows 1 (class 0) and 2 (class 1).
    assert assign_pseudo_classes(X, [1, 2, 3], "cosine")[0] == 1
    page = (ROOT / "doc" / "user_guide.rst").read_text(encoding="utf-8")
    bullet = " ".join(page.split("- **Accurate orderings.**")[1]
                      .split("\n- **")[0].split())
    assert 'metric="cosine"' in bullet
    assert "parallel" in bullet and "rounding decides" in bullet


def _documented_callables():
    """(name, callable) of every public function, class and method, the
    class methods and the methods scikit-learn shows only when the wrapped
    estimator has them (``predict_proba``...) included."""
    found = {}
    for module_name, name, obj in _exported_callables():
        found.setdefault(obj, f"{module_name}.{name}")
        if isinstance(obj, type):
            for attr in vars(obj):
                if attr.startswith("_"):
                    continue
                try:
                    value = getattr(obj, attr)
                except AttributeError:
                    continue
                # Not scikit-learn's (set_fit_request...).
                if (callable(value) and getattr(value, "__module__", "")
                        .startswith("sklearn_bilaf")):
                    found.setdefault(value, f"{module_name}.{name}.{attr}")
    return [(name, obj) for obj, name in found.items()]


def _documented_default(type_text):
    """The default a numpydoc type line states (``default=...``), or None."""
    match = re.search(r"default\s*[=:]\s*(.+)$", type_text)
    return None if match is None else match.group(1).strip().strip("`")


def _same_default(documented, value):
    import ast

    if repr(value) == "<factory>":  # a dataclass field's default_factory
        return documented in ("[]", "{}", "()")
    if documented in (repr(value), str(value)):
        return True
    try:
        return ast.literal_eval(documented) == value
    except (ValueError, SyntaxError):
        return False


def _small_estimators():
    """One small instance of every public estimator."""
    from sklearn.cluster import KMeans
    from sklearn.ensemble import IsolationForest
    from sklearn.linear_model import LogisticRegression

    from sklearn_bilaf import BiLAFSampler, LabelBudgetClassifier, SubsetResampler
    from sklearn_bilaf.baselines import ProbCoverSelector, TypiClustSelector
    from sklearn_bilaf.boundary import BoundarySelector
    from sklearn_bilaf.core import (
        ActiveFTSelector,
        ClustererSelector,
        FarthestPointSelector,
        KMeansSelector,
        PrecomputedSelector,
        RandomSelector,
    )
    from sklearn_bilaf.denoise import (
        DensityDenoiser,
        DistanceDenoiser,
        IDCDenoiser,
        NoDenoiser,
        OutlierDetectorDenoiser,
    )

    return [
        BiLAFSampler(20, random_state=0),
        LabelBudgetClassifier(BiLAFSampler(20, random_state=0), LogisticRegression()),
        SubsetResampler(BiLAFSampler(20, random_state=0)),
        ActiveFTSelector(5, max_iter=5, random_state=0),
        ClustererSelector(KMeans(5, n_init=1, random_state=0)),
        FarthestPointSelector(5, random_state=0),
        KMeansSelector(5, random_state=0),
        PrecomputedSelector([0, 5, 9]),
        RandomSelector(5, random_state=0),
        TypiClustSelector(5, random_state=0),
        ProbCoverSelector(5, n_classes=4, random_state=0),
        NoDenoiser(),
        IDCDenoiser(),
        DistanceDenoiser(),
        DensityDenoiser(),
        OutlierDetectorDenoiser(IsolationForest(random_state=0)),
        BoundarySelector(),
    ]


def test_documented_defaults_and_fitted_attributes_match_the_code():
    """Every default a public docstring states is the signature's, every
    parameter with a default states it (``y : None``, the ignored target,
    aside), none without one claims one; and every public estimator's
    Attributes section lists exactly the attributes fit sets (on a pool with
    column names, so ``feature_names_in_`` is set too)."""
    if importlib.util.find_spec("numpydoc") is None:
        pytest.skip('numpydoc not installed; install it with: pip install -e ".[docs]"')
    import inspect

    import pandas as pd
    from numpydoc.docscrape import ClassDoc, FunctionDoc
    from sklearn.base import BaseEstimator
    from sklearn.datasets import make_blobs

    problems = []
    for name, obj in _documented_callables():
        try:
            signature = inspect.signature(obj)
        except (TypeError, ValueError):
            continue
        doc = ClassDoc(obj) if isinstance(obj, type) else FunctionDoc(obj)
        for parameter in doc["Parameters"]:
            for param in (p.strip().lstrip("*") for p in parameter.name.split(",")):
                if param not in signature.parameters:
                    continue  # numpydoc's PR02 reports it
                default = signature.parameters[param].default
                documented = _documented_default(parameter.type)
                if default is inspect.Parameter.empty:
                    if documented is not None:
                        problems.append(f"{name}: {param} is required but "
                                        f"documented with default={documented}")
                elif documented is None:
                    if not (default is None and parameter.type == "None"):
                        problems.append(f"{name}: {param} does not document its "
                                        f"default ({default!r})")
                elif not _same_default(documented, default):
                    problems.append(f"{name}: {param} documents default="
                                    f"{documented}, the signature has {default!r}")

    X, y = make_blobs(200, n_features=5, centers=4, random_state=0)
    X = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    estimators = _small_estimators()
    public = {obj for name, obj in _documented_callables()
              if isinstance(obj, type) and issubclass(obj, BaseEstimator)
              and not obj.__name__.startswith("Base")}
    assert public == {type(e) for e in estimators}, (
        "add the new public estimators to _small_estimators")
    for estimator in estimators:
        name = type(estimator).__name__
        if hasattr(estimator, "fit_resample"):
            estimator.fit_resample(X, y)
        elif name in ("LabelBudgetClassifier", "BoundarySelector"):
            estimator.fit(X, y)
        else:
            estimator.fit(X)
        fitted = {a for a in vars(estimator)
                  if a.endswith("_") and not a.startswith("_")}
        documented = {a.strip() for entry in ClassDoc(type(estimator))["Attributes"]
                      for a in entry.name.split(",")}
        if fitted - documented:
            problems.append(f"{name}: fit sets {sorted(fitted - documented)}, "
                            "not in its Attributes section")
        if documented - fitted:
            problems.append(f"{name}: Attributes lists {sorted(documented - fitted)}, "
                            "which fit does not set")
    assert not problems, "\n".join(problems)


def test_exported_constants_have_doc_comments():
    """The API pages list a module's constants only when they carry a ``#:``
    comment (autosummary skips undocumented module attributes), so every
    non-callable name of a module's ``__all__`` needs one to appear there."""
    if importlib.util.find_spec("sphinx") is None:
        pytest.skip('sphinx not installed; install it with: pip install -e ".[docs]"')
    from sphinx.pycode import ModuleAnalyzer

    missing = []
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        documented = {name for _, name in
                      ModuleAnalyzer.for_module(module_name).find_attr_docs()}
        missing += [f"{module_name}.{name}" for name in getattr(module, "__all__", [])
                    if name != "__version__" and not callable(getattr(module, name))
                    and name not in documented]
    assert not missing, f"constants without a #: comment: {missing}"


def test_stratified_start_limit_is_described_by_its_measured_ratios():
    """Within ``init="auto"``'s limit of N x K pairs, the stratified start
    took 0.18 and 0.32 of ActiveFT's time in two runs at 9e8 (the
    benchmarks page's table), but the constant's comment, default_init,
    ActiveFTSelector's ``init`` and the user guide said "about a fifth ...
    or less".  Every place that states the limit's time share quotes the
    largest measured case's ratios, as the table has them."""
    from sklearn_bilaf import core

    page = (ROOT / "doc" / "benchmarks.rst").read_text(encoding="utf-8")
    section = page.split("**Cost of the stratified start.**")[1].split(
        "**Cost of the plain k-means start**")[0]
    within = []
    for line in section.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 7 and re.fullmatch(r"[\d,]+", cells[0]):
            n, k = (int(c.replace(",", "")) for c in (cells[0], cells[2]))
            if n * k <= core.AUTO_KMEANS_START_MAX_PAIRS and "*" not in cells[6]:
                within.append((n * k, [float(r) for r in cells[6].split(",")]))
    pairs, ratios = max(within)
    assert pairs == 9e8 and max(ratios) > 0.25  # above "a fifth" in one run
    quoted = " and ".join(f"{r:.2f}" for r in ratios)  # "0.18 and 0.32"
    guide = (ROOT / "doc" / "user_guide.rst").read_text(encoding="utf-8")
    places = {
        "default_init": core.default_init.__doc__,
        "ActiveFTSelector": core.ActiveFTSelector.__doc__,
        "user guide": guide.split("stays so up to the")[1].split("\n\n")[0],
        "benchmarks page": section,
    }
    source = (ROOT / "sklearn_bilaf" / "core.py").read_text(encoding="utf-8")
    places["constant's comment"] = source.split(
        "AUTO_KMEANS_START_MAX_PAIRS =")[0].rsplit("\n\n", 1)[1]
    for name, text in places.items():
        text = " ".join(text.replace("#:", " ").split())
        assert quoted in text, name
        assert "fifth" not in text.replace("(a fifth of the core stage)", ""), name


def test_install_commands_run_in_a_virtual_environment():
    """"On a fresh machine" the system Python of current Debian, Ubuntu or
    Homebrew refuses ``pip install`` outside a virtual environment (PEP 668,
    "externally-managed-environment"), so the README's quick start and the
    installation page create one before their first ``pip install``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start")[1]
    block = re.search(r"```bash\n(.*?)```", quick, re.S)
    # The brief's quick start: exactly two set-up commands (the main job,
    # the tests); the environment is said in the sentence before them.
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2, commands
    assert "bilaf select" in commands[0] and "pytest" in commands[1], commands
    venv = re.search(r"python3? -m venv (\S+) && \. (\S+)/bin/activate",
                     quick[:block.start()])
    assert venv and venv.group(1) == venv.group(2), quick[:block.start()]
    assert f"{venv.group(1).removeprefix('./')}/" in (ROOT / ".gitignore").read_text(
        encoding="utf-8").split()  # no untracked files in the clone
    page = (ROOT / "doc" / "install.rst").read_text(encoding="utf-8")
    before = page.split("pip install .\n")[0]
    assert re.search(r"python3? -m venv \S+ && \. \S+/bin/activate", before)


def test_lone_class_drift_figures_in_the_user_guide():
    """The user guide's caveat on a single core: the picks of penalty 1.1
    and 1.0 (the same order in exact arithmetic) first differ at pick 61 on
    a 3,000-row pool of 16 features and at pick 125 with it scaled by 100."""
    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.boundary import BoundarySelector
    from sklearn_bilaf.core import PrecomputedSelector

    X = np.random.default_rng(0).normal(size=(3000, 16)).astype(np.float32)
    first = []
    for scale in (1.0, 100.0):
        picks = [
            BiLAFSampler(500, core_selector=PrecomputedSelector([0]),
                         boundary_selector=BoundarySelector(penalty=penalty),
                         denoiser="none").fit(X * scale).selected_indices_
            for penalty in (1.0, 1.1)]
        first.append(int(np.flatnonzero(picks[0] != picks[1])[0]))
    assert first == [61, 125]
    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    assert "dozen picks (61 and 125 on two 3,000-row pools of 16 features" in guide
    # The penalty is multiplied (spec §5, pen *= delta): "grows by δ", with
    # δ defined nowhere in the guide, read as an addition, under which the
    # d_in term would not fall below the score's rounding for thousands of
    # picks.
    assert "grows by δ" not in guide
    assert ("The class's one penalty is multiplied by ``penalty`` (1.1) after "
            "every boundary pick") in guide


def test_lone_class_picks_depend_on_the_scale_as_the_user_guide_says():
    """A reviewer found that with a single core the picks change when X is
    scaled by a power of two (X and X * 2**-508 picked different samples),
    where with more cores they do not.  Not an underflow: the stand-in d_out
    (1e9 + 7) is a fixed number, and once every d_in is below about 1e-7
    every score is 1 from the first pick, so the picks are the removal
    rule's alone, at any smaller scale.  The user guide says so."""
    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.boundary import LONE_CLASS_OUTSIDE, boundary_scores
    from sklearn_bilaf.pseudo_classes import PseudoClass

    X = np.random.default_rng(0).normal(size=(300, 8))
    inside = PseudoClass(0, np.arange(300), 8, X, "euclidean").mean_distances()
    small = np.ldexp(inside, -27)
    assert small.max() < 1e-7
    scores = boundary_scores(small, np.full(300, LONE_CLASS_OUTSIDE),
                             np.zeros(300, dtype=int))
    assert np.all(scores == 1.0)

    def picks(X):
        return BiLAFSampler(12, core_selector=[8], denoiser="none").fit(
            X).selected_indices_

    tied = picks(np.ldexp(X, -27))
    np.testing.assert_array_equal(picks(np.ldexp(X, -400)), tied)
    assert not np.array_equal(picks(X), tied)
    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    assert ("so with K = 1 the picks depend on the scale of X, where with "
            "more cores") in guide
    assert ("once every :math:`d_{in}` is below about :math:`10^{-7}`"
            in guide)


def test_user_guide_counts_of_the_exclusion_on_the_imbalanced_example():
    """The user guide counts what ``exclude_isolated=0.05`` does on the
    imbalanced-learn example's training pool (PCA to 32 dimensions, budget
    8 %): the rows it leaves out and the rare digits the default core stage
    then picks, against keeping every row.  It said "no 8 and no 9, where
    keeping every row picks two and one", measured with the plain k-means
    start; the stratified start, the default since, picks one 9 with the
    exclusion.  The counts must be those of the current default."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split

    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import ActiveFTSelector

    example = (ROOT / "examples" / "integration"
               / "plot_4_imbalanced_learn.py").read_text(encoding="utf-8")
    # The pool below is the example's: fail if the example changes it.
    for line in ["keep = (y < 7) | (rng.uniform(size=y.size) < 0.2)",
                 "X, y, test_size=0.3, stratify=y, random_state=0",
                 '("pca", PCA(32, random_state=0)),',
                 "SubsetResampler(BiLAFSampler(budget=0.08, random_state=0))"]:
        assert line in example, line
    X, y = load_digits(return_X_y=True)
    keep = (y < 7) | (np.random.RandomState(0).uniform(size=y.size) < 0.2)
    X_train, _, y_train, _ = train_test_split(
        X[keep], y[keep], test_size=0.3, stratify=y[keep], random_state=0)
    pool = PCA(32, random_state=0).fit_transform(X_train)
    rare = [7, 8, 9]
    picks, left_out = {}, None
    for share in (0.05, 0.0):
        # What the default core stage would be with the exclusion: the same
        # stage, seeded the same way by the sampler.
        sampler = BiLAFSampler(0.08, random_state=0, core_selector=ActiveFTSelector(
            init="auto", exclude_isolated=share)).fit(pool)
        picks[share] = np.bincount(y_train[sampler.selected_indices_],
                                   minlength=10)[rare].tolist()
        if share:
            excluded = sampler.core_selector_.excluded_indices_
            left_out = (int(np.isin(y_train[excluded], rare).sum()), excluded.size)

    words = {"no": 0, "one": 1, "two": 2, "three": 3, "four": 4}
    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    passage = guide.split("plot_4_imbalanced_learn.py`")[1].split("sandals")[0]
    counted = re.search(r"(\d+) of the (\d+) rows left out are of those digits",
                        passage)
    assert counted, passage
    assert tuple(map(int, counted.groups())) == left_out
    stated = re.search(r"holds (\w+) 7, (\w+) 8 and (\w+) 9, where keeping every "
                       r"row picks (\w+), (\w+) and (\w+)", passage)
    assert stated, passage
    assert [words[w] for w in stated.groups()] == picks[0.05] + picks[0.0]


def test_resolve_count_documents_the_errors_it_raises():
    """resolve_count said that values other than a count, a fraction or
    "auto" "raise a ValueError", but a bool, None or a list raise a
    TypeError (as do a pool size or cap that is not an int).  Every
    exception it raises for a bad argument is one its Raises section
    names."""
    if importlib.util.find_spec("numpydoc") is None:
        pytest.skip('numpydoc not installed; install it with: pip install -e ".[docs]"')
    from numpydoc.docscrape import FunctionDoc

    from sklearn_bilaf.base import resolve_count

    bad_calls = [
        dict(value=None), dict(value=True), dict(value=[3]), dict(value="x"),
        dict(value="auto"), dict(value=0), dict(value=1.5),
        dict(value=float("nan")), dict(value=11), dict(value=5, cap=4),
        dict(value=3, n_samples=0), dict(value=3, n_samples=10.0),
        dict(value=3, cap=0), dict(value=3, cap=2.0),
    ]
    raised = set()
    for call in bad_calls:
        arguments = {"n_samples": 10, "name": "n_cores", **call}
        with pytest.raises((TypeError, ValueError)) as info:
            resolve_count(arguments.pop("value"), arguments.pop("n_samples"),
                          **arguments)
        raised.add(info.type.__name__)
    documented = {entry.type for entry in FunctionDoc(resolve_count)["Raises"]}
    assert raised == {"TypeError", "ValueError"}
    assert raised <= documented, f"not in the Raises section: {raised - documented}"
    value_text = " ".join(next(
        p for p in FunctionDoc(resolve_count)["Parameters"] if p.name == "value").desc)
    assert "raise a ValueError" not in value_text


@pytest.mark.slow
def test_activeft_float32_agreement_is_described_as_measured(wordnet):
    """ActiveFTSelector's docstring quotes how far a float32 run drifts from
    a float64 one on 20,000 WordNet embeddings.  It said "a relative 2e-5,
    ... 5e-3 (absolute), and 99 of the 100 selected samples were the same":
    on the random sample of tests/test_core.py the runs now agree to about
    1e-7 and pick the same 100 samples, while on the pool's first 20,000
    rows they drift further (8e-5, 0.02) and share 98.  The docstring gives
    both, and each figure it quotes bounds what a run measures."""
    import numpy as np

    from sklearn_bilaf.core import ActiveFTSelector

    rng = np.random.RandomState(0)
    samples = {
        "random": np.sort(rng.choice(wordnet["X"].shape[0], 20000, replace=False)),
        "first": np.arange(20000),
    }
    measured = {}
    for name, rows in samples.items():
        X32 = np.asarray(wordnet["X"][rows], dtype=np.float32)
        a = ActiveFTSelector(n_cores=100, random_state=0).fit(X32)
        b = ActiveFTSelector(n_cores=100, random_state=0).fit(X32.astype(np.float64))
        measured[name] = (
            float(np.max(np.abs(a.loss_curve_ - b.loss_curve_)
                         / np.abs(b.loss_curve_))),
            float(np.abs(a.centroids_ - b.centroids_).max()),
            np.intersect1d(a.selected_indices_, b.selected_indices_).size,
        )
    text = " ".join(ActiveFTSelector.__doc__.split())
    quoted = re.search(
        r"drawn at random \(384-D, 100 centroids, 300 iterations\) the loss curve "
        r"agreed with a float64 run to a relative (\S+), the unit centroids to "
        r"(\S+) \(absolute\), and the (\d+) selected samples were the same, but "
        r"on the pool's first 20,000 rows the differences grew to (\S+) and "
        r"(\S+), and (\d+) of the 100 were the same", text)
    assert quoted, ("the docstring's float32 measurement is not where "
                    f"expected; measured {measured}")
    loss_random, centroids_random, same_random = map(float, quoted.groups()[:3])
    loss_first, centroids_first, same_first = map(float, quoted.groups()[3:])
    loss, centroids, same = measured["random"]
    assert loss <= loss_random and centroids <= centroids_random, measured
    assert same == same_random == 100, measured
    loss, centroids, same = measured["first"]
    # The quoted drift is of the size measured (rounded up, not a loose bound).
    assert loss_first / 2 <= loss <= loss_first, measured
    assert centroids_first / 2 <= centroids <= centroids_first, measured
    assert same == same_first, measured


def test_format_selection_says_where_the_id_column_goes():
    """format_selection's docstring said a ``.csv`` output gets the ids "as
    an ``id`` column after the row numbers" (the second column), but the
    file's columns are row, role, pseudo_class, id.  The column it names
    before ``id`` is the one the header has there."""
    import csv
    import io

    from sklearn_bilaf.io import format_selection

    content = format_selection(".csv", [2, 0], roles=["core", "boundary"],
                               pseudo_classes=[0, 0], ids=["a", "b", "c"])
    header = next(csv.reader(io.StringIO(content.decode("utf-8"))))
    assert header[-1] == "id"
    text = " ".join(format_selection.__doc__.split())
    placed = re.search(r"as an ``id`` column after (?:the )?(?:``)?([\w ]+?)(?:``)?"
                       r"[,;.]", text)
    assert placed, "format_selection does not say where the id column goes"
    assert placed.group(1) == header[header.index("id") - 1], placed.group(0)


def test_probcover_times_are_those_of_the_benchmark():
    """ProbCoverSelector's docstring quotes its selection times on the
    60,000-65,000-row benchmark pools; they are in
    benchmarks/results/quality.csv (``select_seconds``): 74.6 s to 1,427 s,
    where it said "1.5 to 25 minutes"."""
    import csv

    from sklearn_bilaf.baselines import ProbCoverSelector

    with open(ROOT / "benchmarks" / "results" / "quality.csv",
              encoding="utf-8") as handle:
        seconds = [float(row["select_seconds"]) for row in csv.DictReader(handle)
                   if row["method"] == "probcover"
                   and row["dataset"] in ("wordnet", "fashion-mnist")]
    assert seconds
    text = " ".join(ProbCoverSelector.__doc__.split())
    quoted = re.search(r"([\d.]+) to ([\d.]+) minutes on the 60,000-65,000-row "
                       r"benchmark pools", text)
    assert quoted, "the benchmark times are not where expected"
    low, high = map(float, quoted.groups())
    assert low == round(min(seconds) / 60, 1), (low, min(seconds))
    assert high == round(max(seconds) / 60), (high, max(seconds))


def test_transform_dtype_of_an_object_array_is_documented_as_the_code_does():
    """An object array is converted to float64 for the selection, but
    ``transform`` indexes the array itself, as scikit-learn's feature
    selectors do: its selected rows come back as objects, the values
    given.  The user guide said only "numeric object arrays are converted
    to float64", which read as transform's result too, against the
    docstring's "its own dtype"; both now say what the code does."""
    import warnings
    from decimal import Decimal

    import pandas as pd

    from sklearn_bilaf import BiLAFSampler

    X = np.random.RandomState(0).rand(60, 3)
    X_object = np.array([[Decimal(float(v)) for v in row] for row in X],
                        dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = BiLAFSampler(budget=6, random_state=0).fit(X)
        sampler = BiLAFSampler(budget=6, random_state=0).fit(X_object)
        rows = sampler.transform(X_object)
        from_frame = sampler.transform(pd.DataFrame(X_object))
    # The selection is that of the float64 pool ...
    np.testing.assert_array_equal(sampler.selected_indices_,
                                  plain.selected_indices_)
    # ... the rows are the array's own objects; a DataFrame of objects
    # comes back as the validated float64 rows.
    assert rows.dtype == object
    assert all(a is b for a, b in zip(
        rows.ravel(), X_object[sampler.selected_indices_].ravel(),
        strict=True))
    assert from_frame.dtype == np.float64
    np.testing.assert_array_equal(from_frame, X[sampler.selected_indices_])

    page = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    bullet = page.split("- **Inputs left alone.**")[1].split(" - **")[0]
    assert ("numeric object arrays are converted to float64 for the "
            "selection." in bullet)
    assert ("``transform`` still returns the selected rows of a numpy array "
            "in its own dtype (an object array's as its own objects" in bullet)
    doc = " ".join(BiLAFSampler.transform.__doc__.split())
    assert ("an object array's selected rows are its own objects, not the "
            "float64 rows the selection used" in doc)


@pytest.mark.parametrize("table, named", [
    ("id,a,b\n1,0.5,2\n2,1.5,3\n", "``id``"),
    ("label,a,b\n1,0.5,2\n2,1.5,3\n", "``label``"),
    (",Unnamed: 0,a,b\n0,0,0.5,2\n1,1,1.5,3\n", "``Unnamed: 0``"),
    ("n1,0.5,2.5\nn2,0.5,2\nn3,1.5,3\n",
     "although it holds decimal numbers"),
])
def test_load_embeddings_warns_as_its_docstring_says(tmp_path, table, named):
    """Each warning ``load_embeddings`` gives is listed in its Warns section,
    and the listed cases do warn (with the data read as they are)."""
    import warnings

    from sklearn_bilaf.io import load_embeddings

    path = tmp_path / "e.csv"
    path.write_text(table)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kwargs = {"id_column": 0} if named.startswith("although") else {}
        pool = load_embeddings(path, **kwargs)
    assert [w.category for w in caught] == [UserWarning]
    assert pool.X.shape[0] == 2
    doc = " ".join(load_embeddings.__doc__.split())
    warns = doc.split("Warns ----- UserWarning")[1]
    assert named in warns


def test_embeddings_dtype_of_a_text_file_is_documented_as_the_code_does(tmp_path):
    """A ``.csv`` or ``.tsv`` file is read as float64, whatever its digits
    (selections on text files depend on it), while a ``.npy`` keeps its
    dtype; the docs said nothing of the text files' dtype.  The docstring,
    the command's page and the user guide now say it and how to get float32,
    and the way they give does."""
    from sklearn_bilaf.io import load_embeddings

    X32 = np.random.RandomState(0).rand(6, 3).astype(np.float32)
    np.savetxt(tmp_path / "e.csv", X32, delimiter=",")
    np.savetxt(tmp_path / "e.tsv", X32, delimiter="\t")
    np.savetxt(tmp_path / "i.csv", np.arange(18).reshape(6, 3), delimiter=",",
               fmt="%d")
    for name in ("e.csv", "e.tsv", "i.csv"):
        assert load_embeddings(tmp_path / name).X.dtype == np.float64, name
    np.save(tmp_path / "e.npy", load_embeddings(tmp_path / "e.csv").X.astype(
        np.float32))
    X = load_embeddings(tmp_path / "e.npy").X
    assert X.dtype == np.float32 and isinstance(X, np.memmap)
    np.testing.assert_array_equal(X, X32)

    doc = " ".join(load_embeddings.__doc__.split())
    returns = doc.split("Returns ------- ")[1].split(" Raises ")[0]
    cli = " ".join((ROOT / "doc" / "cli.rst").read_text(encoding="utf-8").split())
    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    for text in (returns, cli, guide):
        assert "``.csv`` and ``.tsv`` files are read as float64" in text
        assert "``np.save(path, X.astype(np.float32))``" in text


def test_user_guide_does_not_say_the_density_variants_agree_early():
    """The user guide said the released code's density defect and the
    paper's density "agree only while at most ``n_neighbors`` members have
    grown" (a sentence of the development log, where "the two" were the
    library's earlier, wrong reproduction of the defect and the released
    code).  The
    paper's and the published variants already rank differently at the
    second ring, with far fewer than ``n_neighbors`` members grown: the
    members at the grown places' local positions are other members."""
    from sklearn_bilaf.denoise import IDCDenoiser

    rng = np.random.RandomState(0)
    differ = 0
    for _ in range(10):
        X = rng.normal(size=(30, 2))  # q = 3: ring 2 is picked with 3 grown
        paper = IDCDenoiser(variant="paper").fit(X).ranking_
        published = IDCDenoiser(variant="published").fit(X).ranking_
        assert np.array_equal(paper[:3], published[:3])  # ring 1: no density
        differ += not np.array_equal(paper[3:6], published[3:6])
    assert differ >= 5, differ
    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    section = guide.split("Reproducing the published code's subsets")[1]
    assert "agree only while" not in section
    assert "from the second ring on" in section


def test_failing_outlier_detector_errors_are_documented_as_the_code_does():
    """:class:`OutlierDetectorDenoiser` names the pseudo-class in a
    ``ValueError`` only for the detector's ``ValueError`` and
    ``ArithmeticError`` (a small class or duplicate rows it cannot cope
    with); any other error, a bug of the detector's own, surfaces as raised.
    The user guide said any failing detector gave a "ValueError naming the
    class"."""
    from sklearn.base import BaseEstimator

    from sklearn_bilaf.denoise import OutlierDetectorDenoiser

    class Failing(BaseEstimator):
        def __init__(self, error=TypeError):
            self.error = error

        def fit_predict(self, X):
            raise self.error("the detector's own")

    X = np.random.RandomState(0).normal(size=(30, 2))
    for error in (ValueError, ZeroDivisionError):
        with pytest.raises(ValueError, match=r"Failing\.fit_predict failed on "
                                             r"pseudo-class 0 \(30 members\)"):
            OutlierDetectorDenoiser(Failing(error)).fit(X)
    for error in (TypeError, KeyError):
        with pytest.raises(error) as caught:
            OutlierDetectorDenoiser(Failing(error)).fit(X)
        assert caught.type is error and "pseudo-class" not in str(caught.value)

    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    errors = guide.split("**What it refuses, with an error that says what to "
                         "change:**")[1].split("References ====")[0]
    assert ("an outlier detector that fails inside a pseudo-class (``ValueError`` "
            "naming the class)" not in errors)
    assert ("an outlier detector whose ``fit_predict`` raises a ``ValueError`` "
            "or an ``ArithmeticError`` inside a pseudo-class (``ValueError`` "
            "naming the class); its other errors surface as raised" in errors)


def test_user_guide_says_when_an_estimator_giving_numbers_is_refused():
    """Clusterers and mixture models (``GaussianMixture``: its component
    numbers, though scikit-learn tags it a density estimator) are refused
    before any work; another estimator whose ``fit_predict`` gives numbers
    only when it runs, on a pseudo-class of 10 members or more, after the
    core stage.  The guide says which is which."""
    from sklearn.base import BaseEstimator
    from sklearn.mixture import GaussianMixture
    from sklearn.utils._param_validation import InvalidParameterError

    from sklearn_bilaf import BiLAFSampler

    class Numbering(BaseEstimator):
        def fit_predict(self, X, y=None):
            return np.arange(len(X)) % 3

    X = np.arange(60.0)[:, None]
    with pytest.raises(InvalidParameterError, match="is a mixture model"):
        BiLAFSampler(budget=20, core_selector=np.arange(2, 60, 5),
                     random_state=0,
                     denoiser=GaussianMixture(2, random_state=0)).fit(X)
    with pytest.raises(ValueError, match=r"Numbering\.fit_predict must "
                                         r"return 1 \(inlier\) or -1 \(outlier\)"
                                         r".* of pseudo-class \d"):
        BiLAFSampler(budget=4, core_selector=[5, 50], random_state=0,
                     denoiser=Numbering()).fit(X)
    # Classes of 5 members: such a denoiser never runs.
    sampler = BiLAFSampler(budget=20, core_selector=np.arange(2, 60, 5),
                           random_state=0, denoiser=Numbering()).fit(X)
    assert np.bincount(sampler.labels_).max() < 10

    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    stage = guide.split("Stage 3:")[1].split("Stage 4:")[0]
    errors = guide.split("**What it refuses, with an error that says what to "
                         "change:**")[1].split("References ====")[0]
    for text in (stage, errors):
        assert "``GaussianMixture``" in text
        assert "pseudo-class of 10 members or more" in text
    assert "mixture models (``GaussianMixture``" in stage
    assert "refused before any work" in stage
    assert "a clusterer or a mixture model (``GaussianMixture``)" in errors


def test_user_guide_says_text_spelling_numbers_is_refused_and_how_to_convert():
    """The list of refused inputs said "text" only: not that text spelling
    numbers ("1.5", a CSV read as text) is refused too, in any container,
    nor the conversions on purpose that the errors suggest.  Each call
    suggested by an error is quoted in the guide."""
    pd = pytest.importorskip("pandas")

    from sklearn_bilaf import BiLAFSampler

    X = np.random.default_rng(0).normal(size=(30, 2))
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1].astype(str)})
    pools = [X.astype(str), X.astype(str).astype(object), X.astype(str).tolist(),
             frame]
    try:
        import polars as pl

        pools.append(pl.from_pandas(frame))
    except ImportError:
        pass
    suggested = set()
    for pool in pools:
        with pytest.raises(ValueError, match="convert it to floats first") as info:
            BiLAFSampler(budget=3).fit(pool)
        suggested.add(re.search(r"convert it to floats first \((.*)\)\.$",
                                str(info.value)).group(1))
    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    errors = guide.split("**What it refuses, with an error that says what to "
                         "change:**")[1].split("References ====")[0]
    assert "text that spells numbers" in errors
    for container in ("numpy", "object array", "list", "pandas", "polars"):
        assert container in errors.split("text that spells numbers")[1][:600]
    for call in suggested:
        assert f"``{call}``" in errors, call


def _toml_loads(text):
    """``tomllib.loads`` (Python >= 3.11), or that of ``tomli``, its backport,
    which pytest itself installs on Python 3.10, so the tests reading
    pyproject.toml run on every supported Python."""
    try:
        import tomllib
    except ModuleNotFoundError:
        tomllib = pytest.importorskip(
            "tomli", reason="reading pyproject.toml needs tomllib (Python "
            ">= 3.11) or, on Python 3.10, tomli (pip install tomli)")
    return tomllib.loads(text)


def test_readme_images_and_links_say_where_their_files_are():
    """The README is the package's description on PyPI (``readme`` in
    pyproject.toml), where a relative path is not resolved: no public URL of
    the repository is known, so its figure showed there as a broken image
    whose alt text did not say where the figure is.  Each relative image's
    alt text and each relative link's text names the file, which the source
    repository and the sdist hold."""
    project = _toml_loads((ROOT / "pyproject.toml").read_text(
        encoding="utf-8"))["project"]
    assert project["readme"] == "README.md"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    relative = [(image, text, target) for image, text, target in re.findall(
        r"(!?)\[([^\]]*)\]\(([^)\s]+)\)", readme)
        if not re.match(r"[a-z]+:|#", target)]
    assert any(image for image, _, _ in relative)
    for image, text, target in relative:
        assert (ROOT / target).exists(), target
        assert target in text, (image, text, target)
        if image:  # it reads as a description too, not only as a path
            assert len(text.replace(target, "").split()) >= 8, text


def test_release_notes_name_every_public_class_and_the_log_is_in_the_toctree():
    """A user reads the changelog of a release as its release notes: every
    class of the API reference is named there, with its module, and the
    development log (the change-by-change record of the work until the
    release) has its own page, right after the changelog in the table of
    contents.  The release notes stay short: an entry made before the
    release belongs in the log."""
    doc = ROOT / "doc"
    api = (doc / "api.rst").read_text(encoding="utf-8")
    listed = re.search(r"\.\. autosummary::\n(?:   :.*\n)*\n((?:   \S.*\n)+)", api)
    modules = listed.group(1).split()
    assert "sklearn_bilaf" in modules and "sklearn_bilaf.core" in modules, modules
    notes = (doc / "changelog.rst").read_text(encoding="utf-8")
    missing = []
    for name in modules:
        module = importlib.import_module(name)
        for public in module.__all__:
            if isinstance(getattr(module, public), type) and (
                    f"{name}.{public}" not in notes):
                missing.append(f"{name}.{public}")
    assert not missing, (
        f"doc/changelog.rst does not name {missing}: say what each is in the "
        "release notes, e.g. :class:`~sklearn_bilaf.core.ActiveFTSelector`")
    n_lines = len(notes.splitlines())
    assert n_lines <= 250, (
        f"doc/changelog.rst has {n_lines} lines: release notes are a summary; "
        "append the entries of changes made before the release to "
        "doc/development_log.rst")
    index = (doc / "index.rst").read_text(encoding="utf-8")
    toctree = index.split(".. toctree::")[1].split("\n\n", 2)[1].split()
    assert "development_log" in toctree, toctree
    assert toctree.index("development_log") == toctree.index("changelog") + 1, (
        toctree)
    log = (doc / "development_log.rst").read_text(encoding="utf-8")
    assert log.count("\n- ") > notes.count("\n- "), (
        "the development log holds fewer entries than the release notes")


def test_readme_says_where_the_release_notes_are():
    """The README is the package's page on a package index: it says where
    the release notes of the version it describes are."""
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "release notes ([`doc/changelog.rst`](doc/changelog.rst))" in readme


def test_readme_module_table_names_modules_of_the_api_reference():
    """The README's "What is inside" table named ``sklearn_bilaf.sampler``
    and ``sklearn_bilaf.meta``, which the API reference does not list:
    their classes are documented under ``sklearn_bilaf``, so a reader
    following the table found no page.  Every module the table names is
    one of doc/api.rst's, and every class a row names is public there."""
    api = (ROOT / "doc" / "api.rst").read_text(encoding="utf-8")
    listed = re.search(r"\.\. autosummary::\n(?:   :.*\n)*\n((?:   \S.*\n)+)", api)
    documented = set(listed.group(1).split())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## What is inside")[1].split("\n\n")[1]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    assert rows, table
    problems = []
    for row in rows:
        name_cell, what = (cell.strip() for cell in row.strip("|").split("|", 1))
        name = name_cell.strip("`")
        if name not in documented:
            problems.append(f"{name} is not a module of doc/api.rst")
            continue
        public = importlib.import_module(name).__all__
        for word in re.findall(r"`([A-Z]\w+)`", what):
            if word not in public:
                problems.append(f"{word} is not in {name}.__all__: name the "
                                "module where doc/api.rst documents it")
    assert not problems, "\n".join(
        problems + [f"doc/api.rst lists {sorted(documented)}"])


def test_nearest_unused_says_which_values_it_takes_as_the_code_does():
    """nearest_unused takes a float32 pool the estimators refuse (values
    whose float32 squared distances overflow), exactly, and refuses values
    past float64's bound, the one its docstring gives."""
    from scipy.spatial.distance import cdist

    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.core import _largest_value, nearest_unused

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 4)).astype(np.float32) * np.float32(1e18)
    X[3, 0] = np.float32(5.8e18)
    centres = X[[3, 7, 9]].astype(np.float64) + 1e15
    with pytest.raises(ValueError, match="overflow float32"):
        BiLAFSampler(budget=5, random_state=0).fit(X)
    np.testing.assert_array_equal(nearest_unused(X, centres), [3, 7, 9])
    assert cdist(centres, X.astype(np.float64)).argmin(axis=1).tolist() == [
        3, 7, 9]
    d = 4
    with pytest.raises(ValueError, match="overflow float64"):
        nearest_unused(np.full((2, d), _largest_value(d) * 1.01), [[0.0] * d])
    nearest_unused(np.full((2, d), _largest_value(d) * 0.99), [[0.0] * d])

    text = " ".join(sklearn_bilaf.core.nearest_unused.__doc__.split())
    documented = float(re.search(r"past about ``(\S+) / sqrt\(n_features\)``",
                                 text).group(1))
    assert documented == pytest.approx(_largest_value(1), rel=0.01)
    assert "in a float32 X too" in text
    assert "the estimators refuse a float32 pool" in text


def test_stratified_start_memory_is_described_as_measured():
    """The default core stage's start (``init="auto"``, stratified k-means)
    peaks at about twice the pool's size whatever ``working_memory`` says
    (its normalised copy, and the temporary of that size KMeans takes for
    its tolerance), three times for a float32 pool whose float64 seeding
    copy fits: ActiveFTSelector's ``init`` said only that it shares the
    copies of ``"k-means"``.  The figures the user guide gives are those
    measured here."""
    from sklearn import config_context

    from sklearn_bilaf import core

    from ._memory import traced_peak

    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    found = re.search(r"(\d+) MiB for ([\d,]+) random rows of (\d+) float32 "
                      r"values \((\d+) MiB\) at K = (\d+) and a setting of "
                      r"(\d+) MiB, (\d+) MiB for them in float64", guide)
    assert found, "the user guide's figures"
    peak32, n, d, pool, k, setting, peak64 = (
        int(g.replace(",", "")) for g in found.groups())
    X = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    assert round(X.nbytes / 2**20) == pool
    for rows, quoted in ((X, peak32), (X.astype(np.float64), peak64)):
        inv_norms = core._inverse_row_norms(rows, core._work_dtype(rows))
        with config_context(working_memory=setting):
            core.stratified_kmeans_start(rows[:1000], 30, inv_norms[:1000], 0)
            _, peak = traced_peak(lambda rows=rows, inv_norms=inv_norms:
                                  core.stratified_kmeans_start(rows, k,
                                                               inv_norms, 0))
        assert abs(peak / 2**20 - quoted) <= 0.1 * quoted, (peak / 2**20, quoted)
        assert 1.8 <= peak / rows.nbytes <= 2.2
    text = " ".join(core.ActiveFTSelector.__doc__.split())
    assert "twice the pool's size" in text and "three times for a float32" in text


def test_user_guide_says_working_memory_does_not_bound_a_class_s_rows():
    """The per-class stages hold a pseudo-class's rows whole (gathered, and
    a float64 copy shifted to the core, with per-row temporaries), which
    ``working_memory`` does not bound: the user guide said the threads'
    part of the peak was up to ``working_memory`` per thread.  The figure it
    gives now is the one measured here."""
    from sklearn import config_context

    from sklearn_bilaf import BiLAFSampler

    from ._memory import traced_peak

    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    assert "part of the peak is up to ``working_memory`` per thread" not in guide
    found = re.search(r"(\d+) MiB for one class of ([\d,]+) rows of (\d+) "
                      r"float32 values, ([\d.]+) MiB, at a setting of (\d+) MiB",
                      guide)
    assert found, "the user guide's figure"
    quoted, n, d, pool, setting = found.groups()
    n, d = int(n.replace(",", "")), int(d)
    X = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    assert f"{X.nbytes / 2**20:.1f}" == pool
    with config_context(working_memory=int(setting)):
        BiLAFSampler(10, core_selector=[0], random_state=0).fit(X[::10])
        _, peak = traced_peak(lambda: BiLAFSampler(
            30, core_selector=[0], random_state=0).fit(X))
    assert abs(peak / 2**20 - int(quoted)) <= 0.1 * int(quoted), peak / 2**20
    # Far above the setting and the pool: the class's rows, not distances.
    assert peak > 2 * 8 * X.size


@pytest.mark.parametrize("container", ["array", "pandas", "polars"])
def test_user_guide_large_pool_picture_keeps_the_cores_for_any_pool(
        container, monkeypatch):
    """The user guide's snippet that draws a random part of a large pool with
    the picks drew every pick as one group (the cores and boundary samples
    lost) and failed on a DataFrame (``X[rows]`` picks columns): it draws
    the same groups as ``from_estimator``, on an array and on a DataFrame."""
    pytest.importorskip("matplotlib")
    frames = {"pandas": "pandas", "polars": "polars"}
    if container in frames:
        pytest.importorskip(frames[container])
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.datasets import load_digits

    from sklearn_bilaf import BiLAFSampler
    from sklearn_bilaf.plotting import SelectionDisplay

    text = (ROOT / "doc/user_guide.rst").read_text(encoding="utf-8")
    after = text.count("\n", 0, text.index("To look at a large pool"))
    code = next(code for line, code in _python_blocks(ROOT / "doc/user_guide.rst")
                if line > after)
    X, y = load_digits(return_X_y=True)
    if container == "pandas":
        import pandas as pd

        X = pd.DataFrame(X, columns=[f"pixel_{i}" for i in range(X.shape[1])])
        y = pd.Series(y)
    elif container == "polars":
        import polars as pl

        X = pl.DataFrame(X, schema=[f"pixel_{i}" for i in range(X.shape[1])])
        y = pl.Series(y)
    sampler = BiLAFSampler(40, random_state=0).fit(X)
    namespace = {"X": X, "y": y, "sampler": sampler,
                 "SelectionDisplay": SelectionDisplay}
    try:
        exec(compile(code, "doc/user_guide.rst", "exec"), namespace)
        display = namespace["display"]
        assert display.cores_ is not None, "the cores are not drawn as cores"
        assert len(display.cores_.get_offsets()) == sampler.core_indices_.size
        assert len(display.boundary_.get_offsets()) == (
            40 - sampler.core_indices_.size)
    finally:
        plt.close("all")


def test_user_guide_says_which_float64_copy_a_class_holds():
    """The user guide said a class's rows are held gathered and as a
    float64 copy shifted to the core: a class of 16 features or fewer,
    whose distances are evaluated directly, holds an unshifted copy in
    place of the gathered rows instead."""
    import gc
    import weakref

    from sklearn_bilaf._distances import DIRECT_MAX_FEATURES, CenteredRows
    from sklearn_bilaf.pseudo_classes import PseudoClass

    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    assert ("a float64 copy for them: shifted to the core for a class of "
            f"more than {DIRECT_MAX_FEATURES} features; for one of "
            f"{DIRECT_MAX_FEATURES} features or fewer, whose distances are "
            "evaluated directly, unshifted, in place of the gathered rows"
            in guide)
    rng = np.random.default_rng(0)
    for d in (DIRECT_MAX_FEATURES, DIRECT_MAX_FEATURES + 1):
        rows = rng.normal(size=(300, d)).astype(np.float32)
        gathered = weakref.ref(rows)
        pc = PseudoClass._from_pool_rows(0, np.arange(300), 4, rows,
                                         "euclidean")
        del rows
        pc.mean_distances()
        gc.collect()
        distinct = pc._distinct()[0]
        if d <= DIRECT_MAX_FEATURES:
            assert distinct is pc._X and gathered() is None
        else:
            assert isinstance(distinct, CenteredRows) and pc._X is None
            assert gathered() is not None


def test_user_guide_says_working_memory_does_not_bound_the_graph_products():
    """ActiveFT's graph search compares rows seen for the first time with
    all K centroids, and its exact graph build blocks of centroids with all
    K, in products of fixed shapes that working_memory does not split (the
    picks would depend on it): the user guide's memory item says so, with
    figures the constants give, and a search's peak is the product's size
    at a setting of 1 MiB."""
    from sklearn import config_context

    from sklearn_bilaf._centroid_graph import (
        EXHAUSTIVE_BLOCK_ROWS,
        CentroidGraphSearch,
        build_block_bytes,
    )
    from sklearn_bilaf.core import _ACTIVEFT_TASK_BYTES

    from ._memory import traced_peak

    guide = " ".join((ROOT / "doc" / "user_guide.rst").read_text(
        encoding="utf-8").split())
    found = re.search(r"Nor does it bound ActiveFT's K-wide products .*? "
                      r"(\d+) MiB and (\d+) MiB at K = ([\d,]+) in float32",
                      guide)
    assert found, "the user guide's figures"
    exhaustive, build, K = (int(g.replace(",", "")) for g in found.groups())
    assert round(EXHAUSTIVE_BLOCK_ROWS * K * 4 / 2**20) == exhaustive
    assert round(build_block_bytes(K, 4, _ACTIVEFT_TASK_BYTES) / 2**20) == build
    rng = np.random.default_rng(0)
    K, d = 2000, 16
    C = rng.normal(size=(K, d)).astype(np.float32)
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    C_t = np.ascontiguousarray(C.T)
    X = rng.normal(size=(EXHAUSTIVE_BLOCK_ROWS, d)).astype(np.float32)
    rows = np.arange(X.shape[0])
    with config_context(working_memory=1):
        CentroidGraphSearch(X.shape[0], K).top(X[:4], rows[:4], C, C_t)
        search = CentroidGraphSearch(X.shape[0], K)
        _, peak = traced_peak(lambda: search.top(X, rows, C, C_t))
    assert peak >= EXHAUSTIVE_BLOCK_ROWS * K * 4 > 2**20


def test_imbalanced_example_says_what_balancing_the_picks_does():
    """The imbalanced-learn example follows the selection with a
    ``RandomOverSampler`` and printed the balanced accuracy with and without
    it, 0.823 both, while its prose was silent on the result, as if the
    balancing helped.  The prose states the scores and the rare digits'
    recalls the example prints, which must be those of the code."""
    Pipeline = pytest.importorskip("imblearn.pipeline").Pipeline
    from imblearn.over_sampling import RandomOverSampler
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, recall_score
    from sklearn.model_selection import train_test_split

    from sklearn_bilaf import BiLAFSampler, SubsetResampler

    example = (ROOT / "examples" / "integration"
               / "plot_4_imbalanced_learn.py").read_text(encoding="utf-8")
    # The pool and pipelines below are the example's: fail if it changes them.
    for line in ["keep = (y < 7) | (rng.uniform(size=y.size) < 0.2)",
                 "X, y, test_size=0.3, stratify=y, random_state=0",
                 '("pca", PCA(32, random_state=0)),',
                 "SubsetResampler(BiLAFSampler(budget=0.08, random_state=0))",
                 '("balance", RandomOverSampler(random_state=0)),',
                 '("clf", LogisticRegression(max_iter=1000)),']:
        assert line in example, line
    X, y = load_digits(return_X_y=True)
    keep = (y < 7) | (np.random.RandomState(0).uniform(size=y.size) < 0.2)
    X_train, X_test, y_train, y_test = train_test_split(
        X[keep], y[keep], test_size=0.3, stratify=y[keep], random_state=0)
    scores, recalls = [], []
    for balance in ([], [("balance", RandomOverSampler(random_state=0))]):
        model = Pipeline(
            [("pca", PCA(32, random_state=0)),
             ("select", SubsetResampler(BiLAFSampler(budget=0.08, random_state=0)))]
            + balance + [("clf", LogisticRegression(max_iter=1000))]
        ).fit(X_train, y_train)
        predicted = model.predict(X_test)
        scores.append(f"{balanced_accuracy_score(y_test, predicted):.3f}")
        recalls.append([f"{r:.2f}" for r in recall_score(
            y_test, predicted, labels=range(10), average=None)])
    picked = np.bincount(y_train[model.named_steps["select"].sample_indices_],
                         minlength=10)
    fell = [digit for digit in range(10) if recalls[1][digit] < recalls[0][digit]]

    comments = " ".join(line.lstrip("# ") for line in example.splitlines()
                        if line.startswith("#"))
    prose = " ".join(comments.split()).split("Balancing the labeled rows")[1]
    stated = re.search(r"both pipelines reach a balanced accuracy of (\d\.\d+)",
                       prose)
    assert stated, prose
    assert scores == [stated.group(1)] * 2, scores
    eights = re.search(r"recall of the 8s rises from (\d\.\d+) to (\d\.\d+), "
                       r"paid for by the (\d)s and (\d)s", prose)
    assert eights, prose
    assert list(eights.groups()[:2]) == [recalls[0][8], recalls[1][8]], recalls
    assert [int(d) for d in eights.groups()[2:]] == fell, recalls
    nines = re.search(r"the 9s, picked (\w+), are still almost all missed "
                      r"\(recall (\d\.\d+)\)", prose)
    assert nines, prose
    words = {"once": 1, "twice": 2, "one": 1, "two": 2, "three": 3}
    assert words.get(nines.group(1)) == picked[9], picked
    assert recalls[0][9] == recalls[1][9] == nines.group(2), recalls
    counts = re.search(r"\((\w+) 7s, (\w+) 8s and (\w+) 9 among the (\d+)\)", prose)
    assert counts, prose
    assert [words.get(w) for w in counts.groups()[:3]] == picked[7:].tolist(), picked
    assert int(counts.group(4)) == picked.sum(), picked


def test_gallery_configuration_uses_no_option_sphinx_gallery_deprecates(caplog):
    """sphinx-gallery 0.22 ignores ``reference_url`` and says so (links to this
    package's pages come from the pages being built): conf.py gave it
    anyway.  Its configuration, as the installed sphinx-gallery reads it,
    draws no deprecation message."""
    import logging
    import runpy

    gen_gallery = pytest.importorskip("sphinx_gallery.gen_gallery")
    fill_defaults = getattr(gen_gallery, "_fill_gallery_conf_defaults", None)
    if fill_defaults is None:
        pytest.skip("this sphinx-gallery reads its configuration otherwise")
    conf = runpy.run_path(str(ROOT / "doc" / "conf.py"))["sphinx_gallery_conf"]
    with caplog.at_level(logging.INFO):
        fill_defaults(dict(conf), app=None)
    deprecated = [record.getMessage() for record in caplog.records
                  if "deprecated" in record.getMessage()]
    assert not deprecated, (
        f"doc/conf.py's sphinx_gallery_conf uses what sphinx-gallery "
        f"deprecates: {deprecated}")


def test_stated_run_times_are_measured_ranges_that_agree():
    """The docs gave run times measured on a quiet host, or none at all:
    the minimum-versions fast suite "about a minute and a half" (5.5-10
    minutes on the two loaded CPUs of the development host), the first
    selection's compilation "about 9 s" (the first ``bilaf select`` took
    17-49 s there, later ones 4-12 s), the fast suite "a few minutes"
    (5-15), the examples "under a minute" each (the longest 1.7-3.5).
    Each is a measured range with the host named, and where two files
    state the same time they state the same range."""
    host = "on two loaded CPUs"
    span = r"(\d+(?:\.\d+)?-\d+(?:\.\d+)?) (minutes|s)"

    def stated(path, before):
        text = " ".join(re.sub(r"^\s*# ?", "", line) for line in (
            ROOT / path).read_text(encoding="utf-8").splitlines())
        text = " ".join(text.split())
        found = re.findall(re.escape(before) + r".{0,500}?" + span, text)
        assert found, f"{path} states no measured range after {before!r}"
        assert host in text, f"{path} does not say the times are {host}"
        return found

    assert (stated("doc/install.rst", "runs the fast tests on the oldest")
            == stated(".ci/min_versions", "then the fast test suite")), (
        "doc/install.rst and .ci/min_versions state different times for the "
        "minimum-versions suite: give both the same measured range")
    first = stated("doc/install.rst", "The first selection after installing")
    assert first[0] == stated("doc/changelog.rst",
                              "The first selection after installing")[0], (
        "doc/install.rst and doc/changelog.rst state different times for the "
        "first selection: give both the same measured range")
    stated("README.md", "runs the fast tests")
    stated("examples/README.rst", "the longest")


def test_cli_page_quotes_the_advice_the_io_messages_give(tmp_path, monkeypatch):
    """doc/cli.rst quoted advice the messages no longer gave: images were
    told to "save X.reshape(len(X), -1)" and a sparse archive to "save
    X.toarray() with np.save", with an X it never said how to get.  The page
    quotes the calls the messages give, for the files it names."""
    import numpy as np
    import scipy.sparse as sp

    from sklearn_bilaf.io import InputError, load_embeddings

    cli = " ".join((ROOT / "doc" / "cli.rst").read_text(encoding="utf-8").split())
    monkeypatch.chdir(tmp_path)
    np.save("img.npy", np.zeros((4, 3, 2)))
    sp.save_npz("e.npz", sp.csr_matrix(np.eye(3)))
    for name, call in [
        ("img.npy", "np.save('img_embeddings.npy', np.load('img.npy')"
                    ".reshape(4, -1))"),
        ("e.npz", "np.save('e_embeddings.npy', "
                  "scipy.sparse.load_npz('e.npz').toarray())"),
    ]:
        with pytest.raises(InputError) as raised:
            load_embeddings(name)
        assert call in str(raised.value), str(raised.value)
        assert f"``{call}``" in cli, call
    assert "X.toarray()" not in cli and "X.reshape(len(X), -1)" not in cli
