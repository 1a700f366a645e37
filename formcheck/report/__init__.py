"""Outputs: report.json, strides.csv, the HTML report, keyframes and the annotated video,
and the drawing helpers they share."""
