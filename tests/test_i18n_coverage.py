"""Done-when of issue 18: under the default locale, every command's ``--help`` and the error paths the tests
provoke (bad data folder, bad YAML, unknown format, unknown subsidy, unwritable output, ...) show no English
word outside an allow-list: rule IDs, file, format and option names, metavars, identifiers of the data."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from generator import i18n

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "social-support-vologda"

#: Latin words that are names, not English: commands, formats, engines, data identifiers, values of choices.
ALLOWED = set("""
gosprog validate build quarterly forms import report demo annual diff edition new tables export serve users add list
passwd json yaml yml xlsx docx pdf typst weasyprint html css zip txt j2 typ po mo utf utf8 csv sha256 hmac
png ttf a-2b a-3b ru en lang true false null increase decrease municipality department py
jinja2 jinja http https localhost sqlite postgresql excel word libreoffice calc writer
camps education housing dpi fastapi pdf/a output none
""".split())

#: Tokens removed before looking for words: options, paths, file names, metavars (upper case), env names,
#: rule IDs, quoted values the user typed.
_REMOVE = [
    r"\S+\.yaml(?::\d+)*: [\w.\[\]]+:",        # a located data error's field: "program.yaml:2:1: titel:"
    r"\S*/\S*",                              # paths and folder names
    r"\S+\.(?:yaml|yml|json|xlsx|docx|pdf|zip|typ|j2|css|txt|html|py|po|key|lock|cfg)\b",
    r"\b\w+(?:\[\d+\])*(?:\.\w+(?:\[\d+\])*)+",    # field paths of the data: financing.rows[1].total
    r"--?[A-Za-z][\w-]*",                    # --format, -j
    r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b",         # DATA_DIR, OPTIONS, GOSPROG_LANG, F01, PDF
    r"\b[A-Z]\d\d\b",                        # rule IDs
    r"'[^'\n]*'",                            # values quoted by click ('foo')
    r"\"[^\"\n]*\"",
    r"«[^»\n]*»",
    r"\b[a-z]+_[a-z_]+\b",                   # keys of the data (first_line, known_findings)
    r"\b\w+=\S*",                            # LANG=en_US.UTF-8
    r"\[U\+[0-9A-F]+\]|U\+[0-9A-F]+",
    r"0x[0-9a-f]+",
]


def english_words(text: str) -> list[str]:
    for pattern in _REMOVE:
        text = re.sub(pattern, " ", text)
    words = re.findall(r"(?<![\w-])[A-Za-z][A-Za-z]+(?![\w-])", text)
    return [w for w in words if w.lower() not in ALLOWED]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
    env["LANG"] = "C.UTF-8"
    env.update(extra)
    return env


def gosprog(*args, cwd=ROOT, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True,
                          env=_env(**extra), cwd=cwd, timeout=600)


def _commands() -> list[list[str]]:
    """Every command and subcommand of ``gosprog`` as its argument path (``["quarterly", "forms"]``)."""
    from generator.cli import main

    found = [[]]

    def walk(group: click.Group, path: list[str]) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            found.append(path + [name])
            if isinstance(command, click.Group):
                walk(command, path + [name])

    walk(main, [])
    return found


COMMANDS = _commands()


def test_the_walk_finds_every_command():
    names = {" ".join(c) for c in COMMANDS}
    assert {"", "validate", "build", "quarterly forms", "quarterly import", "quarterly report", "quarterly demo",
            "annual", "diff", "edition new", "tables export", "tables import", "serve", "users add"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "gosprog")
def test_help_has_no_english(command):
    result = gosprog(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Использование: gosprog" in result.stdout
    assert english_words(result.stdout) == [], result.stdout


def _broken_yaml(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("editions", "source"))
    path = folder / "subprograms" / "sp3.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("\n", "\n\tbad: [1, 2\n", 1), encoding="utf-8")
    return folder


def _bad_number(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("editions", "source"))
    path = folder / "program.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('title: "', 'titel: "', 1), encoding="utf-8")
    return folder


def _file_for_out(tmp_path: Path) -> Path:
    target = tmp_path / "out"
    target.write_text("a file where the output folder should be", encoding="utf-8")
    return target


ERRORS = [
    ("no-such-command", lambda t: ["frobnicate"]),
    ("bad-data-folder", lambda t: ["validate", t / "nowhere"]),
    ("bad-data-folder-build", lambda t: ["build", t / "nowhere", "--out", t / "o"]),
    ("bad-yaml", lambda t: ["validate", _broken_yaml(t)]),
    ("unknown-key", lambda t: ["validate", _bad_number(t)]),
    ("unknown-format", lambda t: ["build", DATA, "--format", "odt", "--out", t / "o"]),
    ("unknown-engine", lambda t: ["build", DATA, "--pdf-engine", "latex"]),
    ("unknown-subsidy", lambda t: ["quarterly", "forms", "--subsidy", "санатории", "--year", "2021", "--quarter", "1",
                                   "--out", t / "o"]),
    ("missing-year", lambda t: ["annual", DATA]),
    ("bad-quarter", lambda t: ["quarterly", "report", "--year", "2021", "--quarter", "5"]),
    ("unwritable-output", lambda t: ["build", DATA, "--out", _file_for_out(t), "--format", "docx", "--only",
                                     "00-programma-pasport", "-q"]),
    ("only-matches-nothing", lambda t: ["build", DATA, "--only", "нет такого", "--out", t / "o"]),
    ("import-missing-file", lambda t: ["quarterly", "import", t / "none.xlsx", "--out", t / "o"]),
    ("tables-import-not-a-workbook", lambda t: ["tables", "import", DATA / "program.yaml", DATA, "--dry-run"]),
    ("edition-date-in-the-past", lambda t: ["edition", "new", DATA, "--date", "2020-01-01", "--number", "1",
                                            "--out", t / "e"]),
    ("diff-not-a-folder", lambda t: ["diff", t / "a", t / "b"]),
    ("bad-lang", lambda t: ["--lang", "de", "validate"]),
    ("templates-not-a-folder", lambda t: ["build", DATA, "--templates", t / "none"]),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_error_paths_have_no_english(case, tmp_path):
    _id, args = case
    result = gosprog(*args(tmp_path))
    assert result.returncode != 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert english_words(output) == [], output


def test_english_on_request():
    result = gosprog("validate", "--help", LANG="en_US.UTF-8")
    assert result.returncode == 0
    assert "Usage: gosprog validate" in result.stdout and "Show this message and exit." in result.stdout
    assert not re.search("[А-Яа-я]", result.stdout), result.stdout


def test_the_allow_list_does_not_hide_english():
    assert english_words("Ошибка: unknown subsidy 'лагеря'") == ["unknown", "subsidy"]
    assert english_words("15 files in output/x; program effectiveness 0.892") == ["files", "in", "program",
                                                                                  "effectiveness"]
    assert english_words("Использование: gosprog build [OPTIONS] --format docx sp1.yaml F01 DATA_DIR") == []
