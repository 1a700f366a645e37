"""Speed baseline: decode, pose and full-pipeline throughput at 720p and 1080p.

Run from the repository root::

    python benchmarks/bench_pipeline.py            # print the table
    python benchmarks/bench_pipeline.py --write    # also write benchmarks/RESULTS.md

The inputs are made at run time in a temporary folder: the 720p clip is
``treadmill_fast_left.mp4`` from ``../shared/footage`` as it is, the 1080p clip
is the same frames upscaled with ``cv2.resize`` and encoded with libx264. When
the footage folder is absent a clip rendered by :mod:`formcheck.synthetic` is
used instead (or, failing that, a drawn stick figure). Every case runs in a
fresh subprocess (so its peak RSS is its own), is warmed up once and timed
``--repeats`` times; the median is reported. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOOTAGE_DIR = REPO_ROOT.parent / "shared" / "footage"
DEFAULT_RESULTS = Path(__file__).resolve().with_name("RESULTS.md")
SOURCE_CLIP = "treadmill_fast_left.mp4"
SOURCE_BELT_SPEED_MPS = 5.10  # shown on the treadmill console in that clip
SIZE_720P = (1280, 720)
SIZE_1080P = (1920, 1080)
SYNTHETIC_FPS = 30.0
SYNTHETIC_FRAMES = 205
WARMUP_FRAMES = 30
ENCODE_CRF = 20
ENCODE_PRESET = "fast"
CASE_TIMEOUT_S = 600.0
# Other processes' mean CPU use (cores) above which a case is rerun and flagged: the
# measured processes keep about one core busy, so they need one core free.
BUSY_CORES = max((os.cpu_count() or 1) - 1.0, 0.5)


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One measured configuration.

    Attributes
    ----------
    kind : str
        ``"decode"`` (:func:`iter_frames` only), ``"pose"`` (:func:`detect_poses`)
        or ``"analyze"`` (:func:`analyze_run`).
    res : str
        ``"720p"`` or ``"1080p"``.
    mode : str
        Pose running mode, ``"video"`` or ``"image"``.
    num_poses : int
        Pose slots per frame.
    visual : bool
        Analyze only: also write ``annotated.mp4`` and ``report.html``.
    workers : int
        Pose only: landmarker threads (``PoseConfig.workers``; 0 = one per
        core, the default; VIDEO mode always runs one).
    """

    kind: str
    res: str
    mode: str = "video"
    num_poses: int = 3
    visual: bool = False
    workers: int = 1

    @property
    def label(self) -> str:
        """Short human-readable name of the case."""
        if self.kind == "decode":
            return "decode only (iter_frames)"
        if self.kind == "pose":
            default = self.mode == "image" and self.num_poses == 3 and self.workers == 0
            threads = (
                ""
                if self.mode == "video"
                else ", 1 thread"
                if self.workers == 1
                else ", one thread per core"
                if self.workers == 0
                else f", {self.workers} threads"
            )
            return f"decode + pose, {self.mode.upper()}, num_poses {self.num_poses}{threads}" + (
                " (default)" if default else ""
            )
        extra = "with annotated video + HTML" if self.visual else "no video, no HTML"
        return f"analyze_run, {extra}"


def default_cases() -> list[Case]:
    """Every case of the baseline, in table order."""
    cases: list[Case] = []
    for res in ("720p", "1080p"):
        cases += [
            Case("decode", res),
            Case("pose", res, "image", 3, workers=0),
            Case("pose", res, "image", 3, workers=1),
            Case("pose", res, "video", 1),
        ]
    cases.append(Case("analyze", "720p"))
    cases.append(Case("analyze", "720p", visual=True))
    return cases


# --------------------------------------------------------------------------- worker


