"""Full-mode pose pass checkpointed in parts and resumed: frame-exact seeking, the
state carried across a part boundary, damaged or stale checkpoints (a fake
landmarker, no MediaPipe), and an interrupted ``analyze_run`` (integration)."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import av
import numpy as np
import pytest

from formcheck.capture import pose as pose_module
from formcheck.capture.pose import Detections
from formcheck.capture.pose_parts import (
    PassState,
    PosePart,
    join_parts,
    part_from_arrays,
    part_to_arrays,
)
from formcheck.capture.pose_resume import (
    Samples,
    full_job_key,
    part_frames_for,
    resumable_detect_poses,
)
from formcheck.capture.video import VideoInfo, iter_frames, probe_video
from formcheck.checkpoint import CheckpointStore
from formcheck.config import Config, LongRunConfig, PoseConfig, with_overrides
from formcheck.errors import ConfigError

N_FRAMES = 90
PART_FRAMES = 20  # parts end at frames 20, 40, 60, 80 and the final one at 90


def _blob_frames(n: int = N_FRAMES, *, width: int = 160, height: int = 120) -> np.ndarray:
    """A bright 16 x 24 px block moving right and bobbing on a dark background;
    frames 40 and 41 repeat frame 39 (a repeated-frame run where a part starts)."""
    frames = np.full((n, height, width, 3), 20, np.uint8)
    for i in range(n):
        k = 39 if 39 <= i <= 41 else i
        x = 10 + int(1.4 * k)
        y = 50 + int(8 * np.sin(k / 4))
        frames[i, y : y + 24, x : x + 16] = 230
    return frames


@pytest.fixture(scope="module")
def blob_video(tmp_path_factory: pytest.TempPathFactory) -> VideoInfo:
    """The blob clip as H.264 with a keyframe every 12 frames and B-frames,
    so a resumed decode really seeks and reorders."""
    path = tmp_path_factory.mktemp("blob") / "blob.mp4"
    frames = _blob_frames()
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.options = {"x264-params": "keyint=12:min-keyint=12:bframes=2:scenecut=0"}
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "yuv420p"
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return probe_video(path)


def test_iter_frames_resumes_frame_exact(blob_video: VideoInfo) -> None:
    whole = list(iter_frames(blob_video))
    assert [f.index for f in whole] == list(range(N_FRAMES))
    for start in (1, 12, 13, 41, N_FRAMES - 1):
        after = whole[start - 1].pts
        for pts in (after, None, (after or 0) + 1):  # found; unknown; not a frame's: decode all
            tail = list(iter_frames(blob_video, from_index=start, after_pts=pts))
            assert [f.index for f in tail] == list(range(start, N_FRAMES))
            assert [f.timestamp_s for f in tail] == [f.timestamp_s for f in whole[start:]]
            assert [f.pts for f in tail] == [f.pts for f in whole[start:]]
            for a, b in zip(tail, whole[start:], strict=True):
                np.testing.assert_array_equal(a.rgb, b.rgb)


class _BlobLandmarker:
    """Stands in for MediaPipe: one 'person' over the bright pixels of the image given
    (whole frame or crop), 33 points on a grid over their box. Records its calls."""

    def __init__(self, calls: list[int]) -> None:
        self.calls = calls

    def __enter__(self) -> _BlobLandmarker:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def detect(self, image: Any) -> Any:
        self.calls.append(1)
        rgb = image.numpy_view()
        ys, xs = np.nonzero(rgb[..., 0] > 128)
        if xs.size == 0:
            return SimpleNamespace(pose_landmarks=[])
        h, w = rgb.shape[:2]
        x0, x1, y0, y1 = xs.min() / w, (xs.max() + 1) / w, ys.min() / h, (ys.max() + 1) / h
        points = [
            SimpleNamespace(
                x=x0 + (x1 - x0) * (i % 3) / 2,
                y=y0 + (y1 - y0) * (i // 3) / 10,
                z=0.01 * i,
                visibility=0.9,
                presence=0.8,
            )
            for i in range(33)
        ]
        return SimpleNamespace(pose_landmarks=[points])

    def detect_for_video(self, image: Any, timestamp_ms: int) -> Any:
        return self.detect(image)


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Replace the pose model by :class:`_BlobLandmarker`; returns its call log."""
    calls: list[int] = []
    lock = threading.Lock()

    def create(*_: Any) -> _BlobLandmarker:
        with lock:
            return _BlobLandmarker(calls)

    monkeypatch.setattr(pose_module, "verify_bundle", lambda path=None: Path("fake.task"))
    monkeypatch.setattr(pose_module, "model_id_of", lambda path: "fake")
    monkeypatch.setattr(pose_module, "_create_landmarker", create)
    return calls


