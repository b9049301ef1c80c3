"""The program package: every table of the act, in every format, with the act's figures in place."""

import hashlib
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest
from click.testing import CliRunner
from openpyxl.utils import column_index_from_string, get_column_letter

from generator import calc
from generator.cli import main
from generator.data import load_program
from generator.numbers import format_number, parse_number
from generator.texts import financing_paragraph

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"
FIXTURE = ROOT / "tests" / "fixtures" / "tiny-program"


def _build(data: Path, out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(main, ["build", str(data), "--out", str(out), "--quiet", "--jobs", "1", *extra])
    assert result.exit_code == 0, result.output
    program = load_program(data)
    return out / program.code / program.edition.date.isoformat()


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    return _build(DATA, tmp_path_factory.mktemp("pkg"))


@pytest.fixture(scope="module")
def program():
    return load_program(DATA)


# --- reading the workbook back --------------------------------------------------------------------


def cell_value(ws, ref: str):
    """A cell's number, evaluating gosprog's =SUM(...) formulas through the cells they reference."""
    value = ws[ref].value
    if isinstance(value, str) and value.startswith("=SUM(") and ws[ref].data_type == "f":
        total = Decimal(0)
        for part in value[5:-1].split(","):
            if ":" in part:
                a, b = part.split(":")
                ca, ra = re.match(r"([A-Z]+)(\d+)", a).groups()
                cb, rb = re.match(r"([A-Z]+)(\d+)", b).groups()
                for c in range(column_index_from_string(ca), column_index_from_string(cb) + 1):
                    for r in range(int(ra), int(rb) + 1):
                        v = cell_value(ws, f"{get_column_letter(c)}{r}")
                        total += v if isinstance(v, Decimal) else 0
            else:
                v = cell_value(ws, part)
                total += v if isinstance(v, Decimal) else 0
        return total
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def plain(value):
    """A printed text with its no-break spaces (numbers.tie) read as spaces."""
    return value.replace("\u00a0", " ") if isinstance(value, str) else value


def find_row(ws, text: str, column: int = 1) -> int:
    for row in range(1, ws.max_row + 1):
        if plain(ws.cell(row=row, column=column).value) == text:
            return row
    raise AssertionError(f"{text!r} not found in column {column} of {ws.title}")


def next_row(ws, row: int) -> int:
    """The sheet row after the table row starting at ``row``: a row taller than Excel's 409 pt is laid
    over several sheet rows with every cell merged across them (issue 16)."""
    ends = set()
    for c in range(1, ws.max_column + 1):
        spans = [m for m in ws.merged_cells.ranges if m.min_row <= row <= m.max_row and m.min_col <= c <= m.max_col]
        if spans and spans[0].min_row < row:
            continue                       # a cell spanning down from a row above
        if not spans:
            return row + 1
        ends.add(spans[0].max_row)
    return max(ends) + 1 if len(ends) == 1 else row + 1


def same(a, b) -> bool:
    if calc.is_number(b):
        return isinstance(a, Decimal) and a == Decimal(b)
    return plain(a if a is not None else "") == (b if b is not None else "")


def _sheet(path: Path, caption: str):
    wb = openpyxl.load_workbook(path)
    return wb[caption]


# --- every table of the act in the workbook --------------------------------------------------------


SUBPROGRAM_FILES = {str(n): f"{10 + n}-podprogramma-{n}" for n in range(1, 8)}


@pytest.mark.parametrize("code", ["1", "4", "5"])
def test_financing_table_figures_in_place(package, program, code):
    sub = next(s for s in program.subprograms if s.code == code)
    ws = _sheet(package / f"{SUBPROGRAM_FILES[code]}-tablicy.xlsx", "Таблица 4")
    row = find_row(ws, "1", column=1) + 1      # the numbering row, then the body
    checked = 0
    for data_row in sub.financing.rows:
        for line in data_row.sources:
            assert ws.cell(row=row, column=5).value == line.label
            for offset, value in enumerate(line.values + [line.total]):
                got = cell_value(ws, f"{get_column_letter(6 + offset)}{row}")
                assert same(got, value), (code, data_row.no, line.label, offset, got, value)
                checked += 1
            row += 1
    assert checked >= 6 * 18


def test_tax_expenditures_in_place(package, program):
    ws = _sheet(package / "01-programma-tablicy.xlsx", "Таблица 5")
    tax = program.tax_expenditures
    row = find_row(ws, "1", column=1) + 1
    for group in tax.groups:
        assert plain(ws.cell(row=row, column=1).value) == group.title
        row += 1
        for item in group.items:
            assert ws.cell(row=row, column=1).value == item.no
            values = [v for pair in zip(item.payers, item.amounts) for v in pair] + [item.payers_total, item.amount_total]
            for offset, value in enumerate(values):
                assert same(cell_value(ws, f"{get_column_letter(3 + offset)}{row}"), value), (item.no, offset)
            row = next_row(ws, row)
    assert plain(ws.cell(row=row, column=1).value) == tax.total.label
    assert cell_value(ws, f"N{row}") == Decimal("1073932.0")


@pytest.mark.parametrize("code", ["1", "3", "4", "5"])
def test_forecast_in_place(package, program, code):
    sub = next(s for s in program.subprograms if s.code == code)
    ws = _sheet(package / f"{SUBPROGRAM_FILES[code]}-tablicy.xlsx", sub.forecast.table)
    row = find_row(ws, "1", column=1) + 1
    for data_row in sub.forecast.rows:
        assert ws.cell(row=row, column=2).value == data_row.label
        for offset, value in enumerate(data_row.values + [data_row.total]):
            assert same(cell_value(ws, f"{get_column_letter(3 + offset)}{row}"), value)
        row += 1


@pytest.mark.parametrize("code", ["6", "7"])
def test_indicator_values_in_place(package, program, code):
    sub = next(s for s in program.subprograms if s.code == code)
    ws = _sheet(package / f"{SUBPROGRAM_FILES[code]}-tablicy.xlsx", "Таблица 1")
    row = find_row(ws, sub.indicator_values.goal, column=1) + 1
    for task in sub.indicator_values.tasks:
        for data_row in task.rows:
            assert ws.cell(row=row, column=3).value == data_row.name
            for offset, value in enumerate(data_row.values):
                assert same(cell_value(ws, f"{get_column_letter(5 + offset)}{row}"), value)
            row += 1


def test_printed_appendix_tables_in_place(package, program):
    sub = next(s for s in program.subprograms if s.code == "7")
    wb = openpyxl.load_workbook(package / f"{SUBPROGRAM_FILES['7']}-prilozheniya.xlsx")
    checked = 0
    for table in sub.tables:
        ws = wb[table.appendix]                 # sheets are named by the act's captions
        row = find_row(ws, table.header[0][0].text) + len(table.header) + (1 if table.numbering else 0)
        from generator.rules import printed_grid
        for r, values in enumerate(printed_grid(table)):
            if r:
                row = next_row(ws, row)
            for c, value in enumerate(values):
                if calc.is_number(value):
                    got = cell_value(ws, f"{get_column_letter(c + 1)}{row}")
                    if isinstance(got, str) and got.endswith("*"):      # a figure printed with a footnote mark
                        got = parse_number(got[:-1])
                    assert same(got, value), (table.id, r, c)
                    checked += 1
    assert checked > 500


# --- headers and spans in DOCX, figures in PDF ----------------------------------------------------


def test_docx_financing_header_and_spans(package):
    document = docx.Document(package / "11-podprogramma-1-tablicy.docx")
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "N п/п"
                 and "Источник финансового обеспечения" in [c.text for c in t.rows[0].cells])
    xml = table._tbl.xml
    assert '<w:gridSpan w:val="6"/>' in xml                # "Расходы (тыс. руб.)" over six columns
    assert xml.count("<w:tblHeader/>") == 3                # two header rows and the numbering row
    texts = [plain(c.text) for c in table.rows[1].cells]
    assert texts[5:] == ["2021 год", "2022 год", "2023 год", "2024 год", "2025 год", "всего за 2021 - 2025 годы"]
    assert [c.text for c in table.rows[2].cells] == [str(i) for i in range(1, 12)]
    assert table.rows[3].cells[5].text == "15\u00a0736\u00a0027,0"     # never split across lines
    assert 'w:vMerge w:val="restart"' in xml


