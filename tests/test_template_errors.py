"""A broken template in a user's overlay (``--templates DIR``): the template file, the line and the engine's
message in Russian, exit code 1, no traceback, for both PDF engines and for the prose templates."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import i18n, templates
from generator.templates import TemplateError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"


def _overlay(tmp_path: Path, name: str, line: int, text: str) -> tuple[Path, Path]:
    """A copy of the default template ``name`` in an overlay folder with ``text`` put at the end of ``line``."""
    folder = tmp_path / "mine"
    folder.mkdir(exist_ok=True)
    lines = (templates.DEFAULT_DIR / name).read_text(encoding="utf-8").split("\n")
    lines[line - 1] += text
    (folder / name).write_text("\n".join(lines), encoding="utf-8")
    return folder, folder / name


@pytest.fixture(autouse=True)
def russian():
    i18n.activate("ru")
    yield
    i18n.activate()


def test_jinja_syntax_error_is_located(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "explanatory_note.txt.j2").write_text("строка\n{% if %}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        templates.Templates(folder).render("explanatory_note.txt.j2")
    assert (info.value.file, info.value.line) == (str(folder / "explanatory_note.txt.j2"), 2)
    assert "строка 2: перед концом тега не хватает выражения" in str(info.value)


def test_jinja_undefined_value_in_a_prose_overlay(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "memo.txt.j2").write_text("Аналитическая записка\n\n{{ no_such_value }}\n", encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        templates.Templates(folder).render("memo.txt.j2")
    error = info.value
    assert error.file == str(folder / "memo.txt.j2") and error.line == 3
    assert str(error) == (f"ошибка в шаблоне {folder / 'memo.txt.j2'}, строка 3: шаблон использует "
                          f"«no_such_value», а gosprog такого значения ему не передает")


def _gosprog(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
    clean.update(env)
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=clean, timeout=600)


@pytest.mark.parametrize("engine, name, line, text, message", [
    ("typst", "document.typ", 20, " #let x = (", "знак «#» здесь недопустим (код)"),
    ("weasyprint", "document.html.j2", 5, " {% if %}", "перед концом тега не хватает выражения"),
    ("weasyprint", "document.html.j2", 5, " {{ doc.no_such_field }}", "нет поля «no_such_field»"),
])
def test_broken_overlay_stops_build_with_a_located_russian_message(tmp_path, engine, name, line, text, message):
    folder, path = _overlay(tmp_path, name, line, text)
    out = tmp_path / "out"
    result = _gosprog("build", DATA, "--out", out, "--format", "pdf", "--only", "00-programma-pasport",
                      "--pdf-engine", engine, "--templates", folder, "--quiet", "--jobs", "1", LANG="C.UTF-8")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"Ошибка: ошибка в шаблоне {path}, строка {line}: " in result.stderr, result.stderr
    assert message in result.stderr
    assert not (out / "social-support-vologda" / "2021-08-31").exists()      # nothing half-written


def test_broken_memo_overlay_stops_annual(tmp_path):
    folder, path = _overlay(tmp_path, "memo.txt.j2", 3, " {{ unknown_thing }}")
    result = _gosprog("annual", DATA, "--year", "2021", "--out", tmp_path / "out", "--format", "docx",
                      "--templates", folder, "--quiet", LANG="C.UTF-8")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"ошибка в шаблоне {path}, строка 3: шаблон использует «unknown_thing»" in result.stderr
