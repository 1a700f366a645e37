"""Assessment: from per-stride metrics to what a runner is told. Summaries over a run,
the headline findings with their reasons, cues and evidence frames, and the comparison of
an analysis with the synthetic runner's truth."""
