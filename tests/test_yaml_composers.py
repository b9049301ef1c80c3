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
