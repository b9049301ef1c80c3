"""One truth in every format (issue 16): the same table read back from DOCX, XLSX and PDF agrees.

Golden-style, like pandoc's writer tests, but with the DOCX as the reference: every document the
default package (``gosprog build``), the fixture program, ``gosprog quarterly demo``, ``gosprog annual``
and ``gosprog diff`` produce is read back

- from the DOCX: every table cell's text (python-docx, spans resolved);
- from the XLSX: every table cell, numbers shown with their number format in the Russian style,
  formulas COMPUTED by tests/xlsx_formulas.py (and the cached ``<v>`` the file stores checked
  against that computation);
- from the PDF (Typst): the text of every page (pypdf);

and the test asserts that the XLSX cells equal the DOCX cells one by one, in order, and that every
figure of the DOCX tables is printed in the PDF. Mutating one formula reference makes it fail.

The outputs are built once for the module (about a minute on two cores).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.numbers import format_number

from conftest import normalise, pdf_pages_text, squash
from xlsx_formulas import Sheet, cached_values, computed_workbook

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "social-support-vologda"
TINY = ROOT / "tests" / "fixtures" / "tiny-program"
SAMPLE = DATA / "editions" / "2021-08-17-sample"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FIGURE = re.compile(r"-?\d{1,3}(?: \d{3})*,\d+[*%]?")
MAX_ROW_PT = 409


def _invoke(args: list[str]) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, list[Path]]:
    """Every document the commands produce, by family: {"package": [stem paths], …} (stems with .docx,
    .xlsx and .pdf next to each other)."""
    out = tmp_path_factory.mktemp("one-truth")
    tiny = tmp_path_factory.mktemp("tiny") / "tiny-program"
    shutil.copytree(TINY, tiny)
    _invoke(["build", DATA, "--out", out / "package", "--quiet"])
    _invoke(["build", tiny, "--out", out / "tiny", "--quiet"])
    _invoke(["annual", DATA, "--year", "2021", "--out", out / "annual"])
    _invoke(["diff", SAMPLE, DATA, "--out", out / "diff"])
    # protocols (DOCX and PDF, no workbook) are not compared here: not written, which saves ~95 PDFs
    _invoke(["quarterly", "demo", "--data", DATA, "--year", "2021", "--out", out / "quarterly", "--protocol-format",
             "none"])
    found: dict[str, list[Path]] = {}
    for family in ("package", "tiny", "annual", "diff", "quarterly"):
        stems = sorted({p.with_suffix("") for p in (out / family).rglob("*.docx")})
        if family == "quarterly":       # four quarters of the same reports: the first and the last
            stems = [s for s in stems if s.parent.parent.name in ("q1", "q4")]
        found[family] = [s for s in stems if s.with_suffix(".xlsx").exists() and s.with_suffix(".pdf").exists()]
        assert found[family], f"{family}: no documents with DOCX, XLSX and PDF in {out / family}"
    return found


# --- reading back ------------------------------------------------------------------------------------


def docx_tables(path: Path) -> list[list[str]]:
    """Each table of the DOCX as the texts of its cells in reading order (cells covered by a span from
    above left out, empty cells left out)."""
    document = docx.Document(str(path))
    tables = []
    for tbl in document.element.body.iter(f"{W}tbl"):
        texts = []
        for tc in tbl.iter(f"{W}tc"):
            merge = tc.find(f"{W}tcPr/{W}vMerge")
            if merge is not None and merge.get(f"{W}val") != "restart":
                continue
            paragraphs = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.iter(f"{W}p")]
            text = "\n".join(paragraphs).strip()
            if text:
                texts.append(text)
        tables.append(texts)
    return tables


def shown(value, number_format: str) -> str:
    """A number as the workbook shows it in a Russian locale: ``#,##0.0"*"`` -> ``3 900,9*``."""
    m = re.match(r'#,##0(?:\.(0+))?(?:"([^"]*)")?$', number_format)
    assert m, f"unexpected number format {number_format!r}"
    decimals = len(m.group(1) or "")
    return format_number(Decimal(value), decimals).replace("\u00a0", " ") + (m.group(2) or "")


