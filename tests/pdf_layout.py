"""Page checks of a rendered PDF against its document model (issue 17), with pdfplumber.

:func:`page_problems` walks every page and returns what a staffer would have to fix by hand:
a blank page, a character outside its table cell's box, a number split across lines (or torn
from its unit), a table continued on a page without its header rows, and a block whose merged
labels stayed on the previous page (the model's rule: a block is kept on one page).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pdfplumber

from generator import model

NBSP = "\u00a0"
SOFT = dict.fromkeys(map(ord, "\u00ad\u2010"), None)
PAGE_LABEL = re.compile(r"^стр\.?\s*\d+$")
NOTICE = "Образец (условные данные)"
# a line ending in a number's head ("19") followed by a line starting with a thousands group ("373 980,2")
SPLIT_HEAD = re.compile(r"(?:^|[\s(;:])\d{1,3}$")
SPLIT_TAIL = re.compile(r"^\d{3}(?:[\s,.;)%]|$)")
# a number at the end of a line and its unit at the start of the next
UNIT_TAIL = re.compile(r"^(?:тыс\.|руб\.|рубл|%)")
TOLERANCE = 1.0          # points a glyph may touch a cell's rule


def squash(text: str | None) -> str:
    return "".join((text or "").replace(NBSP, " ").translate(SOFT).split())


@dataclass
class Head:
    depth: int                       # head rows, the numbering row included
    empty_first: bool                # a block starts with an empty first cell, or one is too tall to keep


def expectations(document: model.Document) -> dict[str, Head]:
    """The document's repeated table headers, by the squashed text of their first row: of each table
    as printed (:func:`model.print_blocks`: a table too wide for the page prints in parts)."""
    heads: dict[str, Head] = {}
    for section in document.sections:
        for table in model.print_blocks(section, document.style):
            if not isinstance(table, model.Table):
                continue
            rows = table.head_rows()
            if not rows or not table.repeat_header:
                continue
            key = squash("".join(table.cell_text(p.cell, p.col) for p in table.placements(rows)[0]))
            blocks = table.row_blocks(table.body)
            starts = {b.start for b in blocks}
            # the model's rule: a block taller than a page may break (see generator.model)
            empty = len(table.kept_blocks(section, document.style.table_size)) < len(blocks)
            for r, placed in enumerate(table.placements(table.body)):
                if r in starts:
                    col0 = next((p for p in placed if p.col == 0), None)
                    empty = empty or col0 is None or not squash(table.cell_text(col0.cell, 0))
            previous = heads.get(key)
            heads[key] = Head(len(rows), empty or (previous is not None and previous.empty_first))
    return heads


def _lines(chars: list[dict]) -> list[str]:
    """Chars of one box as text lines, top to bottom; a gap wider than a fifth of an em is a space."""
    rows: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if rows and abs(rows[-1][0]["top"] - ch["top"]) < 2.0:
            rows[-1].append(ch)
        else:
            rows.append([ch])
    out = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        text, last = "", None
        for ch in row:
            if last is not None and ch["x0"] - last["x1"] > 0.2 * ch["size"]:
                text += " "
            text += ch["text"]
            last = ch
        out.append(text.replace(NBSP, " ").strip())
    return out


def _split_numbers(lines: list[str]) -> list[str]:
    found = []
    for a, b in zip(lines, lines[1:]):
        if (SPLIT_HEAD.search(a) and SPLIT_TAIL.match(b)) or (re.search(r"\d$", a) and UNIT_TAIL.match(b)):
            found.append(f"{a[-25:]!r} / {b[:25]!r}")
    return found


def _inside(ch: dict, box: tuple) -> bool:
    x0, top, x1, bottom = box
    return (ch["x0"] >= x0 - TOLERANCE and ch["x1"] <= x1 + TOLERANCE
            and ch["top"] >= top - TOLERANCE and ch["bottom"] <= bottom + TOLERANCE)


def _center_in(ch: dict, box: tuple) -> bool:
    x0, top, x1, bottom = box
    cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    return x0 <= cx <= x1 and top <= cy <= bottom


def _tiles(cells: list[tuple], size: float = 24.0) -> dict[tuple[int, int], list[int]]:
    """A spatial index of cell boxes: tile -> cells overlapping it."""
    index: dict[tuple[int, int], list[int]] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for tx in range(int(x0 // size), int(x1 // size) + 1):
            for ty in range(int(top // size), int(bottom // size) + 1):
                index.setdefault((tx, ty), []).append(i)
    return index


DASHES = dict.fromkeys(map(ord, "-\u00ad\u2010\u2011\u2012\u2013\u2014\u2212"), None)


def bare(text: str | None) -> str:
    """:func:`squash`, and without dashes: a PDF's text layer gives a typed "-" back as U+00AD or U+2010
    (Typst), so texts are compared without them."""
    return squash(text).translate(DASHES)


def footnotes_of(document: model.Document) -> list[str]:
    """The texts of the document's table footnotes (:class:`model.Footnotes`), :func:`bare`."""
    return [bare(item) for s in document.sections for b in s.blocks
            if isinstance(b, model.Footnotes) for item in b.items]


