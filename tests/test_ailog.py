"""The AI-use log: loading TOML and CSV, every validation message, and key matching."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from provscan.ailog.entry import LogEntry
from provscan.ailog.load import LogError, load_log
from provscan.ailog.match import FileFacts, glob_matches, matched_key

SHA = "a" * 64
GOOD = f"""version = 1

[[entry]]
id = "AI-001"
tool = "Adobe Firefly"
scope = ["final", "marketing"]
status = "approved"
approved_by = "Legal"
approved_on = 2026-09-01
approval_ref = "LEGAL-1"
expires = "2027-01-31"
sha256 = "{SHA}"
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _errors(tmp_path: Path, name: str, text: str) -> list[str]:
    with pytest.raises(LogError) as exc:
        load_log(_write(tmp_path, name, text))
    return exc.value.errors


def test_toml_log_loads_typed_fields(tmp_path: Path) -> None:
    """A valid TOML log gives typed entries (dates, scope tuple) and the file's sha256."""
    log = load_log(_write(tmp_path, "ai-use.toml", GOOD))
    entry = log.entries[0]
    assert (entry.id, entry.scope, entry.approved_on, entry.expires) == (
        "AI-001",
        ("final", "marketing"),
        dt.date(2026, 9, 1),
        dt.date(2027, 1, 31),
    )
    assert entry.has_written_approval and log.needs_sha256 and not log.needs_phash
    assert len(log.sha256) == 64


def test_csv_log_matches_toml(tmp_path: Path) -> None:
    """The CSV form (header row, ';'-separated scopes, empty cells) gives the same entry."""
    csv_text = (
        "id,tool,scope,status,approved_by,approved_on,approval_ref,expires,sha256,phash\r\n"
        "AI-001,Adobe Firefly,final;marketing,approved,Legal,2026-09-01,LEGAL-1,2027-01-31,"
        f"{SHA},\r\n"
        ",,,,,,,,,\r\n"
    )
    from_csv = load_log(_write(tmp_path, "ai-use.csv", "\ufeff" + csv_text)).entries[0]
    from_toml = load_log(_write(tmp_path, "ai-use.toml", GOOD)).entries[0]
    assert from_csv == LogEntry(**{**_fields(from_toml), "place": "row 2"})


def _fields(entry: LogEntry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in entry.__slots__}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('approved_on = "2026-13-01"', "field approved_on: '2026-13-01' is not a date "
         "(YYYY-MM-DD)"),
        ('scope = ["final", "tv"]', "field scope: unknown scope 'tv' (use: final, temp, previs, "
         "marketing, internal)"),
        ('sha256 = "abc"', "field sha256: 'abc' is not 64 hexadecimal characters"),
        ('phash = "xyz"', "field phash: 'xyz' is not a 64-bit perceptual hash (16 hex characters)"),
        ('phash = "8000000000000000"', "field phash: '8000000000000000' is the hash of a flat "
         "picture"),
        ("phash_max_distance = 40", "field phash_max_distance: 40 is outside 0..32 (bits of 64)"),
        ('status = "ok"', "field status: 'ok' is not a status (use: approved, pending, denied)"),
        ('talent_consent = "maybe"', "field talent_consent: 'maybe' is not true or false"),
        ('colour = "red"', "field colour: unknown field"),
        ('approved_exceptions = ["everything"]', "field approved_exceptions: unknown exception "
         "'everything'"),
        ('approved_by = "TO BE COMPLETED"', "field approved_by: still 'TO BE COMPLETED'"),
    ],
)  # fmt: skip
def test_each_field_error_names_file_table_and_field(
    tmp_path: Path, line: str, message: str
) -> None:
    """A bad value gives one line: the file, the [[entry]] table and id, the field, the problem."""
    key = line.split(" = ")[0]
    text = "\n".join(ln for ln in GOOD.splitlines() if not ln.startswith(key + " ")) + "\n" + line
    errors = _errors(tmp_path, "log.toml", text + "\n")
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{tmp_path / 'log.toml'}: [[entry]] #1 (id 'AI-001'), ")
    assert message in errors[0]


