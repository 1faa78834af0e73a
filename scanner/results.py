"""The files of a report, in walk order: a sequence an archive of files can afford.

A scan of a hundred thousand files must not hold a hundred thousand results in memory, yet
its stages and renderers go through them several times, in order. So:

- The first ``held`` results appended are kept as objects; each later one is pickled into
  an unnamed temporary file (gone when the last sequence using it is) and read back, one at
  a time, when it is asked for.
- A file can also be appended as its finished report *entry*: the JSON text of its report
  entry (what every renderer derives from) with its gate contribution. That is what a
  catalog keeps of a judged file, and gives back when a re-scan finds it unchanged under
  the same run context: the JSON report writes the text as it is, the other renderers
  parse it, and a reader that wants a FileResult gets one rebuilt by the entry's
  ``rebuild`` function.
- Counts by verdict, gate, severity and role are kept as files arrive, so the delivery's
  gate and the report's summary never take a pass over the files.
- Each file's :class:`Brief` (path, kind, format, role, verdict, gate) stays in memory: the
  stages choose the few files they work on from it, without reading the others back. The
  briefs are kept in columns (the paths' bytes in one buffer, the rest as a code for the few
  combinations an archive has), and a spilled file's place in the spool in an array: small
  objects that outlive each file, left between the freed pages of its result, kept the
  main process's memory from being given back (60 MB more at 100,000 files).
"""

from __future__ import annotations

import os
import pickle
import re
import struct
import tempfile
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, NamedTuple, overload

from provscan.model import FileResult, Gate, MediaKind, Verdict

HELD = 5_000  # results kept as objects (1-5 KB each); beyond, they are written to disk
_SEVERITIES = ("error", "warning", "info")
# A file's tally: its findings by severity (error, warning, info), then those the gate counts
# (at fail, at warn) and those a baseline accepted.
Tally = tuple[int, int, int, int, int, int]
_BLOCK = 1 << 20  # the spool is written and read ahead in blocks of this size


class Brief(NamedTuple):
    """What the stages need to know of a file to decide whether to read it back;
    ``finished``: the file is a finished entry (judged in an earlier run, kept);
    ``scanned``: a finished entry's verdict before the trace added its findings (what the
    trace chooses its references by), None for other files (their verdict is that one);
    ``sequence``: the file is a frame sequence. A tuple: the stages go through every file's
    brief several times, and one is made from its columns each time (see _Briefs)."""

    path: str
    kind: MediaKind
    format: str
    role: str
    verdict: Verdict
    gate: Gate
    finished: bool = False
    scanned: Verdict | None = None
    sequence: bool = False  # the result of a frame sequence (its frames are in it)

    @property
    def verdict_scanned(self) -> Verdict:
        """The verdict the file's own evidence gives (before the trace's findings)."""
        return self.scanned if self.scanned is not None else self.verdict


class Entry(NamedTuple):
    """A finished file as its report entry: the JSON text of ``to_json.file_dict``, the
    brief, its findings' tally (``severities``: see Tally) and what else a reader needs to
    rebuild the FileResult (``extra``, understood by ``rebuild``). ``stored``: it came from
    a catalog as it was (nothing to write back); ``usage``: its part in the AI-use log's
    own findings, as JSON text ("" when it has none, as most files). A tuple: a re-scan
    makes one per kept file, and again as each spilled one is read back."""

    line: str
    brief: Brief
    severities: Tally
    extra: str
    rebuild: Callable[[str, str], FileResult]
    stored: bool = False
    usage: str = ""


# A spilled record is one int: its offset in the spool << 32 | its length. Its bytes start
# with a tag: b"P" and a pickled FileResult, or b"E" and an entry's texts (see _entry_bytes).
_RESULT, _ENTRY = b"P", b"E"
_ENTRY_HEAD = struct.Struct("<?IIIIIIII")  # stored, its tally (6), lengths of line and usage


