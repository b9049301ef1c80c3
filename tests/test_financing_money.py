"""A financing row's money for a source and year has one answer (generator.calc.row_money), whoever asks:
the control relations, the editions' comparison, the annual evaluation and the quarterly limits."""

from decimal import Decimal
from pathlib import Path

import pytest

from generator import calc, diff, rules
from generator.annual.evaluate import evaluate_program, load_facts
from generator.data import load_program
from generator.data.schema import FinancingRow, SourceLine, normalise_code
from generator.quarterly.load import activity_limit, load_subsidies

DATA = Path(__file__).resolve().parents[1] / "data" / "social-support-vologda"
D = Decimal


def _row(*lines):
    return FinancingRow(kind="activity", code="1.1",
                        sources=[SourceLine(source=key, label=key, values=values, total=total)
                                 for key, values, total in lines])


ROWS = {
    # the act prints "всего" and the parts
    "with-total": (_row(("total", [D(3), D(5)], D(8)), ("own", [D(1), D(5)], D(6)), ("federal", [D(2), "-"], D(2))),
                   [D(3), D(5), D(8)]),
    # several source lines and no "всего" line: the total is their sum (the old annual evaluation said None)
    "no-total": (_row(("own", [D(1), D(5)], D(6)), ("federal", [D(2), "-"], D(2))), [D(3), D(5), D(8)]),
    # one source line is the row's total
    "single": (_row(("own", [D("1.5"), "-"], D("1.5"))), [D("1.5"), None, D("1.5")]),
}


@pytest.mark.parametrize("name", ROWS)
def test_one_answer_for_a_row(name):
    row, expected = ROWS[name]
    assert calc.row_money(row, "total") == expected
    assert rules.row_vector(row, "total") == expected                     # the control relations
    assert diff._money(row, [2021, 2022]) == dict(zip([2021, 2022], expected[:-1]))   # the editions' diff
    assert calc.row_money_in(row, "total", [2021, 2022], 2022) == expected[1]
    assert calc.row_money_in(row, "total", [2021, 2022], 2030) is None


def test_a_source_the_row_does_not_have_is_no_money():
    row, _ = ROWS["no-total"]
    assert calc.row_money(row, "own") == [D(1), D(5), D(6)]
    assert calc.row_money(row, "regional") is None and rules.row_vector(row, "regional") is None


@pytest.fixture(scope="module")
def program():
    return load_program(DATA)


def test_default_data_rows_agree_everywhere(program):
    checked = 0
    for sub in program.subprograms:
        if not sub.financing:
            continue
        years = program.subprogram_years(sub)
        for row in sub.financing.rows:
            for key in {s.source for s in row.sources} | {"total"}:
                money = calc.row_money(row, key)
                assert rules.row_vector(row, key) == money
                checked += 1
            assert diff._money(row, years) == dict(zip(years, calc.row_money(row, "total")[:-1]))
    assert checked > 100


def test_annual_plan_and_quarterly_limit_are_the_row_money(program):
    facts = load_facts(DATA, 2021)
    evaluation = evaluate_program(program, facts)
    plans = 0
    for sub_eval in evaluation.subprograms:
        sub = next(s for s in program.subprograms if s.code == sub_eval.code)
        rows = {normalise_code(r.code): r for r in (sub.financing.rows if sub.financing else [])
                if r.kind == "activity"}
        for act in sub_eval.activities:
            row = rows.get(normalise_code(act.code))
            if row is None or act.plan is None:
                continue
            assert act.plan == calc.as_decimal(calc.row_money_in(row, "total", program.subprogram_years(sub), 2021))
            plans += 1
    assert plans > 0
    data = load_subsidies(DATA, program)
    limits = 0
    for subsidy in data.subsidies.values():
        limit = activity_limit(program, subsidy, 2021)
        if limit is None:
            continue
        sub = next(s for s in program.subprograms if s.code == subsidy.subprogram)
        row = next(r for r in sub.financing.rows if normalise_code(r.code) == normalise_code(subsidy.activity)
                   and (r.executor == subsidy.executor if subsidy.executor else r.kind == "activity"))
        key = "own" if row.source("own") is not None else "total"
        assert limit == calc.as_decimal(calc.row_money_in(row, key, program.subprogram_years(sub), 2021))
        limits += 1
    assert limits > 0
