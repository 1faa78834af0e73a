"""Fuzz target: the AI-use log loader on TOML and CSV text.

The first byte's low bit picks the suffix (even: ``.toml``, odd: ``.csv``); the rest is the
file, written to a scratch file and loaded with ``load_log``. ``LogError`` is the loader's
one documented failure: every other exception is a bug (a log that cannot be loaded must
say so in words, never crash the scan).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from tests.fuzz._common import scratch_file

_REPO = Path(__file__).resolve().parents[2]
MAX_SEED = 64 * 1024


def one_input(data: bytes) -> None:
    """Load ``data[1:]`` as a .toml or .csv AI-use log."""
    from provscan.ailog.load import LogError, load_log

    if not data:
        return
    path = scratch_file(data[1:], "ai-use.csv" if data[0] & 1 else "ai-use.toml")
    with contextlib.suppress(LogError):  # documented: an unusable log is refused in words
        load_log(path)


def seeds(raw: bytes, name: str) -> list[bytes]:
    """AI-use logs found among the seed files (none in the media corpus)."""
    if name.endswith(".toml") and b"[[entry]]" in raw:
        return [b"\x00" + raw[:MAX_SEED]]
    return []


_CSV_HEADER = (
    "id,tool,vendor,purpose,scope,third_party_ip,talent_likeness,private_data,"
    "replaces_talent_or_union_work,talent_consent,tool_trains_on_inputs,"
    "enterprise_environment,status,approved_by,approved_on,approval_ref,expires,"
    "approved_exceptions,c2pa_instance_id,sha256,phash,phash_max_distance,path,notes\n"
)
_CSV_ROW = (
    "AI-001,Adobe Firefly,Adobe,Title card,final;marketing,false,false,false,false,,"
    "false,true,approved,J. Okafor,2026-09-02,LEGAL-1,2027-09-01,,xmp:iid:abc,"
    f"{'a' * 64},c2a53d4ac43e3bc6,6,titles/*.png,only the titles\n"
)
_TOML = """version = 1

[[entry]]
id = "AI-001"
tool = "Adobe Firefly"
scope = ["final", "marketing"]
status = "approved"
approved_by = "Legal"
approved_on = 2026-09-01
approval_ref = "LEGAL-1"
expires = "2027-01-31"
enterprise_environment = true
approved_exceptions = ["talent_likeness"]
phash = "c2a53d4ac43e3bc6"
phash_max_distance = 6

[[entry]]
id = 2
scope = "temp"
status = "pending"
path = "stills/*.jpg"
"""
EXTRA_SEEDS = [
    b"\x00" + _TOML.encode(),
    b"\x01" + (_CSV_HEADER + _CSV_ROW).encode(),
    b"\x01\xef\xbb\xbf" + (_CSV_HEADER + _CSV_ROW.replace("AI-001", '"AI,002"')).encode(),
]
SEED_FILES = [_REPO / "fixtures" / "sample" / "ai-use.toml"]


def main() -> None:
    """Run under atheris with the log loader instrumented for coverage."""
    import atheris

    with atheris.instrument_imports(include=["provscan", "tomllib", "csv"]):
        import provscan.ailog.load  # noqa: F401

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
