"""Magic bytes -> media kind, format name and MIME type; the file name only breaks ties.

Formats are decided from the first bytes because deliverables are often misnamed, and a
mismatch between name and bytes is itself worth reporting (SCN003).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from typing import NamedTuple

from provscan.model import MediaKind


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Sniffed(NamedTuple):
    """The result of sniffing: kind, short format name, MIME type."""

    kind: MediaKind
    format: str
    mime: str


# A JPEG whose APP2 MPF segment lists further pictures (CIPA DC-007). It has no registered
# MIME type; its first picture is a JPEG stream, which is how the C2PA SDK reads it.
MPO = Sniffed(MediaKind.IMAGE, "mpo", "image/jpeg")
JPEG_FORMATS = frozenset({"jpeg", "mpo"})  # read by every JPEG reader (the first picture)
UNKNOWN = Sniffed(MediaKind.OTHER, "unknown", "application/octet-stream")
EMPTY = Sniffed(MediaKind.OTHER, "empty", "application/octet-stream")


def _words(names: str) -> frozenset[str]:
    """A set of extensions written as one string (long lists stay readable)."""
    return frozenset(names.split())


# Extensions each format is normally written with; used for the extension-mismatch check.
EXTENSIONS: dict[str, frozenset[str]] = {
    # .THM: cameras' clip thumbnails; .INSP: Insta360 stills
    "jpeg": frozenset({"jpg", "jpeg", "jpe", "jfif", "thm", "insp"}),
    "mpo": frozenset({"mpo", "jpg", "jpeg", "jpe", "jfif"}),
    "png": frozenset({"png"}),
    "gif": frozenset({"gif"}),
    "webp": frozenset({"webp"}),
    # TIFF and the camera raw files built on it (vendors' names, as ExifTool lists them):
    # Nikon NEF/NRW, Canon CR2, Sony ARW/SRF/SR2, Olympus ORF, Pentax PEF, Panasonic and
    # Leica RW2/RWL/RAW, Phase One IIQ/CAP, Hasselblad 3FR/FFF, Leaf MOS, Epson ERF, Kodak
    # KDC/DCR, Mamiya MEF, Samsung SRW, GoPro GPR (a DNG)
    "tiff": _words(
        "tif tiff btf tf8 dng nef nrw cr2 arw srf sr2 orf pef "
        "rw2 rwl raw iiq cap 3fr fff mos erf kdc dcr mef srw gpr"
    ),
    "bmp": frozenset({"bmp", "dib"}),
    "psd": frozenset({"psd", "psb"}),
    "jxl": frozenset({"jxl"}),
    "heif": frozenset({"heic", "heif", "hif"}),
    "avif": frozenset({"avif"}),
    "svg": frozenset({"svg"}),
    # .LRV (GoPro) and .LRF (DJI): the low-resolution proxies cameras record beside a clip
    # .INSV (Insta360) and .360 (GoPro MAX): the 360-degree cameras' MP4 recordings
    "mp4": _words("mp4 m4v m4s 3gp f4v lrv lrf insv 360"),
    "mov": frozenset({"mov", "qt", "braw"}),  # Blackmagic RAW clips are QuickTime movies
    "m4a": frozenset({"m4a", "m4b", "m4p", "aac", "mp4"}),
    "cr3": frozenset({"cr3", "crm"}),  # Canon Cinema RAW Light clips share CR3's layout
    "avi": frozenset({"avi"}),
    "wav": frozenset({"wav", "bwf", "wave"}),
    "matroska": frozenset({"mkv", "mka", "mks", "webm"}),
    "mxf": frozenset({"mxf"}),
    "mp3": frozenset({"mp3"}),
    "flac": frozenset({"flac"}),
    "ogg": frozenset({"ogg", "oga", "ogv", "opus", "spx"}),
    "aiff": frozenset({"aif", "aiff", "aifc"}),
    "aac": frozenset({"aac", "adts"}),
    "asf": frozenset({"wmv", "wma", "asf"}),
    "flv": frozenset({"flv"}),
    "mpegps": _words("mpg mpeg mpe m2p vob"),
    "mpegvideo": _words("m2v m1v mpv mpg mpeg"),
    "ac3": _words("ac3 eac3 ec3"),
    "dts": frozenset({"dts"}),
    "caf": frozenset({"caf"}),
    "jp2": _words("jp2 jpx jpf jph jpm"),
    "mj2": _words("mj2 mjp2"),
    "j2k": _words("j2k j2c jpc"),
    "hdr": _words("hdr pic rgbe"),
    "postscript": _words("ps eps epsf epsi ai"),
    "dv": frozenset({"dv", "dif"}),
    "mpegts": frozenset({"ts", "m2ts", "mts"}),
    "pdf": frozenset({"pdf", "ai"}),  # an Illustrator file saved PDF-compatible is a PDF
    "xmp": frozenset({"xmp"}),
    "c2pa": frozenset({"c2pa"}),
    "exr": frozenset({"exr", "sxr"}),
    "dpx": frozenset({"dpx"}),
    "cineon": frozenset({"cin", "cineon"}),
    "r3d": frozenset({"r3d"}),
    "arriraw": frozenset({"ari", "arx"}),
    "raf": frozenset({"raf"}),
    "crw": frozenset({"crw"}),
    "x3f": frozenset({"x3f"}),
    "mrw": frozenset({"mrw"}),
    "srt": frozenset({"srt"}),
    "webvtt": frozenset({"vtt", "webvtt"}),
    "ttml": frozenset({"ttml", "xml", "dfxp", "imsc"}),
    "scc": frozenset({"scc"}),
    "ebu-stl": frozenset({"stl"}),
    "ooxml": frozenset({"docx", "docm", "dotx", "xlsx", "xlsm", "xltx", "pptx", "pptm", "potx"}),
    # OLE2 compound files: Office 97-2003 and their templates, Outlook, Publisher, Visio,
    # Windows Installer (AAF, which is one too, has its own entry)
    "ole2": _words("doc dot xls xlt ppt pot pps msg pub vsd msi"),
    "aaf": frozenset({"aaf"}),
    # ZIP containers under their own names: Java and Android packages, Python wheels, EPUB,
    # OpenDocument, USDZ, KMZ, IDML, 3MF, iWork, Sketch, Adobe XD, Capture One EIP, comic
    # archives, browser and editor extensions, NuGet packages
    "zip": _words(
        "zip jar war ear aar apk ipa whl epub odt ods odp odg ott ots "
        "otp usdz kmz idml 3mf key pages numbers sketch xd eip cbz xpi vsix nupkg"
    ),
    "7z": frozenset({"7z"}),
    "rar": frozenset({"rar"}),
    # gzip, and formats that are gzip streams: SVGZ, Premiere Pro projects, EMZ/WMZ
    "gzip": frozenset({"gz", "tgz", "svgz", "prproj", "emz", "wmz"}),
    "bzip2": frozenset({"bz2", "tbz2"}),
    "xz": frozenset({"xz", "txz"}),
    "zstd": frozenset({"zst"}),
    "tar": frozenset({"tar"}),
    "midi": frozenset({"mid", "midi", "smf"}),
    "bdmv-index": frozenset({"bdm", "bdmv", "mpl", "mpls", "cpi", "clpi"}),
}

# Streams known by their bytes that only FFmpeg reads (provscan has no structure check of
# its own for them): one its demuxer cannot open is unreadable, not merely odd (MED006).
FFMPEG_ONLY = frozenset({"mpegps", "mpegvideo", "ac3", "dts", "caf", "dv"})

# Formats known by their bytes whose contents provscan does not read: archives (their
# members are not scanned) and MIDI (no picture or sound to trace, no provenance carrier).
# The unsupported-format finding says which, and what to do, instead of "not recognised".
_UNPACK = ": provscan does not look inside (unpack it into the delivery to have its files checked)"
NOT_READ: dict[str, str] = {
    "zip": "a ZIP archive" + _UNPACK, "7z": "a 7-Zip archive" + _UNPACK,
    "rar": "a RAR archive" + _UNPACK, "tar": "a tar archive" + _UNPACK,
    "gzip": "a gzip-compressed file" + _UNPACK, "bzip2": "a bzip2-compressed file" + _UNPACK,
    "xz": "an xz-compressed file" + _UNPACK, "zstd": "a Zstandard-compressed file" + _UNPACK,
    "midi": "a MIDI file: provscan reads no provenance markers from it",
    "aaf": "an AAF composition: provscan does not read the media it may embed (give it with "
    "--timeline to have the cut it describes checked)",
}  # fmt: skip

_BRAND_FORMATS = {
    b"qt  ": ("mov", MediaKind.VIDEO, "video/quicktime"),
    b"M4A ": ("m4a", MediaKind.AUDIO, "audio/mp4"),
    b"M4B ": ("m4a", MediaKind.AUDIO, "audio/mp4"),
    b"M4V ": ("mp4", MediaKind.VIDEO, "video/x-m4v"),
    b"heic": ("heif", MediaKind.IMAGE, "image/heic"),
    b"heix": ("heif", MediaKind.IMAGE, "image/heic"),
    b"heim": ("heif", MediaKind.IMAGE, "image/heic"),
    b"heis": ("heif", MediaKind.IMAGE, "image/heic"),
    b"mif1": ("heif", MediaKind.IMAGE, "image/heif"),
    b"msf1": ("heif", MediaKind.IMAGE, "image/heif"),
    b"avif": ("avif", MediaKind.IMAGE, "image/avif"),
    b"avis": ("avif", MediaKind.IMAGE, "image/avif"),
    b"crx ": ("cr3", MediaKind.IMAGE, "image/x-canon-cr3"),
}
_MP4 = ("mp4", MediaKind.VIDEO, "video/mp4")

_RIFF_FORMATS = {
    b"WEBP": Sniffed(MediaKind.IMAGE, "webp", "image/webp"),
    b"WAVE": Sniffed(MediaKind.AUDIO, "wav", "audio/wav"),
    b"AVI ": Sniffed(MediaKind.VIDEO, "avi", "video/x-msvideo"),
}


def _refined(simple: Sniffed, head: bytes, name: str) -> Sniffed:
    """What a signature shared by several formats is: a JPEG 2000 signature box followed by
    the brand of Motion JPEG 2000 (ISO/IEC 15444-3) is a movie; an OLE2 file named .aaf is
    an AAF composition."""
    if simple.format == "jp2" and head[20:24] in (b"mjp2", b"mj2s"):
        return _MJ2
    if simple.format == "ole2" and name.lower().endswith(".aaf"):
        return _AAF
    return simple


_MJ2 = Sniffed(MediaKind.VIDEO, "mj2", "video/mj2")

# An AAF file is a Structured Storage (OLE2) file (AAF Object Specification; its root
# storage's class id is past the first 512 bytes): the name tells it from an Office one.
_AAF = Sniffed(MediaKind.OTHER, "aaf", "application/x-aaf")

_BDMV = Sniffed(MediaKind.OTHER, "bdmv-index", "application/octet-stream")

_SIMPLE: tuple[tuple[bytes, Sniffed], ...] = (
    (b"\xff\xd8\xff", Sniffed(MediaKind.IMAGE, "jpeg", "image/jpeg")),
    (b"\x89PNG\r\n\x1a\n", Sniffed(MediaKind.IMAGE, "png", "image/png")),
    (b"GIF87a", Sniffed(MediaKind.IMAGE, "gif", "image/gif")),
    (b"GIF89a", Sniffed(MediaKind.IMAGE, "gif", "image/gif")),
    (b"II*\x00", Sniffed(MediaKind.IMAGE, "tiff", "image/tiff")),
    (b"MM\x00*", Sniffed(MediaKind.IMAGE, "tiff", "image/tiff")),
    (b"II+\x00", Sniffed(MediaKind.IMAGE, "tiff", "image/tiff")),  # BigTIFF
    (b"MM\x00+", Sniffed(MediaKind.IMAGE, "tiff", "image/tiff")),
    # Camera raw files laid out as TIFF under another magic number (ExifTool's PanasonicRaw
    # and Olympus tables; LibRaw's identify): Panasonic/Leica RW2, RWL and RAW ("IIU"),
    # Olympus/OM System ORF ("IIRO", "MMOR", and "IIRS" from some models).
    (b"IIU\x00", Sniffed(MediaKind.IMAGE, "tiff", "image/tiff")),
    (b"IIRO", Sniffed(MediaKind.IMAGE, "tiff", "image/tiff")),
    (b"IIRS", Sniffed(MediaKind.IMAGE, "tiff", "image/tiff")),
    (b"MMOR", Sniffed(MediaKind.IMAGE, "tiff", "image/tiff")),
    (b"BM", Sniffed(MediaKind.IMAGE, "bmp", "image/bmp")),
    (b"8BPS", Sniffed(MediaKind.IMAGE, "psd", "image/vnd.adobe.photoshop")),
    (b"\xff\x0a", Sniffed(MediaKind.IMAGE, "jxl", "image/jxl")),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", Sniffed(MediaKind.IMAGE, "jxl", "image/jxl")),
    (b"\x1a\x45\xdf\xa3", Sniffed(MediaKind.VIDEO, "matroska", "video/x-matroska")),
    # SMPTE 377 partition pack key prefix (06.0e.2b.34.02.05.01.01.0d.01.02.01.01)
    (bytes.fromhex("060e2b34020501010d010201"), Sniffed(MediaKind.VIDEO, "mxf", "application/mxf")),
    (b"ID3", Sniffed(MediaKind.AUDIO, "mp3", "audio/mpeg")),
    (b"fLaC", Sniffed(MediaKind.AUDIO, "flac", "audio/flac")),
    (b"OggS", Sniffed(MediaKind.AUDIO, "ogg", "audio/ogg")),
    (b"%PDF", Sniffed(MediaKind.DOCUMENT, "pdf", "application/pdf")),
    # Frame formats of film and VFX (OpenEXR file layout; SMPTE ST 268 DPX, both byte
    # orders; Kodak Cineon 4.5, both byte orders) and camera originals (ARRIRAW frames).
    (b"\x76\x2f\x31\x01", Sniffed(MediaKind.IMAGE, "exr", "image/x-exr")),
    (b"SDPX", Sniffed(MediaKind.IMAGE, "dpx", "image/x-dpx")),
    (b"XPDS", Sniffed(MediaKind.IMAGE, "dpx", "image/x-dpx")),
    (b"\x80\x2a\x5f\xd7", Sniffed(MediaKind.IMAGE, "cineon", "image/x-cineon")),
    (b"\xd7\x5f\x2a\x80", Sniffed(MediaKind.IMAGE, "cineon", "image/x-cineon")),
    # Camera raw stills with layouts of their own (ExifTool's FujiFilm, CanonRaw, SigmaRaw
    # and MinoltaRaw modules): Fujifilm RAF, Canon CRW (CIFF), Sigma X3F, Minolta MRW.
    (b"FUJIFILMCCD-RAW ", Sniffed(MediaKind.IMAGE, "raf", "image/x-fuji-raf")),
    (b"II\x1a\x00\x00\x00HEAPCCDR", Sniffed(MediaKind.IMAGE, "crw", "image/x-canon-crw")),
    (b"FOVb", Sniffed(MediaKind.IMAGE, "x3f", "image/x-sigma-x3f")),
    (b"\x00MRM", Sniffed(MediaKind.IMAGE, "mrw", "image/x-minolta-mrw")),
    (b"ARRI\x12\x34\x56\x78", Sniffed(MediaKind.IMAGE, "arriraw", "image/x-arriraw")),
    (b"ARRI\x78\x56\x34\x12", Sniffed(MediaKind.IMAGE, "arriraw", "image/x-arriraw")),
    # Captions: SCC's first line; WebVTT's signature (with or without a byte-order mark).
    (b"Scenarist_SCC V1.0", Sniffed(MediaKind.DOCUMENT, "scc", "text/x-scc")),
    (b"WEBVTT", Sniffed(MediaKind.DOCUMENT, "webvtt", "text/vtt")),
    (b"\xef\xbb\xbfWEBVTT", Sniffed(MediaKind.DOCUMENT, "webvtt", "text/vtt")),
    # OLE2 compound files (Word, Excel, PowerPoint 97-2003; also Windows' Thumbs.db): known,
    # but nothing in them is read (no C2PA or XMP embedding is defined for them).
    (
        bytes.fromhex("d0cf11e0a1b11ae1"),
        Sniffed(MediaKind.OTHER, "ole2", "application/x-ole-storage"),
    ),
    (b"FLV\x01", Sniffed(MediaKind.VIDEO, "flv", "video/x-flv")),
    # MPEG-1/2 program streams (a pack header: .mpg, DVD .vob) and elementary video streams
    # (a sequence header: .m2v), ISO/IEC 13818-1 and -2: archival and DVD footage.
    (b"\x00\x00\x01\xba", Sniffed(MediaKind.VIDEO, "mpegps", "video/mpeg")),
    (b"\x00\x00\x01\xb3", Sniffed(MediaKind.VIDEO, "mpegvideo", "video/mpeg")),
    # DTS core sync word (ETSI TS 102 114), Apple Core Audio Format (version 1)
    (b"\x7f\xfe\x80\x01", Sniffed(MediaKind.AUDIO, "dts", "audio/vnd.dts")),
    (b"caff\x00\x01", Sniffed(MediaKind.AUDIO, "caf", "audio/x-caf")),
    # JPEG 2000: the JP2 file signature box (ISO/IEC 15444-1 Annex I) and a bare codestream
    # (SOC then SIZ: the .j2c frames of DCP and archive masters)
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", Sniffed(MediaKind.IMAGE, "jp2", "image/jp2")),
    (b"\xff\x4f\xff\x51", Sniffed(MediaKind.IMAGE, "j2k", "image/x-jp2-codestream")),
    # Radiance RGBE (HDR environment maps of VFX), by its program-type line
    (b"#?RADIANCE", Sniffed(MediaKind.IMAGE, "hdr", "image/vnd.radiance")),
    (b"#?RGBE", Sniffed(MediaKind.IMAGE, "hdr", "image/vnd.radiance")),
    # PostScript and EPS (Adobe DSC header), and the DOS EPS binary header that wraps one
    (b"%!PS-Adobe-", Sniffed(MediaKind.DOCUMENT, "postscript", "application/postscript")),
    (b"\xc5\xd0\xd3\xc6", Sniffed(MediaKind.DOCUMENT, "postscript", "application/postscript")),
    # A DV stream (IEC 61834, SMPTE 314M: MiniDV, DVCAM, DVCPRO captures): its first DIF
    # block is a header block, 525/60 (0x3F) or 625/50 (0xBF), as FFmpeg's probe reads it.
    (b"\x1f\x07\x00\x3f", Sniffed(MediaKind.VIDEO, "dv", "video/x-dv")),
    (b"\x1f\x07\x00\xbf", Sniffed(MediaKind.VIDEO, "dv", "video/x-dv")),
    # Archives and compressed files (7z, RAR 4 and 5, RFC 1952 gzip, xz, Zstandard frame
    # magic) and Standard MIDI; ZIP, bzip2 and tar in _sniff_archive (Office files are ZIPs).
    (b"7z\xbc\xaf\x27\x1c", Sniffed(MediaKind.OTHER, "7z", "application/x-7z-compressed")),
    (b"Rar!\x1a\x07", Sniffed(MediaKind.OTHER, "rar", "application/vnd.rar")),
    (b"\x1f\x8b\x08", Sniffed(MediaKind.OTHER, "gzip", "application/gzip")),
    (b"\xfd7zXZ\x00", Sniffed(MediaKind.OTHER, "xz", "application/x-xz")),
    (b"\x28\xb5\x2f\xfd", Sniffed(MediaKind.OTHER, "zstd", "application/zstd")),
    (b"MThd\x00\x00\x00\x06", Sniffed(MediaKind.OTHER, "midi", "audio/midi")),
    # AVCHD and Blu-ray (BDMV) card structure: the index, movie object, playlist and clip
    # information files a camera writes beside its .MTS clips (type indicator and version).
    *(
        (magic + version, _BDMV)
        for magic in (b"INDX", b"MOBJ", b"MPLS", b"HDMV")
        for version in (b"0100", b"0200", b"0300")
    ),
    # Operating-system metadata, not media: recognised so a stray one (renamed, or with the
    # default ignore list off) reads as what it is rather than an unknown format. RFC 1740
    # (AppleSingle/AppleDouble, what macOS writes as ._name); Finder's "Bud1" store.
    (b"\x00\x05\x16\x07", Sniffed(MediaKind.OTHER, "appledouble", "multipart/appledouble")),
    (b"\x00\x05\x16\x00", Sniffed(MediaKind.OTHER, "applesingle", "application/applefile")),
    (b"\x00\x00\x00\x01Bud1", Sniffed(MediaKind.OTHER, "ds_store", "application/octet-stream")),
    (
        bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"),
        Sniffed(MediaKind.VIDEO, "asf", "video/x-ms-asf"),
    ),
)


def id3_end(head: bytes) -> int:
    """Where a leading ID3v2 tag ends (header + synchsafe size + footer), 0 when none."""
    if len(head) < 10 or not head.startswith(b"ID3"):
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if head[5] & 0x10 else 0)


def sniff(head: bytes, name: str = "", after_id3: bytes = b"") -> Sniffed:
    """Decide kind, format and MIME type from the first bytes of a file (512 suffice).

    ``after_id3``: the bytes after a leading ID3v2 tag, when there is one; FLAC files may
    start with an ID3 tag (c2pa-rs and many taggers write one), so the tag alone is no MP3.
    """
    if not head:
        return EMPTY
    if head.startswith(b"ID3") and after_id3.startswith(b"fLaC"):
        return Sniffed(MediaKind.AUDIO, "flac", "audio/flac")
    for magic, simple in _SIMPLE:
        if head.startswith(magic):
            return _refined(simple, head, name)
    found = _sniff_structured(head) or _sniff_text(head, name) or _sniff_utf16_text(head)
    found = found or _sniff_studio(head, name)
    found = found or _sniff_audio_frames(head) or _sniff_archive(head)
    return found or _sniff_plain_text(head) or UNKNOWN


_BZIP2 = re.compile(rb"^BZh[1-9]1AY&SY")  # stream header, block size, first block's magic


def _sniff_archive(head: bytes) -> Sniffed | None:
    """A ZIP that is not an Office file (PKWARE APPNOTE: a local file header, or the end
    record of an empty archive), a bzip2 stream, a POSIX or GNU tar (magic at offset 257)."""
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return Sniffed(MediaKind.OTHER, "zip", "application/zip")
    if _BZIP2.match(head):
        return Sniffed(MediaKind.OTHER, "bzip2", "application/x-bzip2")
    if head[257:262] == b"ustar":
        return Sniffed(MediaKind.OTHER, "tar", "application/x-tar")
    return None


# A SubRip cue: a number, then "HH:MM:SS,mmm --> HH:MM:SS,mmm".
_SRT_CUE = re.compile(rb"^\s*\d{1,9}\s*\r?\n\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d")
# EBU Tech 3264 GSI block: code page number, then the disk format code STL25.01/STL30.01...
_STL_GSI = re.compile(rb"^(?:437|850|860|863|865)STL\d\d\.01")
_OOXML = "application/vnd.openxmlformats-officedocument."
_OOXML_KINDS = {b"word/": _OOXML + "wordprocessingml.document",
                b"xl/": _OOXML + "spreadsheetml.sheet",
                b"ppt/": _OOXML + "presentationml.presentation"}  # fmt: skip


def _sniff_studio(head: bytes, name: str) -> Sniffed | None:
    """What travels with film deliveries: RED R3D camera originals, SubRip and EBU STL
    captions, Office Open XML documents (scripts, cue sheets)."""
    if len(head) >= 8 and head[:2] == b"\x00\x00" and head[4:8] in (b"RED1", b"RED2"):
        return Sniffed(MediaKind.VIDEO, "r3d", "video/x-red-r3d")
    if _SRT_CUE.match(head[:256].lstrip(b"\xef\xbb\xbf")):
        return Sniffed(MediaKind.DOCUMENT, "srt", "application/x-subrip")
    if _STL_GSI.match(head):
        return Sniffed(MediaKind.DOCUMENT, "ebu-stl", "application/x-ebu-stl")
    if head.startswith(b"PK\x03\x04") and b"[Content_Types].xml" in head[:4096]:
        ext = name.rsplit(".", 1)[-1].lower()[:1] if "." in name else ""
        parts = {b"w": b"word/", b"x": b"xl/", b"p": b"ppt/"}  # the name breaks a tie only
        part = parts.get(ext.encode()) or next((p for p in _OOXML_KINDS if p in head), b"word/")
        return Sniffed(MediaKind.DOCUMENT, "ooxml", _OOXML_KINDS[part])
    return None


def _sniff_structured(head: bytes) -> Sniffed | None:
    """Containers whose type sits at a fixed offset: ISO BMFF, RIFF, AIFF, MPEG-TS."""
    if head[4:8] == b"ftyp":
        fmt, kind, mime = _BRAND_FORMATS.get(head[8:12], _MP4)
        return Sniffed(kind, fmt, mime)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return Sniffed(MediaKind.VIDEO, "mov", "video/quicktime")
    if head[4:8] in (b"styp", b"sidx", b"moof"):
        return Sniffed(MediaKind.VIDEO, "mp4", "video/iso.segment")
    if head[:4] in (b"RIFF", b"RF64", b"BW64"):
        return _RIFF_FORMATS.get(head[8:12], Sniffed(MediaKind.OTHER, "riff", "application/x-riff"))
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return Sniffed(MediaKind.AUDIO, "aiff", "audio/aiff")
    if head[:1] == b"\x47" and len(head) > 188 and head[188:189] == b"\x47":
        return Sniffed(MediaKind.VIDEO, "mpegts", "video/mp2t")
    if head[4:5] == b"\x47" and len(head) > 196 and head[196:197] == b"\x47":
        return Sniffed(MediaKind.VIDEO, "mpegts", "video/mp2t")  # M2TS: 4-byte timecode prefix
    if head[4:8] == b"jumb":
        return Sniffed(MediaKind.SIDECAR, "c2pa", "application/c2pa")
    return None


def _sniff_text(head: bytes, name: str) -> Sniffed | None:
    """Text formats: XMP sidecars and SVG (only XML-looking heads are considered)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text.startswith(b"<"):
        return None
    # An SVG may embed an XMP packet in <metadata>; the element that comes first decides.
    svg_at = _first(text, (b"<svg",))
    xmp_at = _first(text, (b"<x:xmpmeta", b"<?xpacket", b"<rdf:rdf"))
    if svg_at < xmp_at or (svg_at == xmp_at and name.lower().endswith(".svg")):
        return Sniffed(MediaKind.IMAGE, "svg", "image/svg+xml")
    tt_at = _first(text, (b"<tt ", b"<tt>", b"<tt:tt "))
    if tt_at < min(svg_at, xmp_at) and b"ns/ttml" in text:  # W3C TTML, IMSC, SMPTE-TT, EBU-TT
        return Sniffed(MediaKind.DOCUMENT, "ttml", "application/ttml+xml")
    if xmp_at < svg_at or name.lower().endswith(".xmp"):
        return Sniffed(MediaKind.SIDECAR, "xmp", "application/rdf+xml")
    return Sniffed(MediaKind.OTHER, "xml", "application/xml")


