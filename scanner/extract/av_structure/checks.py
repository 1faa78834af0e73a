"""Bounded, read-only structural checks for video and audio containers: the entry points.

The integrity detector uses these to decide that a file is unreadable (the QC gate then fails
closed). Each check returns a plain-words description of the first structural defect it finds,
or None when the headers are consistent with each other and with the file size.

They read box, chunk, page and frame headers only and seek past media payloads; they cap how
many entries they visit (10,000 per level, 100,000 per file, so header reads stay under a few
MiB) and how deep they descend; and they never raise on hostile bytes: read errors become a
problem string too. They are not decoders: a file that passes may still hold corrupt media, but
a file that fails cannot be parsed the way its own headers say it should be.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from provscan.extract.av_structure.aiff import aiff_problem
from provscan.extract.av_structure.bmff import bmff_problem, jp2_problem
from provscan.extract.av_structure.ebml import ebml_problem
from provscan.extract.av_structure.flac import flac_problem
from provscan.extract.av_structure.id3 import id3_problem
from provscan.extract.av_structure.ogg import ogg_problem
from provscan.extract.av_structure.riff import riff_problem

# The check of each container format: video, audio and the RIFF/BMFF image formats (WebP,
# HEIF, AVIF, CR3). An MP3's ID3 tag is checked from its head (id3_problem).
CHECKS: dict[str, Callable[[BinaryIO, int], str | None]] = {
    "mp4": bmff_problem, "mov": bmff_problem, "m4a": bmff_problem, "heif": bmff_problem,
    "avif": bmff_problem, "cr3": bmff_problem, "wav": riff_problem, "avi": riff_problem,
    "webp": riff_problem, "flac": flac_problem, "ogg": ogg_problem, "matroska": ebml_problem,
    "aiff": aiff_problem, "jp2": jp2_problem, "mj2": bmff_problem,
}  # fmt: skip

__all__ = [
    "CHECKS",
    "aiff_problem",
    "bmff_problem",
    "ebml_problem",
    "flac_problem",
    "id3_problem",
    "jp2_problem",
    "ogg_problem",
    "riff_problem",
]
