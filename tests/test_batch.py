"""``formcheck batch``: pool sizing, skipping finished videos, surviving a bad file,
the summary table. The per-video job is a stand-in here (no MediaPipe), except in
the integration test."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from formcheck.analysis import AnalysisOptions
from formcheck.config import Config
from formcheck.errors import VideoError
from formcheck.jobs.batch import (
    MEMORY_PER_JOB_BYTES,
    NOT_ANALYSED,
    BatchSettings,
    LocalPool,
    find_videos,
    plan_items,
    pool_size,
    run_batch,
)

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


SETTINGS = BatchSettings(Config())


def fake_analyse(video: Path, out_dir: Path, settings: BatchSettings) -> dict[str, Any]:
    """Writes a report like analyze does; a file holding b"bad" is a bad video."""
    if video.read_bytes().startswith(b"bad"):
        raise VideoError(f"{video}: not a readable video (test)")
    walking = video.read_bytes().startswith(b"walk")
    report = {
        "running": not walking,
        "not_running_reason": "the gait looks like walking, not running" if walking else None,
        "summary": {
            "cadence_spm": 170.0 + len(video.stem),
            "trunk_lean_deg": 6.5,
            "overstride": {"shank_angle_deg": 4.0},
            "foot_strike": {"class": "midfoot"},
            "posture_drift": {"trunk_lean_change_deg": 1.0},
        },
        "findings": [
            {"id": "forward_lean", "status": "ok"},
            {"id": "heel_strike", "status": "ok"},
            {"id": "overstride", "status": "caution"},
            {"id": "late_run_slouch", "status": "unknown"},
        ],
    }
    out_dir.mkdir(parents=True)
    (out_dir / "report.json").write_text(json.dumps(report))
    return report


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("a.mp4", "b.MOV", "c.mp4"):
        (folder / name).write_bytes(b"fake video " + name.encode())
    (folder / "bad.mp4").write_bytes(b"bad")
    (folder / "notes.txt").write_text("not a video")
    return folder


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


ONE = LocalPool(jobs=1, analyse=fake_analyse)


def test_pool_size() -> None:
    gib = 2**30
    assert pool_size(n_videos=10, requested=0, cores=8, memory_bytes=64 * gib) == (8, 1)
    # memory-bound: 4 GiB allows two 1.5 GiB jobs
    assert pool_size(n_videos=10, requested=0, cores=8, memory_bytes=4 * gib) == (2, 4)
    assert pool_size(n_videos=1, requested=0, cores=2, memory_bytes=None) == (1, 2)
    assert pool_size(n_videos=5, requested=3, cores=2, memory_bytes=MEMORY_PER_JOB_BYTES) == (3, 1)
    assert pool_size(n_videos=3, requested=0, cores=4, memory_bytes=1) == (1, 4)


def test_find_videos_and_names(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "a.mov").write_bytes(b"same stem")
    videos = find_videos(folder)
    assert [v.name for v in videos] == ["a.mov", "a.mp4", "b.MOV", "bad.mp4", "c.mp4"]
    names = [i.out_dir.name for i in plan_items(videos, tmp_path / "out")]
    assert names == ["a_mov", "a_mp4", "b", "bad", "c"]


def test_batch_survives_bad_file_and_skips_finished(tmp_path: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    lines: list[str] = []
    result = run_batch(folder, out, settings=SETTINGS, runner=ONE, log=lines.append)
    assert result.failed == 1
    rows = _csv(out / "summary.csv")
    assert [r["video"] for r in rows] == ["a.mp4", "b.MOV", "bad.mp4", "c.mp4"]
    assert [r["status"] for r in rows] == ["ok", "ok", "failed", "ok"]
    bad = rows[2]
    assert "VideoError" in bad["error"] and "bad.mp4" in bad["error"]
    assert (bad["output"], rows[0]["output"]) == ("", "a")  # no folder to point at
    assert rows[0]["cadence_spm"] == "171.00" and rows[0]["overstride_status"] == "caution"
    assert rows[0]["shank_angle_deg"] == "4.00" and rows[0]["trunk_lean_deg"] == "6.50"
    html = (out / "summary.html").read_text()
    assert '<a href="a/report.html">a.mp4</a>' in html and "1 failed" in html
    assert any("bad.mp4: failed" in line for line in lines)
    assert any(line.startswith("1 other file left out") and "notes.txt" in line for line in lines)

    # Re-run: finished videos are skipped, the bad one is tried again.
    (folder / "bad.mp4").write_bytes(b"fixed now")
    again = run_batch(folder, out, settings=SETTINGS, runner=ONE)
    assert again.failed == 0
    assert [r["status"] for r in _csv(out / "summary.csv")] == [
        "skipped",
        "skipped",
        "ok",
        "skipped",
    ]
    assert _csv(out / "summary.csv")[0]["cadence_spm"] == "171.00"  # read from its report
    # ... and its time and worker from the summary that listed it
    first, later = rows[0], _csv(out / "summary.csv")[0]
    assert first["seconds"] and first["worker"]
    assert (later["seconds"], later["worker"]) == (first["seconds"], first["worker"])


def test_a_video_without_running_is_not_reported_ok(tmp_path: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    (folder / "d.mp4").write_bytes(b"walking, filmed from the side")
    lines: list[str] = []
    result = run_batch(folder, out, settings=SETTINGS, runner=ONE, log=lines.append)
    row = next(r for r in _csv(out / "summary.csv") if r["video"] == "d.mp4")
    assert row["status"] == NOT_ANALYSED and "walking" in row["error"]
    assert any("d.mp4: not analysed (the gait looks like walking" in line for line in lines)
    assert result.failed == 1  # the bad file only: a walk is an answer, not a failure
    # A re-run does not analyse it again, and still says why it has no results.
    run_batch(folder, out, settings=SETTINGS, runner=ONE)
    rows = {r["video"]: r for r in _csv(out / "summary.csv")}
    assert rows["d.mp4"]["status"] == NOT_ANALYSED and "walking" in rows["d.mp4"]["error"]
    assert rows["a.mp4"]["status"] == "skipped"


def test_batch_in_a_process_pool(tmp_path: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    result = run_batch(
        folder, out, settings=SETTINGS, runner=LocalPool(jobs=2, analyse=fake_analyse)
    )
    assert [r["status"] for r in result.rows] == ["ok", "ok", "failed", "ok"]
    assert (out / "c" / "report.json").is_file()
    # the worker column names the pool process (host:pid) that ran each video
    workers = {r["worker"] for r in result.rows}
    assert all(w.rsplit(":", 1)[1].isdigit() for w in workers)


def test_batch_cli_exit_code(tmp_path: Path) -> None:
    from formcheck.cli import main

    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["batch", str(empty), "-o", str(tmp_path / "o"), "-q"]) == 2
    assert main(["batch", str(empty), "-o", str(tmp_path / "o"), "--jobs", "-1"]) == 7
    assert main(["batch", str(empty), "-o", str(tmp_path / "o"), "--belt-speed", "-3"]) == 7
    assert main(["batch", str(empty), "-o", str(tmp_path / "o"), "--capture-fps", "0"]) == 7
    redis = ["--redis", "redis://127.0.0.1:1/0"]
    assert main(["batch", str(empty), "-o", str(tmp_path / "o"), "--jobs", "2", *redis]) == 7
    assert main(["batch", str(empty), "-o", str(tmp_path / "o"), *redis]) == 9  # nothing there


def test_batch_refuses_an_unwritable_output_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a file, or a folder that takes no new entries (read-only, immutable):
    exit 8 with the folder named, before any video is analysed (it was a raw
    errno and exit 1, after the videos had failed one by one)."""
    import errno

    from formcheck.cli import main

    folder = _folder(tmp_path)
    a_file = tmp_path / "f"
    a_file.write_text("")
    assert main(["batch", str(folder), "-o", str(a_file / "out"), "-q"]) == 8
    assert "not a writable folder" in capsys.readouterr().err
    read_only = tmp_path / "ro"
    read_only.mkdir()
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if self.parent == read_only:  # what a read-only file system answers
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", mkdir)
    assert main(["batch", str(folder), "-o", str(read_only), "-q"]) == 8
    err = capsys.readouterr().err
    assert f"{read_only}: cannot write into this output folder" in err
    assert "failed" not in err and list(read_only.iterdir()) == []
    assert main(["batch", str(folder / "a.mp4"), "-o", str(tmp_path / "o"), "-q"]) == 2
    assert "expected a folder of videos, got a file" in capsys.readouterr().err


