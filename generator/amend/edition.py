"""Start the next edition of a program: a copy of its data with its own identity.

Two ways (``gosprog edition new``):

* in place: the current files (``program.yaml`` and ``subprograms/``) are first kept
  as ``DATA_DIR/editions/<old date>/`` (``<old date>-sample`` for a sample edition),
  then ``DATA_DIR/program.yaml`` gets the new edition's identity;
* ``--out NEW_DIR``: the data folder is copied to ``NEW_DIR`` (without its
  ``editions/``) and the copy gets the new identity; ``DATA_DIR`` stays the previous edition.

The identity is ``edition.date`` (in force from), ``edition.act_date`` and
``edition.number`` (the amending act), the act appended to ``amendments``, a comment
line on top of ``program.yaml`` saying where the edition came from. ``sample`` is kept
as it was: a copy of a sample is still made-up data; a sample's ``note`` is rewritten
to name the edition it was started from. Every file is written atomically; the
snapshot is copied to a temporary folder and renamed into place.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from pathlib import Path

from .yamledit import append_to_sequence, compose, find_node, replace_values, write_text


class EditionError(Exception):
    """A refused request (Russian message)."""


def snapshot_dir(data_dir: Path, edition) -> Path:
    return Path(data_dir) / "editions" / (edition.date.isoformat() + ("-sample" if edition.sample else ""))


def new_identity_text(text: str, program, date: _dt.date, act_date: _dt.date, number: str) -> str:
    """``program.yaml``'s text with the new edition's identity (comments and layout kept)."""
    old = program.edition
    changes = {("edition", "date"): date, ("edition", "act_date"): act_date, ("edition", "number"): number}
    root = compose(text)
    if old.sample and find_node(root, ("edition", "note")) is not None:
        changes[("edition", "note")] = (
            f"Образец (условные данные): редакция начата командой gosprog edition new с образца редакции от "
            f"{old.date:%d.%m.%Y} (постановление от {old.act_date:%d.%m.%Y} N {old.number}); "
            "цифры условные и не взяты из текста какого-либо акта.")
    new = replace_values(text, changes)
    if find_node(root, ("amendments",)) is not None and not any(
            a.number == number and a.date == act_date for a in program.amendments):
        new = append_to_sequence(new, ("amendments",), f'{{date: {act_date.isoformat()}, number: "{number}"}}')
    header = (f"# Редакция от {date:%d.%m.%Y} (постановление от {act_date:%d.%m.%Y} N {number}): начата командой "
              f"gosprog edition new с редакции от {old.date:%d.%m.%Y} N {old.number};\n"
              "# до внесения правок ее цифры и тексты совпадают с предыдущей редакцией.\n")
    return header + new


def start(data_dir: Path, program, date: _dt.date, number: str, act_date: _dt.date | None = None,
          out: Path | None = None) -> dict:
    """Start the next edition. Returns ``{"edition": path, "previous": path}``. Raises :class:`EditionError`."""
    data_dir = Path(data_dir)
    act_date = act_date or date
    old = program.edition
    if date <= old.date:
        raise EditionError(f"дата новой редакции {date:%d.%m.%Y} должна быть позже даты текущей редакции "
                           f"{old.date:%d.%m.%Y}")
    if act_date > date:
        raise EditionError(f"дата акта {act_date:%d.%m.%Y} позже даты вступления редакции в силу {date:%d.%m.%Y}")
    if not str(number).strip():
        raise EditionError("номер акта новой редакции пуст")
    program_file = data_dir / "program.yaml"
    text = program_file.read_bytes().decode("utf-8-sig")
    new_text = new_identity_text(text, program, date, act_date, str(number).strip())
    changes = {("edition", "date"): date, ("edition", "act_date"): act_date, ("edition", "number"): str(number).strip()}
    _check(text, new_text, changes, program_file)
    if out is not None:
        out = Path(out)
        if out.exists():
            raise EditionError(f"{out}: папка уже существует; укажите новую папку для редакции")
        _copy_tree(data_dir, out, skip={"editions"})
        write_text(out / "program.yaml", new_text)
        return {"edition": out, "previous": data_dir}
    target = snapshot_dir(data_dir, old)
    if target.exists():
        raise EditionError(f"{target}: предыдущая редакция уже сохранена в этой папке; новая редакция не начата")
    _copy_tree(data_dir, target, only={"program.yaml", "subprograms", "known-findings.yaml"})
    write_text(program_file, new_text)
    return {"edition": data_dir, "previous": target}


def _check(old_text: str, new_text: str, changes: dict, path: Path) -> None:
    """The new text re-reads; only the edition's identity, its note and one appended act differ."""
    from ..data import yamlread
    from ..data.errors import DataError
    try:
        before, _ = yamlread.parse(old_text, path)
        after, _ = yamlread.parse(new_text, path)
    except DataError as exc:
        raise EditionError(f"{path}: редакция не начата: после изменения файл не читается ({exc})") from None
    for (_, key), value in changes.items():
        before["edition"][key] = value
    if "note" in after.get("edition", {}):
        before["edition"]["note"] = after["edition"]["note"]
    if isinstance(before.get("amendments"), list) and len(after.get("amendments") or []) == len(before["amendments"]) + 1:
        before["amendments"].append(after["amendments"][-1])
    if before != after:
        raise EditionError(f"{path}: редакция не начата: после изменения файл содержит не те значения")


def _copy_tree(source: Path, target: Path, skip: set[str] = frozenset(), only: set[str] | None = None) -> None:
    """Copy into a temporary sibling folder, then rename: the target appears whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-edition-", dir=target.parent))
    try:
        for entry in sorted(source.iterdir()):
            if entry.name in skip or (only is not None and entry.name not in only) or entry.name.startswith("."):
                continue
            if entry.resolve() == target.resolve() or tmp in entry.parents:
                continue
            if entry.is_dir():
                shutil.copytree(entry, tmp / entry.name, ignore=shutil.ignore_patterns(".tmp-*"))
            else:
                shutil.copy2(entry, tmp / entry.name)
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
