"""Output folders: written whole or not at all, and never over a user's own files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from formcheck import cli
from formcheck.cli import main
from formcheck.errors import ConfigError, OutputError
from formcheck.outdir import check_output_dir, staged_output


def test_new_folder_appears_whole(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    with staged_output(out) as staging:
        (staging / "report.json").write_text("{}")
        assert not out.exists()
    assert [p.name for p in out.iterdir()] == ["report.json"]
    assert [p.name for p in out.parent.iterdir()] == ["out"]  # no staging left behind


def test_an_earlier_output_is_replaced_and_kept_when_the_job_fails(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_output(out) as staging:
        (staging / "report.json").write_text("first run")
        (staging / "pose_0").mkdir()
    with pytest.raises(RuntimeError), staged_output(out) as staging:
        (staging / "report.json").write_text("second run, failed")
        raise RuntimeError("boom")
    assert (out / "report.json").read_text() == "first run"
    with staged_output(out) as staging:
        (staging / "strides.csv").write_text("third run")
    assert [p.name for p in out.iterdir()] == ["strides.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_file_or_a_folder_with_other_files_is_refused_untouched(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    with pytest.raises(OutputError, match="found a file"):
        check_output_dir(a_file)
    # An earlier output the user has since added a file to is not replaced
    # either: the report names what it found.
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "report.json").write_text("{}")
    (folder / "thesis.docx").write_text("mine")
    with (
        pytest.raises(OutputError, match=r"found files formcheck does not write \(thesis.docx\)"),
        staged_output(folder),
    ):
        pass
    assert sorted(p.name for p in folder.iterdir()) == ["report.json", "thesis.docx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "out"]


def test_the_inputs_and_the_current_folder_are_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    (out / "pose_0").mkdir(parents=True)
    video = out / "run.mp4"  # a name formcheck never writes, but an input all the same
    check_output_dir(out)
    with pytest.raises(OutputError, match="holds this job's input"):
        check_output_dir(out, inputs=[video])
    monkeypatch.chdir(out / "pose_0")
    with pytest.raises(OutputError, match="holds\\) the current folder"):
        check_output_dir(Path(".."))


def test_an_unusable_place_is_refused(tmp_path: Path) -> None:
    under_a_file = tmp_path / "f"
    under_a_file.write_text("")
    with pytest.raises(OutputError, match="not a writable folder"):
        check_output_dir(under_a_file / "out")
    loop = tmp_path / "loop"
    os.symlink(loop, loop)
    with pytest.raises(OutputError, match="cannot use it as the output folder"):
        check_output_dir(loop / "out")


def test_cli_refuses_the_output_before_reading_the_video(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    # The video does not exist either: the output is judged first, up front.
    code = main(["analyze", str(tmp_path / "run.mp4"), "-o", str(folder), "--quiet"])
    assert code == OutputError.exit_code
    assert str(folder) in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


def test_cli_turns_an_unforeseen_file_system_error_into_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(args: object) -> int:
        raise OSError(28, "No space left on device", str(tmp_path / "o" / "pose.csv"))

    monkeypatch.setitem(cli._COMMANDS, "pose", full_disk)
    assert main(["pose", "run.mp4", "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("formcheck: error: [Errno 28] No space left on device")
    assert "pose.csv" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--capture-fps", "nan"], "--capture-fps: expected a positive number, got nan"),
        (["--height-cm", "inf"], "--height-cm: expected a positive number, got inf"),
        (["--belt-speed-kmh", "nan"], "--belt-speed-kmh: expected a positive number, got nan"),
        (["--elapsed", "nan"], "--elapsed: expected seconds"),
        (["--elapsed", "1:70"], "below 60"),
        (["--belt-speed", "3", "--belt-speed-kmh", "11"], "expected one of them, got both"),
    ],
)
def test_cli_rejects_non_finite_and_malformed_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], fragment: str
) -> None:
    code = main(["analyze", "run.mp4", "-o", str(tmp_path / "o"), *flags])
    assert code == ConfigError.exit_code
    assert fragment in capsys.readouterr().err


def test_cli_wants_clips_in_the_order_they_were_filmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["analyze", "late.mp4", "early.mp4", "-o", str(tmp_path / "o")]
    assert main([*argv, "--elapsed", "45:00,5:00"]) == ConfigError.exit_code
    assert "expected increasing times" in capsys.readouterr().err


def test_a_folder_that_cannot_be_renamed_gets_its_entries_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mount point (a container's bind mount) cannot be renamed (EBUSY),
    # and its parent, where staging lies, is another file system (EXDEV).
    out = tmp_path / "out"
    with staged_output(out) as staging:
        (staging / "report.json").write_text("first run")
        (staging / "pose_0").mkdir()
    real_replace = os.replace

    def mount_point(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        if Path(src) == out.resolve():
            raise OSError(16, "Device or resource busy")
        if Path(src).parent != Path(dst).parent:
            raise OSError(18, "Invalid cross-device link")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", mount_point)
    with staged_output(out) as staging:
        (staging / "report.json").write_text("second run")
        (staging / "strides.csv").write_text("rows")
        (out / "notes.txt").write_text("added by the user during the run")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "report.json", "strides.csv"]
    assert (out / "report.json").read_text() == "second run"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging left behind


def test_a_failed_copy_into_a_mount_point_keeps_both_outputs_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    with staged_output(out) as staging:
        (staging / "report.json").write_text("first run")
    real_replace = os.replace

    def busy(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        if Path(src) == out.resolve():
            raise OSError(16, "Device or resource busy")
        real_replace(src, dst)

    def disk_full(*_: object, **__: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", busy)
    monkeypatch.setattr("shutil.copy2", disk_full)
    with (
        pytest.raises(OutputError, match="complete results are in") as caught,
        staged_output(out) as staging,
    ):
        (staging / "report.json").write_text("second run")
    assert [p.name for p in out.iterdir()] == ["report.json"]
    assert (out / "report.json").read_text() == "first run"
    assert (staging / "report.json").read_text() == "second run"
    assert str(staging) in str(caught.value)


def test_results_that_cannot_be_moved_into_place_are_named_not_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"

    def refused(src: os.PathLike[str] | str, dst: os.PathLike[str] | str) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "replace", refused)
    with (
        pytest.raises(OutputError, match="complete results are in") as caught,
        staged_output(out) as staging,
    ):
        (staging / "report.json").write_text("{}")
    assert str(staging) in str(caught.value)
    assert (staging / "report.json").exists()
    assert not out.exists()
