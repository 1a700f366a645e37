"""Checks across one clip's contacts: duplicates, leg alternation, contact times.

Each takes the contacts of both legs in time order and returns them with
the implausible ones marked (:func:`formcheck.gait.events.detect_contacts` runs
all three).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from formcheck.gait.contact import Contact

_DUPLICATE_REASON = "duplicate: overlaps another contact of the same leg"
_SEQUENCE_REASON = "leg label breaks the left-right alternation (near and far swapped here)"
# A gap between contacts this far (in steps) from a whole number of steps
# breaks the parity chain.
_SEQUENCE_TOLERANCE_STEPS = 0.3


# A usable contact shorter than the clip's median contact time by more than
# this share of it, and by more than _SHORT_CONTACT_FRAMES frame intervals,
# was mis-timed: its landing found late or its toe-off early. Both are about
# 3 standard deviations of a contact time about its clip's median: 4 %
# stride-to-stride variation and 0.7 frame of timing noise per contact give
# 36 ms at 60 fps (20 % of a 215-ms contact is 43 ms) and 78 ms at 30 fps
# (2.5 frames are 83 ms).
_SHORT_CONTACT_SHARE = 0.2
_SHORT_CONTACT_FRAMES = 2.5


def is_step_of_its_leg(contact: Contact) -> bool:
    """Whether a contact marks a step of the leg it is labelled with.

    Strides run between such contacts. A second find of another contact's
    stance (:func:`drop_duplicates`) is not one, nor is the other leg's
    landing under a swapped label (:func:`check_leg_sequence`).

    Parameters
    ----------
    contact : Contact
        A contact after the checks of this module.

    Returns
    -------
    bool
    """
    return contact.reason not in (_DUPLICATE_REASON, _SEQUENCE_REASON)


def _demote(contact: Contact, reason: str) -> Contact:
    return dataclasses.replace(
        contact, usable=False, landing_usable=False, timed=False, reason=reason
    )


def drop_duplicates(contacts: list[Contact]) -> list[Contact]:
    """Mark the shorter of two overlapping contacts of one leg as a duplicate.

    One stance can be found twice when a noisy fore-aft swing has two
    forward peaks around it. Parameters and result: contacts in time order.
    """
    out = list(contacts)
    last: dict[str, int] = {}
    for i, c in enumerate(out):
        j = last.get(c.leg)
        if c.timed and j is not None and c.ic_s < out[j].to_s:
            shorter = i if c.contact_time_s <= out[j].contact_time_s else j
            out[shorter] = _demote(out[shorter], _DUPLICATE_REASON)
            if shorter == i:
                continue
        if out[i].timed:
            last[c.leg] = i
    return out


def check_leg_sequence(contacts: list[Contact], *, step_s: float) -> list[Contact]:
    """Mark contacts whose leg label contradicts the alternation of steps.

    Running alternates legs, one contact per step. Walking through the
    contacts with a usable landing in time order, each gap is a whole
    number of steps, which fixes every contact's step parity relative to its
    neighbours; the majority says which parity is the near leg. A gap that
    is not close to a whole number of steps (more than 0.3 off), or longer
    than 6 steps, starts a new run, so one mistimed contact cannot flip the
    parity of all that follow. A contact whose label disagrees with its run's majority was
    found on the other leg's landmarks (the pose model swapped near and far
    for a while and the swap was not undone): its angles describe the wrong
    leg, so it is marked unusable and untimed.

    Parameters
    ----------
    contacts : list of Contact
        Both legs, in time order of initial contact.
    step_s : float
        Expected step period, seconds.
    """
    out = list(contacts)
    if not step_s > 0:
        return out
    runs: list[list[tuple[int, int]]] = []  # (contact index, parity)
    for i, c in enumerate(contacts):
        if not c.landing_usable:
            continue
        if runs:
            j, p = runs[-1][-1]
            steps = (c.ic_s - contacts[j].ic_s) / step_s
            if abs(steps - round(steps)) <= _SEQUENCE_TOLERANCE_STEPS and steps <= 6.0:
                runs[-1].append((i, (p + int(round(steps))) % 2))
                continue
        runs.append([(i, 0)])
    for run in runs:
        near_even = sum((p == 0) == (contacts[i].leg == "near") for i, p in run)
        if len(run) < 3 or 2 * near_even == len(run):
            continue
        near_parity = 0 if 2 * near_even > len(run) else 1
        for i, p in run:
            if (contacts[i].leg == "near") != (p == near_parity):
                out[i] = _demote(contacts[i], _SEQUENCE_REASON)
    return out


def check_contact_times(contacts: list[Contact], *, frame_s: float) -> list[Contact]:
    """Mark usable contacts much shorter than the clip's median as unusable.

    One runner's contact times vary by a few percent from step to step
    (stride-to-stride coefficients of variation of 2-5 % on a treadmill).
    A contact shorter than the median of the usable ones by more than
    ``_SHORT_CONTACT_SHARE`` of it and by more than ``_SHORT_CONTACT_FRAMES``
    frame intervals (whichever is longer) was mis-timed. On the rendered
    samples MediaPipe swapped the feet for a few frames at push-off and the
    toe-off came 2-5 frames early; with the merged-feet frames removed, all
    10 contacts whose toe-off was more than 2 frames off were 20-78 % short,
    and 74 of the 75 well-timed ones within 15 % of the median. On the
    eye-labelled real clips (30 fps, where 2.5 frames are the longer limit)
    it sets aside five labelled contacts, all mis-timed: three landings
    2.6-4.0 frames late, two toe-offs 2.5-3 frames early. The contact stays
    timed (it is still a step) and keeps its landing angles (a landing
    stands on the landing: on a rendered overstrider whose near-leg toe-offs
    MediaPipe found early, setting the landings aside left the near leg
    unmeasured); its contact time is not used. A landing found late reads
    its shank swung back, which the overstride finding sets aside as a low
    outlier. Contacts with only their landing usable are left as they are:
    their toe-off was not measured, so their contact time says nothing.
    Needs at least 4 usable contacts; otherwise returns them unchanged.

    Parameters
    ----------
    contacts : list of Contact
        Both legs, in time order of initial contact.
    frame_s : float
        Frame interval, seconds (real time).
    """
    durations = [c.contact_time_s for c in contacts if c.usable]
    if len(durations) < 4:
        return list(contacts)
    median_s = float(np.median(durations))
    shortest_s = median_s - max(_SHORT_CONTACT_SHARE * median_s, _SHORT_CONTACT_FRAMES * frame_s)
    out = []
    for c in contacts:
        if c.usable and c.contact_time_s < shortest_s:
            reason = (
                f"contact time {1000 * c.contact_time_s:.0f} ms is under "
                f"{1000 * shortest_s:.0f} ms, far below the clip's median "
                f"{1000 * median_s:.0f} ms (toe-off early or landing late; landing angles kept)"
            )
            c = dataclasses.replace(c, usable=False, landing_usable=True, reason=reason)
        out.append(c)
    return out
