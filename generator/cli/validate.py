"""``gosprog validate DATA_DIR``: check the data and its control relations."""

from __future__ import annotations

import json
import sys

import click

from .common import DEFAULT_DATA


@click.command()
@click.argument("data_dir", default=DEFAULT_DATA, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 on new warnings too.")
def validate(data_dir: str, as_json: bool, strict: bool) -> None:
    """Check every file of a data folder: schema, references and control relations.

    Findings listed in known-findings.yaml (the act's own errors) are shown apart; the exit code is 1
    when a file cannot be read or a new error remains.
    """
    from .. import findings
    from ..rules import counts
    from ..validation import validate_folder
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
        if report.program is not None:
            click.echo(f"{report.program.title} (редакция от {report.program.edition.date:%d.%m.%Y})")
        if report.errors:
            click.echo(f"{len(report.errors)} error(s) in the program data (файлы не прочитаны или не согласованы):")
            for e in report.errors:
                click.echo(f"ERROR   {findings.text(e)}")
        for found in groups:
            for n, f in enumerate(found):
                click.echo("\n".join(findings.block(f, "ERROR" if n == 0 else "  и")))
        for f in new:
            if f.severity != "error":
                click.echo("\n".join(findings.block(f)))
        if known:
            click.echo(f"Известные ошибки постановления ({len(known)}, перечислены в known-findings.yaml):")
            for f in known:
                click.echo("\n".join(findings.block(f, "KNOWN")))
        for entry in report.stale:
            click.echo(f"STALE   {entry['rule']}  {entry['file']} {entry['field'] or ''}: запись known-findings.yaml "
                       f"больше ничему не соответствует (ошибку исправили? удалите запись)")
        click.echo(f"{new_counts['error'] + len(report.errors)} error(s), {new_counts['warning']} warning(s), "
                   f"{new_counts['gap']} gap(s) in the source; {len(known)} known "
                   f"(новых ошибок: {new_counts['error'] + len(report.errors)}, известных: {len(known)})")
    if report.blocking or (strict and (new_counts["warning"] or report.stale)):
        sys.exit(1)
