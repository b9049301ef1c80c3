"""Amending the program (issue 24): edition new, the editing workbook both ways, the draft resolution.

The done-when test starts an edition from a copy of the default data, exports the tables,
changes three figures with openpyxl and one through LibreOffice (where soffice is
installed), imports, runs ``gosprog diff`` and reads the comparison table, the
explanatory note and the draft resolution back from DOCX.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from generator import diff
from generator.amend import layout, yamledit
from generator.amend.draft import changed_parts, draft_document
from generator.cli import main
from generator.data import load_program

from conftest import normalise, pdf_pages_text, squash

ROOT = Path(__file__).resolve().parent.parent
CURRENT = ROOT / "data" / "social-support-vologda"
SAMPLE = CURRENT / "editions" / "2021-08-17-sample"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SP1 = "Таблица 4 подпрограммы 1"
TAX = "Таблица 5 программы"
SP6 = "Таблица 1 подпрограммы 6"
SP4 = "Таблица 4 подпрограммы 4"


def run(*args) -> "click.testing.Result":
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result


def _data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(CURRENT, target, ignore=shutil.ignore_patterns("annual", "subsidies", "editions"))
    return target


def _docx_text(path: Path) -> str:
    import docx
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return normalise("\n".join(parts))


def _cell_of(sheet_name: str, row_start: str, column: str, program) -> str:
    """The workbook cell of a sheet's row (by its label text) and column caption."""
    sheet = next(s for s in layout.sheets(program) if s.name == sheet_name)
    from generator.amend.workbook import cell_name
    r = next(i for i, row in enumerate(sheet.rows)
             if any(s is not None and s.kind == "label" and str(s.value).startswith(row_start) for s in row))
    c = sheet.column_names.index(column)
    return cell_name(sheet, r, c)


# --- edition new ----------------------------------------------------------------------


def test_edition_new_keeps_previous_and_refuses_bad_requests(tmp_path):
    data = _data(tmp_path)
    bad = run("edition", "new", data, "--date", "2021-08-31", "--number", "1100")
    assert bad.exit_code == 1 and "должна быть позже даты текущей редакции 31.08.2021" in bad.output
    ok = run("edition", "new", data, "--date", "2021-10-01", "--number", "1100", "--act-date", "2021-09-27")
    assert ok.exit_code == 0, ok.output
    previous = data / "editions" / "2021-08-31"
    assert load_program(previous).edition.number == "1005"
    program = load_program(data)
    assert (program.edition.date.isoformat(), program.edition.act_date.isoformat(), program.edition.number,
            program.edition.sample) == ("2021-10-01", "2021-09-27", "1100", False)
    assert program.amendments[-1].number == "1100"
    text = (data / "program.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Редакция от 01.10.2021 (постановление от 27.09.2021 N 1100)")
    assert "# transcribed from source/act.txt" in text          # the old comments are kept
    again = run("edition", "new", data, "--date", "2021-11-01", "--number", "1200")
    assert again.exit_code == 0                                  # 2021-10-01 is kept this time
    program2 = load_program(data)
    snapshot = data / "editions" / "2021-10-01"
    assert load_program(snapshot).edition.number == "1100" and program2.edition.number == "1200"
    # a second start from the same edition would overwrite the kept previous edition: refused
    (data / "editions" / "2021-11-01").mkdir()
    refused = run("edition", "new", data, "--date", "2021-12-01", "--number", "1300")
    assert refused.exit_code == 1 and "уже сохранена" in refused.output
    assert load_program(data).edition.number == "1200"


def test_edition_new_out_of_a_sample_stays_a_sample(tmp_path):
    out = tmp_path / "next"
    result = run("edition", "new", SAMPLE, "--date", "2021-08-20", "--number", "950", "--out", out)
    assert result.exit_code == 0, result.output
    program = load_program(out)
    assert program.edition.sample is True and program.edition.number == "950"
    assert "начата командой gosprog edition new с образца редакции от 17.08.2021" in program.edition.note
    assert load_program(SAMPLE).edition.number == "900"              # the source folder is untouched
    again = run("edition", "new", SAMPLE, "--date", "2021-08-21", "--number", "951", "--out", out)
    assert again.exit_code == 1 and "папка уже существует" in again.output


