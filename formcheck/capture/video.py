"""Video input: probe a file and stream upright RGB frames with real timestamps.

Frames are decoded one at a time with PyAV (FFmpeg), so a long video is never
held in memory. Phone rotation metadata (display matrix) is applied, so a
portrait clip stored as landscape comes out upright. Timestamps come from the
container, so variable-frame-rate phone video keeps its real timing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from formcheck.errors import VideoError

# A decoded stream shorter than this share of the frames the container
# announces is treated as truncated.
_TRUNCATION_TOLERANCE = 0.95
_MAX_PROBE_PACKETS = 400_000


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds, as probed before decoding.

    Attributes
    ----------
    path : Path
    width, height : int
        Upright frame size in pixels (after applying rotation metadata).
    fps : float
        Average frame rate of the stream, frames per second.
    n_frames : int
        Number of frames the container announces (counted from packets
        when the container does not say).
    duration_s : float
        Stream duration in seconds.
    rotation_deg : int
        Clockwise rotation applied to decoded frames to make them upright
        (0, 90, 180 or 270).
    codec : str
        Codec name, e.g. ``"h264"``.
    """

    path: Path
    width: int
    height: int
    fps: float
    n_frames: int
    duration_s: float
    rotation_deg: int
    codec: str


@dataclass(frozen=True)
class Frame:
    """One decoded, upright frame.

    Attributes
    ----------
    index : int
        Zero-based decode order.
    timestamp_s : float
        Presentation time in seconds relative to the first frame.
    rgb : ndarray, shape (height, width, 3), uint8
        Upright RGB image, C-contiguous.
    pts : int or None
        Presentation timestamp in the stream's time base (None when the
        container gives none); where a resumed decode seeks to.
    """

    index: int
    timestamp_s: float
    rgb: np.ndarray
    pts: int | None = None


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise VideoError(f"{path}: file not found")
    if not path.is_file():
        raise VideoError(f"{path}: expected a video file, got a directory or special file")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: the file is empty (0 bytes)")
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise VideoError(f"{path}: not a readable video ({ffmpeg_reason(exc)})") from exc


def ffmpeg_reason(exc: BaseException) -> str:
    """FFmpeg's own words for a failure, without its error code and the path
    (``Invalid data found when processing input``); the text otherwise."""
    reason = getattr(exc, "strerror", None)
    return str(reason) if reason else str(exc)


# FFmpeg readers and codecs that draw text (ANSI art, .txt, binary text) as
# frames: a text file would otherwise probe as a 25-fps "video".
_TEXT_FORMATS = frozenset({"tty", "bin", "xbin", "adf", "idf"})
_TEXT_CODECS = frozenset({"ansi", "bintext", "xbin", "idf"})


def _video_stream(container: av.container.InputContainer, path: Path) -> av.video.VideoStream:
    if not container.streams.video:
        raise VideoError(f"{path}: expected a video stream, found none (is it a video file?)")
    fmt = container.format.name or ""
    if fmt.endswith("_pipe") or fmt == "image2":
        raise VideoError(f"{path}: expected a video, got a still image ({fmt})")
    stream = container.streams.video[0]
    codec = stream.codec_context.name if stream.codec_context is not None else None
    if fmt in _TEXT_FORMATS or codec in _TEXT_CODECS:
        raise VideoError(
            f"{path}: expected a video, got a text file (FFmpeg's {fmt!r} reader draws "
            "text as pictures)"
        )
    if stream.codec_context is None or stream.codec_context.name is None:
        raise VideoError(f"{path}: the video codec is not supported by this FFmpeg build")
    return stream


def _normalise_rotation(angle: float) -> int:
    """Clockwise rotation in {0, 90, 180, 270} that makes frames upright."""
    # PyAV reports the display-matrix rotation counter-clockwise; a frame is
    # made upright by rotating it clockwise by that angle.
    return round(-angle / 90.0) % 4 * 90


