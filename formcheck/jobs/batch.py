"""``formcheck batch FOLDER -o OUT``: every video of a folder, a process pool, one summary.

Each video is analysed by :func:`formcheck.pipeline.analyze_run` into
``OUT/<name>/`` (which appears whole or not at all), in a pool of worker
processes sized to the machine: at most one per core and one per
:data:`MEMORY_PER_JOB_BYTES` of available memory, each with a share of the
cores for its pose threads. A video whose ``OUT/<name>/report.json`` exists
is finished and skipped on a re-run. A bad file is reported and the rest
continue; the exit code is non-zero if any video failed. ``summary.csv`` and
``summary.html`` list every video: the four findings, cadence, lean, shank.

Who runs the videos is a :class:`Runner`: :class:`LocalPool` here, or the
shared Redis queue of :mod:`formcheck.jobs.batch_queue` (``--redis``); both
call :func:`run_one` on each video, so outputs, skipping and rows are the same.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

from formcheck.analysis import AnalysisOptions
from formcheck.config import Config, with_overrides
from formcheck.errors import FormcheckError, OutputError
from formcheck.outdir import check_writable_folder

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mts")
SUMMARY_CSV = "summary.csv"
SUMMARY_HTML = "summary.html"
#: Peak memory budgeted per analysis (measured peak RSS was 0.76-0.83 GB on
#: 6.5-60 s 1080p clips, issue 14), with headroom.
MEMORY_PER_JOB_BYTES = int(1.5 * 2**30)
FINDINGS = ("forward_lean", "heel_strike", "overstride", "late_run_slouch")
# Status of a video that was read and analysed but shows no running to measure
# (too short, walking, not a side view): its reason is in the error column.
NOT_ANALYSED = "not analysed"

COLUMNS = (
    "video",
    "status",
    "error",
    "output",
    "seconds",
    *(f"{f}_status" for f in FINDINGS),
    "cadence_spm",
    "trunk_lean_deg",
    "shank_angle_deg",
    "foot_strike_class",
    "contact_time_ms",
    "lean_change_deg",
    "mode",
    "worker",
)

#: One summary row: a value (or None) for each of :data:`COLUMNS`.
Row = dict[str, Any]
Say = Callable[[str], None]


@dataclass(frozen=True)
class BatchItem:
    """One video of the batch and its output folder."""

    video: Path
    out_dir: Path


@dataclass(frozen=True)
class BatchSettings:
    """What every video of the batch is analysed with (sent to queue workers as is).

    Attributes
    ----------
    config : Config
    clip : AnalysisOptions
        ``--capture-fps``, ``--belt-speed``: the same for every video.
    annotated_video, html : bool
        Write annotated.mp4 and report.html.
    """

    config: Config
    clip: AnalysisOptions = field(default_factory=AnalysisOptions)
    annotated_video: bool = True
    html: bool = True


@dataclass
class BatchResult:
    """What a batch did: one summary row per video, and the counts."""

    rows: list[Row] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Videos that could not be analysed."""
        return sum(r["status"] == "failed" for r in self.rows)


def find_videos(folder: Path) -> list[Path]:
    """Video files directly in ``folder`` (by suffix), sorted by name."""
    if not folder.is_dir():
        found = "a file" if folder.exists() else "no such folder"
        raise FormcheckError(f"{folder}: expected a folder of videos, got {found}")
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES and not p.name.startswith(".")
    )


def plan_items(videos: list[Path], out_root: Path) -> list[BatchItem]:
    """Output folder per video: its stem, or stem_suffix when two videos share a stem."""
    stems = [v.stem for v in videos]
    return [
        BatchItem(
            v,
            out_root / (v.stem if stems.count(v.stem) == 1 else f"{v.stem}_{v.suffix.lstrip('.')}"),
        )
        for v in videos
    ]


