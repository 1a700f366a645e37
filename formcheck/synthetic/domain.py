"""Domain randomisation of the rendered runner: the clips people actually film.

A :class:`Domain` fixes everything about one clip besides the gait: the
runner's build and height, skin, clothes and shoes, a pinhole camera's
distance, height and pitch, lens distortion, motion blur from the shutter,
compression, sensor noise, lighting, clutter, occluders (near handrail,
console upright, a second person), the clip's length, its capture and stored
frame rates (slow motion: captured at 120 or 240 fps, stored at 30). The
truth is the runner's own geometry, as for every synthetic clip: none of
these changes it, each makes it harder to see.

:func:`random_domain` draws one from wide ranges (seeded);
:func:`render_domain_clip` writes the mp4 and its truth JSON (``video.domain``
describes the domain). Pure functions of the domain and the seed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.synthetic.camera import CameraParams
from formcheck.synthetic.draw import BodyLook, Layer, RenderStyle, draw_frame
from formcheck.synthetic.kinematics import RunnerParams, leg_model
from formcheck.synthetic.occluders import Clutter, ConsoleUpright, NearRails, SecondPerson
from formcheck.synthetic.render import encode_mp4, truth_path_for
from formcheck.synthetic.truth import Truth, compute_truth, write_truth
from formcheck.synthetic.view import PinholeView

# Skin tones (RGB), light to dark.
SKINS: dict[str, tuple[int, int, int]] = {
    "light": (236, 196, 170),
    "medium": (205, 150, 115),
    "tan": (170, 115, 80),
    "dark": (110, 72, 50),
    "very dark": (70, 46, 34),
}
# Shoe colourways: (upper, heel counter, toe cap, sole).
SHOES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "standard": ((225, 70, 50), (250, 200, 40), (245, 245, 245), (240, 240, 235)),
    "dark": ((30, 30, 34), (40, 40, 44), (35, 35, 40), (45, 45, 48)),
    "white": ((240, 240, 240), (230, 230, 232), (245, 245, 245), (250, 250, 250)),
}
# Blur sub-frames per frame when the shutter is open long enough to blur.
BLUR_SUBFRAMES = 5


@dataclass(frozen=True)
class Lighting:
    """Global brightness ``gain``, ``gamma`` (> 1 darker mid-tones), a left-to-right
    brightness ramp ``gradient`` (fraction at the edges), a colour cast (RGB gains)."""

    gain: float = 1.0
    gamma: float = 1.0
    gradient: float = 0.0
    cast: tuple[float, float, float] = (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class Domain:
    """Everything about one clip besides the gait.

    Attributes
    ----------
    camera : CameraParams
        Image size, framing (scale at the runner's midplane) and roll.
    view : PinholeView or None
        Perspective camera; None is the orthographic standard view.
    style : RenderStyle
        Colours (skin, clothes, shoes, scene).
    look : BodyLook
        Build and clothes.
    layers : tuple of Layer
        Clutter and occluders.
    lens_k1 : float
        Radial distortion, + barrel (image edges pulled in), on the distance
        from the centre in half-diagonals.
    shutter_fraction : float
        Exposure / frame interval of the capture (0: sharp frames).
    crf : int
        x264 quality (higher: more compression).
    noise_sd : float
        Sensor noise, grey levels (0-255 scale).
    lighting : Lighting
    duration_s : float
        Clip length in real (capture) time, seconds.
    capture_fps, stored_fps : float
        Frames per real second, and the rate written in the file (equal
        unless slow motion).
    """

    camera: CameraParams = field(default_factory=CameraParams)
    view: PinholeView | None = None
    style: RenderStyle = field(default_factory=RenderStyle)
    look: BodyLook = field(default_factory=BodyLook)
    layers: tuple[Layer, ...] = ()
    lens_k1: float = 0.0
    shutter_fraction: float = 0.0
    crf: int = 26
    noise_sd: float = 0.0
    lighting: Lighting = field(default_factory=Lighting)
    duration_s: float = 4.0
    capture_fps: float = 30.0
    stored_fps: float = 30.0

    @property
    def slow_motion(self) -> float:
        """Capture rate / stored rate (1 for real time)."""
        return self.capture_fps / self.stored_fps

    @property
    def n_frames(self) -> int:
        return round(self.duration_s * self.capture_fps)

    def describe(self) -> dict[str, Any]:
        """JSON-ready description (layers by class name and fields)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "layers":
                out[f.name] = [{"kind": type(x).__name__, **dataclasses.asdict(x)} for x in value]
            elif dataclasses.is_dataclass(value):
                out[f.name] = dataclasses.asdict(value)  # type: ignore[arg-type]
            else:
                out[f.name] = value
        return out


def lens_maps(width: int, height: int, k1: float) -> tuple[np.ndarray, np.ndarray]:
    """``cv2.remap`` maps for radial distortion ``k1`` (see :class:`Domain`)."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    half_diag = math.hypot(cx, cy)
    r2 = ((xs - cx) ** 2 + (ys - cy) ** 2) / half_diag**2
    f = (1.0 + k1 * r2).astype(np.float32)
    return (cx + (xs - cx) * f).astype(np.float32), (cy + (ys - cy) * f).astype(np.float32)


def _finish(
    image: np.ndarray,
    *,
    domain: Domain,
    rng: np.random.Generator,
    maps: tuple[np.ndarray, np.ndarray] | None,
) -> np.ndarray:
    """Lens distortion, lighting and sensor noise on one frame (RGB float or uint8)."""
    import cv2

    img: np.ndarray = image.astype(np.float32)
    if maps is not None:
        img = cv2.remap(img, maps[0], maps[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    light = domain.lighting
    img = 255.0 * (np.clip(img, 0, 255) / 255.0) ** light.gamma
    ramp = 1.0 + light.gradient * np.linspace(-1.0, 1.0, img.shape[1], dtype=np.float32)
    img *= light.gain * ramp[None, :, None] * np.asarray(light.cast, dtype=np.float32)
    if domain.noise_sd > 0:
        img += rng.normal(0.0, domain.noise_sd, size=img.shape).astype(np.float32)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def iter_domain_frames(
    *, params: RunnerParams, domain: Domain, seed: int = 0
) -> Iterator[np.ndarray]:
    """Yield the clip's RGB frames (frame ``i`` at real time ``i / capture_fps``)."""
    rng = np.random.default_rng(seed)
    cam = domain.camera
    maps = lens_maps(cam.width, cam.height, domain.lens_k1) if domain.lens_k1 else None
    exposure_s = domain.shutter_fraction / domain.capture_fps
    n_sub = BLUR_SUBFRAMES if exposure_s > 0 else 1
    offsets = np.linspace(-0.5, 0.5, n_sub) * exposure_s if n_sub > 1 else np.zeros(1)

    def draw(t: float) -> np.ndarray:
        return draw_frame(
            params=params,
            camera=cam,
            t_s=t,
            style=domain.style,
            look=domain.look,
            view=domain.view,
            layers=domain.layers,
        )

    for i in range(domain.n_frames):
        t = i / domain.capture_fps
        if n_sub == 1:
            frame = draw(t).astype(np.float32)
        else:
            frame = np.mean([draw(t + float(o)) for o in offsets], axis=0)
        yield _finish(frame, domain=domain, rng=rng, maps=maps)


def render_domain_clip(
    *, params: RunnerParams, domain: Domain, path: str | Path, seed: int = 0
) -> Truth:
    """Render the clip to ``path`` (H.264 at ``stored_fps``) with its truth beside it.

    The truth's times and frames are in real time: frame ``i`` at
    ``i / capture_fps`` (give the analysis the capture rate to compare
    times).
    """
    cam = domain.camera
    if cam.width % 2 or cam.height % 2:
        raise ValueError("render_domain_clip: yuv420p needs an even width and height")
    frames = iter_domain_frames(params=params, domain=domain, seed=seed)
    encode_mp4(frames, path=path, fps=domain.stored_fps, crf=domain.crf)
    truth = compute_truth(
        params=params, camera=cam, fps=domain.capture_fps, n_frames=domain.n_frames, seed=seed
    )
    truth = dataclasses.replace(
        truth,
        video={
            "file": Path(path).name,
            "codec": "h264 (libx264)",
            "width": cam.width,
            "height": cam.height,
            "fps": domain.stored_fps,
            "capture_fps": domain.capture_fps,
            "n_frames": domain.n_frames,
            "domain": domain.describe(),
        },
    )
    write_truth(truth, truth_path_for(path))
    return truth


# ---------------------------------------------------------------- sampling


def _colour(rng: np.random.Generator, lo: int = 20, hi: int = 235) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in rng.integers(lo, hi, size=3))
    return (r, g, b)