def test_pdf_pages_orientation_and_figures(package):
    reader = pypdf.PdfReader(package / "11-podprogramma-1-tablicy.pdf")
    assert 8 <= len(reader.pages) <= 40
    text = " ".join(p.extract_text() for p in reader.pages).replace("\xa0", " ")
    # the act's order: the lost table 1 first (a portrait note), then the landscape tables
    assert float(reader.pages[0].mediabox.width) < float(reader.pages[0].mediabox.height)
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in reader.pages[1:6])
    for figure in ("15 736 027,0", "59 850 076,9", "19 008 607,3", "6 732 101,0"):
        assert figure in text


# --- table 3 derived, gaps visible --------------------------------------------------------------


def test_table3_known_totals_and_gaps(package, program):
    from generator.rules import subprogram_money
    ws = _sheet(package / "01-programma-tablicy.xlsx", "Таблица 3")
    row = find_row(ws, "1", column=1) + 1
    assert ws.cell(row=row, column=2).value == "Государственная программа"
    known = [s for s in program.subprograms if subprogram_money(program, s, "own") is not None]
    assert [s.code for s in known] == ["1", "4", "5", "7"]
    own = sum((subprogram_money(program, s, "own")[-1] for s in known), Decimal(0))
    assert cell_value(ws, f"K{row + 1}") == own == Decimal("42180931.1")
    texts = [plain(str(c.value)) for r in ws.iter_rows() for c in r if c.value]
    assert texts.count("нет данных в источнике") == 3                      # subprograms 2, 3, 6
    assert any(t.startswith("Не распределено по подпрограммам 2, 3, 6") for t in texts)
    doc_text = plain("\n".join(c.text for t in docx.Document(package / "01-programma-tablicy.docx").tables
                               for r in t.rows for c in r.cells))
    assert "нет данных в источнике" in doc_text and "20 273 810,5" in doc_text
    pdf_text = " ".join(p.extract_text() for p in pypdf.PdfReader(package / "01-programma-tablicy.pdf").pages)
    pdf_text = pdf_text.replace("\xa0", " ")
    assert "нет данных в источнике" in pdf_text and "20 273 810,5" in pdf_text


