"""benchmarks/quality_more_seeds.py: the test split's supplement of more
seeds pairs its seeds, and the benchmarks page shows what it prints."""

import csv
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "quality_more_seeds.py"
FIELDS = ["dataset", "method", "n_cores", "budget", "budget_label", "seed",
          "accuracy", "balanced_accuracy"]


def _module():
    spec = importlib.util.spec_from_file_location("more_seeds_under_test",
                                                  SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path, rows, newline="\n"):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS, lineterminator=newline)
        writer.writeheader()
        for row in rows:
            writer.writerow(dict(zip(FIELDS, row, strict=True)))


def _rows(seeds, accuracy_of, dataset="fashion-mnist", budget="2%"):
    methods = ("bilaf-default", "activeft", "kmeans", "random", "typiclust")
    return [(dataset, method, "", 1200, budget, seed, accuracy_of(method, seed), 0.5)
            for seed in seeds for method in methods]


def test_differences_are_paired_over_the_seeds_every_method_has(tmp_path):
    more = _module()
    protocol, extra = tmp_path / "protocol.csv", tmp_path / "extra.csv"

    def accuracy(method, seed):
        return 0.70 + 0.01 * seed + (0.005 if method == "bilaf-default" else 0)

    # CRLF, as quality.csv is written; a paper row with a core count is
    # not a method of the supplement.
    _write(protocol, _rows([0, 1, 2], accuracy)
           + [("fashion-mnist", "bilaf-paper", "150", 1200, "2%", 0, 0.1, 0.1)],
           newline="\r\n")
    # Seed 4 lacks K-Means: not paired, so not counted.
    extra_rows = _rows([3, 4], accuracy)
    extra_rows = [row for row in extra_rows if (row[1], row[5]) != ("kmeans", 4)]
    _write(extra, extra_rows)
    accuracies = more.read_accuracies([protocol, extra])
    seeds, stats, differences = more.paired_cell(accuracies, "fashion-mnist", "2%")
    assert seeds == [0, 1, 2, 3]
    assert stats["bilaf-default"][0] == pytest.approx(70.5 + 1.5)
    for method in more.OTHERS:
        assert differences[method][0] == pytest.approx(0.5)
        assert differences[method][1] == pytest.approx(0, abs=1e-9)
    table = more.table(accuracies)
    assert "Fashion-MNIST 2 %  4      72.00 ± 1.29  +0.50 ± 0.00" in table
    assert "WordNet" not in table  # no rows, no line


def test_command_line_refuses_a_missing_results_file(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--results",
                           str(tmp_path / "absent.csv")],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "no results file" in done.stderr and "Traceback" not in done.stderr
    assert "give --results files written by quality.py" in done.stderr


