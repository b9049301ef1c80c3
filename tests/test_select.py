"""Documents and subsidies found by the names the user knows (generator/select.py): Russian titles, file
names, subsidy codes and names; a miss lists what there is."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import i18n, select
from generator.builders import program_package
from generator.data import load_program
from generator.quarterly.load import load_subsidies

DATA = Path(__file__).resolve().parents[1] / "data" / "social-support-vologda"


@pytest.fixture(autouse=True)
def russian():
    i18n.activate("ru")
    yield
    i18n.activate()


@pytest.fixture(scope="module")
def planned():
    program, located = load_program(DATA, with_locations=True)
    return program_package(program, located)


@pytest.mark.parametrize("only, expected", [
    (["Паспорт подпрограммы 3"], ["13-podprogramma-3-pasport"]),
    (["паспорт подпрограммы 3"], ["13-podprogramma-3-pasport"]),                       # any case
    (["«Дорога к дому»"], ["13-podprogramma-3-pasport", "13-podprogramma-3-tablicy"]),  # any quotes
    (["Безбарьерная  среда", "00-programma"], ["00-programma-pasport", "15-podprogramma-5-pasport",
                                               "15-podprogramma-5-tablicy", "15-podprogramma-5-prilozheniya"]),
    (["subprogram-appendices"], ["15-podprogramma-5-prilozheniya", "17-podprogramma-7-prilozheniya"]),
])
def test_only_matches_russian_titles_and_file_names(planned, only, expected):
    assert [p.name for p in select.documents(planned, only)] == expected


def test_only_miss_lists_the_documents(planned):
    with pytest.raises(select.NotFound) as info:
        select.documents(planned, ["пасспорт"])
    text = str(info.value)
    assert text.startswith("ни один документ не подходит под --only пасспорт; документы пакета")
    assert "  13-podprogramma-3-pasport: Паспорт подпрограммы 3 \"Дорога к дому\"" in text.split("\n")
    assert len(text.split("\n")) == len(planned) + 1


@pytest.fixture(scope="module")
def subsidies():
    return load_subsidies(DATA).subsidies


@pytest.mark.parametrize("text, expected", [
    (None, ["camps", "education", "housing"]),
    ("camps", ["camps"]),
    ("загородных оздоровительных лагерей", ["camps"]),
    ("Приспособлению ЖИЛОГО помещения", ["housing"]),
    ("лагеря", ["camps"]),                                  # another form of the word
    ("жилых помещений", ["housing"]),
])
def test_subsidy_by_code_or_name(subsidies, text, expected):
    assert select.subsidy(subsidies, text) == expected


def test_unknown_and_ambiguous_subsidy_list_the_choices(subsidies):
    with pytest.raises(select.NotFound) as info:
        select.subsidy(subsidies, "санатории")
    lines = str(info.value).split("\n")
    assert lines[0] == "субсидии 'санатории' нет; укажите код или часть названия одной из этих:"
    assert [line.split(":")[0].strip() for line in lines[1:]] == ["camps", "education", "housing"]
    with pytest.raises(select.NotFound) as info:
        select.subsidy(subsidies, "субсидия на")
    assert str(info.value).startswith("под 'субсидия на' подходят несколько субсидий")
