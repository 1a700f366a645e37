"""One typed, frozen configuration, loaded from TOML.

The defaults are the dataclass defaults below; ``formcheck/config.example.toml``
is the same configuration written out with comments and sources (a test checks
the two agree). A user file only needs the keys it changes; CLI flags
override fields last, through :func:`with_overrides`.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from formcheck.errors import ConfigError

RunningMode = Literal["video", "image"]

# (field, test on the whole section, what is expected): checked when a
# section is built, so a bad value fails with its key, not deep in the run.
_Rule = tuple[str, Callable[[Any], bool], str]


def _check_section(section: str, obj: Any, rules: list[_Rule]) -> None:
    """Raise ConfigError for a non-finite number or a broken rule in one section."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{section}.{f.name}: expected a finite number, got {value}")
    for name, ok, expected in rules:
        if not ok(obj):
            raise ConfigError(f"{section}.{name}: expected {expected}, got {getattr(obj, name)!r}")


def _share(name: str) -> _Rule:
    return (name, lambda c: 0.0 <= getattr(c, name) <= 1.0, "a value from 0 to 1")


@dataclass(frozen=True)
class PoseConfig:
    """Pose estimation (MediaPipe PoseLandmarker) settings."""

    running_mode: RunningMode = "image"
    num_poses: int = 3
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    model_path: str = ""
    workers: int = 0

    def __post_init__(self) -> None:
        _check_section(
            "pose",
            self,
            [
                ("num_poses", lambda c: c.num_poses >= 1, "at least 1"),
                _share("min_detection_confidence"),
                _share("min_presence_confidence"),
                _share("min_tracking_confidence"),
                ("workers", lambda c: c.workers >= 0, "0 (one per core) or more"),
            ],
        )


@dataclass(frozen=True)
class CleanConfig:
    """Landmark cleaning: masking, gap filling, outliers, low-pass."""

    min_visibility: float = 0.3
    max_gap_s: float = 0.12
    hampel_window_s: float = 0.15
    hampel_n_sigma: float = 3.5
    cutoff_steps_per_cycle: float = 4.0
    min_cutoff_hz: float = 6.0
    max_cutoff_hz: float = 15.0
    filter_order: int = 2

    def __post_init__(self) -> None:
        positive = ("max_gap_s", "hampel_window_s", "hampel_n_sigma", "cutoff_steps_per_cycle")
        _check_section(
            "clean",
            self,
            [
                _share("min_visibility"),
                *((n, lambda c, n=n: getattr(c, n) > 0, "a positive number") for n in positive),
                ("min_cutoff_hz", lambda c: c.min_cutoff_hz > 0, "a positive number"),
                (
                    "max_cutoff_hz",
                    lambda c: c.max_cutoff_hz >= c.min_cutoff_hz,
                    f"at least min_cutoff_hz ({self.min_cutoff_hz})",
                ),
                ("filter_order", lambda c: c.filter_order >= 1, "at least 1"),
            ],
        )


@dataclass(frozen=True)
class GaitConfig:
    """Gait event detection and plausibility bounds."""

    min_cadence_spm: float = 100.0
    max_cadence_spm: float = 260.0
    contact_height_leg_lengths: float = 0.035
    max_running_duty_factor: float = 0.5
    min_steps: int = 4

    def __post_init__(self) -> None:
        _check_section(
            "gait",
            self,
            [
                ("min_cadence_spm", lambda c: c.min_cadence_spm > 0, "a positive number"),
                (
                    "max_cadence_spm",
                    lambda c: c.max_cadence_spm > c.min_cadence_spm,
                    f"more than min_cadence_spm ({self.min_cadence_spm})",
                ),
                (
                    "contact_height_leg_lengths",
                    lambda c: c.contact_height_leg_lengths > 0,
                    "a positive number",
                ),
                (
                    "max_running_duty_factor",
                    lambda c: 0 < c.max_running_duty_factor < 1,
                    "a share between 0 and 1",
                ),
                ("min_steps", lambda c: c.min_steps >= 2, "at least 2"),
            ],
        )


@dataclass(frozen=True)
class LeanConfig:
    """Forward-lean finding thresholds (degrees; METRICS.md section 1)."""

    caution_above_deg: float = 12.0
    flag_above_deg: float = 15.0
    flag_below_deg: float = -2.0
    sustained_share: float = 0.6

    def __post_init__(self) -> None:
        _check_section(
            "findings.forward_lean",
            self,
            [
                (
                    "flag_above_deg",
                    lambda c: c.flag_above_deg >= c.caution_above_deg,
                    f"at least caution_above_deg ({self.caution_above_deg})",
                ),
                (
                    "flag_below_deg",
                    lambda c: c.flag_below_deg < c.caution_above_deg,
                    f"below caution_above_deg ({self.caution_above_deg})",
                ),
                ("sustained_share", lambda c: 0 < c.sustained_share <= 1, "a share above 0, to 1"),
            ],
        )


@dataclass(frozen=True)
class StrikeConfig:
    """Foot-strike classification (Altman & Davis 2012)."""

    rearfoot_above_deg: float = 8.0
    forefoot_below_deg: float = -1.6

    def __post_init__(self) -> None:
        _check_section(
            "findings.heel_strike",
            self,
            [
                (
                    "rearfoot_above_deg",
                    lambda c: c.rearfoot_above_deg > c.forefoot_below_deg,
                    f"above forefoot_below_deg ({self.forefoot_below_deg})",
                )
            ],
        )


