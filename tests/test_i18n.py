"""The interface language: gettext catalogs compiled by make, Russian by default, English on request."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from generator import i18n

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("po", sorted((ROOT / "generator" / "locale").glob("*/LC_MESSAGES/*.po")),
                         ids=lambda p: p.parent.parent.name)
def test_compiled_catalog_is_current(po, tmp_path):
    """The .mo beside each .po is what `pybabel compile` makes of it now (make compiles; git keeps no .mo)."""
    with po.open("rb") as f:
        catalog = read_po(f)
    fresh = tmp_path / "fresh.mo"
    with fresh.open("wb") as f:
        write_mo(f, catalog)
    compiled = po.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} missing: run make"
    assert compiled.read_bytes() == fresh.read_bytes(), f"{compiled} is older than {po.name}: run make"


def test_catalog_has_no_untranslated_or_fuzzy_entries():
    for po in (ROOT / "generator" / "locale").glob("*/LC_MESSAGES/*.po"):
        with po.open("rb") as f:
            catalog = read_po(f)
        empty = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        assert not empty, f"{po}: no translation for {empty[:5]}"
        assert not fuzzy, f"{po}: fuzzy entries {fuzzy[:5]}"


def test_catalog_defines_each_message_once():
    """A message id given twice (two modules' entries appended at different times, with different Russian) is not an
    error for ``pybabel compile``: it silently keeps the first, so the second module's Russian was never shown (seen:
    «отчеты в {folder}» against «отчеты в папке {folder}»). GNU msgfmt refuses such a catalog."""
    import collections
    import re
    for po in (ROOT / "generator" / "locale").glob("*/LC_MESSAGES/*.po"):
        text = po.read_text(encoding="utf-8")
        keys = [(context or "", "".join(re.findall(r'"(.*)"', msgid)))
                for context, msgid in re.findall(r'^(?:msgctxt "(.*)"\n)?msgid ((?:".*"\n)+)', text, re.M)]
        twice = [key for key, count in collections.Counter(keys).items() if count > 1]
        assert not twice, f"{po}: defined more than once: {twice}"


@pytest.mark.parametrize("env, expected", [
    ({}, "ru"), ({"LANG": "C.UTF-8"}, "ru"), ({"LANG": "POSIX"}, "ru"), ({"LANG": "de_DE.UTF-8"}, "ru"),
    ({"LANG": "en_US.UTF-8"}, "en"), ({"LANG": "ru_RU.UTF-8"}, "ru"), ({"LC_ALL": "en_GB.UTF-8", "LANG": "ru_RU"}, "en"),
    ({"LANGUAGE": "en:ru", "LANG": "ru_RU.UTF-8"}, "en"), ({"GOSPROG_LANG": "ru", "LANG": "en_US.UTF-8"}, "ru"),
])
def test_language_detection(env, expected):
    assert i18n.detect(env) == expected


def _run(args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
    clean.update(env)
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True,
                          env=clean, cwd=ROOT)


def test_help_is_russian_by_default_and_english_on_request():
    ru = _run(["--help"], LANG="C.UTF-8")
    assert ru.returncode == 0
    assert "Использование: gosprog" in ru.stdout and "Показать эту справку и выйти." in ru.stdout
    assert "Usage:" not in ru.stdout
    en = _run(["--help"], LANG="en_US.UTF-8")
    assert "Usage: gosprog" in en.stdout and "Show this message and exit." in en.stdout
    flag = _run(["--lang", "en", "--help"], LANG="ru_RU.UTF-8")
    assert "Usage: gosprog" in flag.stdout and "Interface language" in flag.stdout


def test_click_errors_are_translated():
    result = _run(["no-such-command"], LANG="C.UTF-8")
    assert result.returncode == 2
    assert "Ошибка:" in result.stderr and "Справка: 'gosprog --help'." in result.stderr


@pytest.mark.parametrize("args, expected", [
    (["build", "--pdf-engine", "foo"], "Ошибка: Недопустимое значение для '--pdf-engine': 'foo' — не одно из: "
                                       "'typst', 'weasyprint'."),
    (["build", "--jobs", "99"], "Недопустимое значение для '--jobs' / '-j': 99 вне допустимого диапазона 0<=x<=64."),
    (["build", "--templates", "/no/such/folder"], "Папка '/no/such/folder' не существует."),
    (["validate", "a", "b"], "Ошибка: Лишний аргумент (b)"),
    (["build", "--out"], "Ошибка: Параметру '--out' нужно значение."),
    (["build", "--no-such"], "Ошибка: Нет такого параметра: '--no-such'."),
])
def test_click_usage_errors_are_russian(args, expected):
    result = _run(args, LANG="C.UTF-8")
    assert result.returncode == 2
    assert expected in result.stderr, result.stderr
    assert "Usage" not in result.stderr and "Error" not in result.stderr


def test_click_plural_forms_are_russian():
    """Russian has three plural forms; the catalog's Plural-Forms picks them (1 аргумент, 2 аргумента)."""
    i18n.activate("ru")
    try:
        one = i18n.ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1)
        two = i18n.ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 2)
        assert one.startswith("Лишний аргумент") and two.startswith("Лишние аргументы")
    finally:
        i18n.activate()


