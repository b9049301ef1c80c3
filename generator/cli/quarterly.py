"""``gosprog quarterly``: forms for municipalities, import of filled forms, and the quarterly reports."""

from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

import click

from ..i18n import N_, _
from .common import DEFAULT_DATA, UserError, checked, force_option, load_or_exit, load_subsidies_or_exit, \
    parse_formats as _formats, pdf_engine_option, publish


_subsidies = load_subsidies_or_exit


def _check_subsidy(data, subsidy: str | None) -> list[str]:
    """The subsidy ids ``--subsidy`` names (its code or a part of its name; all for none); an unknown or
    ambiguous one is a :class:`UserError` listing the subsidies (:func:`generator.select.subsidy`)."""
    from ..select import NotFound, subsidy as find_subsidy
    try:
        return find_subsidy(data.subsidies, subsidy)
    except NotFound as exc:
        raise UserError(str(exc)) from None


class _SubsidiesListed(click.Command):
    """A command whose help ends with the subsidies of the default data folder (codes and names), the values
    its ``--subsidy`` takes."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from ..select import subsidies_help
        lines = subsidies_help(DEFAULT_DATA)
        if lines:
            formatter.write_paragraph()
            formatter.write_text(_("Subsidies of {folder} (--subsidy takes the code or a part of the name):")
                                 .format(folder=DEFAULT_DATA))
            with formatter.indentation():
                formatter.write_dl([tuple(line.split(": ", 1)) for line in lines.split("\n")])
        super().format_epilog(ctx, formatter)


def _registry_dir(out: str, program_code: str, registry: str | None) -> Path:
    """The registry of a data set: --registry, or OUT/<program code>/submissions -- the same folder for
    forms, import, report and demo, so that one command reads what another recorded."""
    from ..paths import registry_folder
    return registry_folder(out, program_code, registry)


PROTOCOL_HELP = N_("Formats of the check protocol written for each imported file into REGISTRY/protocols "
                   "(docx, pdf; none: no protocols).")
REGISTRY_HELP = N_("Submissions registry (default: OUT/<program>/submissions, one per data set, shared by forms, "
                   "import, report and demo).")


@click.group(help=_("Quarterly subsidy reports: forms, import with checks, consolidated reports.\n\n"
                    "\b\n"
                    "1. gosprog quarterly forms --year Y --quarter Q    forms for the municipalities\n"
                    "2. send the forms; the municipalities fill them in and send them back\n"
                    "3. gosprog quarterly import FILES...               check and record the filled forms\n"
                    "4. gosprog quarterly report --year Y --quarter Q   the consolidated report\n"
                    "5. gosprog quarterly annual-forms --year Y         after the IV quarter: the annual reports on "
                    "the results, imported like the quarterly forms"))
def quarterly() -> None:
    """Quarterly subsidy reports (see the help text above)."""


common_period = [
    click.option("--year", type=click.IntRange(2000, 2100), required=True, help=_("The reporting year.")),
    click.option("--quarter", type=click.IntRange(1, 4), required=True, help=_("The quarter (1-4).")),
]


def period(f):
    for option in reversed(common_period):
        f = option(f)
    return f


def subsidy_period_options(f):
    """The options ``forms`` and ``report`` share: data folder, subsidy, year and quarter, output, registry."""
    f = click.option("--registry", default=None, type=click.Path(file_okay=False), help=_(REGISTRY_HELP))(f)
    f = click.option("--out", default="output", show_default=True, type=click.Path(file_okay=False),
                     help=_("Where the results are written."))(f)
    f = period(f)
    f = click.option("--subsidy", default=None,
                     help=_("Only this subsidy: its code or a part of its name (default: all)."))(f)
    return click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True, type=click.Path(),
                        help=_("The program's data folder."))(f)


@quarterly.command("forms", cls=_SubsidiesListed,
                   help=_("One pre-filled XLSX form per municipality with an agreement (after the checks of "
                          "validate)."))
@subsidy_period_options
@force_option
def forms_command(data_dir, subsidy, year, quarter, out, registry, force) -> None:
    """The forms of a quarter (see the help text above)."""
    from ..paths import quarterly_forms_folder
    from ..quarterly.cycle import write_quarter_forms
    checked(data_dir, force)
    program, _located = load_or_exit(data_dir)
    data = _subsidies(data_dir, program)
    folder = quarterly_forms_folder(out, program.code, year, quarter)
    _check_key_place(data_dir, out, registry)
    with _open_registry(out, program.code, registry) as reg, _key_errors():
        count = write_quarter_forms(data, reg, _check_subsidy(data, subsidy), year, quarter, folder)
    if not count:
        raise UserError(_("no agreements for {year}: nothing to generate").format(year=year))
    click.echo(_("{count} forms in {folder}").format(count=count, folder=folder))


@quarterly.command("annual-forms", cls=_SubsidiesListed,
                   help=_("One pre-filled XLSX annual report on the results of the subsidy per municipality with an "
                          "agreement: the results and their plan values from the agreement, the year's money from "
                          "the accepted report for the IV quarter. The filled forms are imported with "
                          "«gosprog quarterly import»."))
@click.option("--data", "data_dir", default=DEFAULT_DATA, type=click.Path(),
              help=_("The program's data folder."))
@click.option("--subsidy", default=None, help=_("Only this subsidy: its code or a part of its name (default: all)."))
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help=_("The reporting year."))
@click.option("--out", default="output", show_default=True, type=click.Path(file_okay=False),
              help=_("Where the results are written."))
@click.option("--registry", default=None, type=click.Path(file_okay=False), help=_(REGISTRY_HELP))
@click.option("--blank-money", is_flag=True,
              help=_("Write the forms even when the registry holds no accepted report for the IV quarter yet: "
                     "their money is left blank."))
@force_option
def annual_forms_command(data_dir, subsidy, year, out, registry, blank_money, force) -> None:
    """The annual results forms of a year (see the help text above)."""
    from ..paths import annual_forms_folder
    from ..quarterly.cycle import write_annual_forms
    checked(data_dir, force)
    program, _located = load_or_exit(data_dir)
    data = _subsidies(data_dir, program)
    folder = annual_forms_folder(out, program.code, year)
    _check_key_place(data_dir, out, registry)
    chosen = _check_subsidy(data, subsidy)
    folder_of_registry = _registry_dir(out, program.code, registry)
    refusal = UserError(_("the registry {folder} holds no accepted report for the IV quarter of {year}: no annual "
                          "form written (its money comes from that report; import the IV-quarter forms first, "
                          "give the registry with --registry, or write the forms with their money blank with "
                          "--blank-money)").format(folder=folder_of_registry, year=year))
    wanted = not blank_money and any(data.agreements_for(sid, year) for sid in chosen)
    if wanted and not (folder_of_registry / "registry.sqlite").is_file():
        raise refusal          # no registry there at all: refused before opening one (which would create it)
    with _open_registry(out, program.code, registry) as reg, _key_errors():
        if wanted and not any(reg.latest(sid, year, 4) for sid in chosen):
            # not one accepted IV-quarter report: every form's money would be blank (an empty or wrong registry)
            raise refusal
        count, blank = write_annual_forms(data, reg, chosen, year, folder)
    if not count:
        raise UserError(_("no agreements for {year}: nothing to generate").format(year=year))
    for who in blank:
        click.echo(_("{who}: no accepted report for the IV quarter of {year}; the money on its form is left blank")
                   .format(who=who, year=year), err=True)
    click.echo(_("{count} forms in {folder}").format(count=count, folder=folder))


@quarterly.command("import", help=_("Check filled forms and record them; rejected files get a list of problems. "
                                    "Exit 1 if any is rejected."))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True, type=click.Path(),
              help=_("The program's data folder."))
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help=_("Only accept forms of this year."))
@click.option("--quarter", type=click.IntRange(1, 4), default=None, help=_("Only accept forms of this quarter."))
@click.option("--subsidy", default=None, help=_("Only accept forms of this subsidy (its code or a part of its name)."))
@click.option("--received", type=click.DateTime(["%Y-%m-%d", "%d.%m.%Y"]), default=None,
              help=_("The date the files arrived (default: today)."))
@click.option("--out", default="output", show_default=True, type=click.Path(file_okay=False),
              help=_("Where the results are written."))
@click.option("--registry", default=None, type=click.Path(file_okay=False), help=_(REGISTRY_HELP))
@click.option("--jobs", "-j", type=click.IntRange(0, 64), default=0, show_default=True,
              help=_("Worker processes reading the files (0: up to 2, as many as CPU cores; small batches: 1)."))
@click.option("--protocol-format", "protocol_formats", default="docx,pdf", show_default=True,
              help=_(PROTOCOL_HELP))
def import_command(files, data_dir, year, quarter, subsidy, received, out, registry, jobs, protocol_formats) -> None:
    """Import filled forms (see the help text above)."""
    import os

    from ..quarterly.importer import FormRejected
    from ..quarterly.intake import Expectation, describe, import_many, read_upload
    from ..quarterly.registry import RegistryError
    from ..quarterly.secretkey import SecretKeyError
    program, _located = load_or_exit(data_dir)
    data = _subsidies(data_dir, program)
    when = received.date() if received else _dt.date.today()
    rejected = 0
    folder = _registry_dir(out, program.code, registry)
    _check_key_place(data_dir, out, folder)
    chosen = _protocol_formats(protocol_formats)
    if jobs == 0:
        jobs = 1 if len(files) < 16 else min(2, os.cpu_count() or 1)
    expect = Expectation(year, quarter, _check_subsidy(data, subsidy)[0] if subsidy else None)

    def uploads():                     # (name, its bytes or None, problems of the upload)
        for name in files:
            try:
                yield name, read_upload(name), []
            except FormRejected as exc:
                yield name, None, exc.problems
            except OSError as exc:
                unreadable[name] = exc

    unreadable: dict[str, OSError] = {}
    with _open_registry(out, program.code, registry) as reg:
        try:
            for name, result in import_many(uploads(), data, reg, when, expect, jobs):
                if isinstance(result, RegistryError):
                    click.echo(_("{name}: NOT RECORDED: {reason}").format(name=name, reason=result), err=True)
                    rejected += 1
                    continue
                click.echo(describe(result, data))
                _protocols(data, reg, result, chosen)
                rejected += result.status == "rejected" or (
                    result.status == "duplicate" and result.submission.status != "accepted")
        except SecretKeyError as exc:
            raise UserError(_("the forms' signing key: {problem}").format(problem=exc)) from None
    for name, exc in unreadable.items():
        from ..oserrors import read_reason
        click.echo(_("{name}: cannot read ({reason})").format(name=name, reason=read_reason(exc)), err=True)
        rejected += 1
    if rejected:
        sys.exit(1)


def _protocol_formats(text: str) -> tuple[str, ...]:
    from ..quarterly.cycle import protocol_formats
    try:
        return protocol_formats(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _protocols(data, reg, result, formats: tuple[str, ...]) -> None:
    from ..quarterly.cycle import write_protocols
    write_protocols(data, reg, result, formats, click.echo, warn=lambda line: click.echo(line, err=True))


def _open_registry(out, program_code: str, registry):
    from ..quarterly.cycle import open_registry
    from ..quarterly.registry import RegistryError
    try:
        return open_registry(out, program_code, registry)
    except RegistryError as exc:
        raise UserError(str(exc)) from None


class _key_errors:
    """The installation key's problem (:class:`generator.quarterly.secretkey.SecretKeyError`) as a UserError."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        from ..quarterly.secretkey import SecretKeyError
        if kind is not None and issubclass(kind, SecretKeyError):
            raise UserError(_("the forms' signing key: {problem}").format(problem=exc)) from None
        return False