def xlsx_tables(path: Path, sheets: dict[str, Sheet] | None = None) -> list[list[str]]:
    """Each sheet's table (its bordered cells) as texts in reading order, formulas computed."""
    wb = openpyxl.load_workbook(path)
    sheets = sheets or computed_workbook(path)
    tables = []
    for ws in wb.worksheets:
        sheet = sheets[ws.title]
        texts = []
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or not cell.border.left.style:
                    continue
                value = sheet.value(cell.row, cell.column)
                if isinstance(value, str):
                    text = normalise(value).strip()          # no-break spaces read as spaces, as in the DOCX
                else:
                    text = shown(value, cell.number_format)
                if text:
                    texts.append(text)
        if texts:
            tables.append(texts)
    return tables


def docx_texts(tables: list[list[str]]) -> list[list[str]]:
    return [[normalise(t) for t in table] for table in tables if table]


def compare(stem: Path, sheets: dict[str, Sheet] | None = None) -> list[str]:
    """The differences between the DOCX and the XLSX of one document (empty when they agree)."""
    expected = docx_texts(docx_tables(stem.with_suffix(".docx")))
    actual = xlsx_tables(stem.with_suffix(".xlsx"), sheets)
    problems = []
    if len(expected) != len(actual):
        problems.append(f"{stem.name}: {len(expected)} DOCX tables, {len(actual)} XLSX tables")
    for n, (a, b) in enumerate(zip(expected, actual), start=1):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                problems.append(f"{stem.name}, table {n}, cell {i + 1}: DOCX {x!r}, XLSX {y!r}")
                break
        if len(a) != len(b):
            problems.append(f"{stem.name}, table {n}: {len(a)} DOCX cells, {len(b)} XLSX cells")
    return problems


# --- the cross-format check ---------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["package", "tiny", "annual", "diff", "quarterly"])
def test_xlsx_cells_equal_docx_cells_with_formulas_computed(outputs, family):
    problems = [p for stem in outputs[family] for p in compare(stem)]
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("family", ["package", "tiny", "annual", "diff", "quarterly"])
def test_cached_values_are_what_the_formulas_compute(outputs, family):
    count = 0
    for stem in outputs[family]:
        path = stem.with_suffix(".xlsx")
        sheets, cached = computed_workbook(path), cached_values(path)
        for name, sheet in sheets.items():
            for (r, c), formula in sheet.formulas().items():
                count += 1
                stored = cached[name][(r, c)]
                assert stored is not None, f"{path.name} {name}!{r},{c}: {formula} has no cached value"
                assert Decimal(repr(stored)) == sheet.value(r, c), (path.name, name, r, c, formula, stored)
    if family in ("package", "quarterly", "annual"):
        assert count > 0, f"{family}: no formulas at all"


@pytest.mark.parametrize("family", ["package", "tiny", "annual", "diff", "quarterly"])
def test_every_docx_figure_is_printed_in_the_pdf(outputs, family):
    problems = []
    for stem in outputs[family]:
        figures = Counter(f for table in docx_texts(docx_tables(stem.with_suffix(".docx")))
                          for text in table for f in FIGURE.findall(text))
        # whitespace dropped: a figure in a narrow cell or a wrapped paragraph may come out in pieces
        pdf = squash("".join(pdf_pages_text(stem.with_suffix(".pdf").read_bytes())))
        missing = {f: n - pdf.count(squash(f)) for f, n in figures.items() if pdf.count(squash(f)) < n}
        if missing:
            problems.append(f"{stem.name}: {dict(list(missing.items())[:5])}")
    assert not problems, "\n".join(problems)


