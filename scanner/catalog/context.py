"""The run context the catalog keeps finished entries under: what a judged file's report
entry depends on besides its own bytes.

A file's evidence is reused under the engine fingerprint (scanner.catalog.engine_id: the
analysis code, its libraries, and for signed files the trust lists); its finished entry
(scanner.catalog.entry) also depends on the run: the AI-use log's content and which of its
entries have expired by today, the policy, whether the trace runs and on which references,
provscan's own code (the gate, the renderers), and the root the file is reported under. A
digest of all of it is the context; an entry kept under another context is not reused.

Runs whose outcome also depends on files other than the references (edits given with
``--timeline``, IMF packages) keep no entries: the pipeline does not ask for them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache

from provscan.ailog.load import AiLog
from provscan.code_graph import module_files
from provscan.policy import Policy

VERSION = "3"  # bump when what an entry holds changes


def base_context(log: AiLog | None, policy: Policy, today: dt.date, trace: bool) -> str:
    """The context before the scan: code, log (and its expired entries), policy, trace."""
    digest = hashlib.blake2b(digest_size=16)
    expired = sorted(e.id for e in log.entries if e.expired(today)) if log else []
    for part in (VERSION, _code(), log.sha256 if log else "-", ",".join(expired),
                 policy.sha256, "trace" if trace else "no trace"):  # fmt: skip
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    return digest.hexdigest()


def refined(context: str, part: str) -> str:
    """``context`` with one more thing it depends on (the trace's references key, the report
    path prefix of a root)."""
    return hashlib.blake2b(f"{context}\x00{part}".encode("utf-8", "surrogateescape"),
                           digest_size=16).hexdigest()  # fmt: skip


@cache
def _code() -> str:
    """Every module of provscan, name and bytes: a finished entry is what all of it made."""
    digest = hashlib.blake2b(digest_size=16)
    for name, path in sorted(module_files().items()):
        digest.update(name.encode() + b"\x00" + path.read_bytes())
    return digest.hexdigest()
