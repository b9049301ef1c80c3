"""Located data errors: file, line, column, field path, and what was expected."""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import Finding, text


@dataclass
class DataError(Finding, Exception):
    """A located error in the data (a :class:`generator.findings.Finding` that can be raised): the loader's
    schema and YAML errors, the annual facts' and the subsidy data's. ``str()`` is :func:`generator.findings.text`."""

    def __str__(self) -> str:
        return text(self)


class DataErrors(Exception):
    """Several located errors, reported together."""

    def __init__(self, errors: list[DataError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


def field_path(path: tuple) -> str:
    """A field path as errors print it: ``("financing", "rows", 3, "total")`` → ``"financing.rows[3].total"``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
