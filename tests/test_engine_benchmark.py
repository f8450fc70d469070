"""benchmarks/bench_engine.py in its quick mode, so that it cannot rot."""

import pytest


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("bench_engine")


def test_quick_rounds_print_every_case_and_the_ranges(script, capsys):
    script.main(["--quick", "--rounds", "2", "--threads", "1"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("CIFAR")]
    assert len(rows) == 2 * len(script.CASES) * 2  # rounds x cases x variants
    summary = out.split("best walls over 2 rounds")[1].splitlines()[1:]
    for (name, _n, _k, _b, goal), variant in [
            (case, v) for case in script.CASES for v in ("paper", "published")]:
        line = next(s for s in summary if name in s and variant in s)
        assert f"under {goal} s in " in line and line.rstrip().endswith("of 2")


def test_one_round_prints_no_summary(script, capsys):
    script.main(["--quick"])
    assert "best walls" not in capsys.readouterr().out
