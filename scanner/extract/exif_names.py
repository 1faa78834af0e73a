"""Names of the EXIF/TIFF tags that carry text, by IFD namespace (CIPA DC-008-2023, TIFF 6.0,
DNG 1.7, Microsoft's XP* tags), and the tags that hold other structures rather than text.

Only text-bearing tags need a name here: numbers are not kept, and an unknown tag whose
value is text keeps a stable ``Tag0x1234`` name.
"""

from __future__ import annotations

# IFD0, IFD1, SubIFDs and the Exif IFD share one tag space.
MAIN: dict[int, str] = {
    0x000B: "ProcessingSoftware",
    0x010D: "DocumentName",
    0x010E: "ImageDescription",
    0x010F: "Make",
    0x0110: "Model",
    0x011D: "PageName",
    0x0131: "Software",
    0x0132: "DateTime",
    0x013B: "Artist",
    0x013C: "HostComputer",
    0x800D: "ImageID",
    0x8298: "Copyright",
    0x9000: "ExifVersion",
    0x9003: "DateTimeOriginal",
    0x9004: "DateTimeDigitized",
    0x9010: "OffsetTime",
    0x9011: "OffsetTimeOriginal",
    0x9012: "OffsetTimeDigitized",
    0x927C: "MakerNote",  # kept only when it is plain text (some phones write their app name)
    0x9286: "UserComment",
    0x9290: "SubSecTime",
    0x9291: "SubSecTimeOriginal",
    0x9292: "SubSecTimeDigitized",
    0x9C9B: "XPTitle",
    0x9C9C: "XPComment",
    0x9C9D: "XPAuthor",
    0x9C9E: "XPKeywords",
    0x9C9F: "XPSubject",
    0xA000: "FlashpixVersion",
    0xA004: "RelatedSoundFile",
    0xA420: "ImageUniqueID",
    0xA430: "CameraOwnerName",
    0xA431: "BodySerialNumber",
    0xA433: "LensMake",
    0xA434: "LensModel",
    0xA435: "LensSerialNumber",
    0xA436: "ImageTitle",
    0xA437: "Photographer",
    0xA438: "ImageEditor",
    0xA439: "CameraFirmware",
    0xA43A: "RAWDevelopingSoftware",
    0xA43B: "ImageEditingSoftware",
    0xA43C: "MetadataEditingSoftware",
    0xA480: "GDALMetadata",
    0xA481: "GDALNoData",
    0xC614: "UniqueCameraModel",
    0xC615: "LocalizedCameraModel",
    0xC62F: "CameraSerialNumber",
    0xC68B: "OriginalRawFileName",
    0xC6F4: "ProfileCalibrationSignature",
    0xC6F8: "ProfileName",
    0xC6FE: "ProfileCopyright",
    0xC716: "PreviewApplicationName",
    0xC717: "PreviewApplicationVersion",
    0xC718: "PreviewSettingsName",
    0xC71B: "PreviewDateTime",
    0xC7A1: "CameraLabel",
}

GPS: dict[int, str] = {
    0x0001: "GPSLatitudeRef",
    0x0003: "GPSLongitudeRef",
    0x0008: "GPSSatellites",
    0x0009: "GPSStatus",
    0x000A: "GPSMeasureMode",
    0x000C: "GPSSpeedRef",
    0x000E: "GPSTrackRef",
    0x0010: "GPSImgDirectionRef",
    0x0012: "GPSMapDatum",
    0x0013: "GPSDestLatitudeRef",
    0x0015: "GPSDestLongitudeRef",
    0x0017: "GPSDestBearingRef",
    0x0019: "GPSDestDistanceRef",
    0x001B: "GPSProcessingMethod",
    0x001C: "GPSAreaInformation",
    0x001D: "GPSDateStamp",
}

INTEROP: dict[int, str] = {
    0x0001: "InteroperabilityIndex",
    0x0002: "InteroperabilityVersion",
    0x1000: "RelatedImageFileFormat",
}

# UNDEFINED tags whose value starts with an 8-byte character code (CIPA DC-008 4.6.5).
CHARSET_PREFIXED = frozenset({"UserComment", "GPSProcessingMethod", "GPSAreaInformation"})
# Microsoft's XP* tags: BYTE arrays holding UCS-2 little-endian whatever the byte order.
UCS2_TAGS = frozenset({"XPTitle", "XPComment", "XPAuthor", "XPKeywords", "XPSubject"})

# Tags whose bytes are another structure, read by their own readers or not text at all:
# XMP (700), IPTC (33723), Photoshop IRB (34377), ICC (34675),
# DNGPrivateData (50740), PrintIM (50341), image data offsets and tables, padding.
NOT_TEXT = frozenset(
    {0x02BC, 0x83BB, 0x8649, 0x8773, 0xC634, 0xC4A5, 0x0111, 0x0117, 0x0144,
     0x0145, 0x0201, 0x0202, 0x015B, 0xEA1C, 0x9101, 0xA300, 0xA301, 0xA302, 0x935C,
     0x8769, 0x8825, 0xA005, 0x014A}
)  # fmt: skip
