"""The quarterly forms' import speaks the interface language: the refusals of the reader (xlsxread), the importer,
the upload checks (intake) and the registry come from the message catalog, Russian by default (word for word the
texts the accountants got before the catalog) and English with ``--lang en``; and no Russian literal creeps back
into those modules' code."""

from __future__ import annotations

import ast
import errno
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from generator import i18n
from generator.quarterly import importer
from generator.quarterly.forms import IDENTITY, SHEET, generate
from generator.quarterly.importer import FormRejected
from generator.quarterly.registry import disk_message

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "forms"
DATA_DIR = ROOT / "data" / "social-support-vologda"


@pytest.fixture
def language():
    """Switch the interface language inside a test; Russian, the tests' default, is restored after it."""
    previous = i18n.language()
    yield i18n.activate
    i18n.activate(previous)


def _issued(data, edit=None) -> bytes:
    """A camps form issued to Babaevsky for the I quarter of 2021 under the session's key, edited by ``edit``."""
    content = generate(data.form_of("camps"), data.subsidies["camps"], data.municipalities["babaevsky"],
                       data.agreement("camps", "babaevsky", 2021), 2021, 1, sample=True)
    if edit is None:
        return content
    wb = load_workbook(io.BytesIO(content))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _other_agreement(wb) -> None:
    for key, value in wb[IDENTITY].iter_rows(max_col=2):
        if key.value == "agreement":
            value.value = "999"


def _changed_header(wb) -> None:
    wb[SHEET]["A8"] = "Изменено"


def _refusal(content: bytes, data) -> str:
    with pytest.raises(FormRejected) as refused:
        importer.read(content, data)
    return "\n".join(str(p) for p in refused.value.problems)


SIGNATURE_RU = ("подпись служебных данных формы не совпадает: форму может представить только муниципальное "
                "образование, которому она выдана, за тот период, на который она выдана; используйте выданную форму "
                "без изменений.")
SIGNATURE_EN = ("the signature of the form's service data does not match: a form can only be submitted by the "
                "municipality it was issued to, for the period it was issued for; use the form you were issued "
                "without changes.")