class _Counter:
    """A progress reporter counting the frames computed and keeping the labels."""

    def __init__(self) -> None:
        self.frames = 0
        self.labels: list[str] = []

    def start(self, *, total: int, label: str) -> None:
        self.labels.append(label)

    def advance(self, n: int = 1) -> None:
        self.frames += n

    def finish(self) -> None:
        pass


class Interrupt(Exception):
    pass


def _keep_every_30(samples: Samples) -> Any:
    def on_frame(index: int, rgb: np.ndarray) -> None:
        if index % 30 == 0:
            samples[index] = (rgb[::2, ::2].copy(), 0.5)

    return on_frame


def _pass(
    info: VideoInfo,
    store: CheckpointStore,
    *,
    settings: PoseConfig | None = None,
    stop_after_part: int | None = None,
) -> tuple[Detections, int, _Counter, Samples]:
    """One (possibly interrupted) checkpointed pass: detections, resumed-at, progress, kept."""
    progress, samples = _Counter(), Samples()

    def hook(index: int, done: int) -> None:
        if index == stop_after_part:
            raise Interrupt

    det, resumed_at = resumable_detect_poses(
        info,
        settings=settings or PoseConfig(),
        model_id="fake",
        store=store,
        part_frames=PART_FRAMES,
        samples=samples,
        on_frame=_keep_every_30(samples),
        progress=progress,
        on_part=hook,
    )
    return det, resumed_at, progress, samples


