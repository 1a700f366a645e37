"""Native (C++) log lines are captured; formcheck's own stderr still reaches the user."""

from __future__ import annotations

import os
import sys

import pytest

from formcheck.native_log import STDERR_FD, native_stderr_captured


def test_native_writes_are_captured_and_python_stderr_passes(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with native_stderr_captured() as log:
        os.write(STDERR_FD, b"W0000 inference_feedback_manager.cc:121] native line\n")
        print("formcheck: progress 50 %", file=sys.stderr)
    _, err = capfd.readouterr()
    assert log.lines == ["W0000 inference_feedback_manager.cc:121] native line"]
    assert "formcheck: progress 50 %" in err
    assert "native line" not in err


def test_disabled_capture_lets_native_lines_through(capfd: pytest.CaptureFixture[str]) -> None:
    with native_stderr_captured(enabled=False) as log:
        os.write(STDERR_FD, b"native line\n")
    _, err = capfd.readouterr()
    assert "native line" in err
    assert log.lines == []


def test_descriptor_restored_after_an_error(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError), native_stderr_captured() as log:
        os.write(STDERR_FD, b"before the error\n")
        raise RuntimeError("boom")
    os.write(STDERR_FD, b"after the block\n")
    _, err = capfd.readouterr()
    assert log.lines == ["before the error"]
    assert "after the block" in err