def random_style(rng: np.random.Generator) -> RenderStyle:
    """Skin, clothes and shoes drawn at random (scene colours varied a little)."""
    skin = SKINS[str(rng.choice(list(SKINS)))]
    shoe = SHOES[str(rng.choice(list(SHOES)))]
    wall = tuple(int(np.clip(v + rng.integers(-50, 40), 0, 255)) for v in (214, 208, 196))
    return dataclasses.replace(
        RenderStyle(),
        skin=skin,
        shirt=_colour(rng),
        shorts=_colour(rng, 10, 200),
        shoe=shoe[0],
        shoe_heel=shoe[1],
        shoe_toe=shoe[2],
        sole=shoe[3],
        wall=wall,  # type: ignore[arg-type]
    )


def random_look(rng: np.random.Generator) -> BodyLook:
    """Build (0.8-1.3) and clothes (short, loose or tights)."""
    kind = rng.choice(["short", "loose", "tights"])
    return BodyLook(
        build=float(rng.uniform(0.8, 1.3)),
        shorts_length=float(rng.uniform(0.3, 0.5)) if kind == "short" else 0.6,
        shorts_width=1.45 if kind == "loose" else 1.0,
        tights=bool(kind == "tights"),
    )


def random_view(rng: np.random.Generator) -> PinholeView:
    """A phone 1.8-5 m away at 0.3-1.7 m height, pitched to aim near the hips."""
    distance = float(rng.uniform(1.8, 5.0))
    height = float(rng.uniform(0.3, 1.7))
    aim = math.degrees(math.atan2(height - 0.9, distance))
    return PinholeView(distance, height, float(aim + rng.uniform(-6.0, 6.0)))


