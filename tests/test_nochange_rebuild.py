"""A rebuild with nothing changed is decided from file hashes and the manifest before the program is read
(generator/buildstamp.py, issue 23); any change of data, templates, options or gosprog's own code builds.

The builds here are small (two documents, DOCX and XLSX) through the real CLI, in process; "the program
is read" is observed by making the reader and the validation gate fail loudly when called.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
import importlib

from generator import buildstamp, package
from generator.cli import main

cli = importlib.import_module("generator.cli.build")     # the build command's module

DATA = ROOT / "data" / "social-support-vologda"
ONLY = ["00-programma-pasport", "12-podprogramma-2-tablicy"]
UP_TO_DATE = "ничего не изменилось"


@pytest.fixture
def data(tmp_path) -> Path:
    """A private copy of the default data, free to edit."""
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    return copy


def build(data: Path, out: Path, *extra: str) -> str:
    args = ["build", str(data), "--out", str(out), "--format", "docx,xlsx", "--jobs", "1"]
    for name in ONLY:
        args += ["--only", name]
    result = CliRunner().invoke(main, args + list(extra), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def package_folder(out: Path) -> Path:
    (manifest,) = out.glob("*/*/manifest.json")
    return manifest.parent


def rendered(output: str) -> int:
    """The M of a build's status line "файлов: N (собрано заново: M), папка …"."""
    line = next(line for line in output.splitlines() if "собрано заново:" in line)
    return int(line.split("собрано заново:")[1].split(")")[0])


def test_no_change_rebuild_reads_no_program(data, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = build(data, out)
    assert rendered(first) == 4
    before = {p.name: p.read_bytes() for p in package_folder(out).iterdir()}
    def refuse(*args, **kwargs):
        raise AssertionError("the program was read for a no-change rebuild")
    monkeypatch.setattr(cli, "checked", refuse)
    monkeypatch.setattr(cli, "load_or_exit", refuse)
    output = build(data, out)
    assert UP_TO_DATE in output and str(package_folder(out)) in output
    assert {p.name: p.read_bytes() for p in package_folder(out).iterdir()} == before
    manifest = json.loads((package_folder(out) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["data"] == buildstamp.tree_digest(data)
    assert manifest["inputs"]["code"] == buildstamp.code_digest()


def test_a_data_change_rebuilds(data, tmp_path):
    out = tmp_path / "out"
    build(data, out)
    passport = data / "program.yaml"
    text = passport.read_text(encoding="utf-8")
    old = 'title: "Социальная поддержка граждан в Вологодской области'
    assert old in text
    passport.write_text(text.replace(old, 'title: "Социальная поддержка граждан Вологодской области'), encoding="utf-8")
    output = build(data, out)
    assert UP_TO_DATE not in output and rendered(output) >= 1


def test_a_comment_in_the_data_reads_the_program_again(data, tmp_path):
    """Any byte of the data folder counts (the files' rendered content then decides what is re-rendered)."""
    out = tmp_path / "out"
    build(data, out)
    with open(data / "program.yaml", "a", encoding="utf-8") as handle:
        handle.write("# правка\n")
    output = build(data, out)
    assert UP_TO_DATE not in output and rendered(output) == 0


@pytest.mark.parametrize("extra", [["--format", "docx"], ["--force"], ["--only", "11-podprogramma-1-pasport"]])
def test_other_options_build(data, tmp_path, extra):
    out = tmp_path / "out"
    build(data, out)
    assert UP_TO_DATE not in build(data, out, *extra)


def test_full_always_renders(data, tmp_path):
    out = tmp_path / "out"
    build(data, out)
    output = build(data, out, "--full")
    assert UP_TO_DATE not in output and rendered(output) == 4


def test_a_template_overlay_change_builds(data, tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "style.css").write_text("body { color: black; }\n", encoding="utf-8")
    out = tmp_path / "out"
    build(data, out, "--templates", str(overlay))
    assert UP_TO_DATE in build(data, out, "--templates", str(overlay))
    (overlay / "style.css").write_text("body { color: #111; }\n", encoding="utf-8")
    assert UP_TO_DATE not in build(data, out, "--templates", str(overlay))


def test_a_missing_or_changed_file_builds(data, tmp_path):
    out = tmp_path / "out"
    build(data, out)
    folder = package_folder(out)
    victim = next(folder.glob("*.xlsx"))
    victim.write_bytes(victim.read_bytes() + b"\0")
    output = build(data, out)
    assert UP_TO_DATE not in output and rendered(output) == 1
    victim.unlink()
    output = build(data, out)
    assert UP_TO_DATE not in output and rendered(output) == 1
    assert UP_TO_DATE in build(data, out)


def test_gosprog_code_change_rebuilds_and_renders_again(data, tmp_path, monkeypatch):
    """A changed writer (any file of the generator package) is a changed input of every file."""
    out = tmp_path / "out"
    build(data, out)
    monkeypatch.setattr(buildstamp, "code_digest", lambda: "0" * 64)
    output = build(data, out)
    assert UP_TO_DATE not in output and rendered(output) == 4


def test_code_digest_covers_the_writers(tmp_path):
    """The digest is over every file of the installed package: editing a writer's source changes it."""
    from generator.writers import xlsx
    package_dir = Path(buildstamp.__file__).resolve().parent
    assert Path(xlsx.__file__).resolve() in [p.resolve() for p in buildstamp._walk(package_dir)]
    copy = tmp_path / "generator"
    shutil.copytree(package_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = buildstamp.tree_digest(copy)
    source = copy / "writers" / "xlsx.py"
    source.write_text(source.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
    assert buildstamp.tree_digest(copy) != before


def test_input_hash_includes_the_code(monkeypatch):
    from generator.builders import Planned
    from generator import model
    import datetime as dt
    doc = model.Document(title="Документ", kind="x", date=dt.datetime(2021, 1, 1))
    doc.section("portrait").add(model.Paragraph.of("текст"))
    item = Planned("x", "x", doc, [])
    before = package.input_hash(item, "docx", package.Options(), "t")
    monkeypatch.setattr(buildstamp, "code_digest", lambda: "1" * 64)
    assert package.input_hash(item, "docx", package.Options(), "t") != before


@pytest.mark.parametrize("extra", [[], ["--full"]])
def test_a_data_file_that_cannot_be_read_is_named_by_the_reader_not_a_hashing_error(data, tmp_path, extra):
    """A link to nowhere among the data files (or a file without permission): hashing the inputs takes it as
    unreadable and goes on, and the reader names the file and says why in Russian; before, the hash's own
    FileNotFoundError ended the command with «не удалось вывести результат команды: No such file or directory»."""
    (data / "subprograms" / "sp9.yaml").symlink_to(tmp_path / "nowhere.yaml")
    result = CliRunner().invoke(main, ["build", str(data), "--out", str(tmp_path / "out"), "-q", "--jobs", "1",
                                       *extra])
    assert result.exit_code == 1
    assert f"{data / 'subprograms' / 'sp9.yaml'}: не удается прочитать: файла нет" in result.output, result.output
    assert "No such file" not in result.output and not (tmp_path / "out").exists()
    assert buildstamp.tree_digest(data) != buildstamp.tree_digest(DATA)