def test_absent_tables_are_named_not_zero(package):
    text = "\n".join(p.text for p in docx.Document(package / "01-programma-tablicy.docx").paragraphs)
    assert text.count("Таблица в тексте постановления не приведена") == 2          # program tables 1 and 4
    assert not re.search(r"строк\w* \d+|файла", text)                         # provenance is in the manifest
    wb = openpyxl.load_workbook(package / "01-programma-tablicy.xlsx")
    absent = [ws.title for ws in wb if any("Таблица в тексте постановления не приведена" in str(c.value)
                                           for r in ws.iter_rows() for c in r)]
    assert len(absent) == 2


# --- the passport's financing paragraph -----------------------------------------------------------


def test_generated_passport_paragraph_equals_the_act(package, program):
    generated = financing_paragraph(program.passport.financing, program.years)
    assert plain(generated) == program.passport.financing_text
    act = (DATA / "source" / "act.txt").read_text(encoding="utf-8").splitlines()[32]
    assert act == plain(generated) + " |"
    text = "\n".join(c.text for t in docx.Document(package / "00-programma-pasport.docx").tables
                     for r in t.rows for c in r.cells).replace("\u00a0", " ")
    assert plain(generated) in text


def test_passport_paragraph_follows_the_data(tmp_path):
    import shutil
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy, ignore=shutil.ignore_patterns("editions"))
    path = copy / "program.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("total: 82648503.6", "total: 82648503.7"),
                    encoding="utf-8")
    # the changed total no longer agrees with its years (F07): the gate lets it through only with --force
    package = _build(copy, tmp_path / "out", "--format", "docx", "--only", "00-programma-pasport", "--force")
    assert json.loads((package / "manifest.json").read_text(encoding="utf-8"))["forced"]["new_errors"] >= 1
    text = "\n".join(c.text for t in docx.Document(package / "00-programma-pasport.docx").tables
                     for r in t.rows for c in r.cells).replace("\u00a0", " ")
    assert "82 648 503,7 тыс. рублей" in text and "82 648 503,6" not in text


