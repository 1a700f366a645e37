"""Gait: from a pose track to ground contacts. Cleaning the landmarks, the scene (facing,
camera roll, the runner frame, scale), the clip's own step rhythm, initial contact and
toe-off per leg (:mod:`formcheck.gait.events`), the landing cues, and the checks across
one clip's contacts."""
