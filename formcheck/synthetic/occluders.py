"""Scenery for the domain-randomised clips: clutter behind the runner, and
occluders between the runner and the camera (near handrail, console upright,
a second person).

Each is a :class:`formcheck.synthetic.draw.Layer`: drawn in the runner frame
(x forward of the hip, y up, metres) at a depth (+ away from the camera), so a
:class:`~formcheck.synthetic.view.PinholeView` shows a nearer object larger.
None of them changes the truth: they hide or distract, the runner is the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.synthetic.draw import Canvas, Colour


def _box(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)


def _forward(c: Canvas, x_m: float) -> float:
    """World x of a point ``x_m`` ahead of the camera's aim (treadmill: of the hip)."""
    return c.camera_x + x_m


@dataclass(frozen=True)
class NearRails:
    """The near handrail: a bar at ``height_m`` from ``x0_m`` to ``x1_m``, one post.

    In front of the runner (depth ``depth_m`` < 0); hides the hands and arms
    and, when low, part of the hips.
    """

    height_m: float = 0.95
    x0_m: float = -0.6
    x1_m: float = 0.75
    depth_m: float = -0.45
    colour: Colour = (150, 155, 165)
    front: bool = True

    def draw(self, c: Canvas, t_s: float) -> None:
        c.depth_m = self.depth_m
        x0, x1 = _forward(c, self.x0_m), _forward(c, self.x1_m)
        c.line((x0, self.height_m), (x1, self.height_m), self.colour, 0.035)
        c.line((x1, self.height_m), (x1 + 0.05, 0.0), self.colour, 0.04)
        c.depth_m = 0.0


@dataclass(frozen=True)
class ConsoleUpright:
    """The treadmill's near upright and console, ahead of the runner.

    The upright runs from the deck at ``foot_x_m`` up to the console, so a
    foot landing far ahead passes behind it.
    """

    foot_x_m: float = 0.42
    width_m: float = 0.07
    depth_m: float = -0.4
    colour: Colour = (60, 62, 70)
    front: bool = True

    def draw(self, c: Canvas, t_s: float) -> None:
        c.depth_m = self.depth_m
        x = _forward(c, self.foot_x_m)
        w = self.width_m
        c.poly(
            np.array([[x, -0.05], [x + w, -0.05], [x + w + 0.12, 1.15], [x + 0.12, 1.15]]),
            self.colour,
        )
        c.poly(_box(x + 0.05, 1.1, x + 0.45, 1.35), self.colour)
        c.depth_m = 0.0


@dataclass(frozen=True)
class SecondPerson:
    """A person standing (or walking slowly) between the camera and the runner.

    Attributes
    ----------
    x_m : float
        Position along the direction of travel at t = 0, metres.
    depth_m : float
        Depth, + away from the camera (negative: in front of the runner).
    height_m : float
        Body height, metres.
    walk_m_s : float
        Walking speed along x (0: standing; the legs then stay still).
    skin, shirt, trousers : Colour
    front : bool
        False puts the person behind the runner.
    """

    x_m: float = 0.9
    depth_m: float = -1.0
    height_m: float = 1.7
    walk_m_s: float = 0.0
    skin: Colour = (180, 130, 100)
    shirt: Colour = (200, 60, 60)
    trousers: Colour = (50, 60, 90)
    front: bool = True

    def draw(self, c: Canvas, t_s: float) -> None:
        k = self.height_m / 1.75
        c.depth_m = self.depth_m
        x = _forward(c, self.x_m + self.walk_m_s * t_s)
        phase = 2.0 * np.pi * 0.9 * t_s if self.walk_m_s else 0.0
        swing = 0.25 * np.sin(phase) if self.walk_m_s else 0.0
        hip = np.array([x, 0.93 * k])
        for sgn in (1.0, -1.0):
            top = hip + np.array([0.07 * sgn * k, 0.0])
            foot = top + 0.9 * k * np.array([np.sin(sgn * swing), -np.cos(sgn * swing)])
            c.line(tuple(top), tuple(foot), self.trousers, 0.11 * k)
            c.poly(_box(foot[0] - 0.05 * k, 0.0, foot[0] + 0.2 * k, 0.06 * k), (30, 30, 30))
        shoulder = hip + np.array([0.0, 0.52 * k])
        c.poly(
            _box(x - 0.14 * k, hip[1] - 0.05 * k, x + 0.14 * k, shoulder[1] + 0.04 * k),
            self.shirt,
        )
        for sgn in (1.0, -1.0):
            top = shoulder + np.array([0.17 * sgn * k, 0.0])
            hand = top + 0.62 * k * np.array([0.15 * sgn * np.cos(phase), -1.0])
            c.line(tuple(top), tuple(hand), self.skin, 0.07 * k)
        head = shoulder + np.array([0.02 * k, 0.2 * k])
        t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        c.poly(head + np.stack([0.1 * k * np.cos(t), 0.125 * k * np.sin(t)], axis=1), self.skin)
        hair = np.array([[-0.1, 0.02], [0.1, 0.06], [0.08, 0.13], [-0.09, 0.1]]) * k
        c.poly(head + hair, (40, 30, 25))
        c.depth_m = 0.0


@dataclass(frozen=True)
class Clutter:
    """Gym clutter behind the runner: boxes, posters, a machine, a plant.

    Placed from ``seed`` (deterministic), at depth ``depth_m`` behind the runner.
    """

    seed: int = 0
    n_items: int = 6
    depth_m: float = 1.5
    front: bool = False

    def draw(self, c: Canvas, t_s: float) -> None:
        rng = np.random.default_rng(self.seed)
        c.depth_m = self.depth_m
        base = _forward(c, 0.0)
        for _ in range(self.n_items):
            x = base + rng.uniform(-2.6, 2.4)
            w, h = rng.uniform(0.2, 0.8), rng.uniform(0.2, 1.6)
            y0 = rng.choice([0.0, rng.uniform(0.8, 1.6)])
            colour = tuple(int(v) for v in rng.integers(20, 235, size=3))
            kind = rng.integers(0, 3)
            if kind == 0:
                c.poly(_box(x, y0, x + w, y0 + h), colour)  # type: ignore[arg-type]
            elif kind == 1:  # a machine: frame of bars
                for a, b in (((x, 0.0), (x, h + 0.5)), ((x, h + 0.5), (x + w, h + 0.5))):
                    c.line(a, b, colour, 0.04)  # type: ignore[arg-type]
            else:  # a plant: an ellipse on a pot
                c.poly(_box(x, 0.0, x + 0.2, 0.25), (120, 70, 40))
                t = np.linspace(0, 2 * np.pi, 20, endpoint=False)
                leaves = np.stack([x + 0.1 + 0.3 * np.cos(t), 0.6 + 0.4 * np.sin(t)], axis=1)
                c.poly(leaves, (40, 120, 50))
        c.depth_m = 0.0
