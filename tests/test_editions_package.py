"""The editions report family is its own package (generator.editions: compare + documents + plan), its
Russian labels live in templates/editions.yaml, and the old module names are the same modules."""

from pathlib import Path

import yaml

from generator import templates
from generator.data import load_program
from generator.editions import compare, documents

DATA = Path(__file__).resolve().parents[1] / "data" / "social-support-vologda"


def test_old_names_are_the_new_modules():
    import generator.builders.editions as old_documents
    import generator.diff as old_compare
    assert old_compare is compare and old_documents is documents


def test_labels_come_from_the_templates():
    text = (templates.DEFAULT_DIR / "editions.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert compare.labels() == data
    assert compare.PASSPORT_FIELDS[0] == ("responsible_executor", "ответственный исполнитель")
    assert data["passport_title"] == "Паспорт подпрограммы {n}"
    assert "ФИО" not in compare.__doc__ and "Сведения о порядке" not in Path(compare.__file__).read_text("utf-8")


def test_a_removed_table_is_named_by_its_title_from_the_labels():
    new = load_program(DATA)
    old = new.model_copy(deep=True)
    sub = new.subprograms[0]
    old.subprograms[0] = sub.model_copy(update={"activities": None})
    result = compare.compare(old, new)
    titles = {t.table: t.title for t in result.tables if t.scope == sub.code}
    assert titles["Таблица 3"] == f"Перечень основных мероприятий подпрограммы {sub.code}"


def test_the_act_table_titles_have_one_home():
    from generator.amend.layout import sheets
    from generator.builders import subprogram
    from generator.builders.common import table_title
    program = load_program(DATA)
    sub = next(s for s in program.subprograms if s.forecast is not None and s.financing is not None)
    forecast = table_title("subprogram", "forecast", sub.code)
    assert forecast.startswith("Прогнозная (справочная) оценка объемов привлечения средств федерального бюджета")
    assert forecast.endswith(f"подпрограммы {sub.code}")
    doc = subprogram.tables_document(program, sub)
    headings = [b.text for s in doc.sections for b in s.blocks if b.__class__.__name__ == "Heading"]
    assert forecast in headings and table_title("subprogram", "Таблица 4", sub.code) in headings
    old = program.model_copy(deep=True)
    old.subprograms[program.subprograms.index(sub)] = sub.model_copy(update={"forecast": None})
    changed = {t.table: t.title for t in compare.compare(old, program).tables if t.scope == sub.code}
    assert changed[sub.forecast.table] == forecast                       # the diff names it as the document does
    titles = [s.title for s in sheets(program)]
    assert f"{sub.forecast.table} подпрограммы {sub.code}. {forecast}, тыс. руб." in titles   # and the workbook