def random_layers(rng: np.random.Generator) -> tuple[Layer, ...]:
    """Clutter (half the time) and each occluder (a quarter of the time each)."""
    layers: list[Layer] = []
    if rng.random() < 0.5:
        layers.append(Clutter(seed=int(rng.integers(1 << 30)), n_items=int(rng.integers(3, 10))))
    if rng.random() < 0.25:
        layers.append(NearRails(height_m=float(rng.uniform(0.8, 1.05))))
    if rng.random() < 0.25:
        layers.append(ConsoleUpright(foot_x_m=float(rng.uniform(0.35, 0.6))))
    if rng.random() < 0.25:
        layers.append(
            SecondPerson(
                x_m=float(rng.uniform(-1.2, 1.2)),
                height_m=float(rng.uniform(1.55, 1.9)),
                walk_m_s=float(rng.choice([0.0, 0.0, 0.6])),
                skin=SKINS[str(rng.choice(list(SKINS)))],
                shirt=_colour(rng),
                trousers=_colour(rng, 10, 150),
            )
        )
    return tuple(layers)


def random_domain(
    rng: np.random.Generator, *, width: int = 480, height: int = 360, duration_s: float = 4.0
) -> Domain:
    """One clip's domain drawn from wide ranges (image size and length fixed)."""
    runner_share = float(rng.uniform(0.55, 0.9))  # runner height / image height
    scale = runner_share * height / 1.85
    camera = CameraParams(
        width=width,
        height=height,
        scale_px_per_m=scale,
        ground_origin_px=(width * float(rng.uniform(0.4, 0.6)), height * 0.94),
        roll_deg=float(rng.uniform(-3.0, 3.0)),
    )
    fps = float(rng.choice([24.0, 30.0, 30.0, 60.0, 120.0]))
    slow = rng.random() < 0.15
    return Domain(
        camera=camera,
        view=random_view(rng),
        style=random_style(rng),
        look=random_look(rng),
        layers=random_layers(rng),
        lens_k1=float(rng.choice([0.0, rng.uniform(-0.05, 0.2)])),
        shutter_fraction=float(rng.choice([0.0, rng.uniform(0.1, 1.0)])),
        crf=int(rng.integers(20, 40)),
        noise_sd=float(rng.uniform(0.0, 10.0)),
        lighting=Lighting(
            gain=float(rng.uniform(0.5, 1.2)),
            gamma=float(rng.uniform(0.8, 1.5)),
            gradient=float(rng.uniform(-0.3, 0.3)),
            cast=tuple(float(v) for v in rng.uniform(0.85, 1.15, size=3)),  # type: ignore[arg-type]
        ),
        duration_s=duration_s,
        capture_fps=240.0 if slow else fps,
        stored_fps=30.0 if slow else fps,
    )


def random_runner(rng: np.random.Generator) -> RunnerParams:
    """A feasible gait and body drawn from wide ranges (height 1.5-1.95 m)."""
    for _ in range(100):
        fsa = float(rng.uniform(-10.0, 24.0))
        params = RunnerParams(
            cadence_spm=float(rng.uniform(155.0, 190.0)),
            duty_factor=float(rng.uniform(0.3, 0.38)),
            speed_m_s=float(rng.uniform(2.3, 3.4)),
            facing=str(rng.choice(["right", "left"])),  # type: ignore[arg-type]
            trunk_lean_deg=float(rng.uniform(0.0, 16.0)),
            foot_strike_angle_deg=fsa,
            toe_off_foot_angle_deg=-30.0 if fsa < 0 else -35.0,
            shank_angle_ic_deg=float(rng.uniform(-2.0, 17.0)),
            knee_flexion_ic_deg=float(rng.uniform(8.0, 26.0)),
            height_m=float(rng.uniform(1.5, 1.95)),
            first_ic_s=float(rng.uniform(0.05, 0.4)),
        )
        try:
            leg_model(params)
        except ValueError:
            continue
        return params
    raise RuntimeError("random_runner: no feasible gait in 100 draws")
