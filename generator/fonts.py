"""The fonts the PDFs are set in: bundled with gosprog, never taken from the machine.

Official documents are set in Times New Roman. DOCX and XLSX name that font
(Word and Excel users have it); the PDF engines use its metric-compatible twin,
Liberation Serif 2.x (SIL Open Font License 1.1, ``templates/fonts/``), and only
it: Typst is told to ignore system fonts, WeasyPrint loads the faces through
``@font-face``. The same data therefore gives the same line breaks, pages and
bytes on every machine.

A character that the bundled faces do not have (for example U+F0B7, the Symbol
font bullet Word leaves in pasted lists) would otherwise be drawn from whatever
font the machine offers, or dropped. :func:`missing` finds such characters (the
``validate`` rule G02 reports them with file and line) and :func:`printable`
prints them visibly as ``[U+F0B7]`` in the PDF, so nothing disappears silently.
"""

from __future__ import annotations

import functools
import hashlib
import json
import warnings
from pathlib import Path

#: The family name inside the bundled files (what ``pdffonts`` lists, what Typst selects).
PRINT_FAMILY = "Liberation Serif"
#: The font DOCX and XLSX name: Word and Excel have it; the PDF gets its metric twin.
OFFICE_FONT = "Times New Roman"
#: The four faces, regular, bold, italic and bold italic, as ``(file, weight, style)``.
FACES = (("LiberationSerif-Regular.ttf", "normal", "normal"),
         ("LiberationSerif-Bold.ttf", "bold", "normal"),
         ("LiberationSerif-Italic.ttf", "normal", "italic"),
         ("LiberationSerif-BoldItalic.ttf", "bold", "italic"))
#: Characters that are layout, not glyphs: line breaks and tabs are never "missing".
_LAYOUT = frozenset("\n\r\t")


class MissingGlyphWarning(UserWarning):
    """A text had characters that no bundled face has; the PDF shows them as ``[U+XXXX]``."""


def show_warnings_plainly() -> None:
    """Print gosprog's own warnings (:class:`MissingGlyphWarning`: its message is already in the interface's
    language and names the document) as one line "Предупреждение: …" ("Warning: …" in English) on stderr,
    without Python's source path and code line; other warnings as Python prints them. Installed by the CLI and in
    its build workers (a process-wide hook of :mod:`warnings`, so a library user's own handling is left alone)."""
    original = warnings.showwarning
    if getattr(original, "gosprog", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, MissingGlyphWarning):
            import sys

            from .i18n import _
            print(_("Warning: {message}").format(message=message), file=file or sys.stderr)
        else:
            original(message, category, filename, lineno, file, line)
    show.gosprog = True
    warnings.showwarning = show


def folder() -> Path:
    """The bundled font folder (``templates/fonts`` of the installed package)."""
    from . import templates
    return templates.DEFAULT_DIR / "fonts"


#: The code points of :func:`coverage`, with the SHA-256 of each face they were read from, beside the faces
#: (``python -m generator.fonts`` writes it; the tests compare it with what fontTools reads from the faces).
COVERAGE_FILE = "coverage.json"


@functools.lru_cache(maxsize=1)
def coverage() -> frozenset[int]:
    """Code points that every bundled face can draw (the intersection of their ``cmap`` tables).

    From :data:`COVERAGE_FILE` when the faces are those it was written for (their SHA-256), else read from the
    faces with fontTools (:func:`read_coverage`): importing fontTools and reading the four ``cmap`` tables took
    every process that checks or prints text (the gate, each PDF worker) 0.15 s. Raises ``FileNotFoundError``
    when a face is missing from the installation: a PDF set in a substitute font must never be produced silently.
    """
    faces = _face_digests()
    try:
        recorded = json.loads((folder() / COVERAGE_FILE).read_text(encoding="utf-8"))
        if recorded["faces"] == faces:
            return frozenset(point for first, last in recorded["ranges"] for point in range(first, last + 1))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return read_coverage()


def _face_digests() -> dict[str, str]:
    """Each bundled face's SHA-256 (hex) by file name; ``FileNotFoundError`` when one is missing."""
    return {name: hashlib.sha256((folder() / name).read_bytes()).hexdigest() for name, _weight, _style in FACES}


def read_coverage() -> frozenset[int]:
    """:func:`coverage` read from the faces with fontTools (a WeasyPrint dependency).

    Only the code points are needed, not the glyph names: the faces get a numbered glyph order before
    their ``cmap`` is read, so fontTools does not decode the ``post`` table's names (a third of the time).
    """
    from fontTools.ttLib import TTFont

    common: set[int] | None = None
    for name, _weight, _style in FACES:
        with TTFont(folder() / name, lazy=True) as font:
            font.setGlyphOrder([f"g{index}" for index in range(font["maxp"].numGlyphs)])
            points = set(font.getBestCmap())
        common = points if common is None else common & points
    return frozenset(common or ())


def write_coverage() -> Path:
    """Write :data:`COVERAGE_FILE` from the faces (:func:`read_coverage`): the SHA-256 of each face and the
    covered code points as ``[first, last]`` ranges. Returns its path."""
    ranges = [list(pair) for pair in _ranges(read_coverage())]
    faces = _face_digests()
    path = folder() / COVERAGE_FILE
    path.write_text(json.dumps({"faces": faces, "ranges": ranges}, indent=1) + "\n", encoding="utf-8")
    return path


def _ranges(points) -> list[tuple[int, int]]:
    """Code points as ``(first, last)`` runs of consecutive points, ascending."""
    runs: list[tuple[int, int]] = []
    for point in sorted(points):
        if runs and runs[-1][1] == point - 1:
            runs[-1] = (runs[-1][0], point)
        else:
            runs.append((point, point))
    return runs


@functools.lru_cache(maxsize=1)
def _uncovered():
    """A pattern matching any character :func:`coverage` lacks (layout characters aside): one search in C
    tells a string that needs nothing (nearly every one) from one to look at character by character."""
    import re
    ranges = [re.escape(chr(first)) + ("-" + re.escape(chr(last)) if last != first else "")
              for first, last in _ranges(coverage() | {ord(ch) for ch in _LAYOUT})]
    return re.compile(f"[^{''.join(ranges)}]")


def missing(text: str) -> list[str]:
    """The distinct characters of ``text`` (in order of first appearance) that no bundled face has."""
    if _uncovered().search(text) is None:
        return []
    cover = coverage()
    seen: dict[str, None] = {}
    for ch in text:
        if ord(ch) not in cover and ch not in _LAYOUT and ch not in seen:
            seen[ch] = None
    return list(seen)


def code(ch: str) -> str:
    """``"\\uf0b7"`` → ``"U+F0B7"``."""
    return f"U+{ord(ch):04X}"


def printable(text: str) -> str:
    """``text`` with every character the bundled faces lack written as ``[U+XXXX]``."""
    absent = missing(text)
    for ch in absent:
        text = text.replace(ch, f"[{code(ch)}]")
    return text


def warn_missing(found, where: str = "") -> None:
    """Emit one :class:`MissingGlyphWarning` (in the interface's language) naming the characters ``found`` (an
    ordered collection) that were printed as ``[U+XXXX]``, if any; ``where`` names the document."""
    if found:
        from .i18n import _
        text = _("the font {font} has no characters {codes}; the PDF prints them as [U+XXXX]").format(
            font=PRINT_FAMILY, codes=", ".join(code(ch) for ch in found))
        warnings.warn(MissingGlyphWarning(f"{where}: {text}" if where else text), stacklevel=3)


if __name__ == "__main__":       # python -m generator.fonts: record the bundled faces' coverage
    print(write_coverage())
