"""Vendors' own AI records in places no standard defines. (GEN014-GEN016)

- **Samsung Galaxy AI** (GEN014): Galaxy phones append an SEF trailer of named blocks
  (``provscan.extract.samsung_sef``). The Gallery's photo editor records a generative edit
  (Generative Edit, Sketch to Image, Portrait Studio...) in a ``PEg_Info`` block (JSON with
  ``genImageVersion``; the block and its keys are named in ExifTool's Samsung tables) and as
  a non-zero ``genAIType`` in its ``PhotoEditor_Re_Edit_Data`` JSON (observed on Galaxy
  S23-S25 files beside C2PA's trainedAlgorithmicMedia). Either one is an AI edit; the
  editor's other records (tone, crop, filters, AI upscaling) are not.
- **xAI Grok Imagine** (GEN015): its JPEGs carry no C2PA or IPTC; their one provenance mark
  is an EXIF pair, ``ImageDescription`` = ``Signature: `` + a base64 blob and ``Artist`` =
  the image's UUID (observed on public downloads). Both are required: either alone is a
  photographer's free text.
- **Hosted generation jobs** (GEN016): Hugging Face Jobs and Spaces stamp the PNGs they write
  with a ``hf-job-id`` text chunk. It names a compute job, not a model: a hint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from provscan.asset import Asset
from provscan.extract.exif import exif
from provscan.extract.pngtext import png_text
from provscan.extract.samsung_sef import sef_trailer
from provscan.model import Confidence, Evidence, Line, MediaKind, Rule, Section, Severity, Signal

NAME = "vendor_marks"
KINDS = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})
GALAXY_AI = Rule(
    "GEN014",
    "galaxy-ai-edit",
    Severity.ERROR,
    "Samsung's photo editor recorded a Galaxy AI generative edit in the file's SEF trailer.",
    Signal.AI_EDITED,
)
XAI_SIGNATURE = Rule(
    "GEN015",
    "grok-imagine-signature",
    Severity.ERROR,
    "The EXIF signature pair xAI's Grok Imagine writes into the images it generates.",
    Signal.AI_GENERATED,
)
HOSTED_JOB = Rule(
    "GEN016",
    "hosted-generation-job",
    Severity.WARNING,
    "A hosted compute job's id (Hugging Face hf-job-id) stamped into the picture.",
    Signal.AI_HINT,
)
RULES: tuple[Rule, ...] = (GALAXY_AI, XAI_SIGNATURE, HOSTED_JOB)

_SIGNATURE = re.compile(r"Signature: [A-Za-z0-9+/_-]{40,}={0,2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_JOB_KEY = "hf-job-id"
_JOB_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{5,127}")


def detect(asset: Asset) -> Iterator[Evidence]:
    """GEN014 from the SEF trailer, GEN015 from EXIF, GEN016 from PNG text."""
    yield from _galaxy_ai(asset)
    if asset.kind is MediaKind.IMAGE:
        yield from _xai_signature(asset)
        yield from _hosted_job(asset)


def describe(asset: Asset) -> Iterator[Section]:
    """A "Vendor AI records" section with what was found."""
    lines = [Line(ev.key or "record", ev.message) for ev in detect(asset)]
    names = [b.name for b in sef_trailer(asset).blocks]
    if names:
        lines.append(Line("Samsung trailer", ", ".join(names)))
    if lines:
        yield Section("Vendor AI records", tuple(lines))


def _galaxy_ai(asset: Asset) -> Iterator[Evidence]:
    trailer = sef_trailer(asset)
    if not trailer.blocks:
        return
    generative = _json(trailer.data("PEg_Info"))
    edit = _json(trailer.data("PhotoEditor_Re_Edit_Data"))
    gen_type = edit.get("genAIType")
    marks = []
    if generative:
        version = generative.get("genImageVersion")
        marks.append(f"PEg_Info (genImageVersion {version})" if version else "PEg_Info")
    if isinstance(gen_type, int | str) and str(gen_type).strip() not in ("", "0"):
        marks.append(f"PhotoEditor_Re_Edit_Data genAIType {gen_type}")
    if marks:
        yield Evidence(
            GALAXY_AI.code,
            f"Samsung trailer: Galaxy AI generative edit recorded ({'; '.join(marks)})",
            key="Samsung trailer",
            confidence=Confidence.MEDIUM,
            details={"blocks": [b.name for b in trailer.blocks], "records": marks},
        )


def _json(data: bytes | None) -> dict[str, object]:
    """A block's JSON object, or an empty one when the block is absent or not JSON."""
    if not data:
        return {}
    try:
        value = json.loads(data.decode("utf-8", "replace").strip("\0 \r\n"))
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _xai_signature(asset: Asset) -> Iterator[Evidence]:
    tags = exif(asset).tags
    description = tags.get("ImageDescription", "").strip()
    artist = tags.get("Artist", "").strip()
    if _SIGNATURE.fullmatch(description) and _UUID.fullmatch(artist):
        yield Evidence(
            XAI_SIGNATURE.code,
            f"EXIF ImageDescription holds a 'Signature:' blob and Artist the image id {artist}: "
            "the pair xAI's Grok Imagine writes",
            key="EXIF ImageDescription",
            value=artist,
            confidence=Confidence.MEDIUM,
            details={"artist": artist, "signature_length": len(description) - 11},
        )


def _hosted_job(asset: Asset) -> Iterator[Evidence]:
    job = png_text(asset).text.get(_JOB_KEY, "").strip()
    if _JOB_ID.fullmatch(job):
        yield Evidence(
            HOSTED_JOB.code,
            f"PNG text {_JOB_KEY} = {job}: written by a Hugging Face hosted job "
            "(usually a generation job; the model is not named)",
            key=f"PNG text {_JOB_KEY}",
            value=job,
            confidence=Confidence.LOW,
        )