REFUSALS = {
    "not a zip": (lambda data: b"\xd0\xad\xd1\x82\xd0\xbe \xd0\xbd\xd0\xb5 \xd0\xba\xd0\xbd\xd0\xb8\xd0\xb3\xd0\xb0\n",
                  "файл не является книгой Excel (.xlsx): это не ZIP-архив.",
                  "the file is not an Excel workbook (.xlsx): it is not a ZIP archive."),
    "an encrypted part": (lambda data: (CASES / "encrypted_flag_workbook.xlsx").read_bytes(),
                          "часть xl/workbook.xml зашифрована: снимите пароль с файла и сохраните файл как «Книга "
                          "Excel (.xlsx)».",
                          "the part xl/workbook.xml is encrypted: remove the password from the file and save the file "
                          "as «Excel Workbook (.xlsx)»."),
    "an unknown compression": (lambda data: (CASES / "deflate64_workbook.xlsx").read_bytes(),
                               "часть xl/workbook.xml сжата методом 9, который программы Excel и LibreOffice не "
                               "используют: откройте файл в Excel или LibreOffice и сохраните файл как «Книга Excel "
                               "(.xlsx)».",
                               "the part xl/workbook.xml is compressed with method 9, which Excel and LibreOffice do "
                               "not use: open the file in Excel or LibreOffice and save the file as «Excel Workbook "
                               "(.xlsx)»."),
    "a wrong signature": (lambda data: _issued(data, _other_agreement), SIGNATURE_RU, SIGNATURE_EN),
    "a changed header": (lambda data: _issued(data, _changed_header),
                         "Ячейка A8 листа «Отчет»: заголовок формы изменен (требуется: Источник средств; в файле: "
                         "Изменено).",
                         "Cell A8 of sheet «Отчет»: the form's header was changed (required: Источник средств; in the "
                         "file: Изменено)."),
    "no identity sheet": (lambda data: _issued(data, lambda wb: wb.remove(wb[IDENTITY])),
                          "в файле нет служебного листа формы: файл создан не gosprog или лист удален; используйте "
                          "выданную форму.",
                          "the file has no service sheet of the form: the file was not made by gosprog or the sheet "
                          "was deleted; use the form you were issued."),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_an_import_refusal_is_russian_by_default_and_english_on_request(case, data, language):
    """The full text of the refusal as it goes back to the municipality (``str(Problem)``), in both languages; the
    Russian is the text the importer gave before its messages moved into the catalog."""
    make, russian, english = REFUSALS[case]
    content = make(data)
    assert _refusal(content, data) == russian
    language("en")
    assert _refusal(content, data) == english
    language("ru")
    assert _refusal(content, data) == russian


def test_the_damaged_part_and_its_reason_are_one_sentence_in_each_language(data, language):
    """A part whose stored checksum does not match: the part's message and the reason (_damage) are both
    translated, never one language inside the other."""
    content = bytearray(_issued(data))
    start = content.index(b"xl/worksheets/sheet1.xml") + len(b"xl/worksheets/sheet1.xml")
    content[start + 40] ^= 0xFF                     # a byte of the part's compressed data
    russian, english = _refusal(bytes(content), data), None
    language("en")
    english = _refusal(bytes(content), data)
    assert re.fullmatch(r"часть xl/worksheets/sheet1\.xml повреждена: [а-яё ()]+\.", russian), russian
    assert re.fullmatch(r"the part xl/worksheets/sheet1\.xml is damaged: [a-z ()]+\.", english), english


def test_a_logical_cell_is_shown_as_excel_shows_it_in_the_interface_language(language):
    assert (importer.shown_cell(True), importer.shown_cell(False)) == ("ИСТИНА", "ЛОЖЬ")
    language("en")
    assert (importer.shown_cell(True), importer.shown_cell(False)) == ("TRUE", "FALSE")


def test_the_registrys_full_disk_is_said_in_the_interface_language(language):
    full = OSError(errno.ENOSPC, "No space left on device")
    folder = Path("/srv/gosprog/registry")
    assert disk_message(full, folder) == (
        "реестр отчетов в папке /srv/gosprog/registry не удалось записать: на диске нет свободного места. Ничего не "
        "записано; освободите место или выберите другую папку (--registry) и повторите прием")
    language("en")
    assert disk_message(full, folder) == (
        "the report registry in the folder /srv/gosprog/registry could not be written: there is no free space on the "
        "disk. Nothing was recorded; free some space or choose another folder (--registry) and import again")


def test_quarterly_import_in_english_says_every_refusal_in_english(tmp_path, data, language):
    """``gosprog --lang en quarterly import`` of a file that is not a workbook and of a symbolic link: the status
    word and each refusal are English (the file names as given); the batch goes on after each."""
    from generator.cli import main
    (tmp_path / "notes.xlsx").write_text("не книга\n", encoding="utf-8")
    (tmp_path / "link.xlsx").symlink_to(tmp_path / "notes.xlsx")
    try:
        result = CliRunner().invoke(main, ["--lang", "en", "quarterly", "import", str(tmp_path / "notes.xlsx"),
                                           str(tmp_path / "link.xlsx"), "--data", str(DATA_DIR), "--registry",
                                           str(tmp_path / "registry"), "--out", str(tmp_path / "out"),
                                           "--received", "2021-04-05", "--protocol-format", "none"])
    finally:
        i18n.activate("ru")
    assert result.exit_code == 1, result.output
    assert result.output == (
        "notes.xlsx: REJECTED:\n  - the file is not an Excel workbook (.xlsx): it is not a ZIP archive.\n"
        "link.xlsx: REJECTED:\n  - a symbolic link was given, not a file: give the form's file itself.\n")


def _filled(wb) -> None:
    for ref, value in {"C11": 100000.0, "D11": 80000.0, "C12": 10000.0, "D12": 8000.0}.items():  # passes Q01-Q04
        wb[SHEET][ref] = value


def test_the_import_line_names_the_period_in_the_interface_language(data, registry, language):
    """The line printed for an imported file: its status word and its period (the quarter as a message names it,
    not the documents' Russian «I квартал 2021 года»), and the period of a form of another quarter."""
    import datetime as dt

    from generator.quarterly.intake import Expectation, describe, import_bytes
    content = _issued(data, _filled)
    result = import_bytes(content, "babaevsky.xlsx", data, registry, dt.date(2021, 4, 5))
    assert describe(result, data) == ("babaevsky.xlsx: ПРИНЯТ (версия 1; Бабаевский муниципальный район, I квартал "
                                      "2021 года; представлен 05.04.2021, в срок)")
    content = _issued(data, lambda wb: (_filled(wb), wb[SHEET].__setitem__("D12", 8000.5)))    # other bytes
    other = import_bytes(content, "q2.xlsx", data, registry, dt.date(2021, 4, 5), Expectation(2021, 2))
    assert other.problems[0].found == "I квартал 2021 года" and other.problems[0].expected == "II квартал 2021 года"
    language("en")
    assert describe(result, data) == ("babaevsky.xlsx: ACCEPTED (version 1; Бабаевский муниципальный район, quarter I "
                                      "of 2021; received 05.04.2021, on time)")
    other = import_bytes(content, "q2.xlsx", data, registry, dt.date(2021, 4, 5), Expectation(2021, 2))
    assert str(other.problems[0]) == ("the form was issued for another period or recipient (required: quarter II of "
                                      "2021; in the file: quarter I of 2021). Fill in and send the form issued for "
                                      "quarter II of 2021.")


def test_the_subsidy_datas_own_errors_speak_the_interface_language(tmp_path, language):
    """What load_subsidies finds wrong in an agreements file (an unknown municipality, a result the rules do not
    have, a co-financing level other than the rules fix), located at the agreement, in both languages."""
    import shutil

    from generator.data.errors import DataErrors
    from generator.quarterly.load import load_subsidies
    shutil.copytree(DATA_DIR / "subsidies", tmp_path / "subsidies")
    book = tmp_path / "subsidies" / "sample" / "agreements-2021.yaml"
    text = book.read_text(encoding="utf-8").replace("municipality: belozersky,", "municipality: nowhere,")
    text = text.replace("level: 98,", "level: 99.5,")
    text = text.replace("results: {camps: 1}}", "results: {camps: 1, extra: 2}}", 1)
    book.write_text(text, encoding="utf-8")

    def errors() -> list[str]:
        with pytest.raises(DataErrors) as refused:
            load_subsidies(tmp_path)
        return [str(e).removeprefix(f"{book}:") for e in refused.value.errors]

    assert errors() == ["8: agreements[0]: неизвестные результаты extra субсидии 'camps'",
                        "10: agreements[1]: неизвестное муниципальное образование 'nowhere'",
                        "22: agreements[7]: уровень софинансирования 99.5% отличается от уровня 98%, установленного "
                        "правилами для cherepovets"]
    language("en")
    assert errors() == ["8: agreements[0]: unknown result(s) extra for subsidy 'camps'",
                        "10: agreements[1]: unknown municipality 'nowhere'",
                        "22: agreements[7]: co-financing level 99.5% differs from the level 98% the rules fix for "
                        "cherepovets"]


def test_agreements_over_the_activitys_money_are_said_with_russian_style_figures(tmp_path, language):
    """The agreements of a subsidy adding up to more than the act's money of its activity: both sums Russian style
    with non-breaking spaces (the total was a bare Decimal, "106007523.00 руб." inside an English sentence)."""
    import shutil

    from generator.data.errors import DataErrors
    from generator.data.loader import load_program
    from generator.quarterly.load import load_subsidies
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    book = folder / "subsidies" / "sample" / "agreements-2021.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace("subsidy_amount: 899369.17", "subsidy_amount: 99899369.17"),
                    encoding="utf-8")
    program = load_program(folder)

    def errors() -> list[str]:
        with pytest.raises(DataErrors) as refused:
            load_subsidies(folder, program)
        return [e.message for e in refused.value.errors]

    assert errors() == ["соглашения по субсидии 'camps' в сумме 106\u00a0007\u00a0523,00 руб. больше финансирования мероприятия "
                        "4.1 подпрограммы на 2021 год (7\u00a0016,7 тыс. руб.)"]
    language("en")
    assert errors() == ["agreements of subsidy 'camps' add up to 106\u00a0007\u00a0523,00 rubles, more than the subprogram's 2021 "
                        "financing of activity 4.1 (7\u00a0016,7 thousand rubles)"]


