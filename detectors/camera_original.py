"""Camera originals: what the camera department delivers, recognised from the bytes. (CAM001-2)

RED R3D (its header's directory: camera type, model, serial, reel, start timecode), ARRIRAW
frames and the raw stills with layouts of their own (Fujifilm RAF, Canon CRW, Sigma X3F,
Minolta MRW: signature), Blackmagic RAW and Apple ProRes RAW (their QuickTime sample entries),
MXF written by a camera (the first Identification set, ST 377-1, names a camera maker:
Sony XAVC, Canon XF-AVC, ARRI, Panasonic), CinemaDNG and DNG frames (TIFF tag
UniqueCameraModel, with the CinemaDNG TimeCodes and FrameRate tags when present).

Information only: a camera original read deeply is described (CAM001); one recognised but
whose own header provscan does not read is said to be so (CAM002). Neither fails the gate:
recognised is not unknown (an unknown format still is SCN004). EXIF Make/Model of camera
stills stay the EXIF family's.
"""

from __future__ import annotations

from collections.abc import Iterator

from provscan.asset import Asset
from provscan.detectors.generator_parsers import clip
from provscan.extract.camera import CameraFile, camera_file
from provscan.extract.exif import exif
from provscan.model import Evidence, Line, MediaKind, Rule, Section, Severity

NAME = "camera"
KINDS = frozenset({MediaKind.IMAGE, MediaKind.VIDEO})

DESCRIBED = Rule("CAM001", "camera-original", Severity.INFO,
                 "A camera original (RED R3D, camera MXF, CinemaDNG...), described from its "
                 "documented header: camera, serial, reel, timecode.")  # fmt: skip
RECOGNISED = Rule("CAM002", "camera-original-not-read", Severity.INFO,
                  "A camera original recognised from its bytes (ARRIRAW, Blackmagic RAW, "
                  "ProRes RAW...) whose own header provscan does not read: nothing beyond "
                  "its container was checked.")  # fmt: skip
RULES: tuple[Rule, ...] = (DESCRIBED, RECOGNISED)

_CAMERA_MAKERS = {
    "sony": "Sony XAVC/XDCAM (MXF)", "canon": "Canon XF-AVC (MXF)", "arri": "ARRI (MXF)",
    "panasonic": "Panasonic AVC-Intra (MXF)", "blackmagic": "Blackmagic (MXF)",
    "red": "RED (MXF)", "jvc": "JVC (MXF)",
}  # fmt: skip
_WHY_NOT = {
    "ARRIRAW": "ARRI's frame header layout is not publicly documented",
    "Blackmagic RAW": "its frame metadata is read only by Blackmagic's SDK",
    "Apple ProRes RAW": "its frame metadata is not publicly documented",
    "Fujifilm RAF": "its raw header is not read; its EXIF is, from the JPEG preview inside it",
    "Canon CRW": "its CIFF directory is not read",
    "Sigma X3F": "its own directory is not read",
    "Minolta MRW": "its own blocks are not read",
}


def detect(asset: Asset) -> Iterator[Evidence]:
    """CAM001 or CAM002 for a camera original (nothing for other files)."""
    found = camera_file(asset)
    if found.system:
        yield _evidence(found)
        return
    if asset.format == "mxf":
        yield from _mxf(asset)
    elif asset.format == "tiff":
        yield from _dng(asset)


def describe(asset: Asset) -> Iterator[Section]:
    """A "Camera original" section with the header fields read."""
    found = camera_file(asset)
    if found.system:
        lines = [Line("system", found.system), *(Line(k, clip(v, 100)) for k, v in found.fields)]
        yield Section("Camera original", tuple(lines))


def _evidence(found: CameraFile) -> Evidence:
    facts = {k: v for k, v in found.fields if k not in ("redcode", "codec", "format")}
    text = "; ".join(f"{k} {v}" for k, v in facts.items())
    if found.deep:
        return Evidence(DESCRIBED.code, f"camera original: {found.system} ({clip(text, 160)})",
                        key="camera", value=found.system,
                        details={"system": found.system, **facts})  # fmt: skip
    why = _WHY_NOT.get(found.system, "its own header is not read")
    return Evidence(RECOGNISED.code, f"camera original: {found.system}, recognised from its "
                    f"bytes; not read deeply ({why})", key="camera", value=found.system,
                    details={"system": found.system, **dict(found.fields)})  # fmt: skip


def _mxf(asset: Asset) -> Iterator[Evidence]:
    """A camera maker's name on the Identification set that created the file."""
    from provscan.extract.media_tags import mxf_info  # (MXF files only: start-up)

    info = mxf_info(asset)
    if not info.identifications:
        return
    first = info.identifications[0]
    maker = first.company.strip().lower().split(" ")[0] if first.company.strip() else ""
    system = _CAMERA_MAKERS.get(maker)
    if system is None:
        return
    facts = {"company": first.company, "product": first.product, "version": first.version}
    text = " ".join(v for v in (first.company, first.product, first.version) if v)
    yield Evidence(DESCRIBED.code, f"camera original: {system}, created by {clip(text, 100)}",
                   key="camera", value=system,
                   details={"system": system, **{k: v for k, v in facts.items() if v}})  # fmt: skip


def _dng(asset: Asset) -> Iterator[Evidence]:
    """A DNG frame (UniqueCameraModel), CinemaDNG when it carries its time code tags."""
    tags = exif(asset).tags
    model = tags.get("UniqueCameraModel", "").strip()
    if not model:
        return
    cinema = any(k in tags for k in ("TimeCodes", "FrameRate"))
    system = "CinemaDNG frame" if cinema else "DNG raw"
    yield Evidence(
        DESCRIBED.code,
        f"camera original: {system} from {clip(model, 80)}",
        key="camera",
        value=system,
        details={"system": system, "model": model},
    )
