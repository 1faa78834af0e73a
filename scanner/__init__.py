"""provscan: media provenance and deliverable scanner."""

from __future__ import annotations

import os
import sys


def _installed_version() -> str:
    """The installed distribution's version, read from its metadata file on ``sys.path``
    (in path order, as importlib.metadata finds it); importlib.metadata itself is asked only
    when no such file is found: importing it costs ~35 ms of every start (the email parser)."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.startswith("provscan-") and name.endswith(".dist-info"):
                found = _version_line(os.path.join(entry, name, "METADATA"))
            elif name == "provscan.egg-info":
                found = _version_line(os.path.join(entry, name, "PKG-INFO"))
            else:
                continue
            if found:
                return found
    return _metadata_version()


def _version_line(path: str) -> str:
    """The ``Version:`` header of a core metadata file (it comes before the body), or ''."""
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("Version:"):
                    return line.partition(":")[2].strip()
                if not line.strip():
                    return ""  # the headers ended
    except (OSError, UnicodeDecodeError):
        pass
    return ""


def _metadata_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("provscan")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0.0.0+source"


__version__ = _installed_version()
