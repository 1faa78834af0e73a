"""The stages of a delivery check after the scan, each a Report -> Report step, in pipeline
order: sources, trace, imf, timeline, gate, delivery (``provscan.pipeline`` runs them)."""