def test_batch_cli_passes_capture_fps_and_belt_speed(tmp_path: Path) -> None:
    """The same options as analyze, one set for every video of the batch."""
    from formcheck.cli import _build_parser, config_from_args
    from formcheck.cli_batch import batch_settings

    def settings(*extra: str) -> BatchSettings:
        args = _build_parser().parse_args(["batch", str(tmp_path), "-o", "o", *extra])
        return batch_settings(args, config_from_args(args))

    given = settings("--capture-fps", "240", "--belt-speed", "3.5", "--no-video", "--full")
    assert given.clip == AnalysisOptions(capture_fps=240.0, belt_speed_mps=3.5)
    assert (given.annotated_video, given.html, given.config.long_run.mode) == (False, True, "full")
    kmh = settings("--belt-speed-kmh", "12.6").clip
    assert kmh.belt_speed_mps == pytest.approx(3.5)  # 12.6 / 3.6
    assert settings().clip == AnalysisOptions()


@pytest.mark.integration
def test_batch_real_videos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One rendered clip and a corrupt file: the clip is analysed, the corrupt one
    reported, exit code 1; a re-run skips the finished clip."""
    from formcheck.cli import main

    folder = tmp_path / "videos"
    folder.mkdir()
    shutil.copyfile(SAMPLES / "forefoot.mp4", folder / "forefoot.mp4")
    data = (SAMPLES / "efficient.mp4").read_bytes()
    (folder / "corrupt.mp4").write_bytes(data[: len(data) // 3])  # truncated
    out = tmp_path / "out"
    args = ["batch", str(folder), "-o", str(out), "--jobs", "1", "--no-video"]
    assert main(args) == 1
    rows = {r["video"]: r for r in _csv(out / "summary.csv")}
    assert rows["forefoot.mp4"]["status"] == "ok"
    assert rows["forefoot.mp4"]["foot_strike_class"] == "forefoot"
    assert rows["corrupt.mp4"]["status"] == "failed"
    assert "corrupt.mp4" in rows["corrupt.mp4"]["error"]
    assert (out / "forefoot" / "report.html").is_file()
    assert not (out / "corrupt").exists()  # no partial output
    assert main([*args, "-q"]) == 1
    rows = {r["video"]: r for r in _csv(out / "summary.csv")}
    assert rows["forefoot.mp4"]["status"] == "skipped"