def probe_video(path: str | Path) -> VideoInfo:
    """Probe a video file without decoding all of it.

    Parameters
    ----------
    path : str or Path
        Video file.

    Returns
    -------
    VideoInfo

    Raises
    ------
    VideoError
        Missing file, not a video, no video stream, unsupported codec,
        zero frames or an undecodable first frame.
    """
    path = Path(path)
    with _open(path) as container:
        stream = _video_stream(container, path)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        try:
            first = next(container.decode(stream))
        except StopIteration:
            raise VideoError(f"{path}: expected at least one video frame, found 0") from None
        except av.error.FFmpegError as exc:
            raise VideoError(
                f"{path}: the first frame cannot be decoded ({ffmpeg_reason(exc)})"
            ) from exc
        rotation = _normalise_rotation(float(getattr(first, "rotation", 0) or 0))
        width, height = first.width, first.height
        n_frames = int(stream.frames or 0)
        if stream.duration is not None and stream.time_base is not None:
            duration_s = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration_s = container.duration / 1e6
        else:
            duration_s = 0.0
        codec = stream.codec_context.name
    if n_frames <= 0:
        n_frames = _count_packets(path)
    if fps <= 0 and duration_s > 0:
        fps = n_frames / duration_s
    if not math.isfinite(fps) or fps <= 0:
        raise VideoError(f"{path}: cannot determine the frame rate (got {fps})")
    if duration_s <= 0:
        duration_s = n_frames / fps
    if rotation in (90, 270):
        width, height = height, width
    return VideoInfo(
        path=path,
        width=width,
        height=height,
        fps=fps,
        n_frames=n_frames,
        duration_s=duration_s,
        rotation_deg=rotation,
        codec=codec,
    )


def check_duration(
    info: VideoInfo, *, min_duration_s: float, capture_fps: float | None = None
) -> None:
    """Raise :class:`VideoError` if the clip is shorter than ``min_duration_s``.

    With ``capture_fps`` (slow motion) the message says how much real time
    the clip holds at that rate: a real-time clip given a capture rate
    holds a fraction of its length.
    """
    if info.duration_s < min_duration_s:
        message = (
            f"{info.path}: the clip is {info.duration_s:.2f} s long; at least "
            f"{min_duration_s:.2f} s is needed to hold two strides"
        )
        if capture_fps:
            real_s = info.duration_s * info.fps / capture_fps
            message += (
                f" (with --capture-fps {capture_fps:g} its {info.fps:g}-fps frames hold "
                f"{real_s:.2f} s of real time; leave --capture-fps out unless the clip is "
                "slow motion)"
            )
        raise VideoError(message)


def _count_packets(path: Path) -> int:
    """Count video packets by demuxing (no decoding); used when the header is silent."""
    with _open(path) as container:
        stream = _video_stream(container, path)
        count = 0
        for packet in container.demux(stream):
            if packet.size:
                count += 1
            if count >= _MAX_PROBE_PACKETS:
                break
    if count == 0:
        raise VideoError(f"{path}: expected at least one video frame, found 0")
    return count


