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
LongRunMode = Literal["auto", "windows", "full"]

# (fields, test on the whole section, what is expected): checked when a
# section is built, so a bad value fails with its key, not deep in the run.
_Rule = tuple[tuple[str, ...], Callable[[Any], bool], str]


def _check_section(section: str, obj: Any, rules: list[_Rule]) -> None:
    """Raise ConfigError for a non-finite number or a broken rule in one section."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{section}.{f.name}: expected a finite number, got {value}")
    for names, ok, expected in rules:
        if not ok(obj):
            keys = " and ".join(f"{section}.{n}" for n in names)
            got = ", ".join(f"{n} = {getattr(obj, n)!r}" for n in names)
            if len(names) == 1:
                got = repr(getattr(obj, names[0]))
            raise ConfigError(f"{keys}: expected {expected}, got {got}")


def _rule(name: str, ok: Callable[[Any], bool], expected: str) -> _Rule:
    return ((name,), lambda c: ok(getattr(c, name)), expected)


def _share(name: str) -> _Rule:
    return _rule(name, lambda v: 0.0 <= v <= 1.0, "a value from 0 to 1")


def _ordered(low: str, high: str, *, strict: bool) -> _Rule:
    """``low`` below ``high`` (or at most, when not strict)."""
    if strict:
        return ((low, high), lambda c: getattr(c, low) < getattr(c, high), f"{low} below {high}")
    return ((low, high), lambda c: getattr(c, low) <= getattr(c, high), f"{low} at most {high}")


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
    runner_crop: bool = True

    def __post_init__(self) -> None:
        _check_section(
            "pose",
            self,
            [
                _rule("num_poses", lambda v: v >= 1, "at least 1"),
                _share("min_detection_confidence"),
                _share("min_presence_confidence"),
                _share("min_tracking_confidence"),
                _rule("workers", lambda v: v >= 0, "0 (one per core) or more"),
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
        positive = (
            "max_gap_s",
            "hampel_window_s",
            "hampel_n_sigma",
            "cutoff_steps_per_cycle",
            "min_cutoff_hz",
        )
        _check_section(
            "clean",
            self,
            [
                _share("min_visibility"),
                *(_rule(n, lambda v: v > 0, "a positive number") for n in positive),
                _ordered("min_cutoff_hz", "max_cutoff_hz", strict=False),
                _rule("filter_order", lambda v: v >= 1, "at least 1"),
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
                _rule("min_cadence_spm", lambda v: v > 0, "a positive number"),
                _ordered("min_cadence_spm", "max_cadence_spm", strict=True),
                _rule("contact_height_leg_lengths", lambda v: v > 0, "a positive number"),
                _rule("max_running_duty_factor", lambda v: 0 < v < 1, "a share between 0 and 1"),
                _rule("min_steps", lambda v: v >= 2, "at least 2"),
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
                _ordered("caution_above_deg", "flag_above_deg", strict=False),
                _ordered("flag_below_deg", "caution_above_deg", strict=True),
                _rule("sustained_share", lambda v: 0 < v <= 1, "a share above 0, to 1"),
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
            [_ordered("forefoot_below_deg", "rearfoot_above_deg", strict=True)],
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
                _ordered("caution_shank_angle_deg", "flag_shank_angle_deg", strict=False),
                _rule("flag_foot_ahead_leg_lengths", lambda v: v > 0, "a positive number"),
                _rule("majority_share", lambda v: 0 < v < 1, "a share between 0 and 1"),
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
                _rule("window_share", lambda v: 0 < v <= 0.5, "a share above 0, to 0.5"),
                _rule("window_min", lambda v: v >= 0, "0 or more"),
                _rule("flag_change_deg", lambda v: v > 0, "a positive number"),
                _rule("min_strides_per_window", lambda v: v >= 2, "at least 2"),
                _rule("bootstrap_samples", lambda v: v >= 100, "at least 100"),
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
            [_rule("interval_level", lambda v: 0.0 < v < 1.0, "a coverage between 0 and 1")],
        )


@dataclass(frozen=True)
class LongRunConfig:
    """Long-run mode: analyse sampled windows of a long video instead of every frame.

    ``mode`` "auto" uses windows for videos longer than ``auto_above_s``;
    "windows" and "full" force one or the other. ``checkpoint_every_s``:
    seconds of video per checkpointed part of a full-mode pose pass.
    """

    mode: LongRunMode = "auto"
    auto_above_s: float = 600.0
    window_s: float = 20.0
    every_s: float = 120.0
    checkpoint_every_s: float = 60.0

    def __post_init__(self) -> None:
        _check_section(
            "long_run",
            self,
            [
                _rule("auto_above_s", lambda v: v > 0, "a positive number of seconds"),
                _rule("window_s", lambda v: v >= 5, "at least 5 seconds (several strides)"),
                _rule("checkpoint_every_s", lambda v: v > 0, "a positive number of seconds"),
                _ordered("window_s", "every_s", strict=False),
            ],
        )


@dataclass(frozen=True)
class Config:
    """The whole formcheck configuration."""

    pose: PoseConfig = field(default_factory=PoseConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    gait: GaitConfig = field(default_factory=GaitConfig)
    findings: FindingsConfig = field(default_factory=FindingsConfig)
    long_run: LongRunConfig = field(default_factory=LongRunConfig)


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


# The web app's settings share the analysis TOML file; the analysis skips them.
WEB_SECTION = "web"


def load_config(path: str | Path | None = None) -> Config:
    """Load a TOML configuration file; ``None`` gives the defaults.

    Raises
    ------
    ConfigError
        Unreadable file, invalid TOML, unknown keys, wrong types or values
        out of range (the key named).
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
    data.pop(WEB_SECTION, None)  # the web app's section, checked by formcheck.web.conf
    try:
        return config_from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def with_overrides(config: Config, overrides: dict[str, Any]) -> Config:
    """Return ``config`` with dotted-key overrides applied, e.g. ``{"pose.num_poses": 1}``.

    The overrides of one section are applied together, so that rules across
    its fields (a minimum below a maximum) judge the final values.
    """
    tree: dict[str, Any] = {}
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"unknown configuration key {dotted!r}")
        node[leaf] = (dotted, value)
    return typing.cast(Config, _replace_tree(config, tree))


def _replace_tree(obj: Any, tree: dict[str, Any]) -> Any:
    """``obj`` with the values in ``tree`` (name -> subtree, or (dotted key, value))."""
    fields = {f.name for f in dataclasses.fields(obj)}
    hints = typing.get_type_hints(type(obj))
    changes: dict[str, Any] = {}
    for name, sub in tree.items():
        is_leaf = isinstance(sub, tuple)
        if name not in fields or is_leaf == dataclasses.is_dataclass(hints[name]):
            while not isinstance(sub, tuple):  # any one key given under this name
                sub = next(iter(sub.values()))
            raise ConfigError(f"unknown configuration key {sub[0]!r}")
        if is_leaf:
            changes[name] = _coerce(sub[1], hints[name], sub[0])
        else:
            changes[name] = _replace_tree(getattr(obj, name), sub)
    return dataclasses.replace(obj, **changes)


def config_to_dict(config: Config) -> dict[str, Any]:
    """Plain nested dictionaries (for report.json)."""
    return dataclasses.asdict(config)
