"""Malformed program data: every fault gives a located message (file, line, field, what was expected),
raised as DataErrors / DataError, never another exception; ``gosprog validate`` exits non-zero
without a traceback.

Each case writes the small valid program below into tmp_path and changes one thing. Line numbers in
the cases refer to PROGRAM and SP1 exactly as written here.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from generator.data import DataError, DataErrors, load_program

PROGRAM = """\
code: "mini"
title: "Минимальная программа"
years: [2024, 2025]
approved: {date: 2023-12-01, number: "1"}
edition: {date: 2024-01-10, act_date: 2024-01-09, number: "2"}
sources:
  - {key: total, label: "всего, в том числе"}
  - {key: own, label: "собственные доходы областного бюджета", index: "1"}
passport:
  source: {first_line: 1, last_line: 2}
  responsible_executor: "Департамент"
  executors: ["Департамент"]
  goal: "цель"
  tasks: ["задача"]
  period_text: "2024 - 2025 годы"
  expected_results: ["результат"]
  financing:
    - key: total
      label: "общий объем"
      total: 30.0
      years: [10.0, 20.0]
"""

SP1 = """\
code: "1"
title: "Подпрограмма"
indicators:
  source: {first_line: 3, last_line: 4}
  items:
    - code: "1"
      line: 3
      name: "Показатель"
      unit: "%"
      direction: increase
activities:
  source: {first_line: 5, last_line: 6}
  year_columns: [2024, 2025]
  items:
    - code: "1.1"
      name: "Основное мероприятие 1.1"
      executors: "Департамент"
      line: 5
      indicators:
        - {indicator: "1", text: "показатель", source_codes: ["1", "1"]}
financing:
  source: {first_line: 7, last_line: 8}
  rows:
    - kind: subprogram
      line: 7
      sources:
        - {source: own, label: "собственные доходы", values: [10.0, 20.0], total: 30.0}
    - kind: activity
      code: "1.1"
      line: 8
      sources:
        - {source: own, label: "собственные доходы", values: [10.0, 20.0], total: 30.0}