def test_program_table3_totals_are_the_printed_figures(outputs):
    """The issue's case: recalculated, subprogram 1's 2021 figure is 15 736 027,0 as in the DOCX
    (the formulas used to point two rows off and give 16 007 813,3; subprograms 4 and 7 gave 0)."""
    stem = next(s for s in outputs["package"] if s.name == "01-programma-tablicy")
    sheet = computed_workbook(stem.with_suffix(".xlsx"))["Таблица 3"]
    rows = {sheet.raw.get((r, 2)): r for r in range(1, 60) if isinstance(sheet.raw.get((r, 2)), str)}
    sp1 = rows["Подпрограмма 1"]
    assert sheet.raw[(sp1, 6)].startswith("=SUM(")
    assert sheet.value(sp1, 6) == Decimal("15736027.0")
    for code in ("4", "7"):
        assert sheet.value(rows[f"Подпрограмма {code}"], 6) > 0
    program = rows["Государственная программа"]
    parts = [rows[f"Подпрограмма {c}"] for c in ("1", "4", "5", "7")]
    assert sheet.value(program, 6) == sum(sheet.value(r, 6) for r in parts)
    table3 = next(t for t in docx_texts(docx_tables(stem.with_suffix(".docx"))) if "Подпрограмма 1" in t)
    assert table3[table3.index("Подпрограмма 1") + 3:][:2] == ["всего, в том числе", "15 736 027,0"]


def test_one_formula_pointing_at_a_wrong_row_is_caught(outputs):
    stem = next(s for s in outputs["package"] if s.name == "01-programma-tablicy")
    assert compare(stem) == []
    sheets = computed_workbook(stem.with_suffix(".xlsx"))
    sheet = sheets["Таблица 3"]
    (r, c), formula = next((k, f) for k, f in sorted(sheet.formulas().items()) if ":" in f)
    first = re.search(r"[A-Z]+(\d+):", formula)
    shifted = formula[:first.start(1)] + str(int(first.group(1)) + 1) + formula[first.end(1):]
    sheet.raw[(r, c)] = shifted                 # one reference one row down, as the old bug did
    problems = compare(stem, sheets)
    assert len(problems) == 1 and problems[0].startswith("01-programma-tablicy, table "), problems
    docx_figure, xlsx_figure = re.findall(r"(?:DOCX|XLSX) '([^']*)'", problems[0])
    assert docx_figure != xlsx_figure and FIGURE.fullmatch(docx_figure) and FIGURE.fullmatch(xlsx_figure)


# --- pandas, limits, numbers and names -------------------------------------------------------------------


def test_pandas_reads_sp1_table4_totals_as_numbers_equal_to_the_docx(outputs):
    pd = pytest.importorskip("pandas")
    stem = next(s for s in outputs["package"] if s.name == "11-podprogramma-1-tablicy")
    frame = pd.read_excel(stem.with_suffix(".xlsx"), sheet_name="Таблица 4", header=None)
    sheet = computed_workbook(stem.with_suffix(".xlsx"))["Таблица 4"]
    wb = openpyxl.load_workbook(stem.with_suffix(".xlsx"))
    ws = wb["Таблица 4"]
    # every figure of the sheet is printed in the DOCX (whose tables include the act's lost tables' places)
    docx_cells = set().union(*docx_texts(docx_tables(stem.with_suffix(".docx"))))
    assert "Финансовое обеспечение реализации основных мероприятий подпрограммы 1" in str(ws["A3"].value) + \
        str(ws["A2"].value)
    formulas = sheet.formulas()
    assert len(formulas) > 20
    for (r, c) in formulas:
        value = frame.iat[r - 1, c - 1]            # pandas gives whole floats as int
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (r, c, value)
        assert Decimal(repr(value)) == sheet.value(r, c)
        assert shown(value, ws.cell(r, c).number_format) in docx_cells
    first = next(r for r in range(len(frame)) if frame.iat[r, 1] == "Подпрограмма 1")
    assert frame.iat[first, 5] == 15736027.0 and "15 736 027,0" in docx_cells


def _default_workbooks(outputs) -> list[Path]:
    return [s.with_suffix(".xlsx") for family in ("package", "annual", "diff", "quarterly") for s in outputs[family]]


def test_no_row_over_409_points(outputs):
    tall = []
    for path in _default_workbooks(outputs):
        for ws in openpyxl.load_workbook(path).worksheets:
            tall += [(path.name, ws.title, r, d.height) for r, d in ws.row_dimensions.items()
                     if d.height and d.height > MAX_ROW_PT]
    assert not tall, tall[:5]


