"""Encrypted backups: one ZIP in WinZip's AES-256 format, opened with a passphrase.

AES-ZIP (pyzipper) rather than a format of our own (``cryptography``'s Fernet with scrypt):
the office can open its backup on any computer with the free 7-Zip and the passphrase, with no
Python and no copy of this app, as well as with ``flask backup-open``. The price is the
format's key derivation, fixed at PBKDF2-SHA1 with 1000 rounds: quick to try guesses with for
whoever holds the file, so the passphrase itself carries the strength (``passphrase_error``).
The names and sizes of the files inside show without it (workbook.xlsx, users.sqlite3,
uploads/<ID>); their contents do not.
"""
from __future__ import annotations

import os
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import click
import pyzipper
from zxcvbn import zxcvbn

PASSPHRASE_ENV = "BACKUP_PASSPHRASE"  # noqa: S105 -- the variable's name, not a secret
MIN_PASSPHRASE = 12
AES_256 = 3  # the WinZip AES "strength" field: 1, 2, 3 = 128, 192, 256 bits
NOTHING_WRITTEN = "ولم يُكتب شيء"
REFUSED_EN = "passphrase refused: at least 12 characters and hard to guess (four unrelated words)"


class ArchiveRefused(Exception):
    """The archive did not open: the message says why, in Arabic and English."""


def passphrase_error(passphrase: str) -> str | None:
    """Why a backup passphrase is refused (Arabic), or ``None``.

    Stricter than a staff password (``users.password_error``: 10 characters, zxcvbn 3): a
    password is tried against the app, five times in 15 minutes; a copied archive is tried
    offline, as fast as a computer goes. So at least 12 characters and zxcvbn's top score.
    """
    if len(passphrase) < MIN_PASSPHRASE:
        return f"عبارة المرور {MIN_PASSPHRASE} حرفًا على الأقل."
    if zxcvbn(passphrase[:100], user_inputs=["mustafid", "مستفيد", "backup"])["score"] < 4:
        return ("عبارة المرور سهلة التخمين: اجعلها أربع كلمات أو أكثر لا رابط بينها، "
                "لا اسمًا ولا تاريخًا ولا كلمة مشهورة.")
    return None


def ask_passphrase(new: bool) -> str:
    """``$BACKUP_PASSPHRASE`` when set, else typed unseen; for a new archive typed twice and
    asked again while weak (a weak one from the environment stops the command)."""
    if PASSPHRASE_ENV in os.environ:
        passphrase = os.environ[PASSPHRASE_ENV]
        if new and (reason := passphrase_error(passphrase)):
            raise click.ClickException(f"{reason} / {PASSPHRASE_ENV}: {REFUSED_EN}")
        return passphrase
    while True:
        passphrase = click.prompt(
            "عبارة المرور / passphrase", hide_input=True,
            confirmation_prompt="أعد كتابتها / repeat it" if new else False)
        reason = passphrase_error(passphrase) if new else None
        if reason is None:
            return passphrase
        click.echo(f"{reason} / {REFUSED_EN}", err=True)


def write_archive(path: Path, passphrase: str, entries: Iterable[tuple[str, bytes | Path]]) -> list[str]:
    """Write ``entries`` (a name inside, and its bytes or a file to read) as one archive.

    Written into a file only this account reads (0600) beside ``path`` and renamed into place
    when whole: a failure leaves nothing, and no plain copy of anything touches the disk.
    Returns the names written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    names: list[str] = []
    try:
        with os.fdopen(fd, "wb") as raw, pyzipper.AESZipFile(
                raw, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
            zf.setpassword(passphrase.encode())
            zf.setencryption(pyzipper.WZ_AES, nbits=256)
            for name, data in entries:
                if isinstance(data, Path):
                    zf.write(data, name)
                else:
                    zf.writestr(name, data)
                names.append(name)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return names


def open_archive(archive: Path, passphrase: str, folder: Path) -> list[str]:
    """Extract every file of an encrypted backup into ``folder`` (readable by this account
    only); the names inside. Raises ``ArchiveRefused`` before or while extracting."""
    try:
        with pyzipper.AESZipFile(archive) as zf:
            zf.setpassword(passphrase.encode())
            files = [i for i in zf.infolist() if not i.is_dir()]
            # AES-ZIP leaves the list of files unsigned: a file slipped in without encryption
            # (an accounts file with someone's own admin, say) is refused, not restored.
            if not files or any(getattr(i, "wz_aes_strength", None) != AES_256 for i in files):
                raise ArchiveRefused(f"ليس نسخة احتياطية مشفّرة من مستفيد، {NOTHING_WRITTEN}. / "
                                     "not an encrypted backup (a file in it is not AES-256): "
                                     "nothing written")
            zf.extractall(folder)
    except RuntimeError as exc:  # pyzipper's "Bad password for file ...", checked per file
        if "password" not in str(exc).lower():
            raise
        raise ArchiveRefused(f"عبارة المرور غير صحيحة، {NOTHING_WRITTEN}. / "
                             "wrong passphrase: nothing written") from None
    except (pyzipper.BadZipFile, zlib.error, EOFError):  # a bad HMAC is caught here too
        raise ArchiveRefused(f"الملف تالف أو عبارة المرور غير صحيحة، {NOTHING_WRITTEN}. / "
                             "damaged archive or wrong passphrase: nothing written") from None
    for path in folder.rglob("*"):
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    return [i.filename for i in files]
