"""Trace AI stills into videos: find where a still appears in a rendered cut, with timecodes.

Rendering an edit strips every marker from the stills it uses; the markers survive only on
the source stills. This package searches videos (and other stills) for those pictures by
their content: ``reference`` turns stills into in-memory features, ``sampler`` decodes as
little of a video as it can, ``matcher`` proposes and confirms references in a frame,
``tracer`` turns confirmed frames into time ranges (``provscan.timecode`` writes them as SMPTE
timecode).
"""
