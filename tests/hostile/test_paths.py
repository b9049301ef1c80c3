"""Hostile names and codes never become paths outside the output folder.

* ``generator.paths.safe_name``: traversal, absolute and drive paths, Windows device names, Cyrillic,
  very long names, empty names and control characters;
* the program ``code`` and the subsidy data's codes are refused by the loaders with a located error
  when they are not folder-safe;
* a built package (whatever the subprogram codes) stays inside ``--out``;
* an imported form is archived inside the registry folder whatever its file name.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from generator.cli import main
from generator.data import DataError, DataErrors, load_program
from generator.paths import MAX_LENGTH, RESERVED, safe_name

FIXTURE = ROOT / "tests" / "fixtures" / "tiny-program"
DATA = ROOT / "data" / "social-support-vologda"
SAFE = re.compile(r"^[a-z0-9_][a-z0-9._-]*$")


def assert_safe(name: str, out: Path | None = None) -> None:
    assert SAFE.match(name), repr(name)
    assert 1 <= len(name) <= MAX_LENGTH, (len(name), name)
    assert name not in (".", "..") and not name.startswith(".") and not name.endswith((".", "-"))
    assert "/" not in name and "\\" not in name and ":" not in name
    assert name.split(".")[0] not in RESERVED, name
    if out is not None:
        assert (out / name).resolve().parent == out.resolve()


# --- safe_name -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("../..", "document"),
    ("..", "document"),
    ("/etc/passwd", "etc-passwd"),
    ("C:\\x", "c-x"),
    ("C:\\Windows\\System32\\drivers", "c-windows-system32-drivers"),
    ("\\\\server\\share\\x", "server-share-x"),
    ("con", "_con"),
    ("CON", "_con"),
    ("NUL.txt", "_nul.txt"),
    ("aux", "_aux"),
    ("LPT1", "_lpt1"),
    ("com9.tar.gz", "_com9.tar.gz"),
    ("  prn  ", "_prn"),
    ("Con.", "_con"),
    ("console", "console"),                 # only the device names themselves are reserved
    ("Подпрограмма 1", "podprogramma-1"),
    ("Щука Ёж Хвощ", "shchuka-ezh-khvoshch"),
    ("ЦЕНТР Юг", "tsentr-yug"),
    ("Ъ", "document"),
    ("中文", "document"),
    ("", "document"),
    ("   ", "document"),
    ("\x00", "document"),
    ("a\x00b", "a-b"),
    ("a\nb\r\nc", "a-b-c"),
    ("a\tb", "a-b"),
    ("...hidden", "hidden"),
    ("-rf", "rf"),
])
def test_safe_name_examples(text, expected, tmp_path):
    assert safe_name(text) == expected
    assert_safe(safe_name(text), tmp_path)


def test_safe_name_fallback_is_used_for_empty_results():
    assert safe_name("", fallback="programma") == "programma"
    assert safe_name("../..", fallback="x") == "x"
    assert safe_name("...", fallback="x") == "x"


@pytest.mark.parametrize("text", ["x" * 500, "Ж" * 500, "я" * 500, "a-" * 300, "a." * 300, "ab/" * 200,
                                  "щ" * 81, ("x" * 79) + ".-.-", "con" + "x" * 600])
def test_safe_name_long_names_are_cut(text, tmp_path):
    name = safe_name(text)
    assert len(name) <= MAX_LENGTH
    assert_safe(name, tmp_path)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.from_regex(r"[./\\:\x00\n CONULPTAXcon1 .-]{0,40}", fullmatch=True))
def test_safe_name_any_text_is_a_safe_single_component(text):
    name = safe_name(text)
    assert_safe(name)
    assert Path(name).name == name and len(Path(name).parts) == 1


def test_safe_name_collapses_dot_runs():
    assert ".." not in safe_name("a....b")
    assert ".." not in safe_name("x" + "." * 7 + "y")
    assert safe_name("Подпрограмма 1/../x") == "podprogramma-1-x"


# --- the program code ------------------------------------------------------------------------------------


def copy_fixture(tmp_path: Path) -> Path:
    target = tmp_path / "program"
    shutil.copytree(FIXTURE, target)
    return target


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (old, path)
    path.write_text(text.replace(old, new), encoding="utf-8")


def code_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith("code:"))


@pytest.mark.parametrize("code", ["../evil", "../../etc", "/etc/passwd", "a/b", "..", ".", "a\\\\b", "C:\\\\x",
                                  "tiny-program\\n", "tiny-program/", "", "con/x", "Tiny", "-x", "a b"])
def test_program_code_that_is_not_folder_safe_is_refused_with_location(code, tmp_path):
    folder = copy_fixture(tmp_path)
    program_file = folder / "program.yaml"
    replace_in(program_file, 'code: "tiny-program"', f'code: "{code}"')
    with pytest.raises(DataErrors) as info:
        load_program(folder)
    errors = [e for e in info.value.errors if e.field == "code"]
    assert errors, [str(e) for e in info.value.errors]
    error = errors[0]
    assert Path(error.file) == program_file
    assert error.line == code_line(program_file) and error.column
    assert str(error).startswith(f"{program_file}:{error.line}:")


def test_program_code_refused_by_the_cli_without_writing(tmp_path):
    folder = copy_fixture(tmp_path)
    replace_in(folder / "program.yaml", 'code: "tiny-program"', 'code: "../../escaped"')
    out = tmp_path / "work" / "out"
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(out), "--format", "docx", "-q"])
    assert result.exit_code == 1
    assert "program.yaml" in result.output and "code" in result.output
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "work").exists()


# --- the package destination -----------------------------------------------------------------------------


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def set_subprogram_codes(folder: Path, first: str, second: str) -> None:
    quote = lambda code: code.replace("\\", "\\\\").replace('"', '\\"')      # noqa: E731 - YAML double quotes
    replace_in(folder / "subprograms" / "sp1.yaml", '\ncode: "1"\n', f'\ncode: "{quote(first)}"\n')
    replace_in(folder / "subprograms" / "sp2.yaml", '\ncode: "2"\n', f'\ncode: "{quote(second)}"\n')


def refused_with_location(folder: Path) -> list[DataError] | None:
    """The loader's located errors about subprogram codes, or None when the program loads."""
    try:
        load_program(folder)
    except DataErrors as exc:
        errors = exc.errors
    except DataError as exc:
        errors = [exc]
    else:
        return None
    located = [e for e in errors if e.field == "code" and e.file and e.line]
    assert located, [str(e) for e in errors]
    assert all(Path(e.file).parent.name == "subprograms" for e in located)
    return located


