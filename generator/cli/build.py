"""``gosprog build DATA_DIR``: the program package (passports and all tables, in every format)."""

from __future__ import annotations

import click

from ..i18n import _
from .common import DEFAULT_DATA, UserError, checked, force_option, jobs_option, load_or_exit, \
    parse_formats as _formats, pdf_engine_option, pdf_standard_option, publish, read_program, templates_option


@click.command(help=_("Build the program package: passports and all tables in every format.\n\n"
                      "The data is checked first (as validate); new errors stop the build unless --force."))
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--out", "out_dir", default="output", show_default=True, type=click.Path(file_okay=False),
              help=_("Where packages are written: OUT/<program>/<edition date>/."))
@click.option("--format", "formats", default="docx,xlsx,pdf", show_default=True, help=_("Comma-separated formats."))
@click.option("--only", multiple=True,
              help=_("Only documents whose Russian title or file name contains this text (repeatable)."))
@click.option("--quiet", "-q", is_flag=True, help=_("No progress bar."))
@click.option("--full", is_flag=True, help=_("Render everything, even files whose inputs did not change."))
@pdf_engine_option
@pdf_standard_option
@templates_option
@jobs_option
@force_option
def build(data_dir, out_dir, formats, only, quiet, full, pdf_engine, pdf_standard, templates, jobs, force) -> None:
    from .. import i18n, writers
    from ..buildstamp import fingerprint, unchanged
    from ..interrupts import deferred
    fmts = _formats(formats)
    workers = None

    def start_workers():
        from ..package import Workers, modules_for
        # each render process runs this command's script again as it starts (multiprocessing's preparation of a
        # child), which imports generator.cli: the fork server imports it once for them all
        # started and their closing registered in one step: a Ctrl-C between them ended this process while the
        # render processes were still being started, and one printed a traceback (its pool's semaphore was gone)
        with deferred():
            started = Workers(jobs, ["generator.cli", *modules_for(fmts, pdf_engine)])
            click.get_current_context().call_on_close(started.close)
        return started

    if full:
        # everything renders: the render processes start first (their fork server imports the writers on the
        # other core while this one hashes, imports the builders and reads the program)
        workers = start_workers()
    # nothing changed since the last build (data, templates, gosprog's code, options): decided from file
    # hashes and the manifest before the program is read (issue 23); --full always renders
    inputs = fingerprint(data_dir, {"formats": list(fmts), "only": sorted(only), "pdf_engine": pdf_engine,
                                    "pdf_standard": pdf_standard, "templates": templates, "force": bool(force)})
    if not full:
        current = unchanged(out_dir, inputs)
        if current is not None:
            if not quiet:
                click.echo(i18n._("Nothing changed since the last build: {folder} is up to date").format(
                    folder=current))
            return
        # something changed: the render processes start now (before the builders and the data layer are even
        # imported), while the program is read and checked
        workers = start_workers()
    from ..package import Options
    options = Options(formats=fmts, pdf_engine=pdf_engine, pdf_standard=pdf_standard, templates=templates,
                      jobs=jobs, incremental=not full, partial=bool(only) or set(fmts) != set(writers.FORMATS))
    from ..collector import paused
    # the builders' modules, the program and its documents live until the command ends: no garbage collection
    # looks among them before the first document goes out (0.03 s of the 0.6 s before it, in its collections)
    with paused():
        from ..builders import plan
        loaded = read_program(data_dir)
        if loaded is None:
            # unreadable: the gate says what is wrong (or --force goes on with what can be read)
            forced, report = checked(data_dir, force)
            program, located = load_or_exit(data_dir)
            check = None
        else:
            # readable: the documents render while the gate checks the data (a blocked build is abandoned, the
            # previous package left as it was); the gate's mark of what --force let through goes to the manifest
            program, located = loaded
            forced = {}

            def check() -> dict:
                return checked(data_dir, force, loaded)[0]
        whole = plan(program, located, out_dir, base=data_dir)
    planned = whole.only(only)
    if not planned.documents:
        from ..select import NotFound, documents
        try:
            documents(whole.documents, only)
        except NotFound as exc:
            raise UserError(str(exc)) from None
    manifest = publish(planned, options, progress_bar=not quiet, extra_meta={**forced, "inputs": inputs},
                       workers=workers, check=check)
    if not quiet:
        click.echo(_("{files} files ({rendered} rendered) in {folder}").format(
            files=len(manifest["files"]), rendered=manifest["rendered"], folder=planned.destination))
