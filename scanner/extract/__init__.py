"""Parsers shared by two or more detectors: container walkers, XMP, EXIF.

Each public function takes an :class:`~scanner.asset.Asset` and caches its result as a
view on it, so two detectors asking for the XMP of one file parse it once.
"""
