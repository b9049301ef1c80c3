"""The command line is a package of independent modules, registered lazily: each imports alone, and
``gosprog --help`` or a PDF-only build loads no writer or document library it does not use."""

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import generator.cli as cli
from generator import i18n, package

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p.stem for p in (ROOT / "generator" / "cli").glob("*.py") if p.stem != "__init__")
HEAVY = ("docx", "openpyxl", "xlsxwriter", "weasyprint", "typst", "matplotlib", "fastapi", "sqlalchemy")


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
    env["LANG"] = "C.UTF-8"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, env=env)


@pytest.mark.parametrize("module", ["generator.cli"] + [f"generator.cli.{m}" for m in MODULES])
def test_every_cli_module_imports_alone(module):
    result = _python(f"import {module}")
    assert result.returncode == 0, result.stderr


def test_every_command_is_registered_and_loads():
    assert set(MODULES) >= {"common", "validate", "build", "annual", "diff", "quarterly", "amend", "portal"}
    ctx = click.Context(cli.main)
    names = cli.main.list_commands(ctx)
    assert names == sorted(["validate", "build", "quarterly", "annual", "diff", "edition", "tables", "serve",
                            "users"])
    for name in names:
        command = cli.main.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name


_MODULES_AFTER = """
import json, sys
from generator.cli import main
try:
    main(sys.argv[1:], prog_name="gosprog")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_after(*args):
    result = _python(_MODULES_AFTER, *args)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report["code"], report["modules"], result.stdout


def test_help_imports_no_writer_or_document_library():
    code, modules, out = _modules_after("--help")
    assert code == 0 and "Использование: gosprog" in out and "validate" in out and "quarterly" in out
    loaded = {m.split(".")[0] for m in modules}
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    assert not [m for m in modules if m.startswith(("generator.writers", "generator.builders", "generator.data",
                                                    "generator.rules", "generator.portal"))]


def test_pdf_build_imports_neither_python_docx_nor_openpyxl(tmp_path):
    code, modules, _ = _modules_after("build", "data/social-support-vologda", "--out", str(tmp_path), "--format",
                                      "pdf", "--only", "00-programma-pasport", "-q", "-j", "1")
    assert code == 0
    pdfs = list(tmp_path.rglob("*.pdf"))
    assert pdfs and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    loaded = {m.split(".")[0] for m in modules}
    assert "typst" in loaded
    assert not loaded & {"docx", "openpyxl", "xlsxwriter", "weasyprint"}
    assert "generator.writers.docx" not in modules and "generator.writers.xlsx" not in modules


def test_parallel_workers_preload_only_the_writers_of_their_formats():
    pdf = package.Options(formats=("pdf",))
    assert package.preload_modules([(None, [("pdf", Path("a.pdf"))], pdf)]) \
        == ["generator.package", "generator.writers.typst_ready", "generator.gc_freeze"]
    html = package.Options(formats=("pdf", "docx"), pdf_engine="weasyprint")
    assert package.preload_modules([(None, [("pdf", Path("a.pdf")), ("docx", Path("a.docx"))], html)]) \
        == ["generator.package", "generator.writers.docx_ready", "generator.writers.html_pdf", "generator.gc_freeze"]


def test_registered_command_is_loaded_on_first_use(monkeypatch, tmp_path):
    module = tmp_path / "toy_cli_module.py"
    module.write_text("import click\n\n@click.command('toy')\n@click.argument('who')\n"
                      "def toy(who):\n    \"\"\"A toy command.\"\"\"\n    click.echo(f'hello {who}')\n",
                      encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(cli.COMMANDS, "toy", "toy_cli_module:toy")
    assert "toy_cli_module" not in sys.modules
    result = CliRunner().invoke(cli.main, ["--help"])
    assert "A toy command." in result.output
    result = CliRunner().invoke(cli.main, ["toy", "you"])
    assert result.exit_code == 0 and result.output == "hello you\n"
    sys.modules.pop("toy_cli_module", None)


def test_python_m_generator_is_the_same_command():
    env = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
    result = subprocess.run([sys.executable, "-m", "generator", "--lang", "en", "diff", "--help"],
                            capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0
    assert "Usage: gosprog diff [OPTIONS] OLD NEW" in result.stdout


def test_the_console_command_ends_with_its_status_output_and_cleanups():
    """``gosprog`` is :func:`generator.cli.run` (setup.cfg): it ends the process without the interpreter's
    teardown, but with the command's exit status, its flushed output and every cleanup the command registered."""
    assert "gosprog = generator.cli:run" in (ROOT / "setup.cfg").read_text(encoding="utf-8")
    failed = _python("import sys; from generator.cli import run; sys.argv = ['gosprog', 'validate', '/nonexistent']; "
                     "run()")
    assert failed.returncode == 1
    assert "/nonexistent" in failed.stdout and "это не папка программы" in failed.stdout
    shown = _python("import sys; from generator.cli import run; sys.argv = ['gosprog', '--version']; run()")
    assert shown.returncode == 0 and shown.stdout.strip() == "gosprog, версия 0.1.0"
    cleanup = _python("import atexit, sys\n"
                      "from generator import cli\n"
                      "command = cli.main\n"
                      "def main():\n"
                      "    atexit.register(lambda: print('cleanup ran', end=''))\n"
                      "    command()\n"
                      "cli.main = main\n"
                      "sys.argv = ['gosprog', '--version']\n"
                      "cli.run()\n")
    assert cleanup.returncode == 0 and cleanup.stdout.endswith("cleanup ran")
    crashed = _python("import sys\nfrom generator import cli\n"
                      "def main():\n    raise RuntimeError('boom')\n"
                      "cli.main = main\ncli.run()\n")
    assert crashed.returncode == 1 and "RuntimeError: boom" in crashed.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_output_that_cannot_be_written_is_one_russian_line_not_a_traceback():
    """Standard output on a full disk: the command says so in one line on standard error, status 1."""
    env = {k: v for k, v in os.environ.items() if k not in i18n.LOCALE_VARIABLES}
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-c", "from generator.cli import run; run()", "validate",
                               str(ROOT / "data" / "social-support-vologda")], cwd=ROOT, env=env, stdout=full,
                              stderr=subprocess.PIPE, text=True)
    assert done.returncode == 1
    assert done.stderr.strip() == "Ошибка: не удалось вывести результат команды: на диске нет места"