def _check_key_place(*folders) -> None:
    """The installation key must not live in the data, output or registry folders (they are shared, copied
    and published); see docs/quarterly-key.md."""
    from ..quarterly.secretkey import key_path
    key = key_path().expanduser().absolute()
    for folder in folders:
        if folder and key.is_relative_to(Path(folder).absolute()):
            raise UserError(_("the forms' signing key {key} lies in the folder {folder}: move it out of the data and "
                              "output folders (see docs/quarterly-key.md) and give its path in "
                              "GOSPROG_SECRET_KEY_FILE").format(key=key, folder=folder))


@quarterly.command("report", cls=_SubsidiesListed,
                   help=_("The consolidated report per subsidy and each municipality's report, for one quarter."))
@subsidy_period_options
@click.option("--format", "formats", default="docx,xlsx,pdf", show_default=True, help=_("Comma-separated formats."))
@pdf_engine_option
@click.option("--quiet", "-q", is_flag=True, help=_("No status line."))
@force_option
def report_command(data_dir, subsidy, year, quarter, out, registry, formats, pdf_engine, quiet, force) -> None:
    """The reports of a quarter (see the help text above)."""
    forced, _report = checked(data_dir, force)
    program, _located = load_or_exit(data_dir)
    data = _subsidies(data_dir, program)
    from ..quarterly.cycle import with_submissions
    from ..quarterly.intake import period_named
    folder = _registry_dir(out, program.code, registry)
    with _open_registry(out, program.code, registry) as reg:
        wanted = _check_subsidy(data, subsidy)
        present = with_submissions(reg, wanted, year, quarter)
        for sid in wanted:
            if sid not in present:
                click.echo(_("no submissions for {subsidy}, {period} in the registry {folder}: its report is not "
                             "written").format(subsidy=data.subsidies[sid].name, period=period_named(year, quarter),
                                               folder=folder), err=True)
        if not present:
            raise UserError(_("the registry {folder} holds no submissions for {period}: nothing written (import "
                              "the received forms first, or give the registry with --registry)").format(
                                  folder=folder, period=period_named(year, quarter)))
        destination = build_quarter_reports(program, data, reg, present, year, quarter, Path(out),
                                            _formats(formats), pdf_engine, forced,
                                            partial=present != sorted(data.subsidies))
    if not quiet:
        click.echo(_("reports in {folder}").format(folder=destination))