def test_command_line_refuses_a_folder_as_a_results_file(tmp_path, capsys):
    """A folder given to --results was called a missing results file, and
    neither message said what to give instead."""
    more = _module()
    with pytest.raises(SystemExit) as exc:
        more.main(["--results", str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"{tmp_path} is a folder, not a results file" in err
    assert "give --results files written by quality.py" in err


def test_benchmarks_page_shows_the_supplement_as_the_script_prints_it():
    more = _module()
    if not more.EXTRA.is_file():
        pytest.fail(f"{more.EXTRA} is missing: the benchmarks page quotes it")
    table = more.table(more.read_accuracies([more.PROTOCOL, more.EXTRA]))
    page = (ROOT / "doc" / "benchmarks.rst").read_text()
    assert table in page


def test_a_last_row_cut_short_is_left_out(tmp_path, capsys):
    # quality.py appends a row at a time, so a file read while a run is
    # writing (or after one was killed) can end in half a row: its
    # accuracy would be a truncated number, counted as a seed.
    more = _module()
    protocol, extra = tmp_path / "protocol.csv", tmp_path / "extra.csv"
    _write(protocol, _rows([0, 1, 2], lambda method, seed: 0.70))
    _write(extra, _rows([3], lambda method, seed: 0.71))
    text = extra.read_text()
    extra.write_text(text[: text.rstrip("\n").rfind("\n") + 1]
                     + "fashion-mnist,typiclust,,1200,2%,3,0.7")
    accuracies = more.read_accuracies([protocol, extra])
    seeds, _, _ = more.paired_cell(accuracies, "fashion-mnist", "2%")
    assert seeds == [0, 1, 2]
    assert "cut short" in capsys.readouterr().err


def test_command_line_refuses_a_file_of_other_columns(tmp_path):
    # The validation study's file, say: a usage error, not a KeyError.
    other = tmp_path / "quality_validation.csv"
    other.write_text("dataset,config,budget,seed,n_cores,acc,seconds\n"
                     "wordnet,random,524,0,,0.64,0.1\n")
    done = subprocess.run([sys.executable, str(SCRIPT), "--results", str(other)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "not a results file of quality.py" in done.stderr
    assert "method, budget_label, accuracy" in done.stderr


def test_results_files_of_different_pools_are_refused(tmp_path):
    # quality.py records each dataset's pool beside its results file
    # (<stem>_pools.jsonl); rows of two files measured on different pools
    # (another data folder, another version of the data) were combined
    # as seeds of one pool.
    import json

    more = _module()
    protocol, extra = tmp_path / "protocol.csv", tmp_path / "extra.csv"
    _write(protocol, _rows([0, 1, 2], lambda method, seed: 0.70))
    _write(extra, _rows([3, 4], lambda method, seed: 0.71))
    record = {"dataset": "fashion-mnist", "rows": 60000, "test_rows": 10000,
              "digest": "a" * 64}
    other = dict(record, digest="b" * 64)
    wordnet = {"dataset": "wordnet", "rows": 65617, "test_rows": 16405,
               "digest": "c" * 64}
    pools = tmp_path / "protocol_pools.jsonl"
    pools.write_text(json.dumps(record) + "\n" + json.dumps(wordnet) + "\n")
    # The same pool (and a dataset recorded in one file only): combined.
    (tmp_path / "extra_pools.jsonl").write_text(json.dumps(record) + "\n")
    seeds, _, _ = more.paired_cell(more.read_accuracies([protocol, extra]),
                                   "fashion-mnist", "2%")
    assert seeds == [0, 1, 2, 3, 4]
    (tmp_path / "extra_pools.jsonl").write_text(json.dumps(other) + "\n")
    with pytest.raises(more.ResultsFileError, match="different fashion-mnist pools"):
        more.read_accuracies([protocol, extra])
    done = subprocess.run([sys.executable, str(SCRIPT), "--results",
                           str(protocol), str(extra)],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert str(protocol) in done.stderr and str(extra) in done.stderr
    assert "digest aaaaaaaaaaaa" in done.stderr
    assert "digest bbbbbbbbbbbb" in done.stderr


def test_an_unreadable_pools_file_is_a_usage_error(tmp_path, capsys):
    """A pools file that was not UTF-8 or held lines that are no pool
    records counted as "no pool recorded": the files' seeds were paired
    without their pools compared.  A usage error names the file."""
    more = _module()
    protocol, extra = tmp_path / "protocol.csv", tmp_path / "extra.csv"
    _write(protocol, _rows([0, 1, 2], lambda method, seed: 0.70))
    _write(extra, _rows([3, 4], lambda method, seed: 0.71))
    pools = tmp_path / "extra_pools.jsonl"
    for content, problem in [(b"\xff\n", "is not UTF-8 text"),
                             (b"[]\n", "line 1 of the pools file")]:
        pools.write_bytes(content)
        with pytest.raises(SystemExit) as exc:
            more.main(["--results", str(protocol), str(extra)])
        err = capsys.readouterr().err
        assert exc.value.code == 2 and "Traceback" not in err
        assert f"{pools}" in err and problem in err


@pytest.mark.parametrize("column, value, what", [
    ("seed", "2.5", "seed '2.5' is not an integer"),
    ("seed", "", None),  # a row short of a value: not a finished one
    ("accuracy", "0,71", "accuracy '0,71' is not a number"),
    ("accuracy", "nan", "accuracy 'nan' is not a finite number"),
    # A percentage (a file edited by hand, another tool's) was multiplied
    # by 100 again, silently.
    ("accuracy", "71.2", "accuracy '71.2' is not a fraction from 0 to 1"),
    ("accuracy", "-0.1", "accuracy '-0.1' is not a fraction from 0 to 1"),
])
def test_a_row_of_a_non_integer_seed_or_non_numeric_accuracy_is_named(
        tmp_path, column, value, what):
    """A seed that is not an integer or an accuracy that is not a number
    stopped the script with a traceback (int() and float()' ValueError),
    and an accuracy outside [0, 1] was taken; the usage error names the
    file and line, as for a file of other columns."""
    more = _module()
    results = tmp_path / "r.csv"
    rows = _rows([0, 1], lambda method, seed: 0.70)
    bad = list(rows[6])
    bad[FIELDS.index(column)] = value
    rows[6] = tuple(bad)
    _write(results, rows)
    if what is None:
        accuracies = more.read_accuracies([results])
        assert len(accuracies) == len(rows) - 1
        return
    with pytest.raises(more.ResultsFileError,
                       match=rf"{re.escape(str(results))}, line 8: {what}"):
        more.read_accuracies([results])
    done = subprocess.run([sys.executable, str(SCRIPT), "--results",
                           str(results)], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{results}, line 8: {what}" in done.stderr
    assert "written by quality.py" in done.stderr


def test_results_are_read_as_utf8_whatever_the_locale(tmp_path):
    """The results files were read in the locale's encoding: under an ASCII
    locale, a file of quality.py with non-ASCII text (here, a dataset read
    from a data folder of that name) was refused as "not text"."""
    import os

    protocol = tmp_path / "protocol.csv"
    _write(protocol, _rows([0, 1], lambda method, seed: 0.70)
           + _rows([0, 1], lambda method, seed: 0.60, dataset="données"))
    # Standard output in UTF-8 (the table has a "±"): the files' encoding
    # alone is the locale's.
    env = dict(os.environ, LC_ALL="C", LANG="C", PYTHONUTF8="0",
               PYTHONCOERCECLOCALE="0", PYTHONIOENCODING="utf-8")
    done = subprocess.run(
        [sys.executable, "-c",
         "import locale, runpy, sys; "
         "assert locale.getpreferredencoding(False).lower() != 'utf-8'; "
         f"sys.argv = [{str(SCRIPT)!r}, '--results', {str(protocol)!r}]; "
         f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')"],
        capture_output=True, text=True, encoding="utf-8", env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    more = _module()
    accuracies = more.read_accuracies([protocol])
    assert accuracies[("données", "2%", "random", 1)] == pytest.approx(60)


def test_a_results_file_that_cannot_be_read_is_a_usage_error(
        tmp_path, capsys, monkeypatch):
    """A results file that could not be opened (permissions) ended the
    script with a traceback: a usage error naming the file."""
    import builtins

    more = _module()
    protocol = tmp_path / "protocol.csv"
    _write(protocol, _rows([0, 1], lambda method, seed: 0.70))
    real_open = builtins.open

    def denied(path, *args, **kwargs):
        if Path(path) == protocol:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(more, "open", denied, raising=False)
    with pytest.raises(SystemExit) as exc:
        more.main(["--results", str(protocol)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{protocol} cannot be read (Permission denied)" in err
    assert "give --results files written by quality.py" in err


def test_the_table_is_printed_under_an_ascii_stdout(tmp_path, monkeypatch):
    """The table's "±" ended the script with a UnicodeEncodeError where
    standard output is ASCII (LC_ALL=C without UTF-8 mode): it is printed
    with "+/-" there, and with "±" where the encoding has it."""
    import io

    more = _module()
    protocol = tmp_path / "protocol.csv"
    _write(protocol, _rows([0, 1, 2], lambda method, seed: 0.70 + 0.01 * seed))
    for encoding, sign in [("ascii", "+/-"), ("utf-8", "±")]:
        out = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
        monkeypatch.setattr(sys, "stdout", out)
        assert more.main(["--results", str(protocol)]) == 0
        out.flush()
        text = out.buffer.getvalue().decode(encoding)
        assert f"Fashion-MNIST 2 %  3      71.00 {sign} 1.00  +0.00 {sign} 0.00" in text
        # A table still: each rule as wide as its column's widest cell.
        lines = text.splitlines()
        assert len(lines[0]) >= len(lines[3])
