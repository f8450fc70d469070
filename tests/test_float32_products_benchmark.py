"""benchmarks/float32_products.py on tiny classes, so that it cannot rot."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("float32_products")


def test_lower_products_fill_the_lower_triangle(script):
    rows = np.random.default_rng(0).standard_normal((300, 8))
    for dtype in (np.float64, np.float32):
        G = script.lower_products(rows, dtype)
        assert G.dtype == dtype
        lower = np.tril_indices(300)
        np.testing.assert_allclose(G[lower], (rows @ rows.T)[lower], rtol=1e-4,
                                   atol=1e-4)
    f64, f32 = script.time_products([rows, rows[:50]], repeats=1)
    assert f64 >= 0 and f32 >= 0


def test_error_analysis_bound_holds_and_counts_are_sane(script):
    rng = np.random.default_rng(1)
    rows = rng.standard_normal((400, 32)) * 0.05
    rows -= rows[7]  # shifted to the core, as the engine does
    result = script.error_analysis(rows)
    assert result["n"] == 400
    assert result["error_within_bound"]
    assert 0 < result["max_error"] < 1e-5
    for counts in result["margins"].values():
        assert 0 <= counts["ring_cut"] <= 400
        assert 0 <= counts["density_cut"] <= 400
        assert 0 <= counts["inside_min"] < 400
    script.report(result)


@pytest.mark.parametrize("argv, message", [
    (["--repeats", "0"], "--repeats: must be at least 1"),
    (["--cores", "0"], "--cores: must be at least 1"),
    (["--cores", "50001"], "--cores: at most the pool's 50,000 rows"),
    # Classes of one member: a ValueError traceback after the pool was
    # built and split; of 2 to 10, a density cut of inf and NaN counts.
    (["--cores", "50000"], "--cores: at most 4,999 (below 50,000 rows / 10"),
    (["--cores", "5000"], "--cores: at most 4,999 (below 50,000 rows / 10"),
])
def test_impossible_counts_are_usage_errors(script, monkeypatch, capsys, argv,
                                            message):
    """They failed after building the 50,000-row pool (--repeats 0 with a
    KeyError, --cores 0 or above the pool's rows deep inside numpy)."""
    def no_pool(*args, **kwargs):
        raise AssertionError("the pool was built")

    monkeypatch.setattr(script, "clustered_pool", no_pool)
    with pytest.raises(SystemExit) as exc:
        script.main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