def test_each_plural_message_has_three_different_russian_forms():
    """A count followed by its noun takes three Russian forms (1 запись, 2 записи, 5 записей); one text for all three
    is Russian only for some numbers («1 учетных записей», seen in ``gosprog portal users list``). Every plural entry
    that starts with its count says 1, 2 and 5 apart (others may share a form: «дано: {len}», «(… дн.)»)."""
    with (ROOT / "generator" / "locale" / "ru" / "LC_MESSAGES" / "gosprog.po").open("rb") as f:
        catalog = read_po(f)
    counted = [m for m in catalog if m.id and m.pluralizable and m.id[0].startswith("{count} ")]
    assert counted
    same = [m.id[0] for m in counted if len(set(m.string)) < 3]
    assert not same, same
    i18n.activate("ru")
    try:
        assert [i18n.ngettext("{count} account", "{count} accounts", n).format(count=n) for n in (1, 2, 5, 21)] == \
            ["1 учетная запись", "2 учетные записи", "5 учетных записей", "21 учетная запись"]
    finally:
        i18n.activate()


def test_missing_glyph_warning_is_one_russian_line_without_source_path(capsys):
    """The CLI (and its build workers) print gosprog's own warning as "Предупреждение: …", not Python's
    "<file>.py:<line>: MissingGlyphWarning: …" with the code line (the breaker saw it under ``annual``)."""
    import warnings

    from generator.fonts import MissingGlyphWarning, show_warnings_plainly
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        show_warnings_plainly()
        warnings.warn(MissingGlyphWarning("Записка: в шрифте нет символов U+1F600"))
    err = capsys.readouterr().err
    assert err == "Предупреждение: Записка: в шрифте нет символов U+1F600\n", err


