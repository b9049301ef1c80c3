"""libyaml (yaml.CSafeLoader) composes the program data into the same values with the same marks as the
pure-Python composer it replaced: same error locations, same spans in every finding."""

from pathlib import Path

import pytest
import yaml

from generator.data import DataError, yamlread

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"
FILES = sorted(p for p in DATA.rglob("*.yaml") if "source" not in p.parts)


def _both(monkeypatch, text: str, path: str):
    assert yamlread._CLoader is yaml.CSafeLoader            # libyaml is what the product uses
    fast = yamlread.parse(text, path)
    monkeypatch.setattr(yamlread, "_CLoader", yamlread._Loader)
    slow = yamlread.parse(text, path)
    monkeypatch.undo()
    return fast, slow


def test_default_data_has_files():
    assert len(FILES) > 20 and DATA / "program.yaml" in FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_libyaml_gives_the_same_values_and_marks(path, monkeypatch):
    text = path.read_bytes().decode("utf-8-sig")
    (fast_value, fast_marks), (slow_value, slow_marks) = _both(monkeypatch, text, str(path))
    assert fast_value == slow_value
    assert fast_marks == slow_marks
    assert len(fast_marks) > 3


@pytest.mark.parametrize("text", [
    "a: 1\nb: [1, 2\nc: 3\n",
    "a:\n  - 1\n - 2\n",
    "a: 1\n\tb: 2\n",
    "a: 'unterminated\n",
    "a: 1\na: 2\n",
])
def test_libyaml_errors_have_the_same_location(text, monkeypatch):
    def located(loader):
        if loader is not None:
            monkeypatch.setattr(yamlread, "_CLoader", loader)
        with pytest.raises(DataError) as caught:
            yamlread.parse(text, "x.yaml")
        monkeypatch.undo()
        return caught.value.line, caught.value.column
    assert located(None) == located(yamlread._Loader)


def test_clean_text_check_agrees_with_the_pattern_on_every_character():
    """text_is_clean (byte searches over UTF-8) answers as _BAD_CHARS does, for every code point of the BMP
    and every plane's last two (the noncharacters) with their neighbours."""
    codes = list(range(0x10000)) + [plane << 16 | low for plane in range(1, 17) for low in (0, 0xFFFD, 0xFFFE,
                                                                                            0xFFFF)]
    wrong = [hex(code) for code in codes
             if yamlread.text_is_clean(f"ок {chr(code)} x") != (yamlread._BAD_CHARS.search(chr(code)) is None)]
    assert wrong == []
    assert yamlread.text_is_clean("Цель: «доступность» услуг\n\t—") is True


@pytest.mark.parametrize("text, line, column, code", [
    ('a: "x\\x01"\nb: "y"\n', 1, 4, "U+0001"),
    ('a: "ok \\\\ ok"\nb: "\\N"\n', 2, 4, "U+0085"),             # an escape on another line than the first
    ('a: "ok"\n# \\\nb: "\\uFFFE"\n', 3, 4, "U+FFFE"),
    ('a: "multi\n  line \\x7f"\n', 1, 4, "U+007F"),
    ('"k\\x02": 1\n', 1, 1, "U+0002"),
])
def test_escapes_in_double_quotes_cannot_smuggle_bad_characters(text, line, column, code):
    with pytest.raises(DataError) as caught:
        yamlread.parse(text, "x.yaml")
    assert (caught.value.line, caught.value.column) == (line, column)
    assert code in str(caught.value) and "недопустимый символ" in str(caught.value)


@pytest.mark.parametrize("text, line, words", [
    # a syntax error anywhere wins over a refused value before it (the whole text is read first)
    ("a: 1\na: 2\nb: [1, 2\n", 4, "ошибка в записи YAML"),
    # an alias wins over everything after it and over refused values before it
    ("a: 1\na: 2\nb: *x\nc: [\n", 3, "ссылки YAML"),
    # what composition refused (a duplicate anchor, a second document) wins over a refused value
    ("a: 1\na: 2\nb: &x 1\nc: &x 2\n", 4, "повторная метка"),
    ("a: 1\na: 2\n---\nb: 1\n", 3, "только один документ"),
    # the first refused value in document order
    ("a: 030\nb: 1\nb: 2\n", 1, "ведущим нулём"),
])
def test_which_fault_is_reported_first(text, line, words):
    """A file with several faults reports the one the reader always reported (event scan, composition,
    then values in order): the one-pass reader keeps that order."""
    for loader in (yaml.CSafeLoader, yamlread._Loader):
        yamlread._CLoader, saved = loader, yamlread._CLoader
        try:
            with pytest.raises(DataError) as caught:
                yamlread.parse(text, "x.yaml")
        finally:
            yamlread._CLoader = saved
        assert caught.value.line == line, (loader, str(caught.value))
        assert words in str(caught.value)
