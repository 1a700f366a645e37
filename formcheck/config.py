"""One typed, frozen configuration, loaded from TOML.

The defaults are the dataclass defaults below; ``formcheck/config.example.toml``
is the same configuration written out with comments and sources (a test checks
the two agree). A user file only needs the keys it changes; CLI flags
override fields last, through :func:`with_overrides`.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from formcheck.errors import ConfigError

RunningMode = Literal["video", "image"]


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


@dataclass(frozen=True)
class GaitConfig:
    """Gait event detection and plausibility bounds."""

    min_cadence_spm: float = 100.0
    max_cadence_spm: float = 260.0
    contact_height_leg_lengths: float = 0.035
    max_running_duty_factor: float = 0.5
    min_steps: int = 4


@dataclass(frozen=True)
class LeanConfig:
    """Forward-lean finding thresholds (degrees; METRICS.md section 1)."""

    caution_above_deg: float = 12.0
    flag_above_deg: float = 15.0
    flag_below_deg: float = -2.0
    sustained_share: float = 0.6


@dataclass(frozen=True)
class StrikeConfig:
    """Foot-strike classification (Altman & Davis 2012)."""

    rearfoot_above_deg: float = 8.0
    forefoot_below_deg: float = -1.6


@dataclass(frozen=True)
class OverstrideConfig:
    """Overstride thresholds (no validated cutoff exists, Souza 2016)."""

    flag_shank_angle_deg: float = 10.0
    flag_foot_ahead_leg_lengths: float = 0.25
    caution_shank_angle_deg: float = 6.0
    straight_knee_below_deg: float = 15.0
    majority_share: float = 0.5


@dataclass(frozen=True)
class SlouchConfig:
    """Late-run posture drift (Koblbauer 2014; Dingenen 2018)."""

    window_share: float = 0.2
    window_min: float = 0.0
    flag_change_deg: float = 3.0
    min_strides_per_window: int = 7
    bootstrap_samples: int = 2000
    seed: int = 0


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
        if not 0.0 < self.interval_level < 1.0:
            raise ConfigError(
                f"findings.interval_level: expected a coverage between 0 and 1, "
                f"got {self.interval_level}"
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