# --- reproducible, and nothing tied to the default program ----------------------------------------


def test_build_twice_same_bytes_and_manifest(tmp_path):
    first = _build(DATA, tmp_path / "a", "--full")
    second = _build(DATA, tmp_path / "b", "--full")
    m1 = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    m2 = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert m1 == m2
    for entry in m1["files"]:
        assert hashlib.sha256((second / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    assert (first.parent / "2021-08-31.zip").read_bytes() == (second.parent / "2021-08-31.zip").read_bytes()


def test_manifest_lists_every_file_with_sources(package):
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    files = {e["file"] for e in manifest["files"]}
    assert files == {p.name for p in package.iterdir() if p.name not in ("manifest.json", "soderzhanie.txt")}
    assert {e["format"] for e in manifest["files"]} == {"docx", "xlsx", "pdf"}
    passport = next(e for e in manifest["files"] if e["file"] == "00-programma-pasport.pdf")
    assert passport["sources"] == ["program.yaml"]
    with zipfile.ZipFile(package.parent / "2021-08-31.zip") as archive:
        assert len(archive.namelist()) == len(files) + 2          # and manifest.json, soderzhanie.txt


def test_table_of_contents_beside_the_manifest(package):
    """soderzhanie.txt: each document's Russian title, then its files; named in the manifest, in the zip."""
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["contents"] == "soderzhanie.txt"
    text = (package / "soderzhanie.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "СОДЕРЖАНИЕ" and "Редакция от 31.08.2021" in lines
    title = ('1. Паспорт государственной программы "Социальная поддержка граждан в Вологодской области на '
             '2021 - 2025 годы"')
    at = lines.index(title)
    assert lines[at + 1].strip() == "00-programma-pasport.docx, 00-programma-pasport.xlsx, 00-programma-pasport.pdf"
    sp7 = next(n for n, line in enumerate(lines) if line.split(". ", 1)[-1].startswith("Таблицы подпрограммы 7"))
    assert "17-podprogramma-7-tablicy.pdf" in lines[sp7 + 1]
    listed = {f.strip() for line in lines if line.startswith("   ") for f in line.split(",")}
    assert listed == {e["file"] for e in manifest["files"]}
    with zipfile.ZipFile(package.parent / "2021-08-31.zip") as archive:
        assert archive.read("2021-08-31/soderzhanie.txt").decode("utf-8") == text


def test_second_program_builds_with_no_code_change(tmp_path):
    package = _build(FIXTURE, tmp_path / "out")
    names = sorted(p.name for p in package.iterdir())
    assert "manifest.json" in names and len(names) > 9
    program = load_program(FIXTURE)
    sub = program.subprograms[0]
    wb = openpyxl.load_workbook(package / f"{10 + int(sub.code)}-podprogramma-{sub.code}-tablicy.xlsx")
    ws = wb["Таблица 4"]
    assert plain(ws.cell(row=find_row(ws, "1") - 1, column=6).value) == f"{program.years[0]} год"
    first = sub.financing.rows[0].sources[0]
    row = find_row(ws, "1") + 1
    assert cell_value(ws, f"F{row}") == Decimal(first.values[0])
    assert plain(format_number(first.values[0], 1)) in " ".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(
            (package / f"{10 + int(sub.code)}-podprogramma-{sub.code}-tablicy.pdf").read_bytes())).pages
    ).replace("\xa0", " ")