@dataclass(frozen=True)
class OverstrideConfig:
    """Overstride thresholds (no validated cutoff exists, Souza 2016)."""

    flag_shank_angle_deg: float = 10.0
    flag_foot_ahead_leg_lengths: float = 0.25
    caution_shank_angle_deg: float = 6.0
    straight_knee_below_deg: float = 15.0
    majority_share: float = 0.5

    def __post_init__(self) -> None:
        _check_section(
            "findings.overstride",
            self,
            [
                (
                    "flag_shank_angle_deg",
                    lambda c: c.flag_shank_angle_deg >= c.caution_shank_angle_deg,
                    f"at least caution_shank_angle_deg ({self.caution_shank_angle_deg})",
                ),
                (
                    "flag_foot_ahead_leg_lengths",
                    lambda c: c.flag_foot_ahead_leg_lengths > 0,
                    "a positive number",
                ),
                ("majority_share", lambda c: 0 < c.majority_share < 1, "a share between 0 and 1"),
            ],
        )


@dataclass(frozen=True)
class SlouchConfig:
    """Late-run posture drift (Koblbauer 2014; Dingenen 2018)."""

    window_share: float = 0.2
    window_min: float = 0.0
    flag_change_deg: float = 3.0
    min_strides_per_window: int = 7
    bootstrap_samples: int = 2000
    seed: int = 0

    def __post_init__(self) -> None:
        _check_section(
            "findings.late_run_slouch",
            self,
            [
                ("window_share", lambda c: 0 < c.window_share <= 0.5, "a share above 0, to 0.5"),
                ("window_min", lambda c: c.window_min >= 0, "0 or more"),
                ("flag_change_deg", lambda c: c.flag_change_deg > 0, "a positive number"),
                ("min_strides_per_window", lambda c: c.min_strides_per_window >= 2, "at least 2"),
                ("bootstrap_samples", lambda c: c.bootstrap_samples >= 100, "at least 100"),
            ],
        )


@dataclass(frozen=True)
class FindingsConfig:
    """Thresholds of the four headline findings.

    ``interval_level`` is the coverage of the order-statistic interval given
    for medians of per-contact angles (strike and shank angle at contact).
    """

    interval_level: float = 0.95
    forward_lean: LeanConfig = field(default_factory=LeanConfig)
    heel_strike: StrikeConfig = field(default_factory=StrikeConfig)
    overstride: OverstrideConfig = field(default_factory=OverstrideConfig)
    late_run_slouch: SlouchConfig = field(default_factory=SlouchConfig)

    def __post_init__(self) -> None:
        _check_section(
            "findings",
            self,
            [
                (
                    "interval_level",
                    lambda c: 0.0 < c.interval_level < 1.0,
                    "a coverage between 0 and 1",
                )
            ],
        )


@dataclass(frozen=True)
class Config:
    """The whole formcheck configuration."""

    pose: PoseConfig = field(default_factory=PoseConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    gait: GaitConfig = field(default_factory=GaitConfig)
    findings: FindingsConfig = field(default_factory=FindingsConfig)


EXAMPLE_CONFIG_PATH = Path(__file__).with_name("config.example.toml")


def _coerce(value: Any, annotation: Any, where: str) -> Any:
    """Check ``value`` against a field annotation; convert ints to floats."""
    origin = get_origin(annotation)
    if origin is Literal:
        if value not in get_args(annotation):
            raise ConfigError(f"{where}: expected one of {get_args(annotation)}, got {value!r}")
        return value
    if annotation is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(annotation, type) and not isinstance(value, annotation):
        raise ConfigError(
            f"{where}: expected {annotation.__name__}, got {type(value).__name__} {value!r}"
        )
    return value


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; expected some of {sorted(known)}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        hint = hints[name]
        key = f"{where}.{name}" if where else name
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(f"{key}: expected a table, got {type(value).__name__}")
            kwargs[name] = _build(typing.cast(type, hint), value, key)
        else:
            kwargs[name] = _coerce(value, hint, key)
    return cls(**kwargs)


def config_from_dict(data: dict[str, Any]) -> Config:
    """Build a :class:`Config` from nested dictionaries (missing keys keep defaults)."""
    return typing.cast(Config, _build(Config, data, ""))


def load_config(path: str | Path | None = None) -> Config:
    """Load a TOML configuration file; ``None`` gives the defaults.

    Raises
    ------
    ConfigError
        Unreadable file, invalid TOML, unknown keys or wrong types.
    """
    if path is None:
        return Config()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc
    try:
        return config_from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def with_overrides(config: Config, overrides: dict[str, Any]) -> Config:
    """Return ``config`` with dotted-key overrides applied, e.g. ``{"pose.num_poses": 1}``."""
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        config = _replace_path(config, parts, value, dotted)
    return config


def _replace_path(obj: Any, parts: list[str], value: Any, dotted: str) -> Any:
    name = parts[0]
    if not dataclasses.is_dataclass(obj) or name not in {f.name for f in dataclasses.fields(obj)}:
        raise ConfigError(f"unknown configuration key {dotted!r}")
    if len(parts) == 1:
        hint = typing.get_type_hints(type(obj))[name]
        return dataclasses.replace(obj, **{name: _coerce(value, hint, dotted)})  # type: ignore[type-var]
    child = _replace_path(getattr(obj, name), parts[1:], value, dotted)
    return dataclasses.replace(obj, **{name: child})  # type: ignore[type-var]


def config_to_dict(config: Config) -> dict[str, Any]:
    """Plain nested dictionaries (for report.json)."""
    return dataclasses.asdict(config)
