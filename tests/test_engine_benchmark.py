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


def test_quick_large_classes_run_on_demand(script, capsys, monkeypatch):
    """--large-classes times pseudo-classes too large for their distance
    matrix: in quick mode, working_memory pushes every class on demand."""
    from sklearn_bilaf.pseudo_classes import PseudoClass

    calls = {"distance_matrix": 0, "_triangle_sums": 0}
    for name in calls:
        original = getattr(PseudoClass, name)

        def spy(self, *args, _name=name, _original=original):
            calls[_name] += 1
            return _original(self, *args)

        monkeypatch.setattr(PseudoClass, name, spy)
    script.main(["--quick", "--large-classes", "--rounds", "2", "--threads", "1"])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("large classes")]
    assert len(rows) == 2 * 2  # rounds x variants
    summary = out.split("best walls over 2 rounds:")[1]
    assert "paper" in summary and "published" in summary and "under" not in summary
    # Every class on demand: inside means from the triangle's strips,
    # never a kept matrix.
    assert calls == {"distance_matrix": 0, "_triangle_sums": 3 * 2 * 2}


@pytest.mark.parametrize("option", ["--repeats", "--rounds", "--threads"])
@pytest.mark.parametrize("value", ["0", "-1"])
def test_counts_below_one_are_usage_errors(script, capsys, option, value):
    with pytest.raises(SystemExit) as exc:
        script.main([option, value])
    assert exc.value.code == 2
    assert f"argument {option}: must be at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("argv, repeats", [(["--quick"], 1),
                                           (["--quick", "--repeats", "2"], 2)])
def test_quick_mode_takes_repeats_when_given(script, monkeypatch, capsys,
                                             argv, repeats):
    seen = []

    def spy(X, n_cores, budget, n_repeats, *args):
        seen.append(n_repeats)
        return 0.0, 0.0, dict.fromkeys(["pseudo_classes", "denoise",
                                        "boundary"], 0.0)

    monkeypatch.setattr(script, "run_case", spy)
    script.main(argv)
    assert seen and set(seen) == {repeats}


def test_header_names_the_cpu_and_the_blas_kernels(script, capsys):
    """The timings depend on which kernels OpenBLAS chose for the CPU (an
    unrecognised newer CPU gets an older family's), so the header says."""
    from threadpoolctl import threadpool_info

    hint = script._kernel_hint()  # a third line only with it
    script.main(["--quick"])
    lines = capsys.readouterr().out.splitlines()
    header = lines[1]
    assert (lines[2].startswith("note: ") if hint
            else lines[2].startswith("BLAS threads"))
    assert header.startswith("CPU: ") and "; BLAS: " in header
    for info in threadpool_info():
        if info.get("user_api") == "blas" and info.get("architecture"):
            assert f"({info['architecture']} kernels)" in header


def test_cpu_name_without_proc_cpuinfo(script, monkeypatch):
    def missing(self, *args, **kwargs):
        raise FileNotFoundError(self)

    monkeypatch.setattr(script.Path, "read_text", missing)
    assert script._cpu_name()


@pytest.mark.parametrize("flags, architectures, hinted", [
    ("fpu sse avx2 avx512f avx512dq", {"Haswell"}, True),
    ("fpu sse avx2 avx512f avx512dq", {"SkylakeX"}, False),
    ("fpu sse avx2 avx512f", {"SkylakeX", "Zen"}, True),
    ("fpu sse avx2", {"Haswell"}, False),
    ("fpu sse avx2 avx512vl", {"Haswell"}, False),  # no avx512f
    ("fpu sse avx2 avx512f", set(), False),
])
def test_kernel_hint_when_an_avx512_cpu_gets_other_kernels(script, flags,
                                                           architectures, hinted):
    cpuinfo = f"processor\t: 0\nmodel name\t: X\nflags\t\t: {flags}\n"
    hint = script._kernel_hint(cpuinfo, architectures)
    assert (hint is not None) == hinted
    if hinted:
        assert "OPENBLAS_CORETYPE=SkylakeX" in hint
        assert all(a in hint for a in architectures - script.AVX512_KERNELS)


def test_n_jobs_zero_is_a_usage_error(script, capsys, monkeypatch):
    """--n-jobs 0 built the pools, then failed in the first fit."""
    def no_pool(*args, **kwargs):
        raise AssertionError("the pool was built")

    monkeypatch.setattr(script, "clustered_pool", no_pool)
    with pytest.raises(SystemExit) as exc:
        script.main(["--quick", "--n-jobs", "0"])
    assert exc.value.code == 2
    assert "argument --n-jobs: must be a number of jobs" in capsys.readouterr().err


def test_kernel_hint_only_for_openblas_kernels_not_avx512(script, monkeypatch):
    """A static OpenBLAS build names its kernels in capitals (SKYLAKEX), and
    BLIS names its own (skx); OPENBLAS_CORETYPE was suggested for both, the
    first already on AVX-512 kernels and the second not an OpenBLAS."""
    import threadpoolctl

    cpuinfo = "processor\t: 0\nflags\t\t: fpu avx2 avx512f\n"
    assert script._kernel_hint(cpuinfo, {"SKYLAKEX"}) is None
    assert script._kernel_hint(cpuinfo, {"SAPPHIRERAPIDS"}) is None
    assert "HASWELL" in script._kernel_hint(cpuinfo, {"HASWELL"})
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: [
        {"user_api": "blas", "internal_api": "blis", "architecture": "skx"},
        {"user_api": "blas", "internal_api": "mkl", "version": "2024"}])
    assert script._kernel_hint(cpuinfo) is None


def test_peak_memory_is_converted_by_platform(script, capsys, monkeypatch):
    """ru_maxrss was taken for KiB everywhere: macOS reports bytes, so a
    3 MiB peak there was printed as 3072 MiB."""
    from .test_scale_benchmark import _fake_peak

    _fake_peak(monkeypatch, script.peak_rss_mib, "darwin", 3 * 1024 * 1024)
    script.main(["--quick"])
    assert "peak resident memory: 3 MiB" in capsys.readouterr().out


def test_cpu_name_is_read_whatever_the_locale(script, monkeypatch):
    """/proc/cpuinfo was read in the locale's encoding: under an ASCII
    locale, a CPU model with a non-ASCII character ended the benchmark
    with a UnicodeDecodeError before its first case."""
    cpuinfo = ("processor\t: 0\nmodel name\t: Intel® Xeon® CPU\n"
               "flags\t\t: fpu avx2\n").encode()

    def read_text(self, encoding=None, errors=None):
        # The locale's encoding (ASCII here) unless one is given.
        return cpuinfo.decode(encoding or "ascii", errors or "strict")

    monkeypatch.setattr(script.Path, "read_text", read_text)
    assert script._cpu_name().startswith("Intel® Xeon® CPU")
    script._kernel_hint(architectures={"HASWELL"})  # reads it too
