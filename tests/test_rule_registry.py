"""Control relations are a registry of small functions with stable IDs: the closed list matches the
module's table, every finding's rule is declared, and adding a rule is adding one function."""

import re
from pathlib import Path

import pytest

from generator import rules
from generator.data import load_program

DATA = Path(__file__).resolve().parents[1] / "data" / "social-support-vologda"


@pytest.fixture(scope="module")
def loaded():
    return load_program(DATA, with_locations=True)


def test_the_closed_list_is_the_documented_table():
    documented = set(re.findall(r"^\| ([A-Z]\d\d) \|", rules.__doc__, re.M))
    assert documented == set(rules.RULES) and len(documented) == 19
    assert all(rules.RULES[r] for r in rules.RULES)
    assert [c.order for c in rules.CHECKS] == sorted(c.order for c in rules.CHECKS)


def test_every_finding_on_the_default_data_is_of_a_declared_rule(loaded):
    program, located = loaded
    found = rules.check(program, located)
    assert found and {f.rule for f in found} <= set(rules.RULES)
    assert {"F01", "G01"} <= {f.rule for f in found}


def test_adding_a_rule_is_adding_one_function(loaded, monkeypatch):
    program, located = loaded
    monkeypatch.setattr(rules, "RULES", dict(rules.RULES))
    monkeypatch.setattr(rules, "CHECKS", list(rules.CHECKS))

    @rules.control("subprogram", 17, X99="a subprogram has a title")
    def titled(checker, sub):
        if len(sub.title) > 300:
            checker.add("X99", "warning", f"подпрограмма {sub.code}: слишком длинное наименование", f"sp{sub.code}",
                        ("title",))

    monkeypatch.setattr(program.subprograms[0], "title", "Подпрограмма " + "очень " * 60)
    found = [f for f in rules.check(program, located) if f.rule == "X99"]
    assert len(found) == 1 and found[0].severity == "warning"
    assert found[0].file.endswith(".yaml") and found[0].line and found[0].field == "title"


def test_an_undeclared_rule_id_is_refused(loaded):
    program, located = loaded
    checker = rules._Checker(program, located)
    with pytest.raises(ValueError, match="Z42"):
        checker.add("Z42", "error", "?", "program", ())