class _Spool:
    """An unnamed temporary file that records are appended to (in blocks) and read back
    from (a block read ahead, for the passes that go through the files in order)."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="provscan-")  # noqa: SIM115
        self.flushed = 0  # bytes on disk
        self.pending = bytearray()  # bytes after those, not yet written
        self.ahead = b""  # the block read last, and where it starts
        self.ahead_at = 0

    def write(self, data: bytes) -> int:
        """Append ``data``; where it is (offset << 32 | length)."""
        offset = self.flushed + len(self.pending)
        self.pending += data
        if len(self.pending) >= _BLOCK:
            self._flush()
        return offset << 32 | len(data)

    def _flush(self) -> None:
        os.pwrite(self.file.fileno(), self.pending, self.flushed)
        self.flushed += len(self.pending)
        self.pending = bytearray()

    def read(self, where: int) -> bytes:
        """The bytes written at ``where`` (see write)."""
        offset, length = where >> 32, where & 0xFFFFFFFF
        if offset >= self.flushed:
            start = offset - self.flushed
            return bytes(self.pending[start : start + length])
        start = offset - self.ahead_at
        if start < 0 or start + length > len(self.ahead):
            self.ahead_at = offset
            self.ahead = os.pread(self.file.fileno(), max(_BLOCK, length), offset)
            start = 0
        return self.ahead[start : start + length]


def _entry_bytes(entry: Entry) -> bytes:
    line = entry.line.encode("utf-8", "surrogatepass")
    usage = entry.usage.encode("utf-8", "surrogatepass")
    extra = entry.extra.encode("utf-8", "surrogatepass")
    head = _ENTRY_HEAD.pack(entry.stored, *entry.severities, len(line), len(usage))
    return _ENTRY + head + line + usage + extra


_Key = tuple[Verdict, Gate, str, Tally]


@dataclass(slots=True)
class Counts:
    """Files by verdict, by gate and by role, and findings by severity: kept as one tally of
    (verdict, gate, role, tally) per file (a few kinds of files in any archive), so
    counting a file is one increment."""

    tally: Counter[_Key]

    @classmethod
    def empty(cls) -> Counts:
        """No file counted yet."""
        return cls(Counter())

    def add(self, brief: Brief, severities: Tally, sign: int = 1) -> None:
        """Count one file (``sign`` -1: uncount it)."""
        self.tally[(brief.verdict, brief.gate, brief.role, severities)] += sign

    def copy(self) -> Counts:
        """An independent copy."""
        return Counts(self.tally.copy())

    @property
    def verdicts(self) -> Counter[str]:
        """Files by verdict."""
        return self._by(lambda key: key[0].value)

    @property
    def gates(self) -> Counter[str]:
        """Files by gate."""
        return self._by(lambda key: key[1].value)

    @property
    def roles(self) -> Counter[str]:
        """Files by role."""
        return self._by(lambda key: key[2])

    @property
    def gated(self) -> tuple[int, int, int]:
        """Findings the gate counts at fail and at warn, and those a baseline accepted."""
        fail = warn = accepted = 0
        for key, files in self.tally.items():
            fail, warn = fail + files * key[3][3], warn + files * key[3][4]
            accepted += files * key[3][5]
        return fail, warn, accepted

    @property
    def severities(self) -> Counter[str]:
        """Findings by severity."""
        found: Counter[str] = Counter()
        for key, files in self.tally.items():
            for name, count in zip(_SEVERITIES, key[3][:3], strict=True):
                found[name] += files * count
        return found

    def _by(self, part: Callable[[_Key], str]) -> Counter[str]:
        found: Counter[str] = Counter()
        for key, files in self.tally.items():
            found[part(key)] += files
        return found

    @property
    def worst_gate(self) -> Gate:
        """The worst gate of any file counted (pass when none is)."""
        gates = self.gates
        for gate in (Gate.FAIL, Gate.WARN):
            if gates[gate.value] > 0:
                return gate
        return Gate.PASS


def brief_of(result: FileResult) -> Brief:
    """The brief of a result."""
    return Brief(result.path, result.kind, result.format, result.role, result.verdict,
                 result.gate, sequence=result.sequence is not None)  # fmt: skip


def severities_of(result: FileResult) -> Tally:
    """How many of the result's findings are errors, warnings and infos, how many the gate
    counts at fail and at warn, and how many a baseline accepted (see Tally)."""
    counted = Counter(f.rule.severity.value for f in result.findings)
    gated = Counter(f.gate.value for f in result.findings if f.gate is not None)
    accepted = sum(1 for f in result.findings if f.baselined)
    return (counted["error"], counted["warning"], counted["info"], gated["fail"],
            gated["warn"], accepted)  # fmt: skip


# A brief but its path: what the column of codes stands for.
_Shape = tuple[MediaKind, str, str, Verdict, Gate, bool, Verdict | None, bool]


_brief = Brief._make


class _Briefs(Sequence[Brief]):
    """Briefs in columns: every path's bytes in one buffer (with where each ends), and each
    file's other fields as the code of their combination. A brief is made when asked for."""

    def __init__(self) -> None:
        self.paths = bytearray()
        self.ends = array("Q")
        self.codes = array("I")
        self.shapes: list[_Shape] = []
        self.code_of: dict[_Shape, int] = {}
        self.moved: dict[int, str] = {}  # a path a stage changed (a sequence's, say)

    def append(self, brief: Brief) -> None:
        """Add a brief at the end."""
        self.paths += brief.path.encode("utf-8", "surrogatepass")
        self.ends.append(len(self.paths))
        self.codes.append(self._code(brief))

    def _code(self, brief: Brief) -> int:
        shape = (brief.kind, brief.format, brief.role, brief.verdict, brief.gate,
                 brief.finished, brief.scanned, brief.sequence)  # fmt: skip
        code = self.code_of.get(shape)
        if code is None:
            code = self.code_of[shape] = len(self.shapes)
            self.shapes.append(shape)
        return code

    def replace(self, index: int, brief: Brief) -> None:
        """Put ``brief`` in place of the file at ``index``."""
        if brief.path != self.path(index):
            self.moved[index] = brief.path
        self.codes[index] = self._code(brief)

    def path(self, index: int) -> str:
        """The path of the file at ``index``."""
        moved = self.moved.get(index)
        if moved is not None:
            return moved
        start = self.ends[index - 1] if index else 0
        return self.paths[start : self.ends[index]].decode("utf-8", "surrogatepass")

    def finished(self, index: int) -> bool:
        """Whether the file at ``index`` is a finished entry (without making its brief)."""
        return self.shapes[self.codes[index]][5]

    def indexes(self, test: Callable[[Brief], bool]) -> Iterator[int]:
        """Where the files whose brief passes ``test`` are, in order; ``test`` is asked once
        per combination of the fields but the path (it must not look at the path), so a pass
        over an archive makes no brief of the files it does not want."""
        passing = {code for code, shape in enumerate(self.shapes) if test(_brief(("", *shape)))}
        if len(passing) == len(self.shapes):
            yield from range(len(self.codes))
        elif passing:
            yield from (index for index, code in enumerate(self.codes) if code in passing)

    def named(self, pattern: re.Pattern[bytes]) -> Iterator[int]:
        """Where the files whose path (as UTF-8) ``pattern`` finds something in are, in
        order: searched in the buffer of every path at once, each hit checked in its path."""
        hits = {bisect_right(self.ends, m.start()) for m in pattern.finditer(self.paths)}
        hits.update(self.moved)
        for index in sorted(hits):
            if pattern.search(self.path(index).encode("utf-8", "surrogatepass")):
                yield index

    def copy(self) -> _Briefs:
        """An independent copy."""
        other = _Briefs()
        other.paths, other.ends = bytearray(self.paths), array("Q", self.ends)
        other.codes = array("I", self.codes)
        other.shapes, other.code_of = list(self.shapes), dict(self.code_of)
        other.moved = dict(self.moved)
        return other

    def __len__(self) -> int:
        return len(self.codes)

    @overload
    def __getitem__(self, index: int) -> Brief: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Brief]: ...

    def __getitem__(self, index: int | slice) -> Brief | Sequence[Brief]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        return _brief((self.path(index), *self.shapes[self.codes[index]]))

    def __iter__(self) -> Iterator[Brief]:
        if self.moved:
            yield from (self[index] for index in range(len(self)))
            return
        start, paths, shapes = 0, self.paths, self.shapes
        for end, code in zip(self.ends, self.codes, strict=True):
            path = paths[start:end].decode("utf-8", "surrogatepass")
            start = end
            yield _brief((path, *shapes[code]))


