"""Capture: from a video file to a pose track. Probing and decoding frames with real
timestamps, the offline MediaPipe model bundle, the pose pass (several people per frame,
the crop around a small runner, repeated frames), linking people into identities and
picking the runner, long-run windows, and the pose track with its ``.npz`` / CSV files."""
