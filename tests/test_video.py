"""Video input: probing, rotation, timestamps, and every bad-input case."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.capture.video import VideoInfo, check_duration, iter_frames, probe_video
from formcheck.cli import main
from formcheck.errors import VideoError
from tests.conftest import marker_frames, write_clip


def test_probe_and_stream(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "c.mp4", marker_frames(20), fps=30)
    info = probe_video(clip)
    assert (info.width, info.height, info.n_frames, info.rotation_deg) == (64, 48, 20, 0)
    assert info.fps == pytest.approx(30.0)
    frames = list(iter_frames(info))
    assert len(frames) == 20
    times = np.array([f.timestamp_s for f in frames])
    np.testing.assert_allclose(np.diff(times), 1 / 30, atol=1e-6)
    assert times[0] == 0.0


def test_frames_are_contiguous_for_unaligned_widths(tmp_path: Path) -> None:
    # 54 px rows are padded by FFmpeg; MediaPipe needs C-contiguous images.
    clip = write_clip(tmp_path / "odd.mp4", marker_frames(3, width=54, height=48))
    frame = next(iter_frames(probe_video(clip)))
    assert frame.rgb.shape == (48, 54, 3)
    assert frame.rgb.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize(
    ("display_rotation", "block_corner"),
    [(90, "bottom-left"), (-90, "top-right"), (180, "bottom-right")],
)
def test_rotation_metadata_makes_frames_upright(
    tmp_path: Path, display_rotation: int, block_corner: str
) -> None:
    # The block is drawn top-left in the stored frame; the display matrix says
    # how the player must rotate it (positive = counter-clockwise).
    clip = write_clip(tmp_path / "r.mp4", marker_frames(5), rotation_deg=display_rotation)
    info = probe_video(clip)
    frame = next(iter_frames(info)).rgb
    if display_rotation in (90, -90):
        assert (info.width, info.height) == (48, 64)
    assert frame.shape[:2] == (info.height, info.width)
    ys, xs = np.nonzero(frame[..., 0] > 128)
    h, w = frame.shape[:2]
    vertical = "top" if ys.mean() < h / 4 else "bottom" if ys.mean() > 3 * h / 4 else "middle"
    horizontal = "left" if xs.mean() < w / 4 else "right" if xs.mean() > 3 * w / 4 else "middle"
    assert f"{vertical}-{horizontal}" == block_corner


def _expect_cli_error(path: Path, fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["info", str(path)])
    err = capsys.readouterr().err
    assert code != 0
    assert str(path) in err
    assert fragment in err
    # FFmpeg's words, not its error number or class name.
    assert "Errno" not in err and "Error:" not in err.split(fragment, 1)[-1]


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _expect_cli_error(tmp_path / "nope.mp4", "file not found", capsys)


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    _expect_cli_error(path, "empty", capsys)


def test_text_renamed_mp4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("these are my running notes, not a video\n" * 20)
    _expect_cli_error(path, "not a readable video", capsys)


def test_a_text_file_is_not_a_video(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # FFmpeg's tty reader draws a long enough .txt as 25-fps frames of text:
    # it probed as a 640x400 "video" and ran the whole pose pass.
    path = tmp_path / "readme.txt"
    path.write_text("# formcheck\n\nRun the demo with make demo.\n" * 200)
    _expect_cli_error(path, "got a text file", capsys)


def test_jpeg_renamed_mp4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import cv2

    ok, data = cv2.imencode(".jpg", np.full((32, 32, 3), 128, np.uint8))
    assert ok
    path = tmp_path / "photo.mp4"
    path.write_bytes(data.tobytes())
    _expect_cli_error(path, "still image", capsys)


def test_zero_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "zero.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.start_encoding()  # header only, no frame
    with pytest.raises(VideoError, match=r"found 0|found none"):
        probe_video(path)
    _expect_cli_error(path, str(path.name), capsys)


def test_truncated_file_without_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = write_clip(tmp_path / "full.mp4", marker_frames(60))
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the index (moov) is at the end: gone
    _expect_cli_error(cut, "not a readable video", capsys)


def test_truncated_file_with_index_first(tmp_path: Path) -> None:
    frames = np.random.default_rng(0).integers(0, 255, (60, 48, 64, 3), dtype=np.uint8)
    clip = write_clip(tmp_path / "fs.mp4", frames, faststart=True)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    info = probe_video(cut)
    assert info.n_frames == 60
    with pytest.raises(VideoError, match=r"truncated|corrupt"):
        for _ in iter_frames(info):
            pass


def test_garbage_bytes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "garbage.mp4"
    path.write_bytes(np.random.default_rng(1).integers(0, 255, 50_000, dtype=np.uint8).tobytes())
    _expect_cli_error(path, "not a readable video", capsys)


def test_unknown_codec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = write_clip(tmp_path / "ok.mp4", marker_frames(10))
    data = clip.read_bytes().replace(b"avc1", b"zzz9").replace(b"avcC", b"zzzC")
    path = tmp_path / "codec.mp4"
    path.write_bytes(data)
    with pytest.raises(VideoError) as info:
        probe_video(path)
    assert str(path) in str(info.value)


def test_too_short_for_two_strides(tmp_path: Path) -> None:
    info = probe_video(write_clip(tmp_path / "short.mp4", marker_frames(10), fps=30))
    with pytest.raises(VideoError, match="two strides"):
        check_duration(info, min_duration_s=1.0)


def test_directory_is_not_a_video(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _expect_cli_error(tmp_path, "expected a video file", capsys)


def test_too_short_with_a_capture_rate_says_how_much_real_time_it_holds() -> None:
    info = VideoInfo(
        path=Path("run.mp4"), width=608, height=1080, fps=30.0, n_frames=178,
        duration_s=5.93, rotation_deg=0, codec="h264",
    )  # fmt: skip
    check_duration(info, min_duration_s=1.85)  # real time: long enough
    with pytest.raises(VideoError, match=r"hold 0\.74 s of real time; leave --capture-fps out"):
        check_duration(info, min_duration_s=7.38, capture_fps=240.0)
