"""File names from data: readable, ASCII, safe on Windows, never escaping the output folder."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
                      "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_LENGTH = 80


def transliterate(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, _TRANSLIT.get(ch.lower(), ch).upper() if ch.lower() in _TRANSLIT else ch)
                   for ch in text)


def safe_name(text: str, fallback: str = "document") -> str:
    """``"Подпрограмма 1/x"`` → ``"podprogramma-1-x"``: letters, digits, '-', '_' and '.' only,
    no leading dots, no reserved Windows device names, at most 80 characters."""
    name = transliterate(text).lower()
    name = re.sub(r"[^a-z0-9._-]+", "-", name)
    name = re.sub(r"-{2,}", "-", name).strip("-.")
    while ".." in name:
        name = name.replace("..", ".")
    name = re.sub(r"(^|-)\.+(?=-|$)", r"\1", name)      # a segment of dots only ("-.-") is dropped
    name = re.sub(r"-{2,}", "-", name).strip("-.")
    if not name:
        name = fallback
    if name.split(".")[0] in RESERVED:
        name = "_" + name
    return name[:MAX_LENGTH].rstrip("-.") or fallback


# Where each report family publishes, under the output folder OUT chosen by the user. One convention: the
# program's folder is the safe name of its code (:func:`safe_name`), then the family's own sub-folders.

def program_folder(out: str | Path, program_code: str) -> Path:
    """``OUT/<program>``: every package of one program is under it."""
    return Path(out) / safe_name(program_code)


def program_package_folder(out: str | Path, program_code: str, edition_date: _dt.date) -> Path:
    """``OUT/<program>/<edition date>``: the program package of one edition."""
    return program_folder(out, program_code) / edition_date.isoformat()


def editions_diff_folder(out: str | Path, program_code: str, old_date: _dt.date, new_date: _dt.date) -> Path:
    """``OUT/<program>/diff-<old date>-<new date>``: the comparison of two editions."""
    return program_folder(out, program_code) / f"diff-{old_date.isoformat()}-{new_date.isoformat()}"


def annual_folder(out: str | Path, program_code: str, year: int) -> Path:
    """``OUT/<program>/annual/<year>``: the annual reports of a year."""
    return program_folder(out, program_code) / "annual" / str(year)


def quarterly_folder(out: str | Path, program_code: str, year: int, quarter: int | None = None) -> Path:
    """``OUT/<program>/quarterly/<year>[/q<quarter>]``: the quarterly forms, inboxes and reports."""
    folder = program_folder(out, program_code) / "quarterly" / str(year)
    return folder if quarter is None else folder / f"q{quarter}"


def quarterly_reports_folder(out: str | Path, program_code: str, year: int, quarter: int) -> Path:
    """``OUT/<program>/quarterly/<year>/q<quarter>/reports``: the consolidated and municipal reports."""
    return quarterly_folder(out, program_code, year, quarter) / "reports"


def quarterly_forms_folder(out: str | Path, program_code: str, year: int, quarter: int) -> Path:
    """``OUT/<program>/quarterly/<year>/q<quarter>/forms``: the pre-filled forms (one sub-folder per subsidy)."""
    return quarterly_folder(out, program_code, year, quarter) / "forms"


def registry_folder(out: str | Path, program_code: str, registry: str | Path | None = None) -> Path:
    """The submissions registry: ``registry`` when given, else ``OUT/<program>/submissions`` -- one per data set,
    shared by every quarterly command (forms, import, report, demo) and the annual results forms."""
    return Path(registry) if registry else program_folder(out, program_code) / "submissions"


def form_filename(subsidy: str, municipality: str, year: int, quarter: int) -> str:
    """The file name of a quarterly form: ``<subsidy>-<year>-q<quarter>-<municipality>.xlsx``."""
    return f"{subsidy}-{year}-q{quarter}-{municipality}.xlsx"


def tables_workbook_name(program_code: str, edition_date: _dt.date) -> str:
    """The default file name of the editing workbook: ``<program>-<edition date>-tablicy.xlsx``."""
    return f"{safe_name(program_code)}-{edition_date.isoformat()}-tablicy.xlsx"


def annual_forms_folder(out: str | Path, program_code: str, year: int) -> Path:
    """``OUT/<program>/quarterly/<year>/god/forms``: the annual results forms (one sub-folder per subsidy)."""
    return quarterly_folder(out, program_code, year) / "god" / "forms"


def annual_inbox_folder(out: str | Path, program_code: str, year: int) -> Path:
    """``OUT/<program>/quarterly/<year>/god/inbox``: the filled sample annual forms of ``gosprog quarterly demo``."""
    return quarterly_folder(out, program_code, year) / "god" / "inbox"


def quarterly_inbox_folder(out: str | Path, program_code: str, year: int, quarter: int) -> Path:
    """``OUT/<program>/quarterly/<year>/q<quarter>/inbox``: the filled sample forms of ``gosprog quarterly demo``."""
    return quarterly_folder(out, program_code, year, quarter) / "inbox"


