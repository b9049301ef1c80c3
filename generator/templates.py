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

import re
from pathlib import Path

from .i18n import N_, _


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
        self._env = None       # the Jinja2 sandbox, made (and jinja2 imported) on first use

    def find(self, name: str) -> Path:
        for folder in self.dirs:
            path = folder / name
            if path.is_file():
                return path
        raise FileNotFoundError(_("template {name!r} not found in {folders}").format(
            name=name, folders=", ".join(map(str, self.dirs))))

    def read(self, name: str) -> str:
        return self.find(name).read_text(encoding="utf-8")

    @property
    def env(self):
        """The Jinja2 :class:`~jinja2.sandbox.SandboxedEnvironment` over :attr:`dirs` (jinja2 is imported here,
        not with the module: reading a data file such as ``wording.yaml`` needs no template engine)."""
        if self._env is None:
            from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
            from jinja2.sandbox import SandboxedEnvironment
            self._env = SandboxedEnvironment(
                loader=FileSystemLoader([str(d) for d in self.dirs]),
                autoescape=select_autoescape(["html", "html.j2", "xml"], default_for_string=True,
                                             default=False),
                undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                keep_trailing_newline=True)
            self._env.filters.update(_filters())
        return self._env

    def render(self, name: str, **context) -> str:
        """``name`` rendered with ``context``. Raises :class:`TemplateError` (file, line, message) when the
        template cannot be compiled or fails while rendering (an unknown variable, a forbidden attribute)."""
        import jinja2
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateNotFound:
            raise
        except Exception as exc:
            located = jinja_error(exc, self)
            if located is None:
                raise
            raise located from None

    def allows(self, path: Path) -> bool:
        """True when ``path`` lies inside one of the template folders."""
        resolved = path.resolve()
        return any(resolved.is_relative_to(d) for d in self.dirs)


def _template_error_class():
    """:class:`TemplateError`, made on first use: it is a :class:`click.ClickException`, and importing click
    (a twentieth of a second) is not needed to read data files or render in a worker process."""
    import click

    class TemplateError(click.ClickException):
        """A template (usually a user's ``--templates`` overlay) that Jinja2 or Typst refuses: the file, the line
        (``None`` when the engine gives none), the engine's message in the user's language, and the engine.

        A :class:`click.ClickException`, so that any command rendering templates reports it as an input error
        (``Ошибка: ошибка в шаблоне …``, exit code 1, no traceback); it pickles by its four fields, so it
        crosses from the worker processes of a parallel build."""

        exit_code = 1

        def __init__(self, file: str, line: int | None, message: str, engine: str):
            self.file, self.line, self.engine = file, line, engine
            if line:
                text = _("error in the template {file}, line {line}: {message}").format(file=file, line=line,
                                                                                        message=message)
            else:
                text = _("error in the template {file}: {message}").format(file=file, message=message)
            super().__init__(text)
            self.detail = message
            self.args = (file, line, message, engine)

    TemplateError.__module__, TemplateError.__qualname__ = __name__, "TemplateError"    # pickled by name
    return TemplateError


def __getattr__(name: str):
    """``TemplateError`` (:func:`_template_error_class`) on first access (PEP 562), then a plain global."""
    if name == "TemplateError":
        globals()["TemplateError"] = made = _template_error_class()
        return made
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _error(*args) -> "TemplateError":
    """A new :class:`TemplateError` of ``args`` (the one class, made once)."""
    return (globals().get("TemplateError") or __getattr__("TemplateError"))(*args)


#: The engines' usual messages in the user's words (anything else is quoted as the engine wrote it).
_ENGINE_MESSAGES = [
    (r"'([^']+)' is undefined", N_("the template uses {0}, which gosprog does not pass to it")),
    (r"has no attribute '([^']+)'", N_("the value has no field {0}")),
    (r"Expected an expression, got 'end of", N_("an expression is missing before the end of the tag")),
    (r"Expected an expression, got '([^']+)'", N_("an expression is missing (found {0})")),
    (r"Encountered unknown tag '([^']+)'", N_("unknown tag {0}")),
    (r"No filter named '([^']+)'", N_("no filter named {0} (gosprog adds rub, thousand, num, pct, date)")),
    (r"[Uu]nexpected end of template", N_("the template ends inside an unclosed block (endif, endfor...)")),
    (r"access to attribute '([^']+)' of '[^']+' object is unsafe", N_("access to {0} is forbidden in templates")),
    (r"unexpected '([^']+)'", N_("unexpected {0}")),
    (r"unexpected char '([^']+)'", N_("unexpected character {0}")),
    (r"unclosed delimiter", N_("a bracket is not closed")),
    (r"unexpected closing delimiter", N_("a closing bracket without its opening one")),
    (r"the character `([^`]+)` is not valid in code", N_("the character {0} is not allowed in code")),
    (r"unknown variable: (\S+)", N_("unknown variable {0}")),
    (r"file not found \(searched at ([^)]+)\)", N_("file not found: {0}")),
    (r"expected (\w+(?: \w+)?)(?:, found (\w+(?: \w+)?))?", N_("syntax error: {0} expected")),
]


def engine_message(text: str, engine: str) -> str:
    """An engine's error message (Jinja2, Typst) in the user's language, when it is a usual one;
    otherwise the engine's own words, quoted and attributed."""
    for pattern, message in _ENGINE_MESSAGES:
        found = re.search(pattern, text)
        if found:
            return _(message).format(*(f"«{g}»" if g else "" for g in found.groups()))
    return _("{engine} says: {text}").format(engine=engine, text=text)


def jinja_error(exc: BaseException, templates: "Templates | None" = None) -> TemplateError | None:
    """A Jinja2 failure as a located :class:`TemplateError`, ``None`` when ``exc`` did not come from a template:
    a syntax error carries its file and line; a rendering error (undefined value, sandbox refusal) is located
    by the template frame of its traceback."""
    import jinja2
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return _error(exc.filename or exc.name or "?", exc.lineno,
                             engine_message(exc.message or str(exc), "Jinja2"), "jinja2")
    tb, where = exc.__traceback__, None
    folders = [str(d) for d in templates.dirs] if templates else []
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2") or any(name.startswith(folder) for folder in folders):
            where = (name, tb.tb_lineno)
        tb = tb.tb_next
    if where is None and not isinstance(exc, jinja2.TemplateError):
        return None
    file, line = where or ("?", None)
    return _error(file, line, engine_message(str(exc), "Jinja2"), "jinja2")


_TYPST_LOCATION = re.compile(r"┌─ (.+?):(\d+):(\d+)")


def typst_error(exc: BaseException, templates: "Templates") -> TemplateError | None:
    """A Typst compilation error as a located :class:`TemplateError` (the first diagnostic's file and line;
    the copy of ``document.typ`` compiled in a temporary folder is reported as the template it came from)."""
    try:
        import typst
    except ImportError:             # pragma: no cover - typst is a dependency
        return None
    if not isinstance(exc, typst.TypstError):
        return None
    message = getattr(exc, "message", None) or str(exc)
    found = _TYPST_LOCATION.search(getattr(exc, "diagnostic", "") or "")
    file, line = "document.typ", None
    if found:
        file, line = found.group(1), int(found.group(2))
    if Path(file).name == "document.typ":
        try:
            file = str(templates.find("document.typ"))
        except FileNotFoundError:       # pragma: no cover
            pass
    return _error(file, line, engine_message(message, "Typst"), "typst")


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
