"""The C2PA trust lists provscan validates signatures against: bundled, installed, given.

Bundled: dated snapshots inside the package (``scanner/trust_data``, described by
``lists.toml``): the C2PA trust list and its time-stamping list, and the frozen interim list
the Content Credentials site used. Installed: lists a user added or updated with
``provscan trust add|update FILE`` (validated PEM, dated), kept in the user's data folder
(``$PROVSCAN_TRUST_DIR``, else ``$XDG_DATA_HOME/provscan/trust``, else
``~/.local/share/provscan/trust``); an installed list with a bundled list's id replaces it.
Given: ``--trust-anchors``/``--allowed-list``/``--trust-config`` of one run.

Nothing here touches the network: lists change only when a user installs a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from provscan.model import TrustList

KINDS = ("manifest", "tsa", "cawg")
# The bundled lists, beside this module: every run that analyses a file reads them, and
# importlib.resources would load tempfile, zipfile and the compression modules for the same
# path (a package installed as files, as pip installs it).
BUNDLED = Path(__file__).parent / "trust_data"
_INSTALLED = "installed.toml"
# Compiled by re when first used, like _OID (start-up: a run counts no certificates).
_PEM_CERT = rb"-----BEGIN CERTIFICATE-----\s+([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----"


class TrustListError(ValueError):
    """A trust list file or its description is not usable (one line: file and problem)."""


def bundled() -> tuple[TrustList, ...]:
    """The lists shipped with provscan, in the order lists.toml gives them."""
    table = tomllib.loads((BUNDLED / "lists.toml").read_text(encoding="utf-8"))
    return tuple(_from_table(row, lambda name: (BUNDLED / name).read_text("utf-8"), "bundled")
                 for row in table["list"])  # fmt: skip


def trust_dir() -> Path:
    """Where ``provscan trust add|update`` keeps the user's lists."""
    explicit = os.environ.get("PROVSCAN_TRUST_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "provscan" / "trust"


def installed(folder: Path | None = None) -> tuple[TrustList, ...]:
    """The lists a user installed (none when the folder or its index does not exist)."""
    folder = folder or trust_dir()
    index = folder / _INSTALLED
    if not index.is_file():
        return ()
    try:
        table = tomllib.loads(index.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TrustListError(f"{index}: not a readable trust list index ({exc})") from exc
    return tuple(_from_table(row, lambda name: (folder / name).read_text("utf-8"), "installed")
                 for row in table.get("list", []))  # fmt: skip


def in_use(*, defaults: bool = True, folder: Path | None = None) -> tuple[TrustList, ...]:
    """The lists a run uses: bundled ones (unless ``defaults`` is off: ``--no-default-trust``),
    replaced or joined by the installed ones."""
    lists = {t.id: t for t in bundled()} if defaults else {}
    for extra in installed(folder):
        lists[extra.id] = extra
    return tuple(lists.values())


def given(anchors: str | None, allowed: str | None, config: str | None) -> tuple[TrustList, ...]:
    """The run's own trust options as one list (empty when none is given)."""
    if not (anchors or allowed):
        return ()
    return (TrustList("given", "trust options of this run", "manifest", "", anchors or "",
                      allowed or "", config or "", origin="given"),)  # fmt: skip


def check_eku_config(text: str) -> str:
    """The first problem of a trust store config (one extended-key-usage OID a line, ``//``
    comments), or "". c2pa-rs accepts any text here without a word, so provscan checks it."""
    for number, line in enumerate(text.splitlines(), 1):
        item = line.strip()
        if item and not item.startswith(("//", "#")) and not re.fullmatch(_OID, item):
            return f"line {number}: {item[:40]!r} is not an OID (one dotted number per line)"
    return ""


_OID = r"[0-2](?:\.\d+)+"


def certificates(pem: str) -> int:
    """How many PEM certificates a text holds."""
    return len(re.findall(_PEM_CERT, pem.encode("ascii", "replace")))


def fingerprint(lists: Iterable[TrustList]) -> str:
    """A digest of everything validation depends on: results computed under other lists
    are not reused (the catalog keys signed files' results by it)."""
    digest = hashlib.sha256()
    for t in lists:
        for part in (t.id, t.kind, t.date, t.anchors, t.allowed, t.config):
            digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Installed(NamedTuple):
    """What ``install`` did: the list as installed, and the file it was written to."""

    trust_list: TrustList
    path: Path


def install(
    source: Path,
    *,
    list_id: str,
    name: str,
    kind: str = "manifest",
    date: dt.date,
    folder: Path | None = None,
    source_note: str = "",
    licence: str = "",
) -> Installed:
    """Copy a validated PEM file into the user's trust folder and record it in its index."""
    if kind not in KINDS:
        raise TrustListError(f"--kind {kind!r}: expected one of {', '.join(KINDS)}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,40}", list_id):
        raise TrustListError(f"--list {list_id!r}: use lower-case letters, digits, . _ -")
    pem = _validated(source)
    folder = folder or trust_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{list_id}.pem"
    target.write_text(pem, encoding="utf-8")
    trust = TrustList(list_id, name, kind, date.isoformat(), pem, source=source_note or str(source),
                      licence=licence, origin="installed")  # fmt: skip
    _write_index(folder, [t for t in installed(folder) if t.id != list_id] + [trust])
    return Installed(trust, target)


def _validated(source: Path) -> str:
    """The PEM text of a file of certificates, each parsed; one line naming the problem."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise TrustListError(f"{source}: cannot be read ({exc.strerror or exc})") from exc
    from cryptography import x509  # the c2pa SDK's own dependency; only needed here

    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise TrustListError(f"{source}: not a PEM file of certificates ({exc})") from exc
    if not certs:
        raise TrustListError(f"{source}: holds no certificate")
    return data.decode("ascii", "replace")


def _write_index(folder: Path, lists: list[TrustList]) -> None:
    lines = ["# provscan trust lists installed with `provscan trust add|update`", ""]
    for t in lists:
        lines += ["[[list]]", f"id = {_q(t.id)}", f"name = {_q(t.name)}", f"kind = {_q(t.kind)}",
                  f"anchors = {_q(t.id + '.pem')}", f"date = {t.date}",
                  f"source = {_q(t.source)}", f"licence = {_q(t.licence)}", ""]  # fmt: skip
    (folder / _INSTALLED).write_text("\n".join(lines), encoding="utf-8")


def _q(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _from_table(row: dict[str, object], read: object, origin: str) -> TrustList:
    def text(key: str) -> str:
        name = row.get(key)
        return read(str(name)) if name else ""  # type: ignore[operator]

    kind = str(row.get("kind", "manifest"))
    if kind not in KINDS:
        raise TrustListError(f"trust list {row.get('id')!r}: kind {kind!r} is not one of {KINDS}")
    return TrustList(
        id=str(row["id"]), name=str(row.get("name", row["id"])), kind=kind,
        date=str(row.get("date", "")), anchors=text("anchors"), allowed=text("allowed"),
        config=text("config"), source=str(row.get("source", "")),
        licence=str(row.get("licence", "")), origin=origin,
    )  # fmt: skip
