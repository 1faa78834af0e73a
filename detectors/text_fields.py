"""Every text field of a file, from every carrier, as one list: what the structural
detectors (generation records, vendor statements) read.

Carriers: PNG text chunks, EXIF text tags, XMP properties (embedded and sidecar), IPTC IIM
datasets, JPEG COM segments, EXR string attributes, DPX and Cineon header text, and
video/audio tags (MP4 atoms, ID3 frames, Vorbis comments, RIFF INFO, bext, iXML, MXF
identification). Each field keeps where it was read, so a
finding can say which field said what. The list is a cached view: the extract layer reads
each carrier once per file, whoever asks.
"""

from __future__ import annotations

from typing import NamedTuple

from provscan.asset import Asset
from provscan.extract.exif import exif
from provscan.extract.iptc_iim import iptc_iim
from provscan.extract.jpeg import comments
from provscan.extract.pngtext import png_text
from provscan.extract.xmp import xmp
from provscan.model import MediaKind

MAX_FIELDS = 4000  # a hostile file may hold a million tags; real files hold a few hundred


# A NamedTuple, not a frozen dataclass: the same fields, equality and immutability, defined
# at a tenth of the cost at every start (a dataclass's methods are compiled each time).
class TextField(NamedTuple):
    """One text value: its carrier (``PNG text``, ``EXIF``, ``XMP``...), key and value."""

    carrier: str
    key: str
    value: str

    @property
    def where(self) -> str:
        """Carrier and key, as findings name a field (``EXIF UserComment``)."""
        return f"{self.carrier} {self.key}"


def text_fields(asset: Asset) -> tuple[TextField, ...]:
    """Every text field of the asset (cached view), in carrier order."""
    return asset.view("text_fields", _collect)


def _collect(asset: Asset) -> tuple[TextField, ...]:
    # The video/audio, EXR and DPX readers load with the first file of their kind (start-up).
    found: list[TextField] = []
    if asset.kind in (MediaKind.VIDEO, MediaKind.AUDIO):
        from provscan.extract.media_tags import media_tags

        found.extend(TextField(t.source, t.key, t.value) for t in media_tags(asset).tags)
    elif asset.format == "exr":
        from provscan.extract.exr import exr_header, text_attributes

        found.extend(TextField("EXR", k, v) for k, v in text_attributes(exr_header(asset)))
    elif asset.format in ("dpx", "cineon"):
        from provscan.extract.dpx import frame_header

        carrier = "DPX" if asset.format == "dpx" else "Cineon"
        found.extend(TextField(carrier, k, v) for _, k, v in frame_header(asset).fields)
    else:
        found.extend(TextField("PNG text", k, v) for k, v in png_text(asset).text.items())
        found.extend(TextField("EXIF", k, v) for k, v in exif(asset).tags.items())
        found.extend(TextField("JPEG COM", "comment", v) for v in comments(asset))
    found.extend(
        TextField("XMP", key, value) for key, values in xmp(asset).props.items() for value in values
    )
    found.extend(
        TextField("IPTC", key, value)
        for key, values in iptc_iim(asset).fields.items()
        for value in values
    )
    return tuple(f for f in found if f.value)[:MAX_FIELDS]
