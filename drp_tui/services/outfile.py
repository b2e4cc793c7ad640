"""Writing a file a user named (`--out`, `--rejects`): whole or not at all, and only where a
file belongs.

The text goes to a temporary file created exclusively (O_EXCL, O_NOFOLLOW, mode 0600) in the
same folder, so a symlink or file planted there is never followed or reused, and is then moved
into place in one step: a reader never sees half a file. A file already at the path is kept
unless `force` (the command's `--force`), and even then the path itself is never followed if
it is a symlink. A directory, FIFO, device or socket is refused before any work is done, and so
is a file the command must keep (`kept_files`: the store, its -wal, -shm and -journal, the
file being read), by any name: through a symlinked folder, a symlinked store, or a hard link
(the same inode), with or without `--force`. Every refusal is an `InputError` naming the
option: exit 2, one line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Sequence
from pathlib import Path

from drp_tui.domain.errors import InputError

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)
# The files SQLite keeps beside a store: replacing one loses writes not yet checkpointed.
SIDECARS = (
    ("-wal", "the store's write-ahead log"),
    ("-shm", "the store's shared memory"),
    ("-journal", "the store's rollback journal"),
)
Kept = Sequence[tuple[Path, str]]  # a file no output may replace, and what it is
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC


def kept_files(store: Path | None = None, reading: Sequence[Path] = ()) -> list[tuple[Path, str]]:
    """The files an output must never replace: the store and its sidecars (by the name given
    and by the file it resolves to, where SQLite puts them), and the files being read."""
    kept: list[tuple[Path, str]] = []
    if store is not None:
        for name in dict.fromkeys((Path(os.path.abspath(store)), Path(os.path.realpath(store)))):
            kept.append((name, "the store"))
            kept.extend((Path(f"{name}{suffix}"), what) for suffix, what in SIDECARS)
    kept.extend((path, "the file being read") for path in reading)
    return kept


def _clash(path: Path, kept: Kept) -> str | None:
    """What `path` is among `kept`, by name (its folder's symlinks resolved; a symlink at the
    path itself is refused anyway) or by inode; None if it is none of them."""
    names = {os.path.abspath(path), os.path.join(os.path.realpath(path.parent), path.name)}
    try:
        found: os.stat_result | None = os.stat(path)
    except OSError:
        found = None
    for kept_path, what in kept:
        if names & {os.path.abspath(kept_path), os.path.realpath(kept_path)}:
            return what
        if found is not None:
            try:
                if os.path.samestat(found, os.stat(kept_path)):
                    return what
            except OSError:
                continue
    return None


def check_output(path: Path, *, option: str, force: bool, kept: Kept = ()) -> None:
    """Refuse a path drp must not write, before any work is done."""
    folder = path.parent
    if not folder.is_dir():
        raise InputError(option, f"the folder {folder} does not exist")
    what = _clash(path, kept)
    if what is not None:
        raise InputError(option, f"{path} is {what}; drp never writes over it, give another file")
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(option, f"{path} cannot be checked ({exc.strerror})") from None
    for test, kind in _KINDS:
        if test(found.st_mode):
            raise InputError(option, f"{path} is {kind}, not a file; give a file name")
    if not force:
        raise InputError(option, f"{path} exists; add --force to replace it")


def _temporary(folder: Path, name: str, option: str) -> tuple[int, Path]:
    # Short enough for any file name the folder takes (a name near NAME_MAX is legal).
    stem = name[:40]
    for _ in range(16):
        candidate = folder / f".{stem}.{secrets.token_hex(6)}.part"
        try:
            return os.open(candidate, _FLAGS, 0o600), candidate
        except FileExistsError:
            continue
        except OSError as exc:
            raise InputError(option, f"cannot write in {folder} ({exc.strerror})") from None
    raise InputError(option, f"cannot make a temporary file in {folder}")  # pragma: no cover


def write_output(
    path: Path, text: str, *, option: str, force: bool = False, kept: Kept = ()
) -> None:
    """Write `text` (UTF-8) to `path`, as the module says."""
    write_bytes(path, text.encode("utf-8"), option=option, force=force, kept=kept)


def write_bytes(
    path: Path, data: bytes, *, option: str, force: bool = False, kept: Kept = ()
) -> None:
    """Write `data` (a PDF, say) to `path`, as the module says."""
    check_output(path, option=option, force=force, kept=kept)
    descriptor, temporary = _temporary(path.parent, path.name, option)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _into_place(temporary, path, option=option, force=force, kept=kept)
    except OSError as exc:
        raise InputError(option, f"{path} cannot be written ({exc.strerror})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _into_place(temporary: Path, path: Path, *, option: str, force: bool, kept: Kept) -> None:
    if not force:
        try:  # fails, atomically, if anything appeared at the path meanwhile
            os.link(temporary, path, follow_symlinks=False)
            return
        except FileExistsError:
            raise InputError(option, f"{path} exists; add --force to replace it") from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
                raise
    check_output(path, option=option, force=True, kept=kept)  # nothing but a file is replaced
    os.replace(temporary, path)
