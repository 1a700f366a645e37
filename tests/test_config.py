"""Configuration: the commented example equals the defaults; overrides and errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from formcheck.cli import main
from formcheck.config import EXAMPLE_CONFIG_PATH, Config, load_config, with_overrides
from formcheck.errors import ConfigError


def test_example_toml_is_the_default_config() -> None:
    assert load_config(EXAMPLE_CONFIG_PATH) == Config()


def test_partial_file_keeps_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[findings.forward_lean]\nflag_above_deg = 14\n")
    config = load_config(path)
    assert config.findings.forward_lean.flag_above_deg == 14.0
    assert config.findings.forward_lean.caution_above_deg == 12.0
    assert config.pose == Config().pose


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[pose]\nnum_poses = 'three'\n", "expected int"),
        ("[pose]\nrunning_mode = 'live'\n", "expected one of"),
        ("[pose]\nbogus = 1\n", "unknown key"),
        ("[pose\n", "invalid TOML"),
        ("[findings]\ninterval_level = 95\n", "coverage between 0 and 1"),
        ("[pose]\nnum_poses = 0\n", "pose.num_poses: expected at least 1, got 0"),
        ("[clean]\nmin_visibility = 5.0\n", "expected a value from 0 to 1, got 5.0"),
        (
            "[gait]\nmin_cadence_spm = 300\n",
            "gait.min_cadence_spm and gait.max_cadence_spm: expected min_cadence_spm below "
            "max_cadence_spm, got min_cadence_spm = 300.0, max_cadence_spm = 260.0",
        ),
        ("[findings.overstride]\nflag_shank_angle_deg = nan\n", "expected a finite number"),
        (
            "[findings.heel_strike]\nrearfoot_above_deg = -5\n",
            "expected forefoot_below_deg below rearfoot_above_deg",
        ),
    ],
)
def test_bad_files_name_the_file_and_problem(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert fragment in str(err.value)


def test_overrides() -> None:
    config = with_overrides(Config(), {"pose.num_poses": 1, "clean.max_cutoff_hz": 12})
    assert config.pose.num_poses == 1
    assert config.clean.max_cutoff_hz == 12.0
    with pytest.raises(ConfigError, match=re.escape("unknown configuration key 'pose.nope'")):
        with_overrides(Config(), {"pose.nope": 1})
    with pytest.raises(
        ConfigError, match=re.escape("unknown configuration key 'pose.num_poses.x'")
    ):
        with_overrides(Config(), {"pose.num_poses.x": 1})
    # One section's overrides are judged together: raising both cadence
    # bounds past the old maximum is fine, the minimum alone is not.
    faster = with_overrides(Config(), {"gait.min_cadence_spm": 270, "gait.max_cadence_spm": 300})
    assert (faster.gait.min_cadence_spm, faster.gait.max_cadence_spm) == (270.0, 300.0)
    with pytest.raises(
        ConfigError, match=re.escape("min_cadence_spm = 270.0, max_cadence_spm = 260.0")
    ):
        with_overrides(Config(), {"gait.min_cadence_spm": 270})


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Config().pose.num_poses = 2  # type: ignore[misc]


def test_cli_reports_missing_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["pose", "video.mp4", "-o", str(tmp_path / "o"), "--config", str(tmp_path / "x")])
    assert code != 0
    assert "configuration file not found" in capsys.readouterr().err


def test_cli_rejects_out_of_range_overrides_and_unreadable_configs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "o")
    assert main(["pose", "video.mp4", "-o", out, "--num-poses", "-1"]) == ConfigError.exit_code
    assert "pose.num_poses: expected at least 1, got -1" in capsys.readouterr().err
    folder = tmp_path / "a_folder"
    folder.mkdir()
    assert main(["pose", "video.mp4", "-o", out, "--config", str(folder)]) == ConfigError.exit_code
    err = capsys.readouterr().err
    assert str(folder) in err and "cannot read the configuration file" in err


def test_the_web_section_of_a_shared_file_is_left_to_the_web_app(tmp_path: Path) -> None:
    path = tmp_path / "formcheck.toml"
    path.write_text("[web]\nport = 8100\n\n[pose]\nnum_poses = 2\n", encoding="utf-8")
    assert load_config(path).pose.num_poses == 2