"""

P, S = "program.yaml", "subprograms/sp1.yaml"


def write_program(folder: Path) -> Path:
    (folder / "subprograms").mkdir(parents=True)
    (folder / P).write_text(PROGRAM, encoding="utf-8")
    (folder / S).write_text(SP1, encoding="utf-8")
    return folder


# --- faults ------------------------------------------------------------------------------------------


def replace_line(name: str, n: int, *new: str) -> Callable[[Path], Path]:
    """Replace line ``n`` (1-based) of a file with the given lines (none: delete it)."""
    def change(folder: Path) -> Path:
        path = folder / name
        lines = path.read_text(encoding="utf-8").split("\n")
        lines[n - 1: n] = list(new)
        path.write_text("\n".join(lines), encoding="utf-8")
        return folder
    return change


def on_line(name: str, n: int, old: str, new: str) -> Callable[[Path], Path]:
    """Replace ``old`` with ``new`` on line ``n`` (which must hold it)."""
    def change(folder: Path) -> Path:
        path = folder / name
        lines = path.read_text(encoding="utf-8").split("\n")
        assert old in lines[n - 1], (name, n, lines[n - 1])
        lines[n - 1] = lines[n - 1].replace(old, new)
        path.write_text("\n".join(lines), encoding="utf-8")
        return folder
    return change


def write_bytes(name: str, data: Callable[[bytes], bytes]) -> Callable[[Path], Path]:
    def change(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data(path.read_bytes()))
        return folder
    return change


def copy_subprogram(folder: Path) -> Path:
    shutil.copy(folder / S, folder / "subprograms" / "sp2.yaml")
    return folder


def remove_program_yaml(folder: Path) -> Path:
    (folder / P).unlink()
    return folder


def program_yaml_a_folder(folder: Path) -> Path:
    (folder / P).unlink()
    (folder / P).mkdir()
    return folder


def point_at_a_file(folder: Path) -> Path:
    return folder / P


def point_at_nothing(folder: Path) -> Path:
    return folder / "no-such-folder"


def directory_named_yaml(folder: Path) -> Path:
    (folder / "subprograms" / "sp9.yaml").mkdir()
    return folder


@dataclass
class Case:
    id: str
    fault: Callable[[Path], Path]
    file: str | None            # file name the error names (None: the folder itself)
    line: int | None
    field: str | None
    phrases: tuple[str, ...]
    column: int | None = None
    bug: str | None = None      # a real loader bug: the test is a strict xfail with this reason
    cli_bug: str | None = None  # the same for the CLI check


CASES = [
    Case("unknown-key", replace_line(P, 2, "colour: red", 'title: "Минимальная программа"'),
         "program.yaml", 2, "colour", ("неизвестный ключ",), column=9),
    Case("unknown-key-nested", on_line(S, 9, 'unit: "%"', 'unit: "%"\n      colour: red'),
         "sp1.yaml", 10, "indicators.items[0].colour", ("неизвестный ключ",), column=15),
    Case("missing-required-key", replace_line(S, 9),
         "sp1.yaml", 6, "indicators.items[0].unit", ("нет обязательного ключа",), column=7),
    Case("missing-required-top-key", replace_line(P, 2),
         "program.yaml", 1, "title", ("нет обязательного ключа",), column=1),
    Case("list-where-mapping", replace_line(P, 4, 'approved: [2023-12-01, "1"]'),
         "program.yaml", 4, "approved", ("ожидается набор ключей", "записан список"), column=11),
    Case("text-where-number", on_line(P, 20, "30.0", '"много"'),
         "program.yaml", 20, "passport.financing[0].total", ("ожидается число", "'много'"), column=14),
    Case("number-where-text", on_line(P, 4, 'number: "1"', "number: 1"),
         "program.yaml", 4, "approved.number", ("ожидается текст, а записано 1",), column=38),
    Case("russian-number", on_line(P, 20, "30.0", "1 234,5"),
         "program.yaml", 20, "passport.financing[0].total", ("'1 234,5'", "напишите 1234.5"), column=14),
    Case("russian-number-quoted-in-list", on_line(S, 27, "[10.0, 20.0]", '[10.0, "2 000,0"]'),
         "sp1.yaml", 27, "financing.rows[0].sources[0].values[1]", ("'2 000,0'", "напишите 2000.0")),
    Case("infinity", on_line(P, 20, "30.0", ".inf"),
         "program.yaml", 20, "passport.financing[0].total", ("не конечное число", "'.inf'"), column=14),
    Case("not-a-number", on_line(P, 21, "10.0", ".nan"),
         "program.yaml", 21, "passport.financing[0].years[0]", ("не конечное число", "'.nan'"), column=15),
    Case("huge-number-with-point", on_line(P, 20, "30.0", "1.0e+400"),
         "program.yaml", 20, "passport.financing[0].total", ("число вне допустимого диапазона", "'1.0e+400'"), column=14),
    Case("huge-number-1e400", on_line(P, 20, "30.0", "1e400"),
         "program.yaml", 20, "passport.financing[0].total", ("число вне допустимого диапазона", "1e400"), column=14),
    Case("duplicate-key", replace_line(P, 3, 'title: "Другое название"', "years: [2024, 2025]"),
         "program.yaml", 3, "title", ("ключ 'title' повторяется", "впервые - в строке 2"), column=1),
    Case("alias-billion-laughs",
         replace_line(P, 1, 'a: &a ["lol", "lol", "lol"]', "b: &b [*a, *a, *a]", "c: [*b, *b, *b]", 'code: "mini"'),
         "program.yaml", 2, None, ("ссылки YAML (*a) в данных программы не допускаются",), column=8),
    Case("anchor-and-alias", replace_line(P, 12, '  executors: &who ["Департамент"]', "  goal_by: *who"),
         "program.yaml", 13, None, ("ссылки YAML (*who) в данных программы не допускаются",), column=12),
    Case("merge-key", replace_line(P, 5, "edition:", '  <<: {number: "2"}', "  date: 2024-01-10",
                                   "  act_date: 2024-01-09"),
         "program.yaml", 6, "edition", ("слияние ключей (<<)", "не допускается"), column=3),
    Case("bad-indentation", on_line(P, 13, '  goal: "цель"', '   goal: "цель"'),
         "program.yaml", 13, None, ("ошибка в записи YAML",), column=4),
    Case("tab-character", on_line(P, 13, '  goal: "цель"', '\tgoal: "цель"'),
         "program.yaml", 13, None, ("ошибка в записи YAML", "\\t", "не может начинаться значение", "замените его пробелами"), column=1),
    Case("empty-file", write_bytes(S, lambda raw: b""),
         "sp1.yaml", 1, None, ("файл пуст",)),
    Case("comments-only", write_bytes(S, lambda raw: b"# nothing here\n"),
         "sp1.yaml", 1, None, ("в файле нет данных",)),
    Case("top-level-list", write_bytes(S, lambda raw: b"- 1\n- 2\n"),
         "sp1.yaml", 1, None, ("в начале файла ожидается набор ключей",)),
    Case("two-documents", write_bytes(P, lambda raw: raw + b"---\na: 1\n"),
         "program.yaml", 22, None, ("ошибка в записи YAML", "только один документ")),
    Case("cp1251-bytes", write_bytes(S, lambda raw: raw.decode("utf-8").encode("cp1251")),
         "sp1.yaml", 2, None, ("не в кодировке UTF-8", "байт 0xcf", "сохраните файл в кодировке UTF-8")),
    Case("bom-keeps-line-numbers", lambda f: on_line(S, 9, 'unit: "%"', 'unit: "%"\n      colour: red')(
        write_bytes(S, lambda raw: b"\xef\xbb\xbf" + raw)(f)),
         "sp1.yaml", 10, "indicators.items[0].colour", ("неизвестный ключ",), column=15),
    Case("duplicate-subprogram-code", copy_subprogram,
         "sp2.yaml", 1, "code", ("код подпрограммы '1' повторяется",)),
    Case("duplicate-indicator-code",
         on_line(S, 10, "direction: increase", 'direction: increase\n    - {code: "1", line: 4, name: "Другой", unit: "%"}'),
         "sp1.yaml", 11, "indicators.items[1].code", ("код показателя '1' повторяется",)),
    Case("duplicate-activity-code",
         on_line(S, 14, "items:", 'items:\n    - {code: "1.1", name: "Другое", executors: "Департамент", line: 4}'),
         "sp1.yaml", 16, "activities.items[1].code", ("код мероприятия '1.1' повторяется",)),
    Case("activity-links-unknown-indicator", on_line(S, 20, 'indicator: "1"', 'indicator: "9"'),
         "sp1.yaml", 20, "activities.items[0].indicators[0].indicator",
         ("показателя '9' в этой подпрограмме нет", "есть: 1")),
    Case("financing-row-for-unlisted-activity", on_line(S, 29, '"1.1"', '"1.2"'),
         "sp1.yaml", 29, "financing.rows[1].code", ("мероприятия '1.2' нет в перечне основных мероприятий",)),
    Case("unknown-funding-source", on_line(S, 27, "source: own", "source: regional"),
         "sp1.yaml", 27, "financing.rows[0].sources[0].source",
         ("неизвестный источник финансирования 'regional'", "есть: own, total")),
    Case("wrong-number-of-years", on_line(S, 27, "[10.0, 20.0]", "[10.0, 20.0, 5.0]"),
         "sp1.yaml", 27, "financing.rows[0].sources[0].values", ("значений - 3, а лет - 2 [2024, 2025]",)),
    Case("wrong-number-of-source-codes", on_line(S, 20, '["1", "1"]', '["1"]'),
         "sp1.yaml", 20, "activities.items[0].indicators[0].source_codes", ("кодов источника - 1, а лет - 2",)),
    Case("passport-years-count", on_line(P, 21, "[10.0, 20.0]", "[10.0]"),
         "program.yaml", 21, "passport.financing[0].years", ("значений - 1, а лет - 2",)),
    Case("direction-not-increase-or-decrease", on_line(S, 10, "increase", "up"),
         "sp1.yaml", 10, "indicators.items[0].direction", ("increase, decrease", "записано 'up'"), column=18),
    Case("invalid-date", on_line(P, 4, "2023-12-01", "2021-13-45"),
         "program.yaml", 4, "approved.date", ("неправильная дата", "'2021-13-45'"), column=18),
    Case("source-lines-reversed", on_line(P, 10, "first_line: 1, last_line: 2", "first_line: 5, last_line: 2"),
         "program.yaml", 10, "passport.source", ("last_line меньше first_line",), column=11),
    Case("program-code-path-traversal", on_line(P, 1, '"mini"', '"../../etc"'),
         "program.yaml", 1, "code", ("не подходит под образец", "'../../etc'"), column=7),
    Case("years-not-increasing", on_line(P, 3, "[2024, 2025]", "[2025, 2024]"),
         "program.yaml", 3, "years", ("годы должны быть непустым списком по возрастанию",)),
    Case("blank-program-title", on_line(P, 2, '"Минимальная программа"', '""'),
         "program.yaml", 2, "title", ("не может быть пустым", "напечатано в постановлении", "записано ''"), column=8),
    Case("blank-subprogram-title", on_line(S, 2, '"Подпрограмма"', '"   "'),
         "sp1.yaml", 2, "title", ("не может быть пустым", "записано '   '"), column=8),
    Case("empty-activity-name", on_line(S, 16, '"Основное мероприятие 1.1"', '""'),
         "sp1.yaml", 16, "activities.items[0].name", ("не может быть пустым",), column=13),
    Case("missing-program-yaml", remove_program_yaml, None, None, None, ("нет файла program.yaml",)),
    Case("program-yaml-is-a-folder", program_yaml_a_folder, "program.yaml", None, None,
         ("program.yaml здесь папка, а не файл", "записываются в файл program.yaml")),
    Case("data-dir-is-a-file", point_at_a_file, "program.yaml", None, None, ("это не папка программы",)),
    Case("data-dir-does-not-exist", point_at_nothing, "no-such-folder", None, None, ("это не папка программы",)),
    Case("directory-named-like-a-subprogram", directory_named_yaml,
         "sp9.yaml", None, None, ("не удается прочитать",)),
]

assert len({c.id for c in CASES}) == len(CASES) >= 22


def params(cli: bool = False):
    out = []
    for case in CASES:
        reason = case.cli_bug if cli else case.bug
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def errors_of(target: Path) -> list[DataError]:
    try:
        load_program(target)
    except DataErrors as exc:
        assert exc.errors and all(isinstance(e, DataError) for e in exc.errors)
        return exc.errors
    except DataError as exc:
        return [exc]
    pytest.fail(f"{target} loaded without an error")


@pytest.mark.parametrize("case", params())
def test_located_error(case: Case, tmp_path):
    target = case.fault(write_program(tmp_path / "prog"))
    errors = errors_of(target)
    assert len(errors) == 1, [str(e) for e in errors]
    error = errors[0]
    text = str(error)
    if case.file is None:
        assert Path(error.file) == tmp_path / "prog"
    else:
        assert Path(error.file).name == case.file, text
    assert error.line == case.line, text
    if case.column is not None:
        assert error.column == case.column, text
    assert error.field == case.field, text
    for phrase in case.phrases:
        assert phrase in error.message, text
    # the printed form: "<file>:<line>[:<column>]: [<field>:] <message>"
    where = f"{error.file}:{case.line}" if case.line else f"{error.file}"
    assert text.startswith(where)
    if case.field:
        assert f" {case.field}: " in text


@pytest.mark.parametrize("case", params(cli=True))
def test_cli_validate_fails_cleanly(case: Case, tmp_path):
    pytest.importorskip("generator.cli")
    from click.testing import CliRunner

    from generator.cli import main

    target = case.fault(write_program(tmp_path / "prog"))
    result = CliRunner().invoke(main, ["validate", str(target)])
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)   # no uncaught exception
    assert "Traceback" not in result.output
    if case.file and case.line:
        assert f"{case.file}:{case.line}" in result.output
    assert case.phrases[0] in result.output


def test_duplicate_subprogram_code_names_both_files(tmp_path):
    folder = copy_subprogram(write_program(tmp_path / "prog"))
    (error,) = errors_of(folder)
    assert Path(error.file).name == "sp2.yaml"
    assert "sp1.yaml" in error.message, str(error)


def test_bom_file_loads(tmp_path):
    folder = write_program(tmp_path / "prog")
    for name in (P, S):
        path = folder / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    program = load_program(folder)
    assert program.code == "mini"
    assert [s.title for s in program.subprograms] == ["Подпрограмма"]


def test_valid_base_program_loads(tmp_path):
    """The base of every case is valid, and its numbers are decimals read from the text."""
    from decimal import Decimal

    program, located = load_program(write_program(tmp_path / "prog"), with_locations=True)
    assert program.passport.financing[0].total == Decimal("30.0")
    assert located.where("sp1", ("financing", "rows", 1, "code"))[1] == 29


def test_several_faults_are_reported_together(tmp_path):
    folder = write_program(tmp_path / "prog")
    on_line(P, 2, 'title: "Минимальная программа"', 'titel: "Минимальная программа"')(folder)
    on_line(S, 10, "increase", "up")(folder)
    errors = errors_of(folder)
    where = sorted((Path(e.file).name, e.line, e.field) for e in errors)
    assert ("program.yaml", 2, "titel") in where
    assert ("program.yaml", 1, "title") in where
    assert ("sp1.yaml", 10, "indicators.items[0].direction") in where


def test_project_codes_compare_cyrillic_and_latin(tmp_path):
    """SP1 table 3 links activity 1.8 to "Р1" (Cyrillic), table 6 prints "P1" (Latin): the same project."""
    import shutil

    from generator.data import DataErrors, load_program
    source = Path(__file__).resolve().parents[1] / "data" / "social-support-vologda"
    folder = tmp_path / "prog"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("editions", "source"))
    program = load_program(folder)
    act = next(a for s in program.subprograms if s.code == "1" for a in s.activities.items if a.code == "1.8")
    assert act.project == "Р1" and any(r.code == "P1" for r in program.regional_projects.rows)
    path = folder / "subprograms" / "sp1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('project: "Р1"', 'project: "Р9"'), encoding="utf-8")
    with pytest.raises(DataErrors) as info:
        load_program(folder)
    (error,) = info.value.errors
    assert error.file.name == "sp1.yaml" and error.line and "регионального проекта 'Р9' нет в таблице 6 программы" in error.message
