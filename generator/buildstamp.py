"""What a package build depends on, as one fingerprint, and the no-change check made before anything is loaded.

A rebuild with nothing changed should cost file hashes, not a program load. :func:`fingerprint` hashes
every input of a ``gosprog build``: each file of the data folder (path and bytes), the templates (the
defaults and a ``--templates`` overlay), gosprog's own code (every file of the installed ``generator``
package: a changed writer, builder or check changes the output), its version, and the options that shape
the output. The build records the fingerprint in the package's ``manifest.json``; :func:`unchanged` finds a
package under the output folder whose manifest has the same fingerprint and whose files are all there with
their recorded SHA-256, and then the build has nothing to do.

This module imports nothing heavy (no schemas, no writers): it runs before the program is read.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

MANIFEST = "manifest.json"
_SKIP_DIRS = {"__pycache__", ".git", ".mypy_cache", ".pytest_cache"}


def _walk(folder: Path) -> list[Path]:
    """Every file under ``folder`` (sorted, relative order stable), skipping caches and hidden lock files."""
    out: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")) or name.startswith(".#"):
                continue
            out.append(Path(root) / name)
    return out


def tree_digest(folder: Path) -> str:
    """SHA-256 over the relative paths and bytes of every file under ``folder`` ("" when it does not exist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    for path in _walk(folder):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        try:
            with open(path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
        except OSError as exc:
            # a file that cannot be read (a link to nowhere, no permission): hashed as such, and left to the reader,
            # which names it and says why in the user's language (this hash only decides whether anything changed)
            digest.update(f"unreadable {exc.errno}".encode("ascii"))
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of gosprog's own code and files: the ``generator`` package and the default templates
    (whatever changes there can change a rendered file), with the version."""
    from . import __version__
    package = Path(__file__).resolve().parent
    templates = _default_templates()
    return hashlib.sha256(json.dumps([__version__, tree_digest(package),
                                      tree_digest(templates) if templates else ""]).encode()).hexdigest()


def _default_templates() -> Path | None:
    """The default templates folder, found as :mod:`generator.templates` finds it, without importing Jinja."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "document.typ").is_file():
            return candidate
    return None


def fingerprint(data_dir: str | os.PathLike, options: dict) -> dict:
    """The inputs of one build: ``{"data": …, "templates": …, "code": …, "options": …}`` (hex digests and
    the JSON-ready options that shape the output: formats, --only, PDF engine and standard, --force).
    ``options["templates"]``, when set, is an overlay folder whose files are hashed too."""
    options = dict(options)
    overlay = options.pop("templates", None)
    return {"data": tree_digest(Path(data_dir)), "templates": tree_digest(Path(overlay)) if overlay else "",
            "code": code_digest(), "options": json.loads(json.dumps(options, sort_keys=True, default=str))}


def sha256_file(path: Path) -> str:
    """The SHA-256 of the file at ``path`` (hex), read in 1 MiB chunks; the hash the manifests record."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def unchanged(out_dir: str | os.PathLike, stamp: dict) -> Path | None:
    """The package folder under ``out_dir`` (``OUT/<program>/<edition date>/``) that a build with the
    fingerprint ``stamp`` would produce again unchanged, or None (then build as usual).

    A package counts only when its manifest records the same fingerprint, every file it lists is there
    with the recorded SHA-256, and its zip is there. Nothing is written.
    """
    out = Path(out_dir)
    if not out.is_dir():
        return None
    for manifest_path in sorted(out.glob(f"*/*/{MANIFEST}")):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(manifest, dict) or manifest.get("inputs") != stamp:
            continue
        folder = manifest_path.parent
        if not (folder.parent / f"{folder.name}.zip").is_file():
            continue
        try:
            if all(sha256_file(folder / entry["file"]) == entry["sha256"] for entry in manifest.get("files", [])):
                return folder
        except (OSError, KeyError, TypeError):
            continue
    return None
