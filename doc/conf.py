"""Sphinx configuration for the sklearn_bilaf documentation.

Build with ``python -m sphinx -W -b html doc doc/_build/html`` from the
repository root.  Nothing here needs the network: intersphinx is deliberately
not enabled (it downloads inventories), and the figures built from the WordNet
embeddings are committed PNGs made by ``doc/scripts/make_figures.py``.
"""

import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent
ROOT = DOC.parent
# Document the checkout being built, not some installed copy.
sys.path.insert(0, str(ROOT))

import sphinx_gallery  # noqa: E402
from packaging.version import Version  # noqa: E402

import sklearn_bilaf  # noqa: E402

project = "sklearn_bilaf"
author = "sklearn_bilaf developers"
copyright = "sklearn_bilaf developers"
release = sklearn_bilaf.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "scripts", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# -- API reference -------------------------------------------------------
autosummary_generate = True
# Module pages list what the module's __all__ exports, so a class added to
# __all__ gets its page without editing the docs.
autosummary_ignore_module_all = False
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# Nitpicky builds (-n, as tests/test_docs.py runs them) report every
# cross-reference that does not resolve.  Without intersphinx, links to other
# packages' objects cannot; links to this package's objects must.
nitpick_ignore_regex = [
    (r"py:.*", r"(sklearn|matplotlib|imblearn|numpy|scipy|joblib|pandas|"
               r"distributed|dask|threadpoolctl)\..*"),
]

# -- Gallery -------------------------------------------------------------
# Each subfolder of examples/ with a README.rst is a section of the gallery;
# "selection" comes first, any other folder follows in alphabetical order.
# Within a section, examples come in file-name order (plot_1_..., plot_2_...).
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    # Plain strings, not sorting objects, so that Sphinx can cache the config.
    "subsection_order": ["../examples/selection", "*"],
    "within_subsection_order": "FileNameSortKey",
    # Run every example, not only files named plot_*: an example whose code
    # never runs could rot unnoticed.
    "filename_pattern": r"\.py$",
    "doc_module": ("sklearn_bilaf",),
    "backreferences_dir": "gen_modules/backreferences",
    "remove_config_comments": True,
    "min_reported_time": 5,
    "show_memory": False,
    # The timings page loads its table styles from a CDN; each example page
    # still reports its own running time.
    "write_computation_times": False,
}
# The names in the examples' code link to this package's API pages.  Since
# sphinx-gallery 0.22 those links come from the pages being built, and the
# option that asked for them, reference_url, is deprecated and ignored;
# older versions (the docs extra allows 0.19) make no links without it.
if Version(sphinx_gallery.__version__) < Version("0.22"):
    sphinx_gallery_conf["reference_url"] = {"sklearn_bilaf": None}

# -- HTML ----------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_bilaf {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    "header_links_before_dropdown": 7,
}
html_show_sourcelink = False


# -- Docstring hooks -------------------------------------------------------
# Docstrings name fitted attributes bare, as scikit-learn users write them
# ("ndarray of shape (n_features_in_,)"), but reStructuredText reads a word
# ending in "_" as a link to a target of that name and fails the build.
# Render such words as literals, except inside markup and code.
_BARE_ATTRIBUTE = re.compile(r"(?<![\w`*|\\.:/-])([A-Za-z][\w.]*_)(?![\w`])")
_MARKUP = re.compile(r"(``.+?``|`[^`]+`_{0,2}|\*\*.+?\*\*|:\w+:`[^`]+`)")


def _literal_attribute_names(app, what, name, obj, options, lines):
    code_indent = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if code_indent is not None:
            if not stripped or indent > code_indent:
                continue
            code_indent = None
        if stripped.endswith("::") or stripped.startswith(".. "):
            # Literal blocks and directives (code, math) keep their text.
            code_indent = indent
        if stripped.startswith((">>>", "...")) or stripped.startswith(".. "):
            continue
        parts = _MARKUP.split(line)
        parts[::2] = [_BARE_ATTRIBUTE.sub(r"``\1``", part) for part in parts[::2]]
        lines[i] = "".join(parts)


def _skip_scikit_learn_plumbing(app, what, name, obj, skip, options):
    # scikit-learn's generic methods (set_output, metadata routing, the
    # mixins' score) are documented by scikit-learn, and their docstrings
    # link to its own pages, which do not exist here.  get_params and
    # set_params stay: they are how users reach the stages' parameters.
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and module.startswith("sklearn.") and name not in (
        "get_params",
        "set_params",
    ):
        return True
    return skip


def _write_cli_help(app):
    """Save ``bilaf --help`` and each command's help for doc/cli.rst.

    Generated at build time so the page can never disagree with the command.
    """
    import argparse

    from sklearn_bilaf.cli import build_parser

    out = DOC / "gen_modules" / "cli"
    out.mkdir(parents=True, exist_ok=True)
    parser = build_parser()
    (out / "bilaf.txt").write_text(parser.format_help())
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, subparser in action.choices.items():
                (out / f"bilaf_{command}.txt").write_text(subparser.format_help())


def setup(app):
    app.connect("builder-inited", _write_cli_help)
    # After numpydoc (priority 500), on the reStructuredText it produced.
    app.connect("autodoc-process-docstring", _literal_attribute_names, priority=600)
    app.connect("autodoc-skip-member", _skip_scikit_learn_plumbing)