def assert_package_inside(out: Path, n_docx: int = 6) -> None:
    package = out / "tiny-program" / "2024-03-15"
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written
    for path in written:
        assert path.resolve().is_relative_to(out.resolve()), path
        if path.parent == package:
            assert path.name == "manifest.json" or SAFE.match(path.name), path.name
    assert len(list(package.glob("*.docx"))) == n_docx        # every document has a file of its own


HOSTILE_CODES = [("../../evil", "/abs/olute"), ("..\\..\\win", "C:\\x"), ("con", "nul.txt"),
                 ("Подпрограмма 1/../x", ".."), ("1/../../../tmp", "2\n")]


@pytest.mark.parametrize("codes", HOSTILE_CODES)
def test_package_stays_inside_out(codes, tmp_path):
    """Through the CLI: a hostile subprogram code is either refused with a located error (nothing written) or
    built, with every file inside --out."""
    folder = copy_fixture(tmp_path)
    set_subprogram_codes(folder, *codes)
    work = tmp_path / "work"
    out = work / "out"
    out.mkdir(parents=True)
    before = listing(tmp_path)
    refused = refused_with_location(folder)
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(out), "--format", "docx,xlsx", "-q",
                                       "-j", "1"])
    new = listing(tmp_path) - before
    if refused:
        assert result.exit_code == 1 and not isinstance(result.exception, (ValueError, OSError)), result.output
        assert f"{refused[0].file}:{refused[0].line}" in result.output
        assert new == set(), sorted(new)
        return
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert new and all(p.startswith("work/out/") for p in new), sorted(new)
    assert {p.name for p in work.iterdir()} == {"out"}
    assert_package_inside(out)


@pytest.mark.parametrize("codes", HOSTILE_CODES + [("A", "a"), ("x-1", "x/1"), ("9" * 12, "²"), ("", " ")])
def test_builder_names_stay_inside_out_even_past_the_loader(codes, tmp_path):
    """Below the loader's checks: codes set on a loaded program still give single, safe file names that the
    package build keeps inside its destination."""
    from generator.builders import program_package
    from generator.package import Options, build

    program = load_program(FIXTURE)
    for sub, code in zip(program.subprograms, codes):
        sub.code = code
    planned = program_package(program)
    for item in planned:
        assert SAFE.match(item.name) and len(item.name) < 200 and "/" not in item.name, item.name
    out = tmp_path / "out"
    destination = out / safe_name(program.code) / program.edition.date.isoformat()
    names = [item.name for item in planned]
    if len(set(names)) < len(names):
        # two codes that make one file name: refused before anything is written (never one file overwriting
        # another, never a manifest listing a file twice)
        from generator.package import PackageError
        with pytest.raises(PackageError, match="одно имя файла"):
            build(planned, destination, Options(formats=("docx",), jobs=1), {"date": "2024-03-15"})
        assert not destination.exists()
        return
    build(planned, destination, Options(formats=("docx",), jobs=1), {"date": "2024-03-15"})
    for path in tmp_path.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve()), path
    assert (destination / "manifest.json").is_file()


def test_subprogram_code_with_unicode_digit_is_refused_or_builds(tmp_path):
    """'²'.isdigit() is True but int('²') fails: the code is refused with a location, or the build works."""
    folder = copy_fixture(tmp_path)
    replace_in(folder / "subprograms" / "sp2.yaml", '\ncode: "2"\n', '\ncode: "²"\n')
    out = tmp_path / "out"
    refused = refused_with_location(folder)
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(out), "--format", "docx", "-q", "-j", "1"])
    assert not isinstance(result.exception, ValueError), repr(result.exception)
    if refused:
        assert result.exit_code == 1
    else:
        assert result.exit_code == 0, result.output
        assert_package_inside(out)