# --- no Russian literal in the code of the forms' import --------------------------------------------------------

MODULES = ["quarterly/xlsxread", "quarterly/importer", "quarterly/intake", "quarterly/registry", "quarterly/schema",
           "quarterly/load", "annual/intake"]
CYRILLIC = re.compile(r"[А-Яа-яЁё]")

#: The Russian literals left in the code on purpose, each with its reason. Anything else Russian in these modules'
#: code (docstrings aside) is a message that belongs in the catalog (generator/locale/ru/LC_MESSAGES/gosprog.po).
ALLOWED = {
    # the form's unit as printed on the form (document text, overridable in the form's YAML)
    ("quarterly/schema", "руб."),
    # the label of the form's total line: printed on the form AND compared with the workbook's cell on import
    ("quarterly/schema", "Итого"),
    # the act's column header «... на 20__ год» as printed on the form, shortened for naming the column in a
    # message: matched against the form's own header text, which is document text from the data
    ("quarterly/schema", "на 20__ год"),
    ("quarterly/schema", "на год"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (of the module, classes and functions)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def russian_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant with a Cyrillic letter, docstrings left out (parts of f-strings
    included: an f-string's Russian words are its constant parts)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
            and CYRILLIC.search(node.value)]


def test_the_scan_finds_a_russian_literal_and_skips_docstrings():
    source = ('"""Модуль."""\n\ndef f(x):\n    """Функция."""\n    raise ValueError(f"файл {x} поврежден")\n'
              'OK = "no Russian here"\n')
    assert russian_literals(source) == [(5, "файл "), (5, " поврежден")]


@pytest.mark.parametrize("module", MODULES)
def test_no_russian_literal_in_the_forms_import_code(module):
    source = (ROOT / "generator" / f"{module}.py").read_text(encoding="utf-8")
    found = [(line, text) for line, text in russian_literals(source) if (module, text) not in ALLOWED]
    assert not found, (f"generator/{module}.py has Russian literals: {found}; a message goes through "
                       "_() with an English id and its Russian in gosprog.po (or, if it is compared with the "
                       "workbook's content or is document text, add it to ALLOWED with the reason)")


def test_a_logical_value_or_a_date_in_a_money_cell_is_quoted_as_the_accountant_saw_it(data, registry, language):
    """«значение не является числом (в файле: «True»)»: the refusal quoted Python's word for a logical cell, and a
    date as «2021-03-31 00:00:00»; now as the spreadsheet showed them (ИСТИНА, 31.03.2021; TRUE in English)."""
    import datetime as dt

    from generator.quarterly.intake import import_bytes

    def typed(wb) -> None:
        _filled(wb)
        wb[SHEET]["C11"] = True
        wb[SHEET]["D11"] = dt.datetime(2021, 3, 31)

    content = _issued(data, typed)
    found = {p.cell: p.found for p in import_bytes(content, "f.xlsx", data, registry, dt.date(2021, 4, 5)).problems}
    assert found["C11"] == "«ИСТИНА»" and found["D11"] == "«31.03.2021»", found
    language("en")
    found = {p.cell: p.found for p in import_bytes(content, "f.xlsx", data, registry, dt.date(2021, 4, 5)).problems}
    assert found["C11"] == "«TRUE»", found


def test_a_form_whose_title_names_another_municipality_than_its_signed_data_is_refused(data, registry, language):
    """Found by the tester: Babaevsky's form carrying the service sheet of Belozersky's form (signature and all) was
    recorded as Belozersky's report, while its title, which every reader sees, said Бабаевский. The title must name
    the municipality of the signed data."""
    import datetime as dt

    from generator.quarterly.forms import IDENTITY as SERVICE, generate
    from generator.quarterly.intake import import_bytes
    other = load_workbook(io.BytesIO(generate(data.form_of("camps"), data.subsidies["camps"],
                                              data.municipalities["belozersky"],
                                              data.agreement("camps", "belozersky", 2021), 2021, 1, sample=True)))
    belozersky = [[cell.value for cell in row] for row in other[SERVICE].iter_rows(max_col=2)]

    def copied(wb) -> None:
        _filled(wb)
        for r, row in enumerate(belozersky, start=1):
            for c, value in enumerate(row, start=1):
                wb[SERVICE].cell(row=r, column=c, value=value)

    result = import_bytes(_issued(data, copied), "babaevsky.xlsx", data, registry, dt.date(2021, 4, 5))
    assert result.status == "rejected"
    (problem,) = [p for p in result.problems if p.code == "IDENTITY"]
    assert str(problem).startswith("Ячейка A3 листа «Отчет»: в заголовке формы указано другое муниципальное "
                                   "образование, чем в ее служебных данных"), str(problem)
    assert problem.expected == data.municipalities["belozersky"].name
    assert problem.found == f"«{data.municipalities['babaevsky'].name}»"
    # the form as issued, untouched, is still accepted
    assert import_bytes(_issued(data, _filled), "ok.xlsx", data, registry, dt.date(2021, 4, 5)).status == "accepted"
