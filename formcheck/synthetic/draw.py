"""Draw one video frame of the synthetic runner with OpenCV.

The runner is a solid figure (skin, shirt, shorts, shoes with a distinct heel
counter and toe cap, a head in profile with nose, eye, ear and hair), built
from the gait model's joint positions in the runner frame and projected with
the camera, so camera roll rotates the whole scene. Far-side limbs are drawn
first and darker. The scene is a treadmill (belt, deck, console, wall) or an
overground track (ground line with moving marks).

Shapes are defined in metres in the runner frame, for a 1.75 m runner, and
scaled with the runner's height.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from formcheck import landmarks as lm
from formcheck.synthetic.camera import CameraParams, camera_x_m, runner_to_image_px
from formcheck.synthetic.kinematics import Facing, RunnerParams, landmarks_world, leg_spec
from formcheck.synthetic.legs import rotate
from formcheck.synthetic.view import PinholeView

Colour = tuple[int, int, int]
_SHIFT = 4  # sub-pixel bits for OpenCV drawing
_ONE = 1 << _SHIFT


@dataclass(frozen=True)
class RenderStyle:
    """Colours (RGB) of the runner and the scene.

    ``far_shade`` multiplies the colours of far-side limbs.
    """

    skin: Colour = (205, 150, 115)
    hair: Colour = (60, 40, 30)
    shirt: Colour = (40, 110, 190)
    shorts: Colour = (35, 35, 45)
    shoe: Colour = (225, 70, 50)
    shoe_heel: Colour = (250, 200, 40)
    shoe_toe: Colour = (245, 245, 245)
    sole: Colour = (240, 240, 235)
    eye: Colour = (30, 30, 30)
    lips: Colour = (170, 90, 80)
    wall: Colour = (214, 208, 196)
    wall_stripe: Colour = (170, 160, 150)
    floor: Colour = (120, 110, 100)
    belt: Colour = (45, 45, 48)
    belt_mark: Colour = (85, 85, 90)
    deck: Colour = (150, 152, 158)
    console: Colour = (70, 72, 80)
    sky: Colour = (170, 200, 230)
    grass: Colour = (90, 140, 70)
    track: Colour = (170, 80, 60)
    far_shade: float = 0.72


@dataclass(frozen=True)
class BodyLook:
    """Build and clothes of the drawn runner (defaults: the standard runner).

    Attributes
    ----------
    build : float
        Multiplies the width of limbs and torso (0.8 slim, 1.3 heavy).
    shorts_length : float
        How far down the thigh the shorts reach, fraction hip -> knee.
    shorts_width : float
        Multiplies the width of the shorts' legs (loose shorts > 1).
    tights : bool
        Full-length tights in the shorts' colour down to the ankle.
    """

    build: float = 1.0
    shorts_length: float = 0.45
    shorts_width: float = 1.0
    tights: bool = False


class Layer(Protocol):
    """Something drawn into the scene besides the runner (clutter, occluders)."""

    @property
    def front(self) -> bool:
        """Drawn after the runner (between the runner and the camera)."""

    def draw(self, c: Canvas, t_s: float) -> None:
        """Draw at elapsed time ``t_s``."""


class Canvas:
    """An RGB image plus the projection from runner-frame metres to pixels.

    ``depth_m`` (+ away from the camera) is used by a :class:`PinholeView`
    only; the orthographic camera ignores it.
    """

    def __init__(
        self,
        params: RunnerParams,
        camera: CameraParams,
        camera_x: float,
        view: PinholeView | None = None,
    ) -> None:
        self.image = np.zeros((camera.height, camera.width, 3), dtype=np.uint8)
        self.params = params
        self.camera = camera
        self.camera_x = camera_x
        self.view = view
        self.depth_m = 0.0

    def px(self, pts_m: np.ndarray) -> np.ndarray:
        if self.view is not None:
            return self.view.project(
                xy_m=np.asarray(pts_m, dtype=float),
                depth_m=self.depth_m,
                camera=self.camera,
                facing=self.params.facing,
                camera_x=self.camera_x,
            )
        return runner_to_image_px(
            xy_m=np.asarray(pts_m, dtype=float),
            camera=self.camera,
            facing=self.params.facing,
            camera_x=self.camera_x,
        )

    def poly(self, pts_m: np.ndarray, colour: Colour) -> None:
        pts = np.round(self.px(pts_m) * _ONE).astype(np.int32)
        cv2.fillPoly(self.image, [pts], colour, lineType=cv2.LINE_AA, shift=_SHIFT)

    def line(
        self, a_m: Sequence[float], b_m: Sequence[float], colour: Colour, width_m: float
    ) -> None:
        a, b = self.px(np.array([a_m, b_m]))
        w = max(1, round(width_m * self.camera.scale_px_per_m))
        cv2.line(
            self.image,
            tuple(np.round(a * _ONE).astype(int)),
            tuple(np.round(b * _ONE).astype(int)),
            colour,
            w,
            lineType=cv2.LINE_AA,
            shift=_SHIFT,
        )


def _shade(colour: Colour, factor: float) -> Colour:
    r, g, b = (min(255, round(c * factor)) for c in colour)
    return (r, g, b)


def _capsule(a: np.ndarray, b: np.ndarray, ra: float, rb: float, n: int = 10) -> np.ndarray:
    """Outline of a tapered capsule from ``a`` (radius ``ra``) to ``b`` (``rb``)."""
    d = b - a
    ang = float(np.arctan2(d[1], d[0]))
    back = ang + np.linspace(np.pi / 2, 3 * np.pi / 2, n)
    front = ang + np.linspace(-np.pi / 2, np.pi / 2, n)
    arc_a = a + ra * np.stack([np.cos(back), np.sin(back)], axis=-1)
    arc_b = b + rb * np.stack([np.cos(front), np.sin(front)], axis=-1)
    return np.vstack([arc_a, arc_b])


def _ellipse(
    centre: np.ndarray, rx: float, ry: float, angle: float = 0.0, n: int = 24
) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.stack([rx * np.cos(t), ry * np.sin(t)], axis=-1)
    return centre + rotate(pts, angle)


def _local(
    origin: np.ndarray, x_axis_angle: float, pts: Sequence[tuple[float, float]], k: float
) -> np.ndarray:
    """Points given in a local frame (x along ``x_axis_angle``) scaled by ``k``."""
    return origin + rotate(np.asarray(pts, dtype=float) * k, x_axis_angle)


# Shoe outline in the foot frame: (along the sole from the heel point, up from
# the sole) in units of foot length. The heel point (0, 0) and toe point (1, 0)
# are the heel and foot_index landmarks. A low-cut running shoe: the ankle
# joint (0.22, 0.26) sits just above the collar. This shape (no sock, low
# collar, toe cap) gave BlazePose the smallest heel/toe bias of those tried.
_SHOE = (
    (0.0, 0.0),
    (1.0, 0.0),
    (1.02, 0.05),
    (0.99, 0.12),
    (0.85, 0.18),
    (0.6, 0.24),
    (0.45, 0.27),
    (0.33, 0.22),
    (0.2, 0.19),
    (0.06, 0.21),
    (0.0, 0.2),
    (-0.02, 0.12),
    (-0.018, 0.04),
)
_SHOE_HEEL = (
    (-0.018, 0.07),
    (0.2, 0.09),
    (0.22, 0.19),
    (0.2, 0.19),
    (0.06, 0.21),
    (0.0, 0.2),
    (-0.02, 0.12),
)
_SHOE_TOE = ((0.8, 0.06), (1.02, 0.05), (0.99, 0.12), (0.85, 0.18), (0.8, 0.19))
_SOLE = (
    (0.0, 0.0),
    (1.0, 0.0),
    (1.02, 0.05),
    (0.75, 0.07),
    (0.3, 0.09),
    (-0.018, 0.095),
    (-0.02, 0.04),
)


def _draw_leg(
    c: Canvas,
    pts: np.ndarray,
    leg: tuple[int, ...],
    style: RenderStyle,
    k: float,
    shade: float,
    look: BodyLook,
) -> None:
    hip, knee, ankle, heel, toe = (pts[i] for i in leg)
    w = k * look.build
    skin = _shade(style.skin, shade)
    if look.tights:
        skin = _shade(style.shorts, shade)
    c.poly(_capsule(hip, knee, 0.085 * w, 0.055 * w), skin)
    c.poly(_capsule(knee, ankle, 0.056 * w, 0.034 * w), skin)
    d = ankle - knee
    back = rotate(d / np.linalg.norm(d), -np.pi / 2)
    c.poly(
        _ellipse(
            knee + 0.4 * d + back * 0.012 * k,
            0.3 * float(np.linalg.norm(d)),
            0.048 * w,
            float(np.arctan2(d[1], d[0])),
        ),
        skin,
    )
    shorts_end = hip + look.shorts_length * (knee - hip)
    sw = w * look.shorts_width
    c.poly(_capsule(hip, shorts_end, 0.1 * sw, 0.075 * sw), _shade(style.shorts, shade))
    foot = _FootPose.of(heel=heel, ankle=ankle, toe=toe, params=c.params)
    c.poly(foot.outline(_SHOE), _shade(style.shoe, shade))
    c.poly(foot.outline(_SHOE_HEEL), _shade(style.shoe_heel, shade))
    c.poly(foot.outline(_SHOE_TOE), _shade(style.shoe_toe, shade))
    c.poly(foot.outline(_SOLE), _shade(style.sole, shade))


@dataclass(frozen=True)
class _FootPose:
    """A shoe that bends at the ball of the foot (metres, radians).

    The rear foot's angle comes from the heel -> ankle direction (the ankle
    sits at a fixed place in the rear foot's frame); the toes run from the
    ball to the toe point, so a foot bent at push-off is drawn bent.
    """

    heel: np.ndarray
    ball: np.ndarray
    rear_rad: float
    toes_rad: float
    foot_m: float
    ball_share: float

    @classmethod
    def of(
        cls, *, heel: np.ndarray, ankle: np.ndarray, toe: np.ndarray, params: RunnerParams
    ) -> _FootPose:
        sp = leg_spec(params)
        to_ankle = ankle - heel
        offset_rad = np.arctan2(sp.ankle_height_m, sp.heel_to_ankle_m)
        rear_rad = float(np.arctan2(to_ankle[1], to_ankle[0]) - offset_rad)
        ball_share = sp.rear_foot_m / sp.foot_m
        ball = heel + rotate(np.array([sp.rear_foot_m, 0.0]), rear_rad)
        toes = toe - ball
        return cls(heel, ball, rear_rad, float(np.arctan2(toes[1], toes[0])), sp.foot_m, ball_share)

    def outline(self, pts: Sequence[tuple[float, float]]) -> np.ndarray:
        """Shoe-frame points (units of foot length) in metres, toes bent."""
        local = np.asarray(pts, dtype=float)
        on_toes = local[:, 0] > self.ball_share
        rear = self.heel + rotate(local * self.foot_m, self.rear_rad)
        from_ball = (local - np.array([self.ball_share, 0.0])) * self.foot_m
        front = self.ball + rotate(from_ball, self.toes_rad)
        return np.where(on_toes[:, None], front, rear)


def _draw_arm(
    c: Canvas, pts: np.ndarray, side: str, style: RenderStyle, k: float, shade: float
) -> None:
    ids = {
        "left": (lm.LEFT_SHOULDER, lm.LEFT_ELBOW, lm.LEFT_WRIST, lm.LEFT_INDEX),
        "right": (lm.RIGHT_SHOULDER, lm.RIGHT_ELBOW, lm.RIGHT_WRIST, lm.RIGHT_INDEX),
    }[side]
    shoulder, elbow, wrist, index = (pts[i] for i in ids)
    skin = _shade(style.skin, shade)
    c.poly(_capsule(shoulder, elbow, 0.048 * k, 0.038 * k), skin)
    c.poly(_capsule(elbow, wrist, 0.038 * k, 0.027 * k), skin)
    c.poly(
        _ellipse(
            0.5 * (wrist + index), 0.05 * k, 0.04 * k, float(np.arctan2(*(index - wrist)[::-1]))
        ),
        skin,
    )
    sleeve_end = shoulder + 0.5 * (elbow - shoulder)
    c.poly(_capsule(shoulder, sleeve_end, 0.062 * k, 0.05 * k), _shade(style.shirt, shade))


# Torso outline in the trunk frame: (forward, up along the trunk axis) with the
# trunk length as the unit for "up" and metres (1.75 m runner) for "forward".
_TORSO = (
    (0.10, -0.08),
    (0.11, 0.3),
    (0.135, 0.66),
    (0.11, 0.93),
    (0.05, 1.04),
    (-0.06, 1.05),
    (-0.105, 0.9),
    (-0.095, 0.5),
    (-0.12, 0.12),
    (-0.1, -0.1),
    (0.0, -0.14),
)
_SHORTS = ((0.10, -0.08), (0.104, 0.16), (-0.113, 0.16), (-0.12, 0.12), (-0.1, -0.1), (0.0, -0.14))


def _draw_torso(c: Canvas, pts: np.ndarray, style: RenderStyle, k: float) -> None:
    hip = pts[lm.LEFT_HIP]
    shoulder = pts[lm.LEFT_SHOULDER]
    axis = shoulder - hip
    trunk = float(np.linalg.norm(axis))
    up = axis / trunk
    fwd = rotate(up, -np.pi / 2)

    def frame(outline: Sequence[tuple[float, float]]) -> np.ndarray:
        arr = np.asarray(outline, dtype=float)
        return hip + np.outer(arr[:, 0] * k, fwd) + np.outer(arr[:, 1] * trunk, up)

    c.poly(frame(_TORSO), style.shirt)
    c.poly(frame(_SHORTS), style.shorts)
    ear = pts[lm.LEFT_EAR]
    c.poly(
        _capsule(shoulder + fwd * 0.01 * k, ear - up * 0.02 * k, 0.055 * k, 0.05 * k), style.skin
    )


# Head profile relative to the ear, level head frame (x forward, y up), metres.
_HEAD = (
    (-0.085, 0.01),
    (-0.075, 0.085),
    (-0.02, 0.13),
    (0.05, 0.125),
    (0.095, 0.075),
    (0.102, 0.04),
    (0.097, 0.018),
    (0.122, -0.014),
    (0.099, -0.027),
    (0.102, -0.043),
    (0.097, -0.052),
    (0.1, -0.062),
    (0.09, -0.09),
    (0.05, -0.102),
    (0.0, -0.075),
    (-0.04, -0.05),
    (-0.075, -0.03),
)
_HAIR = (
    (-0.092, 0.0),
    (-0.083, 0.09),
    (-0.02, 0.142),
    (0.055, 0.135),
    (0.1, 0.085),
    (0.09, 0.07),
    (0.05, 0.09),
    (0.0, 0.085),
    (-0.035, 0.045),
    (-0.05, -0.02),
    (-0.08, -0.035),
)


def _draw_head(c: Canvas, pts: np.ndarray, style: RenderStyle, k: float) -> None:
    ear = pts[lm.LEFT_EAR]
    pitch = -np.radians(c.params.gaze_down_deg)
    c.poly(_local(ear, pitch, _HEAD, k), style.skin)
    c.poly(_local(ear, pitch, _HAIR, k), style.hair)
    c.poly(_ellipse(ear, 0.017 * k, 0.031 * k, pitch), _shade(style.skin, 0.8))
    c.poly(
        _ellipse(ear + rotate(np.array([0.004, 0.0]) * k, pitch), 0.008 * k, 0.016 * k, pitch),
        _shade(style.skin, 0.6),
    )
    eye = pts[lm.LEFT_EYE]
    c.poly(_ellipse(eye, 0.012 * k, 0.0065 * k, pitch), (245, 245, 245))
    c.poly(
        _ellipse(eye + rotate(np.array([0.005, 0.0]) * k, pitch), 0.0055 * k, 0.006 * k, pitch),
        style.eye,
    )
    brow = _local(ear, pitch, ((0.07, 0.038), (0.1, 0.036)), k)
    c.line(brow[0], brow[1], style.hair, 0.006 * k)
    mouth = _local(ear, pitch, ((0.082, -0.05), (0.099, -0.049)), k)
    c.line(mouth[0], mouth[1], style.lips, 0.005 * k)


def _draw_treadmill(c: Canvas, t_s: float, style: RenderStyle) -> None:
    big = 50.0
    c.image[:] = style.wall
    c.poly(np.array([[-big, -0.16], [big, -0.16], [big, -big], [-big, -big]]), style.floor)
    c.poly(np.array([[-big, 0.95], [big, 0.95], [big, 1.0], [-big, 1.0]]), style.wall_stripe)
    c.poly(np.array([[-2.6, 1.25], [-1.5, 1.25], [-1.5, 1.95], [-2.6, 1.95]]), (150, 175, 195))
    # Far handrail and console (behind the runner).
    c.line((0.05, 0.98), (0.95, 1.02), style.console, 0.03)
    c.poly(np.array([[0.98, -0.05], [1.04, -0.05], [0.9, 1.12], [0.84, 1.12]]), style.console)
    c.poly(np.array([[0.72, 1.06], [1.06, 1.1], [1.02, 1.34], [0.74, 1.3]]), style.console)
    # Deck, belt and moving belt marks.
    c.poly(
        np.array(
            [
                [-0.95, -0.13],
                [1.18, -0.13],
                [1.18, 0.04],
                [1.0, 0.04],
                [0.98, -0.02],
                [-0.95, -0.02],
            ]
        ),
        style.deck,
    )
    c.poly(np.array([[-0.92, -0.025], [0.98, -0.025], [0.98, 0.0], [-0.92, 0.0]]), style.belt)
    spacing = 0.3
    offset = -(c.params.speed_m_s * t_s) % spacing
    for x in np.arange(-0.92 + offset, 0.95, spacing):
        c.poly(
            np.array([[x, -0.022], [x + 0.04, -0.022], [x + 0.04, -0.004], [x, -0.004]]),
            style.belt_mark,
        )


def _draw_overground(c: Canvas, style: RenderStyle) -> None:
    big = 50.0
    cx = c.camera_x
    c.image[:] = style.sky
    c.poly(
        np.array([[cx - big, 0.0], [cx + big, 0.0], [cx + big, 0.7], [cx - big, 0.7]]), style.grass
    )
    c.poly(
        np.array([[cx - big, 0.0], [cx + big, 0.0], [cx + big, -big], [cx - big, -big]]),
        style.track,
    )
    for x in np.arange(np.floor(cx - 6.0), cx + 6.0, 1.0):
        c.poly(
            np.array([[x, -0.05], [x + 0.05, -0.05], [x + 0.05, 0.0], [x, 0.0]]), (240, 240, 240)
        )


@dataclass(frozen=True)
class Bystander:
    """A second person standing still nearer the camera (a coach, a gym user).

    Drawn over the scene and the runner, in the runner model's pose at
    ``pose_time_s`` (frozen, so the legs do not cycle), with its own scale.

    Attributes
    ----------
    x_px, ground_y_px : float
        Image position of the ground point under the hip, pixels.
    scale_px_per_m : float
        Pixels per metre (larger than the runner's: nearer the camera).
    facing : {"right", "left"}
    pose_time_s : float
        Time in the running model whose pose the bystander holds.
    style : RenderStyle
        Colours (the scene colours are unused).
    """

    x_px: float
    ground_y_px: float
    scale_px_per_m: float
    facing: Facing = "left"
    pose_time_s: float = 0.2
    style: RenderStyle = RenderStyle(
        skin=(160, 110, 85), shirt=(200, 60, 60), shorts=(60, 60, 110), shoe=(40, 40, 40)
    )


def _draw_person(c: Canvas, t_s: float, style: RenderStyle, look: BodyLook) -> None:
    """The runner model at time ``t_s`` on canvas ``c`` (far limbs first)."""
    params = c.params
    pts = landmarks_world(params=params, times_s=np.array([t_s], dtype=float))[0]
    k = params.height_m / 1.75
    half = params.body.hip_half_width * params.height_m
    far, near = params.far_leg, params.near_leg
    legs = {"left": lm.LEFT_LEG, "right": lm.RIGHT_LEG}
    c.depth_m = half
    _draw_arm(c, pts, far, style, k, style.far_shade)
    _draw_leg(c, pts, legs[far], style, k, style.far_shade, look)
    c.depth_m = 0.0
    _draw_torso(c, pts, style, k * look.build)
    _draw_head(c, pts, style, k)
    c.depth_m = -half
    _draw_leg(c, pts, legs[near], style, k, 1.0, look)
    _draw_arm(c, pts, near, style, k, 1.0)
    c.depth_m = 0.0


def _draw_bystander(image: np.ndarray, bystander: Bystander) -> None:
    height, width = image.shape[:2]
    camera = CameraParams(
        width=width,
        height=height,
        scale_px_per_m=bystander.scale_px_per_m,
        ground_origin_px=(bystander.x_px, bystander.ground_y_px),
    )
    params = RunnerParams(facing=bystander.facing)
    c = Canvas(params, camera, 0.0)
    c.image = image
    _draw_person(c, bystander.pose_time_s, bystander.style, BodyLook())


def draw_frame(
    *,
    params: RunnerParams,
    camera: CameraParams,
    t_s: float,
    style: RenderStyle | None = None,
    bystander: Bystander | None = None,
    look: BodyLook | None = None,
    view: PinholeView | None = None,
    layers: Sequence[Layer] = (),
) -> np.ndarray:
    """Render the runner at elapsed time ``t_s`` (and a bystander in front, if given).

    ``look`` changes build and clothes, ``view`` replaces the orthographic
    projection by a pinhole camera, ``layers`` add scenery behind the runner
    or (``front``) between the runner and the camera. The defaults draw the
    standard clip.

    Returns
    -------
    ndarray, shape (height, width, 3), uint8
        RGB image.
    """
    style = style if style is not None else RenderStyle()
    t = np.array([t_s], dtype=float)
    cam_x = float(camera_x_m(params=params, camera=camera, times_s=t)[0])
    look = look if look is not None else BodyLook()
    c = Canvas(params, camera, cam_x, view)
    if params.setting == "treadmill":
        _draw_treadmill(c, t_s, style)
    else:
        _draw_overground(c, style)
    for layer in layers:
        if not layer.front:
            layer.draw(c, t_s)
    _draw_person(c, t_s, style, look)
    if bystander is not None:
        _draw_bystander(c.image, bystander)
    for layer in layers:
        if layer.front:
            layer.draw(c, t_s)
    return c.image
