"""The control relations' findings (generator/rules.py, K01 of generator/validation.py) and the status lines of
``edition``/``tables`` and ``serve``/``users`` speak the interface language: Russian by default (the catalog),
English with ``--lang en`` or ``GOSPROG_LANG=en`` (the message ids). Rule IDs and figures are the same in both."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from generator import i18n

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"
PO = ROOT / "generator" / "locale" / "ru" / "LC_MESSAGES" / "gosprog.po"
MODULES = ["generator/rules.py", "generator/validation.py", "generator/cli/amend.py", "generator/cli/portal.py"]

# SP1 table 4, item 1.1.1 (act line 824): its 2021 money 23 609,9 typed as 23 609,8 (as tests/test_validate_gate.py)
CHANGED = ("subprograms/sp1.yaml", "values: [23609.9, 23261.9", "values: [23609.8, 23261.9")
ROW = "3.1 {activity} 1.1.1 Департамент социальной защиты населения области, собственные доходы областного бюджета"
RUSSIAN = ROW.format(activity="мероприятие") + ": годы в сумме дают 123 181,6, в графе «всего» напечатано 123 181,7"
ENGLISH = ROW.format(activity="activity") + ': the years add up to 123 181,6, the column "total" prints 123 181,7'


def _run(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
    clean.update(env)
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True,
                          env=clean, cwd=ROOT)


@pytest.fixture(scope="module")
def changed_copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data") / "social-support-vologda"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("editions", "source"))
    path, old, new = CHANGED
    text = (folder / path).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (folder / path).write_text(text.replace(old, new), encoding="utf-8")
    return folder


def test_validate_finding_is_russian_by_default(changed_copy):
    result = _run("validate", changed_copy, LANG="C.UTF-8")
    assert result.returncode == 1
    assert RUSSIAN in result.stdout, result.stdout[-3000:]
    assert "ОШИБКА    F01  " in result.stdout
    # F05 of the same figure: the members' name and the year column come from the catalog too
    assert ("мероприятия в сумме дают 3 686 426,6, в строке напечатано 3 686 426,7" in result.stdout
            and "бюджета, 2021 год: мероприятия" in result.stdout)
    assert ENGLISH not in result.stdout and "add up to" not in result.stdout


@pytest.mark.parametrize("how", ["GOSPROG_LANG", "--lang"])
def test_validate_finding_is_english_on_request(changed_copy, how):
    args = ["--lang", "en", "validate", changed_copy] if how == "--lang" else ["validate", changed_copy]
    result = _run(*args, **({"GOSPROG_LANG": "en"} if how == "GOSPROG_LANG" else {"LANG": "ru_RU.UTF-8"}))
    assert result.returncode == 1
    assert ENGLISH in result.stdout, result.stdout[-3000:]
    assert "ERROR    F01  " in result.stdout
    assert "year 2021: the activities add up to 3 686 426,6, the line prints 3 686 426,7" in result.stdout
    assert "годы в сумме дают" not in result.stdout and "в сумме дают" not in result.stdout


def test_json_findings_follow_the_language_and_keep_ids_and_figures(changed_copy):
    ru = json.loads(_run("validate", changed_copy, "--json", LANG="C.UTF-8").stdout)
    en = json.loads(_run("--lang", "en", "validate", changed_copy, "--json").stdout)
    f01_ru = next(f for f in ru["findings"] if f["rule"] == "F01")
    f01_en = next(f for f in en["findings"] if f["rule"] == "F01")
    assert f01_ru["message"] == RUSSIAN and f01_en["message"] == ENGLISH
    # everything but the message is data: the same in both languages (figures in Russian style)
    assert {k: v for k, v in f01_ru.items() if k != "message"} == {k: v for k, v in f01_en.items() if k != "message"}
    assert f01_en["numbers"] == {"years sum": "123 181,6", "printed total": "123 181,7"}
    assert [f["rule"] for f in ru["findings"]] == [f["rule"] for f in en["findings"]]


def _messages(module: str):
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    for lineno, message, _comments, _context in extract_from_file("python", ROOT / module, keywords=keywords):
        yield lineno, message


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)[^{}]*\}", text))


@pytest.mark.parametrize("module", MODULES)
def test_every_message_of_the_module_has_a_russian_entry_with_the_same_placeholders(module):
    """A message wrapped in the code and missing from the catalog would show in English to Russian users; a
    placeholder spelt differently in the translation would raise KeyError where the finding is made."""
    with PO.open("rb") as f:
        catalog = read_po(f)
    found = list(_messages(module))
    assert found, module
    for lineno, message in found:
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        assert entry is not None and entry.string, f"{module}:{lineno}: no Russian entry for {key!r}"
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = _placeholders(message[-1] if isinstance(message, tuple) else message)
        for form in forms:
            assert _placeholders(form) == wanted, f"{module}:{lineno}: {key!r} -> {form!r}"


#: Russian strings that are data, not messages: labels of the act compared with, the portal's audit records
DATA_STRINGS = {'"всего"', '"итого"', 'f"создан: {role}{\' \' + municipality if municipality else \'\'}"',
                '"пароль изменен"'}


def _russian_strings(source: str) -> list[str]:
    """String literals with Cyrillic letters, except docstrings, the rules' descriptions of the registry and dict
    keys (the figures' names of a finding's ``numbers``, data keys that known-findings.yaml matches)."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type not in (tokenize.COMMENT, tokenize.NL)]
    out = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.STRING or not re.search("[А-Яа-яЁё]", tok.string):
            continue
        before, after = tokens[i - 1] if i else None, tokens[i + 1]
        if (before is None or before.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)) \
                and after.type == tokenize.NEWLINE:
            continue                                    # a docstring
        if before.string == "=" and re.fullmatch(r"[A-Z]\d\d", tokens[i - 2].string):
            continue                                    # what a rule checks (@control F02="..."), for developers
        if after.string == ":":
            continue                                    # a dict key
        out.append(tok.string)
    return out


@pytest.mark.parametrize("module", MODULES)
def test_no_russian_message_text_left_in_the_code(module):
    """Russian text of these modules' messages lives in the catalog, not in the code."""
    left = set(_russian_strings((ROOT / module).read_text(encoding="utf-8"))) - DATA_STRINGS
    assert not left, f"{module}: Russian text outside the catalog: {sorted(left)}"


def test_tables_export_and_edition_messages_follow_the_language(tmp_path):
    ru = _run("tables", "export", DATA, "--out", tmp_path / "ru.xlsx", LANG="C.UTF-8")
    en = _run("--lang", "en", "tables", "export", DATA, "--out", tmp_path / "en.xlsx")
    assert ru.returncode == en.returncode == 0, ru.stderr + en.stderr
    assert ru.stdout.endswith(": листов 12, ячеек для правки 590, итогов по формулам 538 (редакция от 31.08.2021 "
                              "N 1005)\n"), ru.stdout
    assert en.stdout.endswith(": sheets 12, cells to edit 590, totals by formula 538 (edition of 31.08.2021 "
                              "N 1005)\n"), en.stdout
    bad_ru = _run("edition", "new", DATA, "--date", "2021-13-01", "--number", "1", LANG="C.UTF-8")
    bad_en = _run("edition", "new", DATA, "--date", "2021-13-01", "--number", "1", GOSPROG_LANG="en")
    assert bad_ru.returncode == bad_en.returncode == 2
    assert "ожидалась дата ГГГГ-ММ-ДД, получено «2021-13-01»" in bad_ru.stderr
    assert 'expected a date YYYY-MM-DD, got "2021-13-01"' in bad_en.stderr
