"""``gosprog validate DATA_DIR``: check the data and its control relations."""

from __future__ import annotations

import json
import sys

import click

from ..i18n import _, ngettext
from .common import DEFAULT_DATA


from ..findings import LABELS  # the label of each kind of line, translated where shown


def _label(kind: str) -> str:
    return _(LABELS[kind])


@click.command(help=_("Check every file of a data folder: schema, references and control relations.\n\n"
                      "Findings listed in known-findings.yaml (the act's own errors) are shown apart; the exit "
                      "code is 1 when a file cannot be read or a new error remains."))
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help=_("Print the findings as JSON."))
@click.option("--strict", is_flag=True, help=_("Exit 1 on new warnings too."))
def validate(data_dir: str, as_json: bool, strict: bool) -> None:
    """Check every file of a data folder (see the help text above)."""
    from .. import findings
    from ..rules import counts
    from ..validation import hint, validate_folder
    report = validate_folder(data_dir)
    new, known = report.new, report.known
    groups = report.new_error_groups
    new_counts = counts(new)
    new_counts["error"] = len(groups)         # one changed figure is one error, whatever relations it breaks
    if as_json:
        click.echo(json.dumps({"program": report.program.code if report.program else None,
                               "unreadable": [{"file": str(e.file) if e.file else None, "line": e.line,
                                               "column": e.column, "field": e.field, "message": e.message}
                                              for e in report.errors],
                               "counts": new_counts, "known": len(known),
                               "error_groups": [[new.index(f) for f in found] for found in groups],
                               "findings": [f.to_dict() for f in new],
                               "known_findings": [f.to_dict() for f in known],
                               "stale_known": report.stale}, ensure_ascii=False, indent=2))
    else:
        width = max(len(_label(k)) for k in LABELS) + 1

        def line(label: str, text: str) -> None:
            click.echo(f"{label:{width}} {text}")

        def detail(text: str) -> None:
            click.echo(" " * (width + 1) + text)

        if report.program is not None:
            click.echo(_("{title} (edition of {date})").format(
                title=report.program.title, date=f"{report.program.edition.date:%d.%m.%Y}"))
        if report.errors:
            click.echo(ngettext("{count} file error in the program data (files not read or not consistent):",
                                "{count} file errors in the program data (files not read or not consistent):",
                                len(report.errors)).format(count=len(report.errors)))
            for e in report.errors:
                line(_label("error"), findings.text(e))
        for found in groups:
            for n, f in enumerate(found):
                line(_label("error") if n == 0 else "  " + _label("and"), f"{f.rule}  {f.location()}")
                detail(f.message)
            advice = hint(found[0].rule)
            if advice:
                detail(_("What to do: {hint}").format(hint=advice))
        for f in new:
            if f.severity != "error":
                line(_label(f.severity), f"{f.rule}  {f.location()}")
                detail(f.message)
                advice = hint(f.rule) if f.severity == "warning" else None
                if advice:
                    detail(_("What to do: {hint}").format(hint=advice))
        if known:
            click.echo(_("The act's own known errors ({count}, listed in known-findings.yaml):").format(
                count=len(known)))
            for f in known:
                line(_label("known"), f"{f.rule}  {f.location()}")
                detail(f.message)
        for entry in report.stale:
            line(_label("stale"), _("{rule}  {file} {field}: this known-findings.yaml entry matches nothing any "
                                    "more (was the error corrected? remove the entry)").format(
                rule=entry["rule"], file=entry["file"], field=entry["field"] or ""))
        click.echo(_("new errors: {errors}, warnings: {warnings}, gaps in the source: {gaps}; "
                     "the act's known errors: {known}").format(
            errors=new_counts["error"] + len(report.errors), warnings=new_counts["warning"],
            gaps=new_counts["gap"], known=len(known)))
    if report.blocking or (strict and (new_counts["warning"] or report.stale)):
        sys.exit(1)
