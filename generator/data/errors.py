"""Located data errors: file, line, column, field path, and what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..i18n import _


@dataclass
class DataError(Exception):
    message: str
    file: Path | str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = str(self.file) if self.file else _("<data>")
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class DataErrors(Exception):
    """Several located errors, reported together."""

    def __init__(self, errors: list[DataError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


def field_path(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