def _upright(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Rotate an (H, W, 3) image clockwise by ``rotation_deg``; always C-contiguous.

    FFmpeg pads each row to an aligned line size, so a frame whose width is
    not a multiple of the alignment (e.g. 540 px) comes out as a strided
    view; MediaPipe silently detects nothing in such an image.
    """
    if rotation_deg:
        # np.rot90 with k > 0 rotates counter-clockwise.
        image = np.rot90(image, k=-(rotation_deg // 90))
    return np.ascontiguousarray(image)


def iter_frames(
    info: VideoInfo, *, from_index: int = 0, after_pts: int | None = None
) -> Iterator[Frame]:
    """Decode a probed video frame by frame, from the start or from a resume point.

    Parameters
    ----------
    info : VideoInfo
        Result of :func:`probe_video` for the file.
    from_index : int
        First frame to yield (frames before it were done in an earlier,
        interrupted pass). Indices and timestamps are those a decode from
        the start gives.
    after_pts : int, optional
        Presentation timestamp of frame ``from_index - 1``: the decode seeks
        to the keyframe before it and starts after it, checking that it is
        met exactly. When it is unknown or not met (a stream without
        timestamps, a seek that lands past it), the frames before
        ``from_index`` are decoded and dropped instead, so indices stay
        exact either way.

    Yields
    ------
    Frame
        Upright RGB frames in presentation order.

    Raises
    ------
    VideoError
        A corrupt stream, or one that ends well before the frame count the
        container announces (a truncated file).
    """
    path = info.path
    index = from_index
    try:
        for index, t, frame in _decoded(info, from_index=from_index, after_pts=after_pts):
            rgb = _upright(frame.to_ndarray(format="rgb24"), info.rotation_deg)
            yield Frame(index=index, timestamp_s=t, rgb=rgb, pts=frame.pts)
            index += 1
    except av.error.FFmpegError as exc:
        raise VideoError(
            f"{path}: the video is corrupt: decoding failed after {index} of "
            f"{info.n_frames} frames ({ffmpeg_reason(exc)})"
        ) from exc
    if index < _TRUNCATION_TOLERANCE * info.n_frames:
        raise VideoError(
            f"{path}: the video looks truncated: the container announces "
            f"{info.n_frames} frames but only {index} could be decoded"
        )


def _frame_time_s(frame: av.VideoFrame, index: int, fps: float) -> float:
    if frame.pts is not None and frame.time_base is not None:
        return float(frame.pts * frame.time_base)
    return index / fps


def _decoded(
    info: VideoInfo, *, from_index: int, after_pts: int | None
) -> Iterator[tuple[int, float, av.VideoFrame]]:
    """``(index, seconds from the first frame, frame)`` from ``from_index`` on, unconverted.

    Tries the seek to ``after_pts`` first (see :func:`iter_frames`), else
    decodes from the start and drops the frames before ``from_index``.
    """
    with _open(info.path) as container:
        stream = _video_stream(container, info.path)
        stream.thread_type = "AUTO"
        decode = container.decode(stream)
        first = next(decode, None)
        if first is None:
            return
        t0 = _frame_time_s(first, 0, info.fps)
        if from_index > 0 and after_pts is not None and first.pts is not None:
            if first.pts < after_pts:
                container.seek(after_pts, stream=stream, backward=True)
                decode = container.decode(stream)
            else:
                decode = itertools.chain([first], decode)
            for frame in decode:
                if frame.pts is None or frame.pts > after_pts:
                    break  # the seek landed past the frame: decode from the start below
                if frame.pts == after_pts:
                    for index, frame in enumerate(decode, start=from_index):
                        yield index, _frame_time_s(frame, index, info.fps) - t0, frame
                    return
    with _open(info.path) as container:
        stream = _video_stream(container, info.path)
        stream.thread_type = "AUTO"
        for index, frame in enumerate(container.decode(stream)):
            if index >= from_index:
                yield index, _frame_time_s(frame, index, info.fps) - t0, frame


def iter_frames_between(info: VideoInfo, *, start_s: float, end_s: float) -> Iterator[Frame]:
    """Decode only the frames presented in ``[start_s, end_s)`` (seconds from the first frame).

    The container seeks to the last keyframe at or before ``start_s`` and
    decodes from there, discarding the frames before ``start_s``, so a
    window late in a long video costs about its own length to decode, not
    the whole video up to it.

    Parameters
    ----------
    info : VideoInfo
        The probed video.
    start_s, end_s : float
        Window in seconds from the video's first frame.

    Yields
    ------
    Frame
        Upright RGB frames; ``index`` counts from 0 within the window and
        ``timestamp_s`` is the time from the video's first frame.

    Raises
    ------
    VideoError
        A corrupt stream, or no frame in the window.
    """
    path = info.path
    index = 0
    with _open(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        base = stream.time_base
        t0 = float(stream.start_time * base) if stream.start_time is not None and base else 0.0
        if start_s > 0 and base:
            container.seek(int((t0 + start_s) / base), stream=stream, backward=True)
        try:
            for frame in container.decode(stream):
                if frame.pts is None or frame.time_base is None:
                    raise VideoError(f"{path}: frames without timestamps cannot be sought")
                t = float(frame.pts * frame.time_base) - t0
                if t < start_s - 1e-6:
                    continue
                if t >= end_s - 1e-6:
                    break
                rgb = _upright(frame.to_ndarray(format="rgb24"), info.rotation_deg)
                yield Frame(index=index, timestamp_s=t, rgb=rgb)
                index += 1
        except av.error.FFmpegError as exc:
            raise VideoError(
                f"{path}: the video is corrupt: decoding failed in the window "
                f"{start_s:.1f}-{end_s:.1f} s after {index} frames ({ffmpeg_reason(exc)})"
            ) from exc
    if index == 0:
        raise VideoError(
            f"{path}: expected frames between {start_s:.2f} and {end_s:.2f} s, found none"
        )