@pytest.mark.parametrize("codes", [("x-1", "x/1"), ("A", "a"),
                                   ("1.1", "1.1."), ("1.1", "1..1")])
def test_subprogram_codes_with_the_same_file_name_are_refused_or_kept_apart(codes, tmp_path):
    """Two codes that make the same file stem must not silently overwrite each other's documents."""
    folder = copy_fixture(tmp_path)
    set_subprogram_codes(folder, *codes)
    refused = refused_with_location(folder)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(out), "--format", "docx", "-q", "-j", "1"])
    if refused:
        assert result.exit_code == 1
        return
    assert result.exit_code == 0, result.output
    assert_package_inside(out)


# --- subsidy data codes ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def subsidy_copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("subsidies") / "social-support-vologda"
    shutil.copytree(DATA / "subsidies", target / "subsidies")
    return target


@pytest.fixture
def subsidy_data(subsidy_copy, tmp_path) -> Path:
    target = tmp_path / "social-support-vologda"
    shutil.copytree(subsidy_copy, target)
    return target


def _refused_at(folder: Path, file: str, field_end: str, line: int) -> None:
    from generator.quarterly.load import load_subsidies

    with pytest.raises(DataErrors) as info:
        load_subsidies(folder)
    located = [e for e in info.value.errors if e.field and e.field.endswith(field_end)]
    assert located, [str(e) for e in info.value.errors]
    assert Path(located[0].file).name == file and located[0].line == line, str(located[0])


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


@pytest.mark.parametrize("code", ["../babaevsky", "../../etc", "/etc/passwd", "a/b", "..", "babaevsky/..",
                                  "babaevsky\\n", "..\\\\x", "con/", "Babaevsky"])
def test_municipality_code_not_folder_safe_is_refused(code, subsidy_data):
    path = subsidy_data / "subsidies" / "municipalities.yaml"
    replace_in(path, "{code: babaevsky,", f'{{code: "{code}",')
    _refused_at(subsidy_data, "municipalities.yaml", "code", _line_of(path, "Бабаевский"))


@pytest.mark.parametrize("code", ["../camps", "/camps", "camps/../x"])
def test_subsidy_id_not_folder_safe_is_refused(code, subsidy_data):
    path = subsidy_data / "subsidies" / "subsidies.yaml"
    replace_in(path, "  - id: camps\n", f'  - id: "{code}"\n')
    _refused_at(subsidy_data, "subsidies.yaml", "id", _line_of(path, code))


def test_sane_subsidy_copy_loads(subsidy_data):
    from generator.quarterly.load import load_subsidies

    data = load_subsidies(subsidy_data)
    assert "babaevsky" in data.municipalities and "camps" in data.subsidies


# --- the submissions archive -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def subsidies():
    from generator.quarterly.load import load_subsidies

    return load_subsidies(DATA)


@pytest.fixture(scope="module")
def readable_form(subsidies) -> bytes:
    """A genuine form (readable, so it is archived; a file that is not a form is not, issue 19)."""
    from generator.quarterly.forms import generate

    return generate(subsidies.form_of("camps"), subsidies.subsidies["camps"], subsidies.municipalities["babaevsky"],
                    subsidies.agreement("camps", "babaevsky", 2021), 2021, 1, sample=True)


ARCHIVED = re.compile(r"^archive/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5}$")


@pytest.mark.parametrize("name", ["../../evil.xlsx", "/etc/passwd", "..\\..\\x.xlsx", "a/../../b.xlsx",
                                  "x" * 5000 + ".xlsx", "", ".", "форма.XLSX", "con.xlsx"])
def test_imported_file_is_archived_inside_the_registry(name, subsidies, tmp_path, readable_form):
    from generator.quarterly.intake import import_bytes
    from generator.quarterly.registry import Registry

    with Registry(tmp_path / "registry") as registry:
        result = import_bytes(readable_form, name, subsidies, registry, dt.date(2021, 4, 5))
        s = result.submission
        assert s.stored_as
        stored = (registry.folder / s.stored_as).resolve()
        assert stored.is_relative_to(registry.folder.resolve()) and stored.read_bytes() == readable_form
        assert "/" not in s.original_name and len(s.original_name) <= 200
    assert {p.name for p in tmp_path.iterdir()} == {"registry"}


@pytest.mark.parametrize("name", ["form.a\x00b", "form.\x00", "form.\n", "form.. "])
def test_archive_name_is_safe_whatever_the_upload_name(name, subsidies, tmp_path, readable_form):
    from generator.quarterly.intake import import_bytes
    from generator.quarterly.registry import Registry

    with Registry(tmp_path / "registry") as registry:
        result = import_bytes(readable_form, name, subsidies, registry, dt.date(2021, 4, 5))
        assert ARCHIVED.match(result.submission.stored_as), repr(result.submission.stored_as)
        assert all(ARCHIVED.match(str(p.relative_to(registry.folder)))
                   for p in (registry.folder / "archive").rglob("*") if p.is_file())