class StageTimer:
    """A progress reporter that times each stage (``start`` to ``finish``) by label.

    :func:`formcheck.pose.detect_poses` calls ``start`` once the landmarker is
    created and ``finish`` after the last frame, so its ``"pose"`` stage is the
    per-frame work only (decode, RGB conversion, inference, copying results);
    the time from the call to that ``start`` is the model load.
    """

    def __init__(self) -> None:
        self.first_start = math.nan
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.frames: dict[str, int] = {}
        self._label = ""
        self._t0 = self._c0 = math.nan

    def start(self, *, total: int, label: str) -> None:
        """Record the start of a stage."""
        self._label, self._t0, self._c0 = label, time.perf_counter(), time.process_time()
        if math.isnan(self.first_start):
            self.first_start = self._t0

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more frames of the current stage."""
        self.frames[self._label] = self.frames.get(self._label, 0) + n

    def finish(self) -> None:
        """Record the end of the current stage."""
        elapsed, cpu = time.perf_counter() - self._t0, time.process_time() - self._c0
        self.seconds[self._label] = self.seconds.get(self._label, 0.0) + elapsed
        self.cpu_seconds[self._label] = self.cpu_seconds.get(self._label, 0.0) + cpu


def peak_rss_mib() -> float:
    """Peak resident set size of this process, MiB (VmHWM, else ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _time_decode(path: str) -> dict[str, float]:
    from formcheck.video import iter_frames, probe_video

    info = probe_video(path)
    n = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in iter_frames(info):
        n += 1
    return {"loop_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "frames": n}


def _time_pose(path: str, mode: str, num_poses: int, workers: int) -> dict[str, float]:
    from formcheck.config import PoseConfig
    from formcheck.pose import detect_poses
    from formcheck.video import probe_video

    info = probe_video(path)
    settings = PoseConfig(
        running_mode=mode,  # type: ignore[arg-type]
        num_poses=num_poses,
        workers=workers,
    )
    timer = StageTimer()
    t0 = time.perf_counter()
    det = detect_poses(info, settings=settings, progress=timer)
    cpu_s = timer.cpu_seconds["pose"]
    people = (det.visibility.max(axis=2) > 0).sum(axis=1)
    return {
        "load_s": timer.first_start - t0,
        "loop_s": timer.seconds["pose"],
        "cpu_s": cpu_s,
        "frames": timer.frames["pose"],
        "detected": float(np.mean(people > 0)),
        "people": float(np.mean(people)),
    }


def _time_analyze(path: str, out_dir: Path, visual: bool) -> dict[str, Any]:
    """Time ``analyze_run`` into a new folder, then again into the same one (cache hit)."""
    from formcheck.analysis import AnalysisOptions
    from formcheck.config import Config
    from formcheck.pipeline import analyze_run

    def run(timer: StageTimer) -> tuple[float, float]:
        t0, c0 = time.perf_counter(), time.process_time()
        analyze_run(
            [Path(path)],
            config=Config(),
            options=[AnalysisOptions(belt_speed_mps=SOURCE_BELT_SPEED_MPS)],
            out_dir=out_dir,
            progress=timer,
            annotated_video=visual,
            html=visual,
        )
        return time.perf_counter() - t0, time.process_time() - c0

    timer = StageTimer()
    t_call = time.perf_counter()
    wall, cpu = run(timer)  # out_dir is new: pose inference runs
    cached, _ = run(StageTimer())  # same out_dir: the pose track is read from the cache
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "cached_s": cached,
        "until_pose_s": timer.first_start - t_call,
        "stages_s": timer.seconds,
    }


def _set_nice(nice: int) -> int:
    """Set this process's nice value (threads started later inherit it); return the result.

    A negative value needs privileges; without them the value is left as it is.
    """
    if nice and hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
        except PermissionError:
            print(f"cannot set nice {nice}: not permitted", file=sys.stderr)
    return os.getpriority(os.PRIO_PROCESS, 0) if hasattr(os, "getpriority") else 0


def run_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Warm up once, then time one case ``spec["repeats"]`` times (in this process).

    Parameters
    ----------
    spec : dict
        ``Case`` fields plus ``video``, ``warm_video``, ``repeats`` and ``tmp``.

    Returns
    -------
    dict
        ``runs`` (one dict of timings per repetition), ``warmup`` (timings
        of the warm-up, whose ``load_s`` is the cold start) and ``peak_rss_mib``.
    """
    kind = spec["kind"]
    nice = _set_nice(spec.get("nice", 0))
    t_warm = time.perf_counter()
    warm: dict[str, Any]
    if kind == "decode":
        warm = _time_decode(spec["warm_video"])
    elif kind == "pose":
        # Imports mediapipe, checks the bundle, loads the model: the cold start.
        warm = _time_pose(spec["warm_video"], spec["mode"], spec["num_poses"], spec["workers"])
    else:
        out = Path(tempfile.mkdtemp(prefix="warmup_", dir=spec["tmp"])) / "out"
        try:
            done = _time_analyze(spec["warm_video"], out, spec["visual"])
            warm = {"load_s": done["until_pose_s"]}
        except Exception as exc:  # a 1 s clip may be refused; the imports are done anyway
            warm = {"load_s": math.nan, "error": repr(exc)}
    warm["total_s"] = time.perf_counter() - t_warm
    runs = []
    for i in range(spec["repeats"]):
        if kind == "decode":
            runs.append(_time_decode(spec["video"]))
        elif kind == "pose":
            runs.append(_time_pose(spec["video"], spec["mode"], spec["num_poses"], spec["workers"]))
        else:
            out = Path(tempfile.mkdtemp(prefix=f"analyze_{i}_", dir=spec["tmp"])) / "out"
            runs.append(_time_analyze(spec["video"], out, spec["visual"]))
    return {"runs": runs, "warmup": warm, "peak_rss_mib": peak_rss_mib(), "nice": nice}


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Inputs:
    """The clips every case reads (paths inside the temporary folder or footage)."""

    videos: dict[str, Path]
    warm_videos: dict[str, Path]
    source: str
    real_footage: bool


def encode_mp4(
    frames: Iterable[np.ndarray],
    path: Path,
    *,
    fps: float,
    size: tuple[int, int],
    max_frames: int | None = None,
) -> int:
    """Encode RGB frames, resized to ``size`` (width, height), as H.264 in an mp4.

    Returns
    -------
    int
        Number of frames written.
    """
    import av
    import cv2

    n = 0
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(ENCODE_CRF), "preset": ENCODE_PRESET}
        for image in frames:
            if max_frames is not None and n >= max_frames:
                break
            if (image.shape[1], image.shape[0]) != size:
                image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            container.mux(stream.encode(frame))
            n += 1
        container.mux(stream.encode())
    return n


def _file_frames(path: Path) -> Iterator[np.ndarray]:
    from formcheck.video import iter_frames, probe_video

    for frame in iter_frames(probe_video(path)):
        yield frame.rgb


def _synthetic_frames() -> Iterator[np.ndarray]:
    """A treadmill runner rendered by formcheck.synthetic at 1280x720."""
    from formcheck.synthetic.camera import CameraParams
    from formcheck.synthetic.kinematics import RunnerParams
    from formcheck.synthetic.render import iter_frames

    camera = CameraParams(
        width=SIZE_720P[0],
        height=SIZE_720P[1],
        scale_px_per_m=340.0,
        ground_origin_px=(640.0, 690.0),
    )
    yield from iter_frames(
        params=RunnerParams(), camera=camera, fps=SYNTHETIC_FPS, n_frames=SYNTHETIC_FRAMES
    )


def _stick_figure_frames() -> Iterator[np.ndarray]:
    """A drawn running stick figure at 1280x720 (last-resort input)."""
    import cv2

    w, h = SIZE_720P
    for i in range(SYNTHETIC_FRAMES):
        phase = 2 * math.pi * i / (SYNTHETIC_FPS * 0.65)
        img = np.full((h, w, 3), 200, np.uint8)
        hip = (w // 2, int(h * 0.55 + 8 * math.sin(2 * phase)))
        neck = (hip[0] + 25, hip[1] - 230)
        cv2.circle(img, (neck[0] + 10, neck[1] - 55), 45, (60, 40, 30), -1)
        cv2.line(img, hip, neck, (40, 110, 190), 28)
        for sign in (1, -1):
            swing = sign * math.sin(phase)
            knee = (int(hip[0] + 120 * swing), hip[1] + 150)
            foot = (int(knee[0] + 60 * swing - 40), min(hip[1] + 300, h - 20))
            hand = (int(neck[0] - 90 * swing), neck[1] + 170)
            cv2.line(img, hip, knee, (35, 35, 45), 22)
            cv2.line(img, knee, foot, (35, 35, 45), 18)
            cv2.line(img, neck, hand, (205, 150, 115), 14)
        yield img


def make_inputs(footage_dir: Path, tmp: Path) -> Inputs:
    """Make (or locate) the 720p and 1080p clips and their short warm-up clips."""
    clip = footage_dir / SOURCE_CLIP
    if clip.is_file():
        from formcheck.video import probe_video

        src, fps, source = clip, probe_video(clip).fps, f"`{SOURCE_CLIP}` (real footage)"
        frames: Callable[[], Iterable[np.ndarray]] = lambda: _file_frames(clip)  # noqa: E731
    else:
        src, fps = tmp / "source_720p.mp4", SYNTHETIC_FPS
        try:
            encode_mp4(_synthetic_frames(), src, fps=fps, size=SIZE_720P)
            source = "runner rendered by `formcheck.synthetic` (footage folder absent)"
        except Exception as exc:  # the synthetic renderer is optional here
            print(f"synthetic renderer failed ({exc!r}); drawing a stick figure", file=sys.stderr)
            encode_mp4(_stick_figure_frames(), src, fps=fps, size=SIZE_720P)
            source = "drawn stick figure (footage folder and synthetic renderer absent)"
        frames = lambda: _file_frames(src)  # noqa: E731
    videos = {"720p": src, "1080p": tmp / "clip_1080p.mp4"}
    warm = {"720p": tmp / "warm_720p.mp4", "1080p": tmp / "warm_1080p.mp4"}
    encode_mp4(frames(), videos["1080p"], fps=fps, size=SIZE_1080P)
    for res, size in (("720p", SIZE_720P), ("1080p", SIZE_1080P)):
        encode_mp4(frames(), warm[res], fps=fps, size=size, max_frames=WARMUP_FRAMES)
    return Inputs(videos=videos, warm_videos=warm, source=source, real_footage=src == clip)


# --------------------------------------------------------------------------- parent


def cpu_busy_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores), or NaN."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return math.nan
    # user nice system idle iowait irq softirq steal; guest time is inside user.
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    """CPU seconds used by the waited-for child processes of this process."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wait_until_idle(max_wait_s: float, *, threshold_cores: float = 0.3) -> float:
    """Wait until other processes use less than ``threshold_cores`` (checked each second).

    Returns
    -------
    float
        Seconds waited (at most about ``max_wait_s``).
    """
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < max_wait_s:
        before = cpu_busy_s()
        time.sleep(1.0)
        if not cpu_busy_s() - before > threshold_cores:  # NaN (no /proc) counts as idle
            break
    return time.perf_counter() - t0


def run_case(
    case: Case, inputs: Inputs, *, repeats: int, tmp: Path, nice: int = 0
) -> dict[str, Any]:
    """Run one case in a fresh Python subprocess and return its raw result.

    Besides the worker's own result this records the case's wall time, the
    worker's CPU time and the CPU load of other processes meanwhile (in cores),
    which says whether the machine was shared during the measurement.
    """
    spec = {
        **asdict(case),
        "video": str(inputs.videos[case.res]),
        "warm_video": str(inputs.warm_videos[case.res]),
        "repeats": repeats,
        "tmp": str(tmp),
        "nice": nice,
    }
    name = f"{case.kind}_{case.res}_{case.mode}_{case.num_poses}_{int(case.visual)}_{case.workers}"
    spec_path, result_path = tmp / f"{name}.spec.json", tmp / f"{name}.result.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    result_path.unlink(missing_ok=True)
    env = {**os.environ, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(spec_path)]
    cmd += ["--worker-result", str(result_path)]
    busy0, cpu0, t0 = cpu_busy_s(), children_cpu_s(), time.perf_counter()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=env, timeout=CASE_TIMEOUT_S, check=False
    )
    wall, cpu = time.perf_counter() - t0, children_cpu_s() - cpu0
    if proc.returncode != 0 or not result_path.is_file():
        raise RuntimeError(f"case {name} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    raw = json.loads(result_path.read_text(encoding="utf-8"))
    raw["case_wall_s"], raw["case_cpu_s"] = wall, cpu
    raw["background_cores"] = max((cpu_busy_s() - busy0 - cpu) / wall, 0.0)
    return raw


def probe_facts(path: Path) -> dict[str, Any]:
    """Duration, frame count, fps and size of a clip."""
    from formcheck.video import probe_video

    info = probe_video(path)
    return {
        "duration_s": info.duration_s,
        "n_frames": info.n_frames,
        "fps": info.fps,
        "size": f"{info.width}x{info.height}",
        "mbit_s": path.stat().st_size * 8 / 1e6 / info.duration_s,
    }


def summarize(case: Case, raw: dict[str, Any], duration_s: float) -> dict[str, Any]:
    """Medians and derived numbers (frames/s, ms/frame, real-time factor) of one case."""
    runs = raw["runs"]
    key = "wall_s" if case.kind == "analyze" else "loop_s"
    times = [r[key] for r in runs]
    median_run = runs[times.index(sorted(times)[(len(times) - 1) // 2])]
    row: dict[str, Any] = {
        "case": case,
        "time_s": float(statistics.median(times)),
        "runs": times,
        "peak_rss_mib": raw["peak_rss_mib"],
        "cpu_s": median_run["cpu_s"],
        "background_cores": raw["background_cores"],
        "cold_load_s": raw["warmup"].get("load_s"),
        "median_run": median_run,
    }
    if case.kind != "decode":
        row["load_s"] = float(
            statistics.median(r.get("load_s", r.get("until_pose_s")) for r in runs)
        )
    if case.kind == "analyze":
        row["cached_s"] = float(statistics.median(r["cached_s"] for r in runs))
    else:
        frames = runs[0]["frames"]
        row["fps"] = frames / row["time_s"]
        row["ms_per_frame"] = 1000.0 * row["time_s"] / frames
    if case.kind == "pose":
        row["detected"] = float(statistics.median(r["detected"] for r in runs))
        row["people"] = float(statistics.median(r["people"] for r in runs))
    row["rtf"] = row["time_s"] / duration_s
    return row


def median_time(row: dict[str, Any]) -> float:
    """Wall time of the run whose CPU time is reported (the median run)."""
    run = row["median_run"]
    return float(run.get("wall_s", run.get("loop_s")))


def _fmt(value: float | None, spec: str) -> str:
    if value is None or math.isnan(value):
        return "–"
    return format(value, spec)


RESULT_COLUMNS = (
    "input",
    "case",
    "median s",
    "frames/s",
    "ms/frame",
    "real-time factor",
    "load s (warm / cold)",
    "runner detected",
    "peak RSS MiB",
    "CPU s (cores)",
    "other load (cores)",
    "runs s",
)


def results_table(rows: list[dict[str, Any]]) -> str:
    """The markdown table of all cases."""
    lines = [
        "| " + " | ".join(RESULT_COLUMNS) + " |",
        "|---|---|" + "--:|" * (len(RESULT_COLUMNS) - 3) + "---|",
    ]
    for r in rows:
        case: Case = r["case"]
        load = "–"
        if "load_s" in r:
            load = f"{r['load_s']:.2f} / {_fmt(r['cold_load_s'], '.2f')}"
        detected = "–"
        if "detected" in r:
            detected = f"{100 * r['detected']:.0f}% ({r['people']:.2f}/frame)"
        cells = [
            case.res,
            case.label,
            f"{r['time_s']:.2f}",
            _fmt(r.get("fps"), ".1f"),
            _fmt(r.get("ms_per_frame"), ".1f"),
            f"{r['rtf']:.2f}",
            load,
            detected,
            f"{r['peak_rss_mib']:.0f}",
            f"{r['cpu_s']:.2f} ({r['cpu_s'] / median_time(r):.2f})",
            f"{r['background_cores']:.2f}",
            ", ".join(f"{t:.2f}" for t in r["runs"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _find(rows: list[dict[str, Any]], **fields: Any) -> dict[str, Any] | None:
    for r in rows:
        if all(getattr(r["case"], k) == v for k, v in fields.items()):
            return r
    return None


def _cpu_ms_per_frame(row: dict[str, Any]) -> float:
    return 1000.0 * row["cpu_s"] / row["median_run"]["frames"]


def breakdown_table(rows: list[dict[str, Any]]) -> str:
    """Where the time goes: decode vs inference per frame, and the stages of analyze_run."""
    lines = [
        "| input | decode ms/frame, wall (CPU) | pose inference ms/frame, num_poses 3, "
        "1 thread, wall (CPU) | same, num_poses 1 (VIDEO) | decode share of the 1-thread "
        "pose loop, wall (CPU) |",
        "|---|--:|--:|--:|--:|",
    ]
    for res in ("720p", "1080p"):
        dec = _find(rows, kind="decode", res=res)
        pose3 = _find(rows, kind="pose", res=res, mode="image", num_poses=3, workers=1)
        pose1 = _find(rows, kind="pose", res=res, mode="video", num_poses=1)
        if not (dec and pose3 and pose1):
            continue
        d_wall, d_cpu = dec["ms_per_frame"], _cpu_ms_per_frame(dec)
        cells = [
            f"{d_wall:.1f} ({d_cpu:.1f})",
            f"{pose3['ms_per_frame'] - d_wall:.1f} ({_cpu_ms_per_frame(pose3) - d_cpu:.1f})",
            f"{pose1['ms_per_frame'] - d_wall:.1f} ({_cpu_ms_per_frame(pose1) - d_cpu:.1f})",
            f"{100 * d_wall / pose3['ms_per_frame']:.0f}% "
            f"({100 * d_cpu / _cpu_ms_per_frame(pose3):.0f}%)",
        ]
        lines.append(f"| {res} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| `analyze_run` (720p) | wall s | until pose loop s | pose loop s | "
        "other progress stages s | rest s | rerun, pose cached s |",
        "|---|" + "--:|" * 6,
    ]
    for visual in (False, True):
        r = _find(rows, kind="analyze", visual=visual)
        if r is None:
            continue
        run = r["median_run"]
        stages = dict(run["stages_s"])
        pose_s = stages.pop("pose", math.nan)
        other = ", ".join(f"{k} {v:.2f}" for k, v in stages.items()) or "–"
        rest = run["wall_s"] - run["until_pose_s"] - pose_s - sum(stages.values())
        lines.append(
            f"| {r['case'].label.split(', ', 1)[1]} | {run['wall_s']:.2f} | "
            f"{run['until_pose_s']:.2f} | {pose_s:.2f} | {other} | {rest:.2f} | "
            f"{run['cached_s']:.2f} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- report


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024.0**2
    except OSError:
        pass
    return math.nan


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _git_state() -> str:
    """HEAD commit and how many files under ``formcheck/`` differ from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "formcheck"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = f", plus {len(status)} uncommitted file(s) under formcheck/" if status else ""
    return f"{head}{dirty}"


def machine_description() -> str:
    """A markdown list describing the machine and the library versions."""
    import av
    import cv2

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    libav = av.library_versions.get("libavcodec", ())
    return "\n".join(
        [
            f"- CPU: {_cpu_model()}; {os.cpu_count()} logical cores"
            + (f" ({affinity} usable)" if affinity is not None else ""),
            f"- RAM: {_ram_gib():.1f} GiB",
            f"- OS: {platform.platform()}",
            f"- Python {platform.python_version()} ({platform.python_implementation()})",
            f"- mediapipe {_version('mediapipe')}, opencv {cv2.__version__}, "
            f"av (PyAV) {av.__version__} (libavcodec {'.'.join(map(str, libav))}), "
            f"numpy {np.__version__}",
            f"- formcheck at commit {_git_state()}",
            f"- date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        ]
    )


def inputs_description(inputs: Inputs, facts: dict[str, dict[str, Any]]) -> str:
    """A markdown list describing the benchmark inputs."""
    lines = [f"- source: {inputs.source}"]
    for res, f in facts.items():
        how = (
            "as is"
            if res == "720p" and inputs.real_footage
            else (f"libx264 crf {ENCODE_CRF} preset {ENCODE_PRESET}, yuv420p")
        )
        lines.append(
            f"- {res}: {f['size']}, {f['n_frames']} frames, {f['fps']:.2f} fps, "
            f"{f['duration_s']:.2f} s, {f['mbit_s']:.1f} Mbit/s ({how})"
        )
    lines.append("- 1080p = the 720p frames upscaled with `cv2.resize` (bilinear) and re-encoded")
    return "\n".join(lines)


def contention_notes(rows: list[dict[str, Any]]) -> list[str]:
    """Notes on how busy the machine was while the cases ran."""
    if not rows:
        return []
    loads = [r["background_cores"] for r in rows]
    notes = [
        f"Other processes used {min(loads):.2f}-{max(loads):.2f} cores on average while the "
        f"cases ran ({os.cpu_count()} cores in all); see the column *other load*. A case run "
        f"with more than {BUSY_CORES:g} cores of other load is rerun (up to --busy-retries "
        "times) and the quietest attempt is kept."
    ]
    busy = [r for r in rows if r["background_cores"] > BUSY_CORES]
    if busy:
        names = "; ".join(f"{r['case'].res} {r['case'].label}" for r in busy)
        notes.append(
            f"Still busy (other load above {BUSY_CORES:g} cores) during: {names}. Those wall "
            "times are pessimistic (the CPU times much less so); rerun on a quiet machine."
        )
    return notes


def render_markdown(
    *,
    command: str,
    machine: str,
    inputs: str,
    table: str,
    breakdown: str,
    repeats: tuple[int, int],
    notes: list[str],
    elapsed_s: float,
) -> str:
    """The whole RESULTS.md text."""
    parts = [
        "# Speed baseline",
        "",
        f"Command (from the repository root): `{command}`  ",
        f"Median of {repeats[0]} timed runs per decode/pose case and {repeats[1]} per "
        "`analyze_run` case, after one warm-up; each case in a fresh process. The whole "
        f"benchmark took {elapsed_s / 60:.1f} min. What each column means: "
        "`benchmarks/README.md`.",
        "",
        "## Machine",
        "",
        machine,
        "",
        "## Inputs",
        "",
        inputs,
        "",
        "## Results",
        "",
        table,
        "",
        "## Where the time goes",
        "",
        breakdown,
        "",
    ]
    if notes:
        parts += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(parts)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(
        description="Speed baseline of formcheck (decode, pose, full pipeline).",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs per decode and pose case (median)"
    )
    parser.add_argument(
        "--analyze-repeats", type=int, default=2, help="timed runs per analyze_run case"
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="S",
        help="before each case wait up to S seconds for other processes to go quiet",
    )
    parser.add_argument(
        "--write", action="store_true", help=f"also write {DEFAULT_RESULTS.relative_to(REPO_ROOT)}"
    )
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--footage",
        type=Path,
        default=DEFAULT_FOOTAGE_DIR,
        help="folder holding treadmill_fast_left.mp4 (a synthetic clip is used if absent)",
    )
    parser.add_argument(
        "--only", default="", help="run only cases whose kind or input contains this text"
    )
    parser.add_argument(
        "--busy-retries",
        type=int,
        default=1,
        help=f"rerun a case up to this many times when other processes used more than "
        f"{BUSY_CORES:g} cores meanwhile (the quietest attempt is kept)",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="scheduling priority of the measured processes (negative, as root, to be less "
        "disturbed by other work on a shared machine)",
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worker-result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.analyze_repeats < 1:
        parser.error("--repeats and --analyze-repeats must be at least 1")
    return args


def _command_line(argv: list[str] | None) -> str:
    args = sys.argv[1:] if argv is None else argv
    try:
        script = Path(__file__).resolve().relative_to(Path.cwd())
    except ValueError:
        script = Path(__file__).resolve()
    return " ".join(["python", str(script), *args])


def run_all(args: argparse.Namespace, tmp: Path) -> tuple[list[dict[str, Any]], Inputs, dict]:
    """Make the inputs and run every selected case."""
    t0 = time.perf_counter()
    inputs = make_inputs(args.footage, tmp)
    facts = {res: probe_facts(path) for res, path in inputs.videos.items()}
    print(f"inputs ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    cases = [c for c in default_cases() if args.only in f"{c.kind} {c.res}"]
    rows = []
    for case in cases:
        waited = wait_until_idle(args.wait_idle) if args.wait_idle > 0 else 0.0
        t = time.perf_counter()
        repeats = args.analyze_repeats if case.kind == "analyze" else args.repeats
        raw = run_case(case, inputs, repeats=repeats, tmp=tmp, nice=args.nice)
        for _ in range(args.busy_retries):
            if raw["background_cores"] <= BUSY_CORES:
                break
            print(
                f"  busy ({raw['background_cores']:.2f} cores of other load): rerun",
                file=sys.stderr,
            )
            again = run_case(case, inputs, repeats=repeats, tmp=tmp, nice=args.nice)
            raw = min(raw, again, key=lambda r: r["background_cores"])
        rows.append(summarize(case, raw, facts[case.res]["duration_s"]))
        print(
            f"{case.res:>5} {case.label:<50} {rows[-1]['time_s']:6.2f} s "
            f"({time.perf_counter() - t:.0f} s incl. warm-up; waited {waited:.0f} s; "
            f"other load {raw['background_cores']:.2f} cores)",
            file=sys.stderr,
        )
    return rows, inputs, facts


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the benchmark (or one worker case)."""
    args = parse_args(argv)
    if args.worker is not None:
        spec = json.loads(args.worker.read_text(encoding="utf-8"))
        result = run_worker(spec)
        args.worker_result.write_text(json.dumps(result), encoding="utf-8")
        return 0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp_name:
        rows, inputs, facts = run_all(args, Path(tmp_name))
    notes = contention_notes(rows)
    text = render_markdown(
        command=_command_line(argv),
        machine=machine_description(),
        inputs=inputs_description(inputs, facts),
        table=results_table(rows),
        breakdown=breakdown_table(rows),
        repeats=(args.repeats, args.analyze_repeats),
        notes=notes,
        elapsed_s=time.perf_counter() - t0,
    )
    print(text)
    if args.write:
        args.results.write_text(text, encoding="utf-8")
        print(f"wrote {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
