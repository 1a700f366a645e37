"""Output folders: written whole or not at all, and never over a user's own files."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.errors import ConfigError, OutputError
from formcheck.outdir import MARKER_NAME, check_output_dir, staged_output


def test_new_folder_appears_whole_with_its_marker(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    with staged_output(out) as staging:
        (staging / "report.json").write_text("{}")
        assert not out.exists()
    assert sorted(p.name for p in out.iterdir()) == [MARKER_NAME, "report.json"]
    assert [p.name for p in out.parent.iterdir()] == ["out"]  # no staging left behind


def test_an_earlier_output_is_replaced_and_kept_when_the_job_fails(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_output(out) as staging:
        (staging / "old.txt").write_text("first run")
    with pytest.raises(RuntimeError), staged_output(out) as staging:
        (staging / "new.txt").write_text("second run, failed")
        raise RuntimeError("boom")
    assert (out / "old.txt").read_text() == "first run"
    with staged_output(out) as staging:
        (staging / "new.txt").write_text("third run")
    assert sorted(p.name for p in out.iterdir()) == [MARKER_NAME, "new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_from_before_the_marker_counts_as_an_earlier_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.json").write_text("{}")
    check_output_dir(out)  # no error
    empty = tmp_path / "empty"
    empty.mkdir()
    check_output_dir(empty)


def test_a_file_or_a_folder_of_other_files_is_refused_untouched(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    with pytest.raises(OutputError, match="found a file"):
        check_output_dir(a_file)
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.txt").write_text("mine")
    with pytest.raises(OutputError, match="found other files in it"), staged_output(folder):
        pass
    assert a_file.read_text() == "mine"
    assert [p.name for p in folder.iterdir()] == ["chapter1.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "thesis"]


def test_an_unwritable_place_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="not a writable folder"):
        check_output_dir(Path("/proc/formcheck-test/out"))
    under_a_file = tmp_path / "f"
    under_a_file.write_text("")
    with pytest.raises(OutputError, match="not a writable folder"):
        check_output_dir(under_a_file / "out")


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


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--capture-fps", "nan"], "--capture-fps: expected a positive number, got nan"),
        (["--height-cm", "inf"], "--height-cm: expected a positive number, got inf"),
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
    assert not (tmp_path / "o").exists()