class Results(Sequence[FileResult]):
    """The files of a report in walk order (see the module docstring)."""

    def __init__(self, results: Iterable[FileResult | Entry] = (), held: int | None = None) -> None:
        """A sequence of ``results`` (consumed in order); past ``held`` records (default
        ``HELD``), spilled to disk."""
        self._held = HELD if held is None else held
        self._records: list[FileResult | Entry] = []  # the first ``held``, as objects
        self._spilled = array("Q")  # then where each later one is in the spool
        self._replaced: dict[int, FileResult | Entry] = {}  # spilled, then replaced
        self._briefs = _Briefs()
        self._spool: _Spool | None = None
        self._kept = 0  # records held as objects
        self._rebuild: Callable[[str, str], FileResult] | None = None  # of spilled entries
        self._noted: set[int] = set()  # kept entries with a part in the log's findings
        self.counts = Counts.empty()
        for item in results:
            self.append(item)

    # --- building ---------------------------------------------------------------------

    def append(self, item: FileResult | Entry) -> None:
        """Add a file at the end (a result, or a finished entry)."""
        if isinstance(item, Entry):
            brief, severities = item.brief, item.severities
            if brief.finished and item.usage:
                self._noted.add(len(self))
        else:
            brief, severities = brief_of(item), severities_of(item)
        self._briefs.append(brief)
        self.counts.add(brief, severities)
        self._store(item)

    def _store(self, item: FileResult | Entry) -> None:
        if self._kept < self._held and not self._spilled:
            self._kept += 1
            self._records.append(item)
            return
        if self._spool is None:
            self._spool = _Spool()
        if isinstance(item, Entry):
            self._rebuild = item.rebuild  # (one rebuild function serves every entry)
            self._spilled.append(self._spool.write(_entry_bytes(item)))
            return
        data = _RESULT + pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
        self._spilled.append(self._spool.write(data))

    def replaced(self, changes: Mapping[int, FileResult | Entry]) -> Results:
        """A new sequence, sharing this one's storage, with the files at the given indexes
        replaced (a stage that changes a few files out of many)."""
        if not changes:
            return self
        other = self._copy()
        for index, item in changes.items():
            old = self._item(index)
            old_severities = old.severities if isinstance(old, Entry) else severities_of(old)
            other.counts.add(other._briefs[index], old_severities, -1)
            brief = item.brief if isinstance(item, Entry) else brief_of(item)
            severities = item.severities if isinstance(item, Entry) else severities_of(item)
            other.counts.add(brief, severities)
            other._briefs.replace(index, brief)
            if index < len(other._records):
                other._records[index] = item
            else:
                other._replaced[index] = item
            if isinstance(item, Entry) and brief.finished and item.usage:
                other._noted.add(index)
            else:
                other._noted.discard(index)
        return other

    def joined(self, more: Iterable[FileResult | Entry]) -> Results:
        """A new sequence: these files, then ``more``."""
        other = self._copy()
        for item in more:
            other.append(item)
        return other

    def _copy(self) -> Results:
        other = Results(held=self._held)
        other._records, other._briefs = list(self._records), self._briefs.copy()
        other._spilled, other._replaced = array("Q", self._spilled), dict(self._replaced)
        other._spool, other._kept, other.counts = self._spool, self._kept, self.counts.copy()
        other._rebuild, other._noted = self._rebuild, set(self._noted)
        return other

    # --- reading ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._records) + len(self._spilled)

    @overload
    def __getitem__(self, index: int) -> FileResult: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[FileResult, ...]: ...

    def __getitem__(self, index: int | slice) -> FileResult | tuple[FileResult, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        return _result(self._item(index))

    def __iter__(self) -> Iterator[FileResult]:
        for index in range(len(self)):
            yield _result(self._item(index))

    def __repr__(self) -> str:
        return f"Results({len(self)} files)"

    @property
    def held(self) -> int:
        """How many records this sequence keeps as objects before it spills to disk."""
        return self._held

    @property
    def worst_gate(self) -> Gate:
        """The worst gate of any file (pass when there is none)."""
        return self.counts.worst_gate

    def briefs(self) -> Sequence[Brief]:
        """Every file's brief, in order (nothing is read back)."""
        return self._briefs

    def looked_at(self, noted: bool = True) -> Iterator[tuple[int, FileResult | Entry]]:
        """Every file with its index, but the kept entries (``Brief.finished``): those that
        have a part in the AI-use log's own findings too when ``noted`` (what the gate's
        passes must look at; without them, what a catalog must write)."""
        wanted: Iterable[int] = self._briefs.indexes(unfinished)
        if noted and self._noted:
            wanted = sorted({*wanted, *self._noted})
        for index in wanted:
            yield index, self._item(index)

    def where(self, test: Callable[[Brief], bool]) -> Iterator[tuple[int, Brief]]:
        """See briefs_where."""
        briefs = self._briefs
        return ((index, briefs[index]) for index in briefs.indexes(test))

    def named(self, pattern: re.Pattern[bytes]) -> Iterator[tuple[int, Brief]]:
        """See briefs_named."""
        briefs = self._briefs
        return ((index, briefs[index]) for index in briefs.named(pattern))

    def items(self) -> Iterator[FileResult | Entry]:
        """Every file as stored: a FileResult, or a finished Entry (its JSON text at hand)."""
        for index in range(len(self)):
            yield self._item(index)

    def kept_lines(self) -> Iterator[str | FileResult]:
        """Every file in order: a finished entry as its report text as it was kept (a
        spilled one sliced from its record: no entry or brief is made), another as its
        result (for the caller to write)."""
        held = len(self._records)
        for index in range(len(self)):
            if index < held or index in self._replaced:
                item = self._item(index)
                yield item.line if isinstance(item, Entry) else item
                continue
            assert self._spool is not None  # a spilled record was written to it
            data = self._spool.read(self._spilled[index - held])
            if data[:1] == _RESULT:
                result: FileResult = pickle.loads(data[1:])
                yield result
                continue
            size = _ENTRY_HEAD.unpack_from(data, 1)[7]
            start = 1 + _ENTRY_HEAD.size
            yield data[start : start + size].decode("utf-8", "surrogatepass")

    def item(self, index: int) -> FileResult | Entry:
        """One file as stored (see ``items``)."""
        return self._item(index)

    def _item(self, index: int) -> FileResult | Entry:
        if index < 0:
            index += len(self)
        if index < len(self._records):
            return self._records[index]
        replaced = self._replaced.get(index)
        if replaced is not None:
            return replaced
        record = self._spilled[index - len(self._records)]
        assert self._spool is not None  # a spilled record was written to it
        data = self._spool.read(record)
        if data[:1] == _RESULT:
            result: FileResult = pickle.loads(data[1:])
            return result
        assert self._rebuild is not None  # set when the first entry was spilled
        stored, e, w, i, fail, warn, accepted, size, used = _ENTRY_HEAD.unpack_from(data, 1)
        body = data[1 + _ENTRY_HEAD.size :]
        line = body[:size].decode("utf-8", "surrogatepass")
        usage = body[size : size + used].decode("utf-8", "surrogatepass")
        extra = body[size + used :].decode("utf-8", "surrogatepass")
        brief = self._briefs[index]
        tally = (e, w, i, fail, warn, accepted)
        return Entry(line, brief, tally, extra, self._rebuild, stored, usage)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as the plain tuple of its results (a temporary file cannot travel)."""
        return (tuple, (tuple(self),))


def unfinished(brief: Brief) -> bool:
    """Whether a file is not a finished entry (it is judged in this run): a brief test."""
    return not brief.finished


def _result(item: FileResult | Entry) -> FileResult:
    return item.rebuild(item.line, item.extra) if isinstance(item, Entry) else item


def counts_of(files: Sequence[FileResult]) -> Counts:
    """The counts of any sequence of results (kept by Results, computed for others)."""
    if isinstance(files, Results):
        return files.counts
    counts = Counts.empty()
    for result in files:
        counts.add(brief_of(result), severities_of(result))
    return counts


def briefs_of(files: Sequence[FileResult]) -> Sequence[Brief]:
    """Every file's brief (kept by Results, computed for others)."""
    if isinstance(files, Results):
        return files.briefs()
    return [brief_of(result) for result in files]


def briefs_where(
    files: Sequence[FileResult], test: Callable[[Brief], bool]
) -> Iterator[tuple[int, Brief]]:
    """Each file whose brief passes ``test``, with its index, in order. ``test`` must not
    look at the path: a Results asks it once per combination of the other fields and makes
    the briefs of the files it passes only (see _Briefs.indexes)."""
    if isinstance(files, Results):
        return files.where(test)
    return ((index, brief) for index, brief in enumerate(briefs_of(files)) if test(brief))


def briefs_named(
    files: Sequence[FileResult], pattern: re.Pattern[bytes]
) -> Iterator[tuple[int, Brief]]:
    """Each file whose path (as UTF-8) ``pattern`` finds something in, with its index, in
    order (a Results searches its buffer of paths at once: see _Briefs.named). Where a hit
    must sit in a path (its name, say), the caller checks: the buffer has no separators."""
    if isinstance(files, Results):
        return files.named(pattern)
    return ((index, brief) for index, brief in enumerate(briefs_of(files))
            if pattern.search(brief.path.encode("utf-8", "surrogatepass")))  # fmt: skip


def looked_at(
    files: Sequence[FileResult], noted: bool = True
) -> Iterator[tuple[int, FileResult | Entry]]:
    """See Results.looked_at (every file of any other sequence)."""
    if isinstance(files, Results):
        return files.looked_at(noted)
    return enumerate(files)


def kept_lines(files: Sequence[FileResult]) -> Iterator[str | FileResult]:
    """Every file in order: a finished entry's kept report text, another's result (see
    Results.kept_lines)."""
    if isinstance(files, Results):
        return files.kept_lines()
    return iter(files)


def items_of(files: Sequence[FileResult]) -> Iterator[FileResult | Entry]:
    """Every file as stored: a Results' entries stay entries (see Results.items)."""
    if isinstance(files, Results):
        return files.items()
    return iter(files)


def with_changes(
    files: Sequence[FileResult], changes: Mapping[int, FileResult]
) -> Sequence[FileResult]:
    """``files`` with the results at the given indexes replaced (a Results shares its
    storage with the new sequence; a tuple is copied)."""
    if isinstance(files, Results):
        return files.replaced(changes)
    if not changes:
        return files
    out = list(files)
    for index, result in changes.items():
        out[index] = result
    return tuple(out)


def joined(files: Sequence[FileResult], more: Iterable[FileResult | Entry]) -> Sequence[FileResult]:
    """``files`` then ``more`` (a Results keeps streaming; a tuple stays a tuple, and its
    ``more`` can only hold results: finished entries live in a Results)."""
    if isinstance(files, Results):
        return files.joined(more)
    return (*files, *(_result(item) for item in more))