def test_missing_fields_and_keys_are_listed_together(tmp_path: Path) -> None:
    """Required fields, the approval trio and the match key are all reported in one run."""
    errors = _errors(
        tmp_path, "log.toml", 'version = 1\n[[entry]]\nid = "X"\nstatus = "approved"\n'
    )
    text = "\n".join(errors)
    for part in ("field scope: missing (required)", "no match key (give at least one)",
                 "field approved_by: missing (status is 'approved')",
                 "field approval_ref: missing (status is 'approved')"):  # fmt: skip
        assert part in text


def test_duplicate_id_is_an_error(tmp_path: Path) -> None:
    """Two entries with one id: the second names where the first was."""
    errors = _errors(tmp_path, "log.toml", GOOD + GOOD.split("\n", 2)[2])
    assert errors == [
        f"{tmp_path / 'log.toml'}: [[entry]] #2 (id 'AI-001'), field id: duplicate id "
        "(first used in [[entry]] #1)"
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("log.toml", "version = 1\n[[entry]\n", "TOML syntax error"),
        ("log.toml", GOOD.replace("version = 1", "version = 2"), "top level, field version: 2"),
        ("log.toml", "owner = 'x'\n" + GOOD, "top level, field owner: unknown"),
        ("log.csv", "id,scope\nA,final,extra\n", "row 2: 3 cells but the header has 2 columns"),
        ("log.csv", "id,id\n", "row 1, column 2: duplicate column 'id'"),
        ("log.csv", "", "empty file"),
        ("log.txt", "", "not a .toml or .csv file"),
    ],
)
def test_file_level_errors(tmp_path: Path, name: str, text: str, message: str) -> None:
    """Syntax, version, unknown top-level keys, CSV shape and file type are one-line errors."""
    errors = _errors(tmp_path, name, text)
    assert any(message in e and e.startswith(str(tmp_path / name)) for e in errors), errors


def test_csv_row_errors_name_the_row(tmp_path: Path) -> None:
    """CSV errors name the spreadsheet row (header = row 1)."""
    errors = _errors(tmp_path, "log.csv", "id,scope,status,path\nA,final,pending,a.jpg\nB,tv,x,\n")
    assert errors[0].startswith(f"{tmp_path / 'log.csv'}: row 3 (id 'B'), field scope:")
    assert len(errors) == 3  # scope, status, no match key


def test_non_utf8_log_is_refused(tmp_path: Path) -> None:
    """A log that is not UTF-8 says which byte is wrong."""
    path = tmp_path / "log.csv"
    path.write_bytes(b"id,scope\n\xff,final\n")
    with pytest.raises(LogError) as exc:
        load_log(path)
    assert "byte 9: not UTF-8 text" in exc.value.errors[0]


def _entry(**keys: object) -> LogEntry:
    return LogEntry(id="E", place="[[entry]] #1", scope=("final",), **keys)  # type: ignore[arg-type]


