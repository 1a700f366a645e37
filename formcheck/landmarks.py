"""Named indices of MediaPipe's 33-landmark BlazePose topology.

Never index a landmark array with a bare number: use these constants.
"Left" and "right" are the person's own sides, as MediaPipe labels them.
"""

from __future__ import annotations

from typing import Final, NamedTuple

NOSE: Final = 0
LEFT_EYE_INNER: Final = 1
LEFT_EYE: Final = 2
LEFT_EYE_OUTER: Final = 3
RIGHT_EYE_INNER: Final = 4
RIGHT_EYE: Final = 5
RIGHT_EYE_OUTER: Final = 6
LEFT_EAR: Final = 7
RIGHT_EAR: Final = 8
MOUTH_LEFT: Final = 9
MOUTH_RIGHT: Final = 10
LEFT_SHOULDER: Final = 11
RIGHT_SHOULDER: Final = 12
LEFT_ELBOW: Final = 13
RIGHT_ELBOW: Final = 14
LEFT_WRIST: Final = 15
RIGHT_WRIST: Final = 16
LEFT_PINKY: Final = 17
RIGHT_PINKY: Final = 18
LEFT_INDEX: Final = 19
RIGHT_INDEX: Final = 20
LEFT_THUMB: Final = 21
RIGHT_THUMB: Final = 22
LEFT_HIP: Final = 23
RIGHT_HIP: Final = 24
LEFT_KNEE: Final = 25
RIGHT_KNEE: Final = 26
LEFT_ANKLE: Final = 27
RIGHT_ANKLE: Final = 28
LEFT_HEEL: Final = 29
RIGHT_HEEL: Final = 30
LEFT_FOOT_INDEX: Final = 31
RIGHT_FOOT_INDEX: Final = 32

NUM_LANDMARKS: Final = 33

NAMES: Final[tuple[str, ...]] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

# Landmarks of one leg, in order hip -> toe, for each side.
LEFT_LEG: Final[tuple[int, ...]] = (LEFT_HIP, LEFT_KNEE, LEFT_ANKLE, LEFT_HEEL, LEFT_FOOT_INDEX)
RIGHT_LEG: Final[tuple[int, ...]] = (
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_ANKLE,
    RIGHT_HEEL,
    RIGHT_FOOT_INDEX,
)

# Pairs (left, right) of every bilateral landmark: swapping a person's sides
# exchanges each pair.
LEFT_RIGHT_PAIRS: Final[tuple[tuple[int, int], ...]] = (
    *(
        (i, NAMES.index("right_" + name[len("left_") :]))
        for i, name in enumerate(NAMES)
        if name.startswith("left_")
    ),
    (MOUTH_LEFT, MOUTH_RIGHT),
)

# Skeleton edges for drawing.
CONNECTIONS: Final[tuple[tuple[int, int], ...]] = (
    (LEFT_SHOULDER, RIGHT_SHOULDER),
    (LEFT_HIP, RIGHT_HIP),
    (LEFT_SHOULDER, LEFT_HIP),
    (RIGHT_SHOULDER, RIGHT_HIP),
    (LEFT_SHOULDER, LEFT_ELBOW),
    (LEFT_ELBOW, LEFT_WRIST),
    (RIGHT_SHOULDER, RIGHT_ELBOW),
    (RIGHT_ELBOW, RIGHT_WRIST),
    (LEFT_HIP, LEFT_KNEE),
    (LEFT_KNEE, LEFT_ANKLE),
    (LEFT_ANKLE, LEFT_HEEL),
    (LEFT_HEEL, LEFT_FOOT_INDEX),
    (LEFT_ANKLE, LEFT_FOOT_INDEX),
    (RIGHT_HIP, RIGHT_KNEE),
    (RIGHT_KNEE, RIGHT_ANKLE),
    (RIGHT_ANKLE, RIGHT_HEEL),
    (RIGHT_HEEL, RIGHT_FOOT_INDEX),
    (RIGHT_ANKLE, RIGHT_FOOT_INDEX),
    (NOSE, LEFT_EAR),
    (NOSE, RIGHT_EAR),
)


class LegIndices(NamedTuple):
    """Landmark indices of one leg, hip to toe."""

    hip: int
    knee: int
    ankle: int
    heel: int
    toe: int


def leg_indices(side: str) -> LegIndices:
    """Indices of the leg MediaPipe labels ``side`` ("left" or "right")."""
    if side == "left":
        return LegIndices(LEFT_HIP, LEFT_KNEE, LEFT_ANKLE, LEFT_HEEL, LEFT_FOOT_INDEX)
    if side == "right":
        return LegIndices(RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE, RIGHT_HEEL, RIGHT_FOOT_INDEX)
    raise ValueError(f"side: expected 'left' or 'right', got {side!r}")


def other_side(side: str) -> str:
    """The opposite side label."""
    return "right" if side == "left" else "left"
