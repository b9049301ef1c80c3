"""Why the operating system refused a file, in the user's language: one place for the readers, the package build
and the command line (the system's own ``strerror`` is English whatever the interface's language).

Reading and writing have their own words for the same error number: a file that cannot be read "does not exist",
a package that cannot be written "has no permission to write"; an error number neither table knows is said in the
system's words.
"""

from __future__ import annotations

import errno

from .i18n import N_, _

#: Why a file could not be read.
_READING = {
    errno.ENOENT: N_("no such file"), errno.EACCES: N_("permission denied"), errno.EPERM: N_("permission denied"),
    errno.EISDIR: N_("it is a folder"), errno.ENOTDIR: N_("a part of the path is a file, not a folder"),
    errno.ELOOP: N_("a symbolic link"),
}

#: Why the package (or the command's output) could not be written.
_WRITING = {
    errno.EACCES: N_("no permission to write"), errno.EPERM: N_("no permission to write"),
    errno.EROFS: N_("the disk is read-only"), errno.ENOSPC: N_("no space left on the disk"),
    errno.EDQUOT: N_("the disk quota is used up"), errno.ENOTDIR: N_("a file stands where a folder should be"),
    errno.EEXIST: N_("a file stands where a folder should be"),
    errno.EISDIR: N_("a folder stands where a file should be"),
    errno.ENOENT: N_("no such file or folder"),
}


def _said(reasons: dict[int, str], exc: OSError) -> str:
    return _(reasons[exc.errno]) if exc.errno in reasons else exc.strerror or str(exc)


def read_reason(exc: OSError) -> str:
    """Why ``exc`` refused to read a file, in the user's language (the system's own words for an unknown errno)."""
    return _said(_READING, exc)


def write_reason(exc: OSError) -> str:
    """Why ``exc`` refused to write, in the user's language (the system's own words for an unknown errno)."""
    return _said(_WRITING, exc)