def test_no_truncated_cell_and_no_number_stored_as_text(outputs):
    problems = []
    for path in _default_workbooks(outputs):
        for ws in openpyxl.load_workbook(path).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if not isinstance(cell.value, str):
                        continue
                    if len(cell.value) >= 32767:
                        problems.append(f"{path.name} {ws.title}!{cell.coordinate}: {len(cell.value)} characters")
                    # a right-aligned text that reads as a figure is a number stored as text (source codes
                    # such as "1,2" are centred text)
                    if (cell.data_type != "f" and cell.alignment.horizontal == "right"
                            and FIGURE.fullmatch(normalise(cell.value).strip())):
                        problems.append(f"{path.name} {ws.title}!{cell.coordinate}: number as text {cell.value!r}")
    assert not problems, "\n".join(problems[:10])


def test_marked_figure_is_a_number_showing_its_mark(outputs):
    stem = next(s for s in outputs["package"] if s.name == "17-podprogramma-7-prilozheniya")
    ws = openpyxl.load_workbook(stem.with_suffix(".xlsx"))["Приложение 4 к подпрограмме 7"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == 3900.9)
    assert cell.data_type == "n" and cell.number_format == '#,##0.0"*"'
    assert shown(cell.value, cell.number_format) == "3 900,9*"
    assert ws.max_column == 10          # N п/п … "Примечания" (the act's 10 columns), nothing beyond


def test_sheet_names_are_captions(outputs):
    problems = []
    for path in _default_workbooks(outputs):
        wb = openpyxl.load_workbook(path)
        names = [ws.title for ws in wb.worksheets]
        if len({n.lower() for n in names}) != len(names):
            problems.append(f"{path.name}: repeated names {names}")
        captions: list[str] = []
        for ws in wb.worksheets:
            name = re.sub(r" \(\d+\)$", "", ws.title)
            texts = [" ".join(re.sub(r"[\[\]:*?/\\]", " ", normalise(c.value)).split())
                     for row in ws.iter_rows(max_row=12) for c in row if isinstance(c.value, str)]
            texts += captions            # a table with no text of its own goes on under the caption before it
            captions.append(name)
            if (len(ws.title) > 31 or re.search(r"[A-Za-z]", ws.title)
                    or not any(t.lower().startswith(name.lower()) for t in texts)):
                problems.append(f"{path.name}: sheet {ws.title!r} is not a caption of its sheet")
    assert not problems, "\n".join(problems[:10])


def test_every_cell_and_the_default_font_are_times_new_roman(outputs):
    stem = next(s for s in outputs["package"] if s.name == "01-programma-tablicy")
    wb = openpyxl.load_workbook(stem.with_suffix(".xlsx"))
    assert {f.name for f in wb._fonts} == {"Times New Roman"}      # font 0 is the workbook default
    for ws in wb.worksheets:
        assert {c.font.name for row in ws.iter_rows() for c in row} == {"Times New Roman"}


def test_acts_totals_that_do_not_add_up_keep_the_printed_figure_with_a_note(outputs):
    """SP1 table 4, the department's row: the act prints 11 560 898,2 for 2022 as "всего" while its
    sources give 14 741 030,9 (F02), and 59 850 076,9 as the all-years total of years giving 53 480 593,0
    (F01): values as printed, no formula, a comment naming the relation and both figures."""
    stem = next(s for s in outputs["package"] if s.name == "11-podprogramma-1-tablicy")
    ws = openpyxl.load_workbook(stem.with_suffix(".xlsx"))["Таблица 4"]
    notes = {c.coordinate: (c.value, c.data_type, c.comment.text) for row in ws.iter_rows() for c in row if c.comment}
    assert sorted(text.split(":")[0] for _, _, text in notes.values()) == ["F01", "F02", "F02"]
    assert sorted(value for value, _, _ in notes.values()) == [11560898.2, 11600468.6, 59850076.9]
    texts = sorted(text for _, _, text in notes.values())
    assert ("F01: сумма по годам 53\u00a0480\u00a0593,0 не равна напечатанному итогу 59\u00a0850\u00a0076,9; "
            "в ячейке оставлено значение из акта").replace("\u00a0", " ") in [normalise(t) for t in texts]
    assert any(normalise(t).startswith("F02: сумма источников финансирования 14 741 030,9 не равна напечатанному "
                                       "значению 11 560 898,2") for t in texts)
    assert all(kind == "n" for _, kind, _ in notes.values())