# --- the workbook -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    path = folder / "tables.xlsx"
    result = run("tables", "export", CURRENT, "--out", path)
    assert result.exit_code == 0, result.output
    return path


def test_export_protects_structure_and_caches_totals(exported):
    program = load_program(CURRENT)
    book = load_workbook(exported)
    assert book.sheetnames == ["Паспорт программы", TAX, SP1, "Таблица 5 подпрограммы 1", "Таблица 6 подпрограммы 3",
                               SP4, "Таблица 5 подпрограммы 4", "Таблица 4 подпрограммы 5", "Таблица 5 подпрограммы 5",
                               SP6, "Паспорт подпрограммы 7", "Таблица 1 подпрограммы 7", "_edition"]
    with zipfile.ZipFile(exported) as archive:        # dated with the edition, as the package's workbooks are
        assert {info.date_time for info in archive.infolist()} == {(2021, 8, 31, 0, 0, 0)}
    ident = book["_edition"]
    assert ident.sheet_state == "veryHidden"
    assert ident["B1"].value == "social-support-vologda" and ident["B2"].value == "2021-08-31"
    assert re.fullmatch(r"[0-9a-f]{64}", ident["B4"].value)
    ws = book[SP1]
    assert ws.protection.sheet is True
    figure = _cell_of(SP1, "1.4.1.", "2021 год", program)
    assert ws[figure].value == 118931.3 and ws[figure].protection.locked is False
    assert ws["C3"].protection.locked is True and ws["C3"].value.startswith("Предоставление мер")
    total = "K" + figure[1:]
    assert ws[total].value == f"=SUM(F{figure[1:]}:J{figure[1:]})" and ws[total].protection.locked is True
    assert ws[figure].font.name == "Times New Roman" and ws["A1"].font.name == "Times New Roman"
    cached = load_workbook(exported, data_only=True)[SP1]
    assert cached[total].value == 669066.7                           # the formula's cached value
    assert cached["F3"].value == 15736027.0                          # subprogram row: a formula, cached
    assert str(ws["F3"].value).startswith("=")


def _edit(book_path: Path, out: Path, program, edits: dict) -> None:
    book = load_workbook(book_path)
    for (sheet, row, column), value in edits.items():
        book[sheet][_cell_of(sheet, row, column, program)] = value
    book.save(out)