def build_quarter_reports(program, data, reg, subsidies, year, quarter, out: Path, formats, pdf_engine,
                          forced: dict | None = None, partial: bool = False) -> Path:
    """Publish the reports of one quarter (:func:`generator.quarterly.plan.plan`); returns their folder.
    ``partial``: the other subsidies' reports already in the folder stay (a report is never replaced by one
    of fewer subsidies)."""
    from ..package import Options
    from ..quarterly.plan import plan
    planned = plan(program, data, reg, subsidies, year, quarter, out)
    publish(planned, Options(formats=formats, pdf_engine=pdf_engine, partial=partial), extra_meta=forced)
    return planned.destination


@quarterly.command("demo", help=_("The whole reporting cycle of a year on the sample submissions: forms, filling, "
                                  "import, protocols and reports for 4 quarters, then the annual reports on the "
                                  "results."))
@click.option("--data", "data_dir", default=DEFAULT_DATA, show_default=True, type=click.Path(),
              help=_("The program's data folder."))
@click.option("--year", type=click.IntRange(2000, 2100), default=2021, show_default=True,
              help=_("The reporting year."))
@click.option("--out", default="output", show_default=True, type=click.Path(file_okay=False),
              help=_("Where the results are written."))
@click.option("--registry", default=None, type=click.Path(file_okay=False), help=_(REGISTRY_HELP))
@click.option("--format", "formats", default="docx,xlsx,pdf", show_default=True, help=_("Comma-separated formats."))
@pdf_engine_option
@force_option
@click.option("--protocol-format", "protocol_formats", default="docx,pdf", show_default=True,
              help=_(PROTOCOL_HELP))
def demo_command(data_dir, year, out, formats, pdf_engine, force, registry, protocol_formats) -> None:
    """The reporting cycle on sample data (see the help text above)."""
    from ..quarterly.cycle import demo
    checked(data_dir, force)
    program, _located = load_or_exit(data_dir)
    data = _subsidies(data_dir, program)
    registry_dir = _registry_dir(out, program.code, registry)
    _check_key_place(data_dir, out, registry_dir)
    fmts = _formats(formats)
    chosen = _protocol_formats(protocol_formats)

    def reports(reg, subsidies, year, quarter):
        return build_quarter_reports(program, data, reg, subsidies, year, quarter, Path(out), fmts, pdf_engine)
    with _open_registry(out, program.code, registry) as reg, _key_errors():
        try:
            demo(program, data, reg, year, Path(out), fmts, pdf_engine, chosen, reports, click.echo, data_dir)
        except ValueError as exc:
            raise UserError(str(exc)) from None