def _assert_same(a: Detections, b: Detections) -> None:
    for name in ("xy_px", "z", "visibility", "presence", "timestamps_s", "crop_px", "repeated"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def _store(tmp_path: Path, key: str = "job") -> CheckpointStore:
    return CheckpointStore(tmp_path / ".out.resume" / "video_0", key=key)


@pytest.mark.parametrize("mode", ["image", "video"])
def test_resumed_pass_equals_the_uninterrupted_one(
    tmp_path: Path, blob_video: VideoInfo, fake_model: list[int], mode: str
) -> None:
    settings = PoseConfig(running_mode=mode)  # type: ignore[arg-type]
    whole, at0, progress0, samples0 = _pass(blob_video, _store(tmp_path, "a"), settings=settings)
    assert at0 == 0 and progress0.frames == N_FRAMES and progress0.labels == ["pose"]
    assert whole.crop_px is not None
    crops = np.isfinite(whole.crop_px[:, 0])
    if mode == "image":  # the crop follows the blob (small in the frame) from frame 1 on
        assert crops[1:].all() and not crops[0]
        assert whole.repeated is not None and whole.repeated[40:42].all()
    calls_whole = len(fake_model)

    store = _store(tmp_path, "b")
    with pytest.raises(Interrupt):
        _pass(blob_video, store, settings=settings, stop_after_part=1)
    names = sorted(p.name for p in store.folder.glob("part_*"))
    assert names == ["part_0000.json", "part_0000.npz", "part_0001.json", "part_0001.npz"]
    fake_model.clear()
    resumed, at, progress, samples = _pass(blob_video, store, settings=settings)
    assert at == 2 * PART_FRAMES
    assert progress.frames == N_FRAMES - 2 * PART_FRAMES  # only the frames not checkpointed
    assert progress.labels == [f"pose, resumed at frame {2 * PART_FRAMES}"]
    assert 0 < len(fake_model) < calls_whole
    # Every candidate, crop, timestamp and repeat flag exactly as uninterrupted
    # (the fake, like IMAGE mode, has no memory from frame to frame).
    _assert_same(whole, resumed)
    assert sorted(samples) == sorted(samples0) == [0, 30, 60]
    for index, (image, scale) in samples.items():
        np.testing.assert_array_equal(image, samples0[index][0])
        assert scale == samples0[index][1]


def test_finished_pass_is_read_without_decoding(
    tmp_path: Path, blob_video: VideoInfo, fake_model: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path)
    whole, *_ = _pass(blob_video, _store(tmp_path, "other"))
    with pytest.raises(Interrupt):  # a crash after the pass (e.g. in the annotated video)
        _pass(blob_video, store, stop_after_part=N_FRAMES // PART_FRAMES)

    def no_decoding(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("decoded although every part was checkpointed")

    monkeypatch.setattr(pose_module, "iter_frames", no_decoding)
    fake_model.clear()
    again, at, progress, samples = _pass(blob_video, store)
    assert at == N_FRAMES and progress.frames == 0 and not fake_model
    _assert_same(whole, again)
    assert sorted(samples) == [0, 30, 60]


def test_damaged_or_missing_part_is_not_trusted(
    tmp_path: Path, blob_video: VideoInfo, fake_model: list[int]
) -> None:
    whole, *_ = _pass(blob_video, _store(tmp_path, "whole"))
    store = _store(tmp_path)
    with pytest.raises(Interrupt):
        _pass(blob_video, store, stop_after_part=2)  # parts 0-2 written: frames 0-59
    npz = store.folder / "part_0001.npz"
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: the hash no longer matches
    npz.write_bytes(bytes(data))
    assert store.load_part(1) is None and store.load_part(2) is not None
    resumed, at, progress, _ = _pass(blob_video, store)
    assert at == PART_FRAMES  # part 0 only; part 2 is not used after a bad part 1
    assert progress.frames == N_FRAMES - PART_FRAMES
    _assert_same(whole, resumed)

    # A part cut short by a crash while it was written (no JSON yet, or a
    # truncated .npz) is only a miss too.
    store2 = _store(tmp_path, "cut")
    with pytest.raises(Interrupt):
        _pass(blob_video, store2, stop_after_part=1)
    (store2.folder / "part_0001.json").unlink()
    (store2.folder / "part_0000.npz").write_bytes(npz.read_bytes()[:100])
    _, at, progress, _ = _pass(blob_video, store2)
    assert at == 0 and progress.frames == N_FRAMES


def test_changed_video_or_setting_clears_old_checkpoints(
    tmp_path: Path, blob_video: VideoInfo, fake_model: list[int]
) -> None:
    key_a = full_job_key(video_key="pose-key-a", part_frames=PART_FRAMES)
    assert key_a != full_job_key(video_key="pose-key-b", part_frames=PART_FRAMES)
    assert key_a != full_job_key(video_key="pose-key-a", part_frames=PART_FRAMES + 1)
    store = _store(tmp_path, key_a)
    with pytest.raises(Interrupt):
        _pass(blob_video, store, stop_after_part=1)
    other = _store(tmp_path, full_job_key(video_key="pose-key-b", part_frames=PART_FRAMES))
    assert other.load_part(0) is None  # another video or pose setting: not read
    with pytest.raises(Interrupt):
        _pass(blob_video, other, stop_after_part=0)
    assert json.loads((other.folder / "manifest.json").read_text())["key"] == other.key
    assert sorted(p.name for p in other.folder.glob("part_*")) == [
        "part_0000.json",
        "part_0000.npz",
    ]  # the old job's parts were cleared
    assert store.load_part(0) is None


def test_part_round_trip_and_join() -> None:
    rng = np.random.default_rng(3)
    n, slots = 5, 2
    state = PassState(
        last_pts=1234,
        last_ms=567,
        differ_previous=rng.random((12, 16), dtype=np.float32),
        differ_memory=rng.random((12, 16), dtype=np.float32),
        follower_history=[(3, (1.0, 2.0, 30.5, 40.25)), (4, (2.0, 2.0, 31.5, 41.0))],
    )
    part = PosePart(
        start=10,
        xy_px=rng.random((n, slots, 33, 2), dtype=np.float32),
        zvp=rng.random((n, slots, 33, 3), dtype=np.float32),
        crop_px=rng.random((n, 4)),
        timestamps_s=np.arange(n) / 30.0,
        diffs=rng.random(n),
        state=state,
    )
    arrays, meta = part_to_arrays(part)
    back = part_from_arrays(arrays, json.loads(json.dumps(meta)))
    assert back.start == 10 and back.stop == 15 and not back.final
    assert back.state.follower_history == state.follower_history
    assert (back.state.last_pts, back.state.last_ms) == (1234, 567)
    for name in ("xy_px", "zvp", "crop_px", "timestamps_s", "diffs"):
        np.testing.assert_array_equal(getattr(back, name), getattr(part, name))
    first = PosePart(start=0, **_empty(slots, 10))
    joined = join_parts([first, part])
    assert joined.start == 0 and joined.stop == 15 and joined.state is state
    with pytest.raises(ValueError, match="starting at 10"):
        join_parts([first, dataclasses.replace(part, start=11)])
    meta_bad = dict(meta, frames=n + 1)
    with pytest.raises(ValueError, match="expected shape"):
        part_from_arrays(arrays, meta_bad)


def _empty(slots: int, n: int) -> dict[str, Any]:
    return {
        "xy_px": np.zeros((n, slots, 33, 2), np.float32),
        "zvp": np.zeros((n, slots, 33, 3), np.float32),
        "crop_px": np.zeros((n, 4)),
        "timestamps_s": np.zeros(n),
        "diffs": np.zeros(n),
        "state": PassState(),
    }


def test_part_size_and_config() -> None:
    assert part_frames_for(fps=60.0, every_s=60.0) == 3600
    assert part_frames_for(fps=29.97, every_s=1.0) == 30
    assert part_frames_for(fps=30.0, every_s=0.001) == 1
    assert LongRunConfig().checkpoint_every_s == 60.0
    with pytest.raises(ConfigError, match=r"long_run\.checkpoint_every_s"):
        with_overrides(Config(), {"long_run.checkpoint_every_s": 0.0})


SAMPLE = Path(__file__).parents[1] / "sample_videos" / "overstrider.mp4"


@pytest.mark.integration
def test_interrupted_full_run_resumes_with_the_same_report(tmp_path: Path) -> None:
    """MediaPipe (IMAGE mode, the default) on a 10 s sample, checkpointed every 2 s
    (120 frames), interrupted after the second part and re-run."""
    from formcheck.analysis import AnalysisOptions
    from formcheck.checkpoint import resume_dir_for
    from formcheck.pipeline import analyze_run

    config = with_overrides(Config(), {"long_run.mode": "full", "long_run.checkpoint_every_s": 2.0})

    def run(out: Path, hook: Any = None) -> tuple[Any, _Counter]:
        progress = _Counter()
        result = analyze_run(
            [SAMPLE],
            config=config,
            options=[AnalysisOptions()],
            out_dir=out,
            progress=progress,
            annotated_video=False,
            html=False,
            on_part=hook,
        )
        return result, progress

    whole, whole_progress = run(tmp_path / "whole")
    assert whole_progress.frames == 600
    assert not resume_dir_for(tmp_path / "whole").exists()

    def stop_after_1(index: int, done: int) -> None:
        if index == 1:
            raise Interrupt

    out = tmp_path / "out"
    with pytest.raises(Interrupt):
        run(out, stop_after_1)
    assert not out.exists() and (resume_dir_for(out) / "video_0" / "part_0001.npz").is_file()
    resumed, progress = run(out)
    assert progress.frames == 600 - 240  # resumed at frame 240: 360 frames computed
    assert "pose, resumed at frame 240" in progress.labels
    assert resumed.pose[0].resumed_at_frame == 240
    assert not resume_dir_for(out).exists()  # removed once the output is complete
    a, b = whole.pose[0].track, resumed.pose[0].track
    np.testing.assert_array_equal(a.xy_px, b.xy_px)  # IMAGE mode: exactly the same
    np.testing.assert_array_equal(a.timestamps_s, b.timestamps_s)
    assert json.dumps(whole.report, sort_keys=True) == json.dumps(resumed.report, sort_keys=True)


@pytest.mark.integration
def test_a_video_with_nobody_in_it_leaves_no_checkpoints(
    blob_video: VideoInfo, tmp_path: Path
) -> None:
    """MediaPipe finds no person in the blob clip: the run fails with the reason and
    keeps no checkpoints (a re-run would give the same answer), nor any output."""
    from formcheck.analysis import AnalysisOptions
    from formcheck.checkpoint import resume_dir_for
    from formcheck.errors import NoPersonError
    from formcheck.pipeline import analyze_run

    config = with_overrides(Config(), {"long_run.mode": "full", "long_run.checkpoint_every_s": 1.0})
    out = tmp_path / "out"
    with pytest.raises(NoPersonError, match="no person was detected"):
        analyze_run(
            [blob_video.path],
            config=config,
            options=[AnalysisOptions()],
            out_dir=out,
            annotated_video=False,
            html=False,
        )
    assert not out.exists()
    assert not resume_dir_for(out).exists()


def test_the_cli_says_when_the_pose_pass_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The progress bar is drawn on a terminal only; logs get a plain line."""
    import formcheck.pipeline
    from formcheck.cli import main

    out = tmp_path / "out"

    def fake_run(videos: list[Path], **kwargs: Any) -> SimpleNamespace:
        out.mkdir()
        (out / "report.json").write_text("{}")
        report = {"summary": {}, "running": False, "not_running_reason": "-", "warnings": []}
        pose = SimpleNamespace(resumed_at_frame=240, info=SimpleNamespace(n_frames=600))
        fresh = SimpleNamespace(resumed_at_frame=0, info=pose.info)
        return SimpleNamespace(report=report, pose=[pose, fresh])

    monkeypatch.setattr(formcheck.pipeline, "analyze_run", fake_run)
    video = tmp_path / "run.mp4"
    video.write_bytes(b"video")
    assert main(["analyze", str(video), "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "video 1: the pose pass resumed from checkpoints at frame 240 of 600" in lines
    assert not any(line.startswith("video 2:") for line in lines)  # not resumed: not said
