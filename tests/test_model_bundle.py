"""Tests of the offline pose model bundle: lookup, verification, loading, reproducible build."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from formcheck.capture import model_bundle
from formcheck.capture.model_bundle import (
    BUNDLE_FILENAME,
    BUNDLE_SHA256,
    WHEEL_FILENAME,
    build_bundle,
    default_model_path,
    verify_bundle,
)
from formcheck.errors import ModelError

CACHED_WHEEL = Path(__file__).resolve().parent.parent / "models" / ".cache" / WHEEL_FILENAME


def _real_bundle() -> Path:
    """The bundle at the default path; CI builds it before the tests, so fail, never skip."""
    path = default_model_path()
    if not path.is_file():
        pytest.fail(f"pose model bundle not found at {path}: run `formcheck setup` to build it")
    return path


def test_default_model_path_honours_formcheck_model_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path))
    assert default_model_path() == tmp_path / BUNDLE_FILENAME


def test_default_model_path_falls_back_to_xdg_data_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FORMCHECK_MODEL_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_model_path() == tmp_path / "formcheck" / "models" / BUNDLE_FILENAME
    monkeypatch.delenv("XDG_DATA_HOME")
    expected = Path.home() / ".local" / "share" / "formcheck" / "models" / BUNDLE_FILENAME
    assert default_model_path() == expected


def test_verify_missing_bundle_names_setup_command(tmp_path: Path) -> None:
    missing = tmp_path / BUNDLE_FILENAME
    with pytest.raises(ModelError, match="formcheck setup") as info:
        verify_bundle(missing)
    assert str(missing) in str(info.value)


def test_verify_altered_bundle_reports_expected_sha256(tmp_path: Path) -> None:
    real_bundle = _real_bundle()
    copy = tmp_path / BUNDLE_FILENAME
    shutil.copyfile(real_bundle, copy)
    with copy.open("r+b") as f:
        f.seek(5000)
        byte = f.read(1)
        f.seek(5000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match=f"expected sha256 {BUNDLE_SHA256}") as info:
        verify_bundle(copy)
    assert "formcheck setup --force" in str(info.value)


def test_real_bundle_verifies_and_runs_in_pose_landmarker() -> None:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    real_bundle = _real_bundle()
    assert verify_bundle() == real_bundle
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(real_bundle)),
        running_mode=vision.RunningMode.IMAGE,
    )
    blank = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros((256, 256, 3), np.uint8))
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(blank)
    assert isinstance(result.pose_landmarks, list)


def test_build_returns_existing_verified_bundle_without_a_wheel(tmp_path: Path) -> None:
    real_bundle = _real_bundle()
    copy = tmp_path / BUNDLE_FILENAME
    shutil.copyfile(real_bundle, copy)
    lines: list[str] = []
    path = build_bundle(out_path=copy, wheel_path=tmp_path / "absent.whl", log=lines.append)
    assert path == copy
    assert any("already built" in line for line in lines)


def test_build_rejects_a_wheel_without_the_models(tmp_path: Path) -> None:
    wheel = tmp_path / WHEEL_FILENAME
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("mediapipe/__init__.py", "")
    out = tmp_path / BUNDLE_FILENAME
    with pytest.raises(ModelError, match="not a usable"):
        build_bundle(out_path=out, wheel_path=wheel)
    assert not out.exists()


@pytest.mark.skipif(not CACHED_WHEEL.is_file(), reason=f"no cached wheel at {CACHED_WHEEL}")
def test_rebuild_from_cached_wheel_gives_pinned_sha256(tmp_path: Path) -> None:
    out = tmp_path / "sub" / BUNDLE_FILENAME
    lines: list[str] = []
    assert build_bundle(out_path=out, wheel_path=CACHED_WHEEL, log=lines.append) == out
    assert hashlib.sha256(out.read_bytes()).hexdigest() == BUNDLE_SHA256
    assert [p.name for p in out.parent.iterdir()] == [BUNDLE_FILENAME]  # no temp file left
    with zipfile.ZipFile(out) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
    for info in infos:
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
    assert any(line.startswith("wrote ") for line in lines)


def test_build_refuses_to_write_a_bundle_with_another_sha256(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if not CACHED_WHEEL.is_file():
        pytest.skip(f"no cached wheel at {CACHED_WHEEL}")
    monkeypatch.setattr(model_bundle, "BUNDLE_SHA256", "0" * 64)
    out = tmp_path / BUNDLE_FILENAME
    with pytest.raises(ModelError, match=r"expected sha256 0{64}"):
        build_bundle(out_path=out, wheel_path=CACHED_WHEEL)
    assert not out.exists()