def only_footnotes(text: str, notes: Sequence[str]) -> bool:
    """Whether the squashed page text is nothing but footnotes of the document."""
    for note in notes:
        text = text.replace(note, "")
    return not text


def page_problems(pdf_bytes_or_path, heads: dict[str, Head], name: str = "",
                  footnotes: Sequence[str] = ()) -> list[str]:
    """Every problem of every page of the PDF, one sentence each (see the module's docstring); ``heads``:
    :func:`expectations` of its document; ``footnotes``: :func:`footnotes_of` it, to find a page that holds
    nothing but a table's footnote ("a footnote alone on a page")."""
    problems: list[str] = []
    previous_headed = False           # the last table of the previous page had header rows
    with pdfplumber.open(pdf_bytes_or_path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            where = f"{name} p. {number}"
            chars = [c for c in page.chars if c["text"].strip() and c["text"] != NBSP]
            lost = [c for c in chars if c["bottom"] > page.height - 5 or c["x1"] > page.width - 5
                    or c["top"] < 5 or c["x0"] < 5]
            if lost:       # e.g. a row kept together that is taller than the page runs off it
                problems.append(f"{where}: {len(lost)} characters run off the page: "
                                f"{''.join(c['text'] for c in lost[:30])!r}")
            by_line: dict[int, list[dict]] = {}
            for c in chars:
                by_line.setdefault(round(c["top"]), []).append(c)
            body = [c for line in by_line.values()
                    if not PAGE_LABEL.match(squash("".join(x["text"] for x in line))) for c in line]
            text = squash("".join(c["text"] for c in body))
            if not text or text == squash(NOTICE):
                problems.append(f"{where}: blank page")
                continue
            tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
            cells = [(t, cell) for t in tables for cell in t.cells]
            boxes: dict[int, list[dict]] = {}
            boxes_of = [cell for t in tables for cell in t.cells]
            index = _tiles(boxes_of)
            for ch in body:
                cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
                holders = [i for i in index.get((int(cx // 24.0), int(cy // 24.0)), ()) if _center_in(ch, boxes_of[i])]
                if not holders:
                    boxes.setdefault(-1, []).append(ch)
                    continue
                # the smallest cell holding the glyph's centre is its cell
                best = min(holders, key=lambda i: (boxes_of[i][2] - boxes_of[i][0]) * (boxes_of[i][3] - boxes_of[i][1]))
                if not _inside(ch, boxes_of[best]):
                    problems.append(f"{where}: {ch['text']!r} runs out of its table cell "
                                    f"(x {ch['x0']:.1f}-{ch['x1']:.1f}, cell {boxes_of[best][0]:.1f}-{boxes_of[best][2]:.1f})")
                boxes.setdefault(best, []).append(ch)
            for box_chars in boxes.values():
                for split in _split_numbers(_lines(box_chars)):
                    problems.append(f"{where}: a number split across lines: {split}")
            if footnotes and not tables:
                lines = [bare(line) for line in (page.extract_text() or "").splitlines()]
                alone = "".join(line for line in lines if not PAGE_LABEL.match(line) and line != bare(NOTICE))
                if alone and only_footnotes(alone, footnotes):
                    problems.append(f"{where}: a footnote alone on a page")
            if not tables:
                # no closed table on the page, yet ruled columns run from its top: a row of the previous
                # page's table continues here, without the header rows
                if previous_headed and any(e["orientation"] == "v" and e["top"] < page.height / 4
                                           and e["bottom"] - e["top"] > 20 for e in page.edges):
                    problems.append(f"{where}: a table continues without its header rows")
                    continue
                previous_headed = False
                continue
            first = tables[0]
            above = [c for c in body if c["bottom"] < first.bbox[1] - 1 and c["text"].strip()
                     and not squash(NOTICE).startswith(squash(c["text"]))]
            rows = first.extract()
            continued = not above and number > 1
            first_row = squash("".join(c or "" for c in rows[0])) if rows else ""
            if continued and previous_headed:
                head = heads.get(first_row)
                if head is None:
                    problems.append(f"{where}: a table continues without its header rows (first row {rows[0][:3]})")
                elif len(first.rows) > head.depth and not head.empty_first:
                    # the top line under the header must hold the block's label in the first column
                    numbering = [i for i, row in enumerate(rows[:head.depth + 2])
                                 if [c for c in row if c] == [str(k) for k in range(1, len([c for c in row if c]) + 1)]
                                 and len([c for c in row if c]) > 2]
                    head_bottom = first.rows[numbering[0] if numbering else head.depth - 1].bbox[3]
                    col0 = first.rows[0].cells[0]
                    under = [c for c in body if (c["top"] + c["bottom"]) / 2 > head_bottom and _center_in(c, first.bbox)]
                    if col0 is not None and under:
                        top = min(c["top"] for c in under)
                        label = [c for c in under if c["top"] < top + 3 and col0[0] <= (c["x0"] + c["x1"]) / 2 <= col0[2]]
                        if not label:
                            line = "".join(c["text"] for c in sorted(under, key=lambda c: c["x0"]) if c["top"] < top + 3)
                            problems.append(f"{where}: the first line under the header has no label in the first "
                                            f"column (its block began on the previous page): {line[:60]!r}")
            last = tables[-1]
            last_rows = last.extract() if last is not first else rows
            last_first = squash("".join(c or "" for c in last_rows[0])) if last_rows else ""
            previous_headed = last_first in heads
    return problems


# --- a whole package, any data folder ---------------------------------------------------------


#: LibreOffice hyphenates Russian only with the hyphen-ru dictionary (Debian's hyphen-ru; LibreOffice's Windows
#: and macOS builds ship it). Without it, narrow columns break words anywhere and letters run out of their cells,
#: which no Word or LibreOffice of a Russian user shows: the page checks of DOCX then do not run (a warning).
RUSSIAN_HYPHENATION = any(Path(d, "hyph_ru_RU.dic").is_file() for d in
                          ("/usr/share/hyphen", "/usr/share/hunspell", "/usr/lib/libreoffice/share/extensions"))
NO_RUSSIAN_HYPHENATION = ("LibreOffice has no Russian hyphenation dictionary (install hyphen-ru): the page checks of "
                          "the DOCX files through LibreOffice did not run")


def libreoffice_for_pages() -> str | None:
    """The LibreOffice to check DOCX pages with, or None (with a visible warning when the reason is the missing
    Russian hyphenation dictionary)."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is not None and not RUSSIAN_HYPHENATION:
        import warnings
        warnings.warn(NO_RUSSIAN_HYPHENATION)
        return None
    return office


def package_problems(data: Path, out: Path, engines: Sequence[str] = ("typst", "weasyprint"),
                     docx: bool = True, workers: int = 2) -> list[str]:
    """Build the program package of ``data`` with each PDF engine (and DOCX, converted by LibreOffice
    when ``docx`` and it is installed) into ``out`` and return the page problems of every page of every
    PDF (:func:`page_problems`), each prefixed with the engine and file. Raises AssertionError when a
    build or the conversion fails, or a document is missing."""
    from click.testing import CliRunner

    from generator.builders import program_package
    from generator.cli import main
    from generator.data.loader import load_program

    documents = {p.name: p.document for p in program_package(load_program(data))}
    problems: list[str] = []
    jobs = []
    for engine in engines:
        formats = "pdf,docx" if docx and engine == engines[0] else "pdf"
        target = out / engine
        result = CliRunner().invoke(main, ["build", str(data), "--out", str(target), "--quiet", "--jobs", str(workers),
                                           "--pdf-engine", engine, "--format", formats])
        assert result.exit_code == 0, result.output
        pdfs = sorted(target.rglob("*.pdf"))
        assert {p.stem for p in pdfs} == set(documents), (engine, sorted(documents))
        jobs += [(str(p), f"{engine}: {p.name}", expectations(documents[p.stem]), footnotes_of(documents[p.stem]))
                 for p in pdfs]
        if formats != "pdf":
            office = libreoffice_for_pages()
            if office is not None:
                docx_files = sorted(target.rglob("*.docx"))
                converted = out / "docx-pdf"
                done = subprocess.run([office, f"-env:UserInstallation={(out / 'lo-profile').as_uri()}", "--headless",
                                       "--convert-to", "pdf", "--outdir", str(converted), *map(str, docx_files)],
                                      capture_output=True, timeout=1800)
                assert done.returncode == 0, done.stderr.decode(errors="replace")
                converted_pdfs = sorted(converted.glob("*.pdf"))
                assert len(converted_pdfs) == len(docx_files)
                jobs += [(str(p), f"docx via LibreOffice: {p.stem}.docx", expectations(documents[p.stem]), ())
                         for p in converted_pdfs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for found in pool.map(_check, jobs):
            problems.extend(found)
    return problems


def _check(job: tuple) -> list[str]:
    path, name, heads, footnotes = job
    return page_problems(path, heads, name, footnotes)
