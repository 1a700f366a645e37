"""One ground contact of one leg: the unit that gait events, checks and metrics share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LegName = Literal["near", "far"]
LandingCue = Literal["foot height", "ground speed"]


@dataclass(frozen=True)
class Contact:
    """One ground contact of one leg.

    Attributes
    ----------
    leg : {"near", "far"}
    ic_s, to_s : float
        Initial contact and toe-off times, seconds (real time), sub-frame.
    ic_frame, to_frame : int
        Nearest frame indices.
    usable : bool
        Whether the contact is complete and both events were measured well
        enough for metrics (contact time, duty factor, angles at contact).
    reason : str
        Why it is not usable ("" when usable).
    timed : bool
        Whether both events were timed to a fraction of a frame on a
        complete contact (true for usable contacts, and for contacts only
        lacking measured landmarks for their angles); cadence uses timed
        contacts (strides: :func:`formcheck.gait.contact_checks.is_step_of_its_leg`).
    ic_cue : {"foot height", "ground speed"}
        Which cue timed the landing (:mod:`formcheck.gait.landing`).
    landing_usable : bool
        Whether the landing alone is usable: true for usable contacts, and
        for those whose only fault is an unmeasured toe-off (the pose model
        lost the pushing foot). Angles at contact are read on these; their
        contact time is not used.
    clock_known : bool
        Whether the clip's real time is known. A clip that looks like slow
        motion, analysed without its capture rate, is timed on an assumed
        clock: its landing angles stand, its contact time is not reported.
    """

    leg: LegName
    ic_s: float
    to_s: float
    ic_frame: int
    to_frame: int
    usable: bool
    reason: str
    timed: bool = True
    ic_cue: LandingCue = "foot height"
    landing_usable: bool = False
    clock_known: bool = True

    def __post_init__(self) -> None:
        if self.usable and not self.landing_usable:
            object.__setattr__(self, "landing_usable", True)

    @property
    def contact_time_s(self) -> float:
        """Ground contact time, seconds."""
        return self.to_s - self.ic_s

    @property
    def reported_contact_time_ms(self) -> float:
        """Contact time as reported, milliseconds: NaN unless the contact is
        usable (a landing-only contact's toe-off was not measured) and the
        clip's clock is known."""
        return 1000.0 * self.contact_time_s if self.usable and self.clock_known else float("nan")
