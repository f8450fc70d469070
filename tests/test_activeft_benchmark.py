"""benchmarks/bench_activeft.py's command line."""

import pytest


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("bench_activeft")


@pytest.mark.parametrize("value", ["0", "-2"])
def test_repeats_below_one_are_usage_errors(script, monkeypatch, capsys, value):
    """--repeats 0 (or fewer) silently timed one run per setting."""
    def no_pool(*args, **kwargs):
        raise AssertionError("the pool was built")

    monkeypatch.setattr(script, "clustered_pool", no_pool)
    with pytest.raises(SystemExit) as exc:
        script.main(["--quick", "--repeats", value])
    assert exc.value.code == 2
    assert "argument --repeats: must be at least 1" in capsys.readouterr().err
