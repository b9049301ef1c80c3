"""Where templates come from: the project's ``templates/`` with an optional user overlay.

``templates/`` is installed as the data package ``gosprog_templates`` (setup.py), so a
wheel install finds it through ``importlib.resources``; a source checkout that was not
installed falls back to the folder beside ``generator/``.

``--templates DIR`` puts a user's folder in front: a file that exists there
overrides the default of the same name; everything else falls through. Jinja2
templates run in a sandbox, and data is only ever passed *to* a template,
never compiled as one.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment



def _default_dir() -> Path:
    """The installed ``gosprog_templates`` folder, else ``templates/`` of the source tree."""
    import importlib.resources
    try:
        folder = Path(str(importlib.resources.files("gosprog_templates")))
    except ModuleNotFoundError:
        folder = Path(__file__).resolve().parent.parent / "templates"
    return folder.resolve()


DEFAULT_DIR = _default_dir()


class Templates:
    def __init__(self, overlay: str | Path | None = None):
        self.dirs = ([Path(overlay).resolve()] if overlay else []) + [DEFAULT_DIR]
        self._env: SandboxedEnvironment | None = None

    def find(self, name: str) -> Path:
        for folder in self.dirs:
            path = folder / name
            if path.is_file():
                return path
        raise FileNotFoundError(f"template {name!r} not found in {', '.join(map(str, self.dirs))}")

    def read(self, name: str) -> str:
        return self.find(name).read_text(encoding="utf-8")

    @property
    def env(self) -> SandboxedEnvironment:
        if self._env is None:
            self._env = SandboxedEnvironment(
                loader=FileSystemLoader([str(d) for d in self.dirs]),
                autoescape=select_autoescape(["html", "html.j2", "xml"], default_for_string=True,
                                             default=False),
                undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                keep_trailing_newline=True)
            self._env.filters.update(_filters())
        return self._env

    def render(self, name: str, **context) -> str:
        return self.env.get_template(name).render(**context)

    def allows(self, path: Path) -> bool:
        """True when ``path`` lies inside one of the template folders."""
        resolved = path.resolve()
        return any(resolved.is_relative_to(d) for d in self.dirs)


def _filters() -> dict:
    """Russian number formatting for text templates: {{ x|rub }}, {{ x|thousand }}, {{ x|pct }}, {{ d|date }}."""
    from . import numbers
    return {"rub": lambda v: numbers.format_number(v, 2), "thousand": lambda v: numbers.format_number(v, 1),
            "num": lambda v: numbers.format_number(v, None), "pct": lambda v: numbers.format_percent(v, 1),
            "date": numbers.format_date}


_default: Templates | None = None


def default() -> Templates:
    global _default
    if _default is None:
        _default = Templates()
    return _default


def get(overlay: str | Path | None) -> Templates:
    return Templates(overlay) if overlay else default()
