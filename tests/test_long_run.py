"""Long runs: no step costs memory or time quadratic in the clip length.

Unit tests of the bounded pieces (Theil-Sen, bootstrap, Hampel blocks,
people linking) and one test that an hour-long 60 fps pose track (216,000
frames, no video) goes through the analysis within a memory bound.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy.stats import theilslopes

import formcheck.gait.clean as clean_module
import formcheck.metrics.posture as posture_module
from formcheck.metrics.trend import MAX_THEIL_SEN_POINTS, even_sample, theil_sen

# Peak resident memory of a whole process (interpreter, numpy, scipy, the
# track and the analysis) that analyses the hour-long track, MiB. The issue's
# target for any length is 1 GB; measured 2026-12-04: see benchmarks/RESULTS.md.
HOUR_TRACK_MAX_RSS_MIB = 1000.0
# Growth of peak memory during the analysis itself, MiB (the track is 85 MB).
HOUR_TRACK_MAX_ANALYSIS_GROWTH_MIB = 700.0


@pytest.mark.parametrize("n", [2, 3, 17, 400, MAX_THEIL_SEN_POINTS])
def test_theil_sen_equals_scipy_up_to_the_cap(n: int) -> None:
    rng = np.random.default_rng(n)
    x = np.round(rng.normal(size=n), 1)  # ties in x, as SciPy handles them
    y = 0.7 * x + rng.normal(size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        slope, intercept, _, _ = theilslopes(y, x)
    assert theil_sen(y, x) == (slope, intercept)


def test_theil_sen_of_a_long_series_uses_an_even_sample() -> None:
    n = 200_000
    rng = np.random.default_rng(0)
    x = np.arange(n) / 60.0
    y = 0.25 * x + 3.0 + rng.normal(0.0, 0.5, n)
    y[rng.random(n) < 0.1] += 40.0  # 10 % gross outliers, all on one side
    slope, intercept = theil_sen(y, x)
    # 3000 points spread over the series: the slope's standard error is
    # about 0.5 / (sd(x) sqrt(3000)) = 1e-5 per second here.
    assert slope == pytest.approx(0.25, abs=2e-4)
    # SciPy's "separate" intercept, from the medians of all the points.
    assert intercept == pytest.approx(np.median(y) - slope * np.median(x), abs=1e-9)
    sample = even_sample(n, MAX_THEIL_SEN_POINTS)
    assert sample.size == MAX_THEIL_SEN_POINTS
    assert sample[0] == 0 and sample[-1] == n - 1
    assert np.all(np.diff(sample) > 0)


def test_theil_sen_with_identical_x_is_an_error() -> None:
    with pytest.raises(ValueError, match="identical"):
        theil_sen(np.arange(5.0), np.ones(5))


def test_bootstrap_blocks_do_not_change_the_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(5.0, 2.0, 400)
    times = np.arange(values.size) * 0.7

    def drift() -> posture_module.Drift | None:
        return posture_module.posture_drift(
            values, times, share=0.2, min_strides=7, window_min=0.0, n_boot=2000, seed=11
        )

    whole = drift()
    monkeypatch.setattr(posture_module, "_BOOTSTRAP_BLOCK_VALUES", 1000)  # 12 resamples a block
    blocked = drift()
    assert whole is not None and blocked == whole


def test_hampel_blocks_do_not_change_the_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(4)
    series = rng.normal(size=(3000, 33, 2))
    series[rng.random(series.shape) < 0.02] = np.nan
    series[rng.random(series.shape) < 0.01] += 30.0
    whole = clean_module.hampel_mask(series, window=5, n_sigma=3.0, floor=0.1)
    monkeypatch.setattr(clean_module, "_HAMPEL_BLOCK_BYTES", 50_000)  # 7 rows a block
    blocked = clean_module.hampel_mask(series, window=5, n_sigma=3.0, floor=0.1)
    assert whole.sum() > 0
    np.testing.assert_array_equal(blocked, whole)


_HOUR_SCRIPT = """
import json, resource, time
from formcheck.analysis import analyze_clip
from formcheck.config import Config
from formcheck.assess.summary import summarize
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.landmarks import long_synthetic_track

def rss_mib():
    # VmHWM: this process's own peak. ru_maxrss is not: on Linux, exec keeps
    # the larger of the parent's peak (vfork shares its memory) and the
    # child's, so inside a long pytest run it reported pytest's ~1 GB.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

t0 = time.perf_counter()
track = long_synthetic_track(params=RunnerParams(), duration_s=3600.0, fps=60.0, seed=1)
before = rss_mib()
t1 = time.perf_counter()
config = Config()
clip = analyze_clip(track, config=config)
summary = summarize([clip], config=config)
print(json.dumps({
    "frames": track.n_frames, "dtype": str(track.xy_px.dtype),
    "track_s": t1 - t0, "analysis_s": time.perf_counter() - t1,
    "rss_before_mib": before, "peak_rss_mib": rss_mib(),
    "strides": len(clip.strides), "cadence_spm": clip.cadence_spm, "running": clip.running,
}))
"""


@pytest.mark.slow
def test_an_hour_long_track_analyses_within_a_memory_bound() -> None:
    """216,000 frames at 60 fps through analyze_clip + summarize in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _HOUR_SCRIPT], capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["frames"] == 216_000
    assert result["dtype"] == "float32"
    assert result["running"]
    # The synthetic runner's cadence is 170 steps/min; an hour holds ~5100 strides
    # per leg pair, of which the near leg's are counted.
    assert result["cadence_spm"] == pytest.approx(170.0, abs=1.0)
    assert result["strides"] > 4000
    assert result["peak_rss_mib"] < HOUR_TRACK_MAX_RSS_MIB, result
    growth = result["peak_rss_mib"] - result["rss_before_mib"]
    assert growth < HOUR_TRACK_MAX_ANALYSIS_GROWTH_MIB, result
