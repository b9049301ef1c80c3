"""The installation's secret key that signs the identity of issued report forms.

A form's hidden identity (subsidy, municipality, period, agreement) and its pre-filled figures are signed
with HMAC-SHA256 under a key that only this installation knows, so a file issued to one municipality
cannot be re-labelled as another's: the signing procedure is public, the key is not.

Where the key lives (docs/quarterly-key.md): the file named by the environment variable
``GOSPROG_SECRET_KEY_FILE``, else ``$XDG_CONFIG_HOME/gosprog/secret.key``, else
``~/.config/gosprog/secret.key`` -- outside the data and output folders, never in the repository.
It is created on first use (32 random bytes from :mod:`secrets`, hex, mode 0600 in a 0700 folder).

The file holds one key per line (hex); ``#`` lines are comments. The first key signs new forms; every
key in the file is accepted when a form is imported. Rotation: put a new key on the first line, keep
the old one below it until every form issued with it has come back, then delete the old line.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from ..i18n import _

ENV = "GOSPROG_SECRET_KEY_FILE"
KEY_BYTES = 32


class SecretKeyError(Exception):
    """The key file exists but cannot be used (message in Russian, names the file)."""


@dataclass(frozen=True)
class Key:
    secret: bytes

    @property
    def key_id(self) -> str:
        """A public name of the key (16 hex digits of SHA-256 of the secret): says which key signed a form."""
        return hashlib.sha256(b"gosprog-key-id\0" + self.secret).hexdigest()[:16]

    def sign(self, payload: bytes) -> str:
        """HMAC-SHA256 of ``payload`` (64 hex digits)."""
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()

    def verify(self, payload: bytes, signature: str) -> bool:
        return hmac.compare_digest(self.sign(payload), str(signature))


def key_path() -> Path:
    """Where the key file is (see the module docstring); the file need not exist yet."""
    explicit = os.environ.get(ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gosprog" / "secret.key"


def keys(create: bool = True) -> list[Key]:
    """The installation's keys, the signing one first. With ``create`` (default), a missing file is made
    with one new key. Raises :class:`SecretKeyError` for a file that is not a private regular file or holds
    no valid key."""
    path = key_path()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        if not create:
            return []
        _create(path)
        return keys(create=False)
    except OSError as exc:
        from ..oserrors import read_reason
        raise SecretKeyError(_("the key file {path} could not be opened ({reason}): it must be a regular file, not a "
                               "symbolic link").format(path=path, reason=read_reason(exc))) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        # a folder opens too (and os.fdopen then raises IsADirectoryError, which said nothing of the key)
        os.close(fd)
        raise SecretKeyError(_("the key file {path} is not a regular file").format(path=path))
    with os.fdopen(fd, "rb") as handle:
        if info.st_mode & 0o077:
            raise SecretKeyError(_("the key file {path} can be read by other users: run chmod 600 {path}").format(
                path=path))
        text = handle.read(64 * 1024).decode("ascii", "replace")
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            secret = bytes.fromhex(line)
        except ValueError:
            secret = b""
        if len(secret) < KEY_BYTES:
            raise SecretKeyError(_("the key file {path}, line {line}: a key is at least {digits} hexadecimal "
                                   "digits").format(path=path, line=number, digits=KEY_BYTES * 2))
        out.append(Key(secret))
    if not out:
        raise SecretKeyError(_("the key file {path} holds no key").format(path=path))
    return out


def signing_key() -> Key:
    """The key that signs new forms (created on first use)."""
    return keys()[0]


def _create(path: Path) -> None:
    """Write a new key file atomically (a private temporary file linked into place: two processes starting
    at once end up with the same single key)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(("# gosprog form signing key: the first key signs, all keys are accepted\n"
                          + secrets.token_hex(KEY_BYTES) + "\n").encode("ascii"))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass                                  # another process was first: its key is the key
    finally:
        os.unlink(tmp)


__all__ = ["ENV", "Key", "SecretKeyError", "key_path", "keys", "signing_key"]