FACTS = FileFacts(
    "stills/photo.jpg", sha256=SHA, phash="ffff0000ffff0000", instance_ids=frozenset({"iid:1"})
)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"sha256": SHA}, "sha256"),
        ({"sha256": "b" * 64}, None),
        ({"c2pa_instance_id": "iid:1"}, "c2pa_instance_id"),
        ({"c2pa_instance_id": "iid:2"}, None),
        ({"phash": "ffff0000ffff0000"}, "phash"),
        ({"phash": "ffff0000ffff00ff", "phash_max_distance": 8}, "phash"),  # 8 bits: the edge
        ({"phash": "ffff0000ffff01ff", "phash_max_distance": 8}, None),  # 9 bits: past it
        ({"phash": "ffff0000ffff00ff", "phash_max_distance": 0}, None),
        ({"path": "stills/*.jpg"}, "path"),
        ({"path": "**/photo.jpg"}, "path"),
        ({"path": "*.jpg"}, None),  # '*' does not cross folders
        ({"sha256": SHA, "path": "stills/photo.jpg"}, "sha256"),  # strongest named
        ({"sha256": SHA, "path": "video/*"}, "sha256"),  # content decides: a moved file
        ({"sha256": SHA, "path": "video/*", "require_path": True}, None),  # unless required
        ({"sha256": SHA, "path": "stills/*", "require_path": True}, "sha256"),
        ({"phash": "ffff0000ffff0000", "path": "old/name.jpg"}, "phash"),
        ({"sha256": "b" * 64, "path": "stills/photo.jpg"}, None),  # the path cannot save it
        ({"c2pa_instance_id": "iid:1", "phash": "0000ffff0000ffff"}, None),  # every content key
        ({}, None),
    ],
)
def test_matching_keys(keys: dict[str, object], expected: str | None) -> None:
    """Content keys decide (all must agree); the path decides only alone or when required."""
    assert matched_key(_entry(**keys), FACTS) == expected


def test_flat_picture_hash_never_matches() -> None:
    """A flat picture's hash (almost no bits set) matches nothing, not even itself."""
    flat = FileFacts("a.jpg", phash="8000000000000000")
    assert matched_key(_entry(phash="8000000000000000"), flat) is None


def test_uncomputed_identity_never_matches() -> None:
    """A sha256 or phash entry does not match a file whose identity was not computed."""
    bare = FileFacts("stills/photo.jpg")
    assert matched_key(_entry(sha256=SHA), bare) is None
    assert matched_key(_entry(phash="ffff0000ffff0000"), bare) is None


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("**", "a/b/c.jpg", True),
        ("final/**", "final/x/y.mov", True),
        ("final/**", "finals/y.mov", False),
        ("**/previs/**", "ep1/previs/shot.mp4", True),
        ("**/previs/**", "previs/shot.mp4", True),
        ("shot_??.exr", "shot_01.exr", True),
        ("shot_[0-9].exr", "shot_a.exr", False),
        ("shot_[!0-9].exr", "shot_a.exr", True),
        ("./stills/a.jpg", "stills/a.jpg", True),
        ("a+b (1).jpg", "a+b (1).jpg", True),
    ],
)
def test_globs(pattern: str, path: str, hit: bool) -> None:
    """Path globs: ** spans folders, * and ? stay within one, [..] and [!..] are classes."""
    assert glob_matches(pattern, path) is hit


def test_expiry_is_inclusive_of_the_last_day() -> None:
    """An approval expiring today is still valid today and expired tomorrow."""
    entry = _entry(expires=dt.date(2026, 11, 25))
    assert not entry.expired(dt.date(2026, 11, 25))
    assert entry.expired(dt.date(2026, 11, 26))


def _fenced(readme: str, language: str, marker: str) -> str:
    """The first fenced block of ``language`` in the page that contains ``marker``."""
    blocks = readme.split("```" + language + "\n")[1:]
    return next(b.split("```", 1)[0] for b in blocks if marker in b)


def test_readme_log_examples_are_valid_and_agree(tmp_path: Path) -> None:
    """The log documentation's TOML and CSV examples load and describe the same entry."""
    page = Path(__file__).resolve().parents[1] / "docs" / "ai-use-log.md"
    readme = page.read_text(encoding="utf-8")
    toml_log = _write(tmp_path, "ai-use.toml", _fenced(readme, "toml", "[[entry]]"))
    csv_log = _write(tmp_path, "ai-use.csv", _fenced(readme, "csv", "AI-001"))
    from_toml, from_csv = load_log(toml_log).entries[0], load_log(csv_log).entries[0]
    differing = {
        name
        for name in from_toml.__slots__  # type: ignore[attr-defined]
        if getattr(from_toml, name) != getattr(from_csv, name)
    }
    assert differing == {"place", "sha256"}  # where it was written; the CSV row has no sha256
