"""Every program-dependent label from data (issue 22): kind, budget level, unit, the financing paragraph's
joiners for any list of sources, the fallback subprogram passport's executors."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pytest

from generator import wording
from generator.builders import program as program_builders
from generator.builders import subprogram as subprogram_builders
from generator.data import DataErrors, load_program
from generator.data.schema import FinancingBlock
from generator.synthetic import write_program
from generator.texts import financing_paragraph, joiners

ROOT = Path(__file__).resolve().parent.parent
BUILDERS = ROOT / "generator" / "builders"


@pytest.mark.parametrize("words", ["областного бюджета", "государственной программы", "тыс. руб.",
                                   "государственной программе", "областной бюджет"])
def test_builders_spell_no_program_dependent_words(words):
    """The builders take kind, budget level and unit from templates/wording.yaml, never from code."""
    found = [f"{path.name}:{n}" for path in sorted(BUILDERS.glob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if words in line]
    assert found == []


def _texts(document) -> str:
    out = []

    def walk(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif dataclasses.is_dataclass(value):           # model nodes (cells and rows have slots, no __dict__)
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))
    walk(document)
    return "\n".join(out).replace("\u00a0", " ").replace("\u202f", " ")


def _municipal(tmp_path, budget="local") -> Path:
    folder = write_program(tmp_path / "m", first_year=2019, last_year=2030, sources=4, subprograms=2, seed=5,
                           kind="municipal", budget="local")
    text = (folder / "program.yaml").read_text(encoding="utf-8")
    (folder / "program.yaml").write_text(text.replace("budget: local", f"budget: {budget}"), encoding="utf-8")
    return folder


def test_municipal_program_speaks_of_the_local_budget(tmp_path):
    program = load_program(_municipal(tmp_path))
    assert (program.kind, program.budget) == ("municipal", "local")
    passport = _texts(program_builders.passport(program))
    assert "Объемы финансового обеспечения муниципальной программы за счет средств местного бюджета" in passport
    assert "Паспорт муниципальной программы" in passport and "Цель муниципальной программы" in passport
    assert "государственн" not in passport.lower() and "областн" not in passport
    assert "за счет собственных доходов местного бюджета - " in passport
    assert re.search(r"постановлением\s+администрации\s+от \d\d\.\d\d\.\d{4} N", passport)
    tables = _texts(program_builders.tables_document(program))
    assert "Финансовое обеспечение муниципальной программы за счет средств местного бюджета" in tables
    sp1 = program.subprograms[0]
    sub = _texts(subprogram_builders.tables_document(program, sp1))
    assert "подпрограммы 1 за счет средств местного бюджета" in sub
    assert "к муниципальной программе" in sub and "Расходы (тыс. руб.)" in sub
    # a kind words a text its own way: the forecast of a municipal program attracts regional money
    assert "оценка объемов привлечения средств федерального бюджета, областного бюджета, бюджетов поселений" in sub
    assert "бюджетов государственных внебюджетных фондов, средств" not in sub


def test_unit_and_overrides_come_from_data(tmp_path):
    folder = _municipal(tmp_path, budget="city")
    text = (folder / "program.yaml").read_text(encoding="utf-8").replace("unit: тыс. руб.", "unit: руб.")
    text = text.replace("kind: municipal\n", "kind: municipal\nwording: {approval: [\"Утверждена\", "
                        "\"постановлением\", \"мэрии города\"]}\n")
    (folder / "program.yaml").write_text(text, encoding="utf-8")
    program = load_program(folder)
    passport = _texts(program_builders.passport(program))
    assert "за счет средств бюджета города" in passport
    assert re.search(r"\d рублей, в том числе по годам", passport) and "тыс. рублей" not in passport
    assert re.search(r"постановлением\s+мэрии города\s+от", passport)
    sub = _texts(subprogram_builders.tables_document(program, program.subprograms[0]))
    assert "Расходы (руб.)" in sub


def test_unknown_kind_budget_or_text_is_a_located_error(tmp_path):
    folder = _municipal(tmp_path, budget="galactic")
    text = (folder / "program.yaml").read_text(encoding="utf-8")
    (folder / "program.yaml").write_text(text.replace("kind: municipal\n", "kind: municipal\nwording: {nope: x}\n"),
                                         encoding="utf-8")
    with pytest.raises(DataErrors) as caught:
        load_program(folder)
    messages = [(e.field, str(e)) for e in caught.value.errors]
    assert any(f == "budget" and "'galactic'" in m and "local" in m for f, m in messages), messages
    assert any(f == "wording.nope" and "unknown text" in m for f, m in messages), messages


def test_default_wording_is_the_state_regional_program():
    w = wording.Wording()
    assert w("field_financing") == ("Объемы финансового обеспечения государственной программы за счет средств "
                                    "областного бюджета")
    assert w("money_head") == "Расходы (тыс. руб.)" and w.forms["unit_long"] == "тыс. рублей"
    assert wording.Wording("municipal", "local")("program_table3") == \
        "Финансовое обеспечение муниципальной программы за счет средств местного бюджета"
    with pytest.raises(wording.UnknownWording):
        wording.Wording("imperial")


def _block(key, total, parts=(), joiner=None):
    return FinancingBlock(key=key, label=f"блок {key}", total=Decimal(total), years=[Decimal(total)],
                          parts=list(parts), joiner=joiner)


def test_paragraph_joiners_for_any_list_of_sources():
    # total = sum of every source (no declared parts): "из них" before the first source, ", " between them
    blocks = [_block("total", "10.0"), _block("own", "4.0"), _block("federal", "3.0"), _block("municipal", "2.0"),
              _block("extra", "1.0")]
    assert joiners(blocks) == ["", ", из них: ", ", ", ", ", ", "]
    # the default data's shape: total = budget + tax; budget = own + federal
    blocks = [_block("total", "10.0", ["budget", "tax"]), _block("budget", "8.0", ["own", "federal"]),
              _block("own", "5.0"), _block("federal", "3.0"), _block("tax", "2.0")]
    assert joiners(blocks) == ["", "; ", ", из них: ", ", ", "; "]
    # six sources, two of them outside the budget: the municipal block is not "из них" of the budget
    blocks = [_block("total", "21.0", ["budget", "municipal", "extra"]), _block("budget", "15.0", ["own", "federal"]),
              _block("own", "10.0"), _block("federal", "5.0"), _block("municipal", "4.0"), _block("extra", "2.0")]
    assert joiners(blocks) == ["", "; ", ", из них: ", ", ", "; ", "; "]
    text = financing_paragraph(blocks, [2030])
    assert text.count("из них") == 1
    assert "блок federal - 5,0 тыс. рублей, в том числе по годам реализации: 2030 год - 5,0 тыс. рублей; блок municipal" in text
    # an explicit joiner wins (the act printed it so)
    blocks = [_block("total", "3.0"), _block("own", "2.0"), _block("federal", "1.0", joiner="; ")]
    assert joiners(blocks) == ["", ", из них: ", "; "]


def test_fallback_passport_names_each_executor_once():
    program = load_program(ROOT / "data" / "social-support-vologda")
    sp4 = next(s for s in program.subprograms if s.code == "4")
    assert sp4.passport is None
    doc = subprogram_builders.passport(program, sp4)
    table = next(b for s in doc.sections for b in s.blocks if hasattr(b, "body"))
    row = next(r for r in table.body if str(r.cells[0].value).startswith("Исполнители подпрограммы"))
    names = row.cells[1].value.split("; ")
    assert len(names) == len({n.casefold() for n in names}) >= 4
    assert names[0] == "Департамент социальной защиты населения области"
    assert all("," not in n for n in names)