def available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), else None."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def usable_cores() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def pool_size(
    *, n_videos: int, requested: int, cores: int, memory_bytes: int | None
) -> tuple[int, int]:
    """Worker processes and pose threads per worker.

    Parameters
    ----------
    n_videos : int
        Videos still to analyse.
    requested : int
        ``--jobs`` (0 = automatic).
    cores : int
    memory_bytes : int or None
        Available memory (None: not limited by memory).

    Returns
    -------
    (jobs, pose_workers) : tuple of int
        ``jobs`` at least 1 and at most ``n_videos``; automatic: at most one
        per core and one per :data:`MEMORY_PER_JOB_BYTES`. ``pose_workers``
        shares the cores among the jobs (at least 1).
    """
    if requested > 0:
        jobs = requested
    else:
        jobs = cores
        if memory_bytes is not None:
            jobs = min(jobs, memory_bytes // MEMORY_PER_JOB_BYTES)
    jobs = max(1, min(jobs, max(n_videos, 1)))
    return jobs, max(1, cores // jobs)


def worker_name() -> str:
    """host:pid of this process (the ``worker`` column)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def is_finished(item: BatchItem) -> bool:
    """The video's output is complete (its report.json exists): a re-run skips it."""
    return (item.out_dir / "report.json").is_file()


def summary_row(item: BatchItem, report: dict[str, Any] | None, **extra: Any) -> Row:
    """One summary line from a video's report (or its failure)."""
    row: Row = {c: None for c in COLUMNS}
    row.update(video=item.video.name, output=item.out_dir.name, **extra)
    if report is None:
        if not item.out_dir.is_dir():
            row["output"] = None  # failed before writing: no folder to point at
        return row
    s = report.get("summary") or {}
    statuses = {f["id"]: f["status"] for f in report.get("findings", [])}
    for f in FINDINGS:
        row[f"{f}_status"] = statuses.get(f)
    row.update(
        cadence_spm=s.get("cadence_spm"),
        trunk_lean_deg=s.get("trunk_lean_deg"),
        shank_angle_deg=(s.get("overstride") or {}).get("shank_angle_deg"),
        foot_strike_class=(s.get("foot_strike") or {}).get("class"),
        contact_time_ms=s.get("contact_time_ms"),
        lean_change_deg=(s.get("posture_drift") or {}).get("trunk_lean_change_deg"),
        mode="windows" if report.get("long_run") else "full",
    )
    if not report.get("running"):
        # Analysed, but no running to measure: a result of its own, not "ok".
        # A re-run keeps saying so rather than "skipped".
        row["error"] = report.get("not_running_reason")
        if row.get("status") in ("ok", "skipped"):
            row["status"] = NOT_ANALYSED
    return row


#: analyse(video, out_dir, settings) -> report dict
Analyse = Callable[[Path, Path, BatchSettings], dict[str, Any]]


def analyse_video(video: Path, out_dir: Path, settings: BatchSettings) -> dict[str, Any]:
    """The default per-video job: ``formcheck analyze VIDEO -o OUT_DIR``."""
    from formcheck.pipeline import analyze_run

    result = analyze_run(
        [video],
        config=settings.config,
        options=[settings.clip],
        out_dir=out_dir,
        annotated_video=settings.annotated_video,
        html=settings.html,
    )
    return result.report


def run_one(analyse: Analyse, item: BatchItem, settings: BatchSettings) -> Row:
    """Analyse one video; a failure becomes a row (the batch goes on)."""
    t0 = time.perf_counter()
    worker = worker_name()
    try:
        report = analyse(item.video, item.out_dir, settings)
    except Exception as exc:
        # The batch boundary: any failure of one video (a bad file, or a bug it
        # triggers) is reported in its row and the batch goes on; Ctrl-C is not
        # an Exception and stops the batch.
        return summary_row(
            item,
            None,
            status="failed",
            error=f"{type(exc).__name__}: {exc}",
            seconds=round(time.perf_counter() - t0, 1),
            worker=worker,
        )
    seconds = round(time.perf_counter() - t0, 1)
    return summary_row(item, report, status="ok", seconds=seconds, worker=worker)


class Runner(Protocol):
    """Runs the videos still to analyse; yields one row per video as each finishes."""

    def __call__(
        self, todo: list[BatchItem], settings: BatchSettings, say: Say
    ) -> Iterator[Row]: ...


@dataclass(frozen=True)
class LocalPool:
    """A pool of worker processes on this machine.

    Attributes
    ----------
    jobs : int
        Worker processes; 0 = sized to the machine (:func:`pool_size`).
    analyse : callable
        The per-video job (tests replace it); must be picklable for ``jobs > 1``.
    """

    jobs: int = 0
    analyse: Analyse = analyse_video

    def __call__(self, todo: list[BatchItem], settings: BatchSettings, say: Say) -> Iterator[Row]:
        n_jobs, pose_workers = pool_size(
            n_videos=len(todo),
            requested=self.jobs,
            cores=usable_cores(),
            memory_bytes=available_memory_bytes(),
        )
        if settings.config.pose.workers == 0:
            config = with_overrides(settings.config, {"pose.workers": pose_workers})
            settings = replace(settings, config=config)
        say(f"{n_jobs} worker process(es) x {settings.config.pose.workers} pose thread(s)")
        if n_jobs == 1:  # in-process
            for item in todo:
                yield run_one(self.analyse, item, settings)
            return
        # spawn: MediaPipe and its threads do not survive fork() cleanly.
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=get_context("spawn")) as pool:
            futures: dict[Future[Row], BatchItem] = {
                pool.submit(run_one, self.analyse, item, settings): item for item in todo
            }
            for future in as_completed(futures):
                item = futures[future]
                try:
                    yield future.result()
                except Exception as exc:  # a worker process died (e.g. killed)
                    yield summary_row(item, None, status="failed", error=f"worker lost: {exc!r}")


def run_batch(
    folder: Path,
    out_root: Path,
    *,
    settings: BatchSettings,
    runner: Runner | None = None,
    log: Say | None = None,
) -> BatchResult:
    """Analyse every video in ``folder`` into ``out_root``; write the summary.

    Parameters
    ----------
    folder : Path
        Folder of videos (not searched recursively).
    out_root : Path
        Output folder: one sub-folder per video, ``summary.csv``, ``summary.html``.
    settings : BatchSettings
    runner : Runner, optional
        Who analyses the videos: :class:`LocalPool` (default) or a
        :class:`formcheck.jobs.batch_queue.QueueRunner`.
    log : callable, optional
        Receives the plan, one line per finished video and the runner's news.
    """
    videos = find_videos(folder)
    if not videos:
        raise FormcheckError(
            f"{folder}: expected video files ({', '.join(VIDEO_SUFFIXES)}), found none"
        )
    if out_root.exists() and not out_root.is_dir():
        raise OutputError(f"{out_root}: expected a folder for the batch outputs, found a file")
    check_writable_folder(out_root)  # before any work, not at the first summary
    items = plan_items(videos, out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    done = [i for i in items if is_finished(i)]
    todo = {i.video.name: i for i in items if not is_finished(i)}
    say = log or (lambda line: None)
    say(f"{len(items)} videos: {len(done)} finished earlier (skipped), {len(todo)} to analyse")
    chosen = set(videos)
    others = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p not in chosen
    )
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        say(
            f"{len(others)} other file{'' if len(others) == 1 else 's'} left out (not a video "
            f"by its name, {'/'.join(VIDEO_SUFFIXES)}): {shown}"
        )
    rows: dict[Path, Row] = {}
    earlier = _earlier_rows(out_root)
    for item in done:
        # Who ran it and how long it took come from the summary that listed it.
        kept = {k: v for k, v in earlier.get(item.video.name, {}).items() if k in _CARRIED}
        rows[item.video] = summary_row(item, read_report(item), status="skipped", **kept)
    results = (runner or LocalPool())(list(todo.values()), settings, say) if todo else iter(())
    for k, row in enumerate(results, start=1):
        rows[todo[row["video"]].video] = row
        say(f"[{k}/{len(todo)}] {row['video']}: {row['status']} ({_detail(row)})")
        write_summary(out_root, [rows[i.video] for i in items if i.video in rows])
    result = BatchResult([rows[i.video] for i in items])
    write_summary(out_root, result.rows)
    return result


def _detail(row: Row) -> str:
    if row["status"] != "ok":
        return str(row["error"])
    return f"{row['seconds']} s" + (f" on {row['worker']}" if row.get("worker") else "")


# Columns a skipped video keeps from the summary that listed it.
_CARRIED = ("seconds", "worker")


def _earlier_rows(out_root: Path) -> dict[str, dict[str, str]]:
    """The rows of an earlier ``summary.csv`` by video name (empty when none is readable)."""
    try:
        with (out_root / SUMMARY_CSV).open(newline="", encoding="utf-8") as fh:
            return {row["video"]: row for row in csv.DictReader(fh) if row.get("video")}
    except (OSError, csv.Error, UnicodeDecodeError, KeyError):
        return {}


def read_report(item: BatchItem) -> dict[str, Any] | None:
    """The video's report.json, or None when it is missing or unreadable."""
    try:
        data = json.loads((item.out_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def summary_csv(rows: list[Row]) -> str:
    """The summary table as CSV text (empty cells where unknown)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in COLUMNS])
    return buf.getvalue()


def summary_html(rows: list[Row]) -> str:
    """The summary table as one self-contained HTML page, linking each report."""
    from formcheck.report.html import esc

    shown = [c for c in COLUMNS if c != "output"]
    head = "".join(f"<th>{esc(c.replace('_', ' '))}</th>" for c in shown)
    body = []
    for row in rows:
        cells = []
        for c in shown:
            text = esc(_cell(row.get(c)))
            if c == "video" and row["status"] != "failed" and row.get("output"):
                text = f'<a href="{esc(row["output"])}/report.html">{text}</a>'
            cls = f' class="{esc(row.get(c))}"' if c.endswith("_status") or c == "status" else ""
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    failed = sum(r["status"] == "failed" for r in rows)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>formcheck batch summary</title><style>"
        "body{font:14px system-ui,sans-serif;margin:16px}table{border-collapse:collapse}"
        "th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}"
        ".flag,.failed{color:#c62828;font-weight:600}.caution{color:#b26a00}.ok{color:#1b7f3b}"
        "</style></head><body><h1>formcheck batch summary</h1>"
        f"<p>{len(rows)} videos, {failed} failed.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        "</body></html>\n"
    )


def write_summary(out_root: Path, rows: list[Row]) -> None:
    """Write ``summary.csv`` and ``summary.html`` (each replaced atomically)."""
    for name, text in ((SUMMARY_CSV, summary_csv(rows)), (SUMMARY_HTML, summary_html(rows))):
        tmp = out_root / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out_root / name)