def _libreoffice_edit(source: Path, target: Path, old: str, new: str) -> None:
    """Open the workbook in LibreOffice (flat ODS), change one figure there, save it back as XLSX."""
    work = target.parent / "lo"
    work.mkdir()
    profile = f"file://{target.parent}/lo-profile"
    convert = [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to"]
    subprocess.run(convert + ["fods", "--outdir", str(work), str(source)], check=True, capture_output=True, timeout=180)
    flat = work / (source.stem + ".fods")
    text = flat.read_text(encoding="utf-8")
    figure = re.compile(r'(<table:table-cell (?:(?!table:formula)[^>])*office:value=")' + re.escape(old) + '"')
    assert len(figure.findall(text)) == 1                # one figure cell (totals carry table:formula)
    flat.write_text(figure.sub(lambda m: m.group(1) + new + '"', text), encoding="utf-8")
    subprocess.run(convert + ["xlsx:Calc MS Excel 2007 XML", "--outdir", str(work), str(flat)], check=True,
                   capture_output=True, timeout=180)
    shutil.move(work / (source.stem + ".xlsx"), target)


def test_done_when_export_edit_import_diff(tmp_path):
    data = _data(tmp_path)
    sp6_file = data / "subprograms" / "sp6.yaml"
    sp6_text = sp6_file.read_text(encoding="utf-8")
    sp6_file.write_text(sp6_text.replace("        - indicator: \"2\"\n",
                                         "        # checked with the department, 2021-09\n"
                                         "        - indicator: \"2\"\n", 1), encoding="utf-8")
    assert run("edition", "new", data, "--date", "2021-10-01", "--number", "1100",
               "--act-date", "2021-09-27").exit_code == 0
    program = load_program(data)
    book = tmp_path / "tables.xlsx"
    assert run("tables", "export", data, "--out", book).exit_code == 0
    edited = tmp_path / "edited.xlsx"
    _edit(book, edited, program, {(SP1, "1.4.1.", "2021 год"): 119931.3,
                                  (TAX, "Льгота по транспортному налогу для Героев", "2021: оценка, тыс. руб."): 500,
                                  (SP6, "Доля государственных услуг", "2021 год"): 77})
    if SOFFICE:
        final = tmp_path / "edited-lo.xlsx"
        _libreoffice_edit(edited, final, "225302.9", "226002.9")     # SP4 activity 4.5, 2022
    else:
        final = edited
    result = run("tables", "import", final, data)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "1.4.1. Предоставление государственной социальной помощи" in out
    assert "2021 год: 118 931,3 → 119 931,3" in normalise(out)
    assert "2021: оценка, тыс. руб.: 0,0 → 500,0" in normalise(out)
    assert "2021 год: 76 → 77" in out
    assert "(итог)" in out and "Новых замечаний контрольных соотношений нет." in out
    if SOFFICE:
        assert "2022 год: 225 302,9 → 226 002,9" in normalise(out)
    # the comment in the touched file survives, and only the figures changed
    text = sp6_file.read_text(encoding="utf-8")
    assert "# checked with the department, 2021-09" in text
    assert "values: [50.44, 70, 77, 78, 80, 80, 80]" in text
    new = load_program(data)
    sp6 = next(s for s in new.subprograms if s.code == "6")
    assert sp6.history[-1].number == "1100" and sp6.history[-1].part == "indicator_values"
    # diff: the comparison table, the note and the draft name exactly those tables and positions
    package = tmp_path / "out"
    # SP1's changed item moves the act's own error in row 2 (F01, a known finding) to new figures: the gate calls
    # it new again (issue 20), so this amendment is published with --force, as the department would after checking
    gated = run("diff", data / "editions" / "2021-08-31", data, "--out", package, "--format", "docx")
    assert gated.exit_code == 1 and "F01" in gated.output and "59 851 076,9" in gated.output
    assert run("diff", data / "editions" / "2021-08-31", data, "--out", package, "--format", "docx",
               "--force").exit_code == 0
    folder = package / "social-support-vologda" / "diff-2021-08-31-2021-10-01"
    draft = _docx_text(folder / "02-proekt-postanovleniya.docx")
    items = re.findall(r"^1\.\d+\. (.*)$", draft, re.M)
    expected = ["Таблицу 3 государственной программы", "Таблицу 5 государственной программы",
                "В паспорте подпрограммы 1 ", "Таблицу 4 подпрограммы 1 "]
    if SOFFICE:
        expected += ["В паспорте подпрограммы 4 ", "Таблицу 4 подпрограммы 4 "]
    expected += ["Таблицу 1 подпрограммы 6 "]
    assert [next(e for e in expected if i.startswith(e)) for i in items] == expected and len(items) == len(expected)
    assert "О внесении изменений в постановление Правительства области от 22 апреля 2019 года N 395" in draft
    assert "Правительство области ПОСТАНОВЛЯЕТ:" in draft
    assert "изложить в новой редакции согласно приложению 4 к настоящему постановлению" in draft
    assert "Губернатор области" in draft
    # the appendices carry the new figures
    assert "119 931,3" in draft and "670 066,7" in draft and "500,0" in draft and "| 77 |" in draft
    comparison = _docx_text(folder / "00-sravnitelnaya-tablica.docx")
    assert "1.4.1. Предоставление государственной социальной помощи" in comparison
    assert "118 931,3" in comparison and "119 931,3" in comparison
    assert "показатель 2 \"Доля государственных услуг" in comparison
    note = _docx_text(folder / "01-poyasnitelnaya-zapiska.docx")
    assert "таблица 4 подпрограммы 1: сведений о прежних изменениях в данных нет" not in note
    assert "таблица 1 подпрограммы 6: сведений о прежних изменениях в данных нет; изменяется проектом " \
           "(постановление от 27.09.2021 N 1100)" in note
    assert "таблица 4 подпрограммы 1: ранее изменялась постановлением Правительства области от 30.08.2021 N 1005" in note
    assert "Не учтены в данных" in note and "от 15.11.2021 N 1273" in note and "от 02.02.2024 N 111" in note
    if not SOFFICE:     # everything above passed; say visibly what was not checked
        pytest.skip("LibreOffice (soffice) is not installed: the LibreOffice round trip of the workbook was not "
                    "tested (the openpyxl edits, the import and the diff were)")


def test_import_refuses_structure_bad_values_and_other_editions(tmp_path, exported):
    data = _data(tmp_path)
    program = load_program(data)
    before = {p: p.read_bytes() for p in data.rglob("*.yaml")}
    changed = tmp_path / "structure.xlsx"
    book = load_workbook(exported)
    ws = book[SP1]
    label = "C" + _cell_of(SP1, "1.4.1.", "2021 год", program)[1:]
    ws[label] = "1.4.1. Новое название"
    ws[_cell_of(SP1, "1.4.3.", "2021 год", program)] = 1.0
    ws.cell(row=ws.max_row + 1, column=2, value="Основное мероприятие 1.11")
    book[SP6].cell(row=2, column=book[SP6].max_column + 1, value="2026 год")
    book.save(changed)
    result = run("tables", "import", changed, data)
    assert result.exit_code == 1
    assert f"лист «{SP1}», ячейка {label}: подпись изменена" in result.output
    assert "новая строка («Основное мероприятие 1.11»)" in result.output
    assert f"лист «{SP6}», ячейка K2: новый столбец («2026 год»)" in result.output
    assert "вносятся в YAML-файлы" in result.output and "Ничего не записано." in result.output
    bad = tmp_path / "bad.xlsx"
    book = load_workbook(exported)
    cell = _cell_of(TAX, "Льгота по транспортному налогу для Героев", "2021: оценка, тыс. руб.", program)
    book[TAX][cell] = "много"
    book.save(bad)
    result = run("tables", "import", bad, data)
    assert result.exit_code == 1 and f"лист «{TAX}», ячейка {cell}: ожидалось число, «-» или «х», получено «много»" \
        in result.output
    assert {p: p.read_bytes() for p in data.rglob("*.yaml")} == before       # nothing written
    result = run("tables", "import", exported, SAMPLE)
    assert result.exit_code == 1 and "выгружена из редакции от 31.08.2021 N 1005" in result.output
    not_ours = tmp_path / "plain.xlsx"
    from openpyxl import Workbook
    Workbook().save(not_ours)
    result = run("tables", "import", not_ours, data)
    assert result.exit_code == 1 and "это не книга для правки таблиц gosprog" in result.output
    # the data's figures changed after the export: the workbook would overwrite them
    sp4 = data / "subprograms" / "sp4.yaml"
    sp4.write_text(sp4.read_text(encoding="utf-8").replace("225302.9", "225303.9", 1), encoding="utf-8")
    result = run("tables", "import", exported, data)
    assert result.exit_code == 1 and "изменились после выгрузки книги" in result.output


def test_yaml_edit_changes_only_the_scalars():
    text = ("# top\nrows:\n  - values: [1.0, 2.5, \"-\"]  # keep\n    total: 3.5\n    n: 4\n"
            "    name: \"a\"\n")
    new = yamledit.replace_values(text, {("rows", 0, "values", 0): Decimal("10"), ("rows", 0, "values", 2): Decimal("0.5"),
                                         ("rows", 0, "n", ): Decimal("5"), ("rows", 0, "total"): Decimal("13")})
    assert new == ("# top\nrows:\n  - values: [10.0, 2.5, 0.5]  # keep\n    total: 13.0\n    n: 5\n"
                   "    name: \"a\"\n")
    with pytest.raises(yamledit.EditError):
        yamledit.replace_values(text, {("rows", 0, "values"): Decimal(1)})
    with pytest.raises(yamledit.EditError):
        yamledit.verified(text, text, {("rows", 0, "n"): Decimal(6)}, "x.yaml")


# --- the draft resolution of the sample pair ------------------------------------------------


def test_draft_resolution_of_the_sample_pair_reads_like_an_amending_act(tmp_path):
    old, new = load_program(SAMPLE), load_program(CURRENT)
    result = diff.compare(old, new)
    changed = changed_parts(result, old, new)
    assert [(p["scope"], p["label"]) for p in changed.positions] == [
        ("program", "Объемы финансового обеспечения государственной программы за счет средств областного бюджета"),
        ("program", "Ожидаемые конечные результаты реализации государственной программы"),
        ("1", "Объемы финансового обеспечения подпрограммы 1 за счет средств областного бюджета"),
        ("4", "Объемы финансового обеспечения подпрограммы 4 за счет средств областного бюджета")]
    assert [(t["scope"], t["table"]) for t in changed.tables] == [("program", "3"), ("1", "3"), ("1", "4"), ("4", "4")]
    from generator import writers
    doc = draft_document(result, old, new)
    path = tmp_path / "draft.pdf"
    writers.write(doc, path, "pdf")
    text = squash(" ".join(pdf_pages_text(path.read_bytes())))
    for expected in [
            "О внесении изменений в постановление Правительства области от 22 апреля 2019 года N 395",
            "1.1. В паспорте государственной программы позицию \"Объемы финансового обеспечения государственной "
            "программы за счет средств областного бюджета\" изложить в следующей редакции:",
            "до 79,2%",
            "1.6. Таблицу 4 подпрограммы 1 \"Предоставление мер социальной поддержки отдельным категориям граждан\" "
            "(приложение 1 к государственной программе) изложить в новой редакции согласно приложению 3 к "
            "настоящему постановлению.",
            "Приложение 4 к постановлению Правительства области",
            "118 931,3", "225 302,9",            # the new edition's figures in the appendices
            "Образец (условные данные)"]:
        assert squash(expected) in text, expected


def test_passport_figures_recompute_totals_and_the_printed_paragraph(tmp_path, exported):
    data = _data(tmp_path)
    program = load_program(data)
    edited = tmp_path / "passport.xlsx"
    _edit(exported, edited, program,
          {("Паспорт программы", "за счет средств областного бюджета (собственные доходы)", "2021 год"): 13582862.8})
    result = run("tables", "import", edited, data)
    assert result.exit_code == 0, result.output
    out = normalise(result.output)
    assert "2021 год: 13 581 862,8 → 13 582 862,8" in out
    # budget = own + federal and total = budget + tax are formulas: recomputed, as are the years' totals
    assert "«общий объем бюджетных ассигнований на реализацию государственной программы»; 2021 год: " \
           "20 389 988,6 → 20 390 988,6 (итог)" in out
    assert "«общий объем финансового обеспечения государственной программы»; всего за 2021 - 2025 годы: " \
           "82 648 503,6 → 82 649 503,6 (итог)" in out
    new = load_program(data)
    assert "за счет средств областного бюджета (собственные доходы) - 62 455 741,6 тыс. рублей, в том числе по " \
           "годам реализации: 2021 год - 13 582 862,8 тыс. рублей" in normalise(new.passport.financing_text)
    # the edition's act (N 1005) already stands in the passport's history: not added twice
    assert [h.number for h in new.history if h.part == "passport"] == ["1005"]
    assert "F09" not in result.output and "F07" not in result.output
