"""Internal file paths left in a file's metadata, and the user names they carry. (LKG001)

Editors and generators write where they read and saved things: Photoshop's
``xmpMM:DerivedFrom``/``stRef:filePath`` and ingredient paths, a ComfyUI graph's loaded
images, a render's source in a QuickTime comment, Windows' EXIF ``DocumentName``. A path on a
workstation or a server (``/Users/NAME/``, ``/home/NAME/``, ``C:\\Users\\NAME\\``, a drive
letter, ``\\\\server\\share``, ``/Volumes/``, ``/mnt/``, ``/media/``, ``file://``) in a final
deliverable tells the world how the production is organised and, in a home folder, who
worked on it. The detector only reports (info); the gate warns when such a file is final
content (POL018) and checks the paths for the policy's project code names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from provscan.asset import Asset
from provscan.detectors.text_fields import text_fields
from provscan.model import Evidence, Gating, Line, MediaKind, Rule, Section, Severity

NAME = "leaks"
KINDS = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.SIDECAR})
INTERNAL_PATH = Rule(
    "LKG001",
    "internal-path-in-metadata",
    Severity.INFO,
    "A metadata field holds a file path on a workstation or server (a home folder names its "
    "user): production information a delivered file should not carry.",
    gating=Gating.LEAK,
)
RULES: tuple[Rule, ...] = (INTERNAL_PATH,)

MAX_SCANNED = 65_536  # characters of one field searched (a graph or a record; paths are short)
MAX_FOUND = 8  # paths reported per file
_PATH = re.compile(
    r"(?:file:/{2,3}|(?<![\w/\\])(?:[A-Za-z]:[\\/]|\\\\(?!u[0-9a-fA-F]{4})[\w.$-]+\\"
    r"|/(?:Users|home|Volumes|mnt|media|net|srv|private/var)/))[^\s\"'<>|*?]+"
)
_HOME = re.compile(r"(?:^|[\\/])(?:Users|home|Documents and Settings|media)[\\/]([^\\/]+)", re.I)
_NOT_USERS = frozenset({"public", "shared", "default", "all users", "default user"})


def detect(asset: Asset) -> Iterator[Evidence]:
    """One LKG001 per distinct internal path found in a text field (at most MAX_FOUND)."""
    seen: set[str] = set()
    for field in text_fields(asset):
        for found in _PATH.finditer(field.value[:MAX_SCANNED]):
            path = found.group(0).rstrip(".,;:)]}")
            if len(path) < 4 or path in seen or len(seen) >= MAX_FOUND:
                continue
            seen.add(path)
            yield _evidence(field.where, path)


def describe(asset: Asset) -> Iterator[Section]:
    """An "Internal paths" section listing each path and the field it was found in."""
    lines = [Line(str(ev.details["field"]), str(ev.details["path"])) for ev in detect(asset)]
    if lines:
        yield Section("Internal paths in metadata", tuple(lines))


def user_of(path: str) -> str:
    """The user name a home-folder path names ("" when it names none)."""
    found = _HOME.search(path.removeprefix("file://"))
    user = found.group(1) if found else ""
    return "" if user.lower() in _NOT_USERS else user


def _evidence(where: str, path: str) -> Evidence:
    user = user_of(path)
    whose = f" (user {user})" if user else ""
    details: dict[str, object] = {"field": where, "path": path}
    if user:
        details["user"] = user
    return Evidence(INTERNAL_PATH.code, f"{where} holds an internal path {path}{whose}",
                    key=where, value=path[:200], details=details)  # fmt: skip