@pytest.mark.parametrize("lang, expected", [
    ("en", "Warning: {doc}: the font Liberation Serif has no characters U+F0B7; the PDF prints them as [U+XXXX]"),
    ("ru", "Предупреждение: {doc}: в шрифте Liberation Serif нет символов U+F0B7; в PDF они напечатаны как [U+XXXX]"),
])
def test_missing_glyph_warning_speaks_the_interface_language_in_the_render_processes(tmp_path, lang, expected):
    """A forced build of data with a character the PDF font lacks: the render process that prints the PDF warns in
    the interface's language (``--lang en``: English, not a Russian line among English ones)."""
    import shutil
    data = tmp_path / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny-program", data)
    shutil.copy(ROOT / "tests" / "cases" / "private-use-char-program.yaml", data / "program.yaml")
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "GOSPROG_LANG")}
    done = subprocess.run([sys.executable, "-m", "generator", "--lang", lang, "build", str(data), "--out",
                           str(tmp_path / "out"), "--format", "pdf", "--jobs", "2", "--force", "-q"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warning = [line for line in done.stderr.splitlines() if "U+F0B7" in line and "[U+XXXX]" in line]
    assert warning, done.stderr
    for line in warning:                              # one per document whose PDF lacks it
        title = line.split(": ")[1]
        assert title.startswith("Паспорт") or title.startswith("Таблицы"), line      # the document's own title
        assert line == expected.format(doc=title), line


@pytest.mark.parametrize("text, russian, english", [
    ("a: 030\n", "с ведущим нулём (YAML 1.1 читает 030 как восьмеричное 24): напишите 30",
     "with a leading zero (YAML 1.1 reads 030 as octal 24): write 30"),
    ("a: 0x1F\n", "число '0x1F' в шестнадцатеричной записи: пишите десятичными цифрами (31)",
     "the number '0x1F' in hexadecimal notation: write it in decimal digits (31)"),
    ("a: \"x\\u0001\"\n", "недопустимый символ U+0001 в позиции 2 текста (управляющий символ)",
     "a character U+0001 at position 2 of the text (a control character)"),
    ("a: 1970-01-01\n", "дата '1970-01-01' вне 1980-2107 гг.", "the date '1970-01-01' is outside the years 1980-2107"),
])
def test_a_data_files_refusals_speak_the_interface_language(text, russian, english):
    """What the YAML reader refuses (numbers YAML 1.1 would change, characters no format can write, dates a ZIP
    cannot stamp) comes from the catalog: Russian by default, English on request, located the same way."""
    from generator.data.errors import DataError
    from generator.data.yamlread import parse
    previous = i18n.language()
    try:
        for language, expected in (("ru", russian), ("en", english)):
            i18n.activate(language)
            with pytest.raises(DataError) as refused:
                parse(text, "f.yaml")
            assert str(refused.value).startswith("f.yaml:1:4: a: ") and expected in str(refused.value)
    finally:
        i18n.activate(previous)


def test_money_finer_than_a_kopeck_and_dates_a_zip_cannot_stamp_speak_the_interface_language():
    """The program schema's own refusals come from the catalog too (they reach the user inside a located error)."""
    from decimal import Decimal

    from pydantic import BaseModel, ValidationError

    from generator.data import schema

    class Figures(BaseModel):
        rubles: schema.Rubles = None
        thousands: schema.Thousands = None
        date: schema.Date = None

    def refusals() -> list[str]:
        said = []
        for given in ({"rubles": Decimal("1.005")}, {"thousands": Decimal("2146.700001")}, {"date": "1970-01-01"}):
            with pytest.raises(ValidationError) as refused:
                Figures(**given)
            said.append(refused.value.errors()[0]["msg"])
        return said

    previous = i18n.language()
    try:
        i18n.activate("ru")
        assert refusals() == [
            "Value error, сумма в руб. точнее копейки: не больше 2 знаков после запятой (округлите до 1)",
            "Value error, сумма в тыс. руб. точнее копейки: не больше 5 знаков после запятой (округлите до 2146.7)",
            "Value error, дата 01.01.1970 вне 1980-2107 гг. (предел метки времени ZIP в DOCX/XLSX)"]
        i18n.activate("en")
        assert refusals() == [
            "Value error, an amount in rubles finer than a kopeck: at most 2 digits after the point (round it to 1)",
            "Value error, an amount in thousand rubles finer than a kopeck: at most 5 digits after the point "
            "(round it to 2146.7)",
            "Value error, the date 01.01.1970 is outside the years 1980-2107 (what a ZIP time stamp in DOCX and XLSX "
            "holds)"]
    finally:
        i18n.activate(previous)