def _first(text: bytes, needles: tuple[bytes, ...]) -> int:
    """Offset of the earliest needle in ``text``, or a value past its end when none occurs."""
    found = [at for at in (text.find(n) for n in needles) if at >= 0]
    return min(found, default=len(text) + 1)


def _sniff_plain_text(head: bytes) -> Sniffed | None:
    """UTF-8 text (notes, PEM, JSON, EDL): not media, and not worth an 'unsupported' warning."""
    sample = head[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:  # a character cut at the end of the sample is fine
            return None
        text = sample[: exc.start].decode("utf-8")
    if all(ch.isprintable() or ch in "\t\r\n\f" for ch in text):
        return Sniffed(MediaKind.OTHER, "text", "text/plain")
    return None


def _sniff_utf16_text(head: bytes) -> Sniffed | None:
    """Text with a UTF-16 byte-order mark (Windows writes desktop.ini, .reg and many notes so).

    Checked before MPEG audio frames: the little-endian mark FF FE also reads as the sync
    word of an MPEG-1 Layer I frame. Mostly ASCII characters, all printable, are needed: audio
    bytes read as UTF-16 give scattered CJK and private-use characters, almost never ASCII.
    """
    codec = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}.get(head[:2])
    if codec is None:
        return None
    body = head[2 : 2 + (min(len(head), 4096) - 2) // 2 * 2]
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start < len(body) - 4:  # a surrogate pair cut at the end of the sample is fine
            return None
        text = body[: exc.start].decode(codec)
    if not text or not all(ch.isprintable() or ch in "\t\r\n\f" for ch in text):
        return None
    if sum(ch < "\x80" for ch in text) * 2 < len(text):
        return None
    return Sniffed(MediaKind.OTHER, "text", "text/plain")


def _sniff_audio_frames(head: bytes) -> Sniffed | None:
    """Raw MPEG audio frames (MP3 without ID3), ADTS AAC, and AC-3 / E-AC-3 frames."""
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        layer = (head[1] >> 1) & 0x3
        if layer == 0:
            return Sniffed(MediaKind.AUDIO, "aac", "audio/aac")
        return Sniffed(MediaKind.AUDIO, "mp3", "audio/mpeg")
    if _ac3_frame(head):
        return Sniffed(MediaKind.AUDIO, "ac3", "audio/ac3")
    return None


def _ac3_frame(head: bytes) -> bool:
    """An AC-3 or E-AC-3 sync frame (ATSC A/52): sync word 0x0B77, then a bit-stream id of
    at most 16; for AC-3 (id up to 10), a sample-rate code other than the reserved 3 and a
    frame-size code below 38. Two bytes of magic alone would match too much else."""
    if len(head) < 6 or head[:2] != b"\x0b\x77":
        return False
    bsid = head[5] >> 3
    if bsid > 16:
        return False
    return bsid > 10 or (head[4] >> 6 != 3 and head[4] & 0x3F < 38)


def extension_matches(fmt: str, name: str) -> bool:
    """True when the file name's extension is a usual one for the sniffed format (or unknown)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = EXTENSIONS.get(fmt)
    if allowed is None or not ext:
        return True
    if fmt == "mp4" and ext in EXTENSIONS["mov"] | EXTENSIONS["m4a"]:
        return True  # the ftyp brand does not reliably separate these ISO BMFF flavours
    if fmt in ("mov", "m4a") and ext in EXTENSIONS["mp4"]:
        return True
    return ext in allowed


ReadAt = Callable[[int, int], bytes]
MPF_SIGNATURE = b"MPF\x00"
APP2 = 0xE2
MAX_SEGMENTS = 64  # APPn segments before the frame: a few in practice


def mpf_segment(read_at: ReadAt) -> tuple[int, bytes] | None:
    """Where the MPF payload's TIFF structure starts in the file and the payload after the
    signature, or None when the JPEG has no MPF APP2 segment among its leading APPn
    segments (where DC-007 puts it, right after the Exif APP1). Reads marker headers only
    until the segment is found; ``read_at(offset, size)`` reads the file."""
    offset = 2
    for _ in range(MAX_SEGMENTS):
        header = read_at(offset, 4)
        if len(header) < 4 or header[0] != 0xFF:
            return None
        marker, length = header[1], struct.unpack(">H", header[2:4])[0]
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE) or length < 2:
            return None  # the APPn and comment segments are over: the frame begins
        if marker == APP2 and read_at(offset + 4, 4) == MPF_SIGNATURE:
            start = offset + 8
            return start, read_at(start, length - 6)
        offset += 2 + length
    return None
