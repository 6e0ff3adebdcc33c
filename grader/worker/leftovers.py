"""What an unprivileged user of its own leaves behind, found and removed after its worker ends.

Its folder is removed whole; where any user may write (LEFTOVER_ROOTS) everything its uid owns
is removed, and its System V shared memory, queues and semaphores. A student's tree may be
100,000 folders deep or hold a million files: nothing here recurses, builds long paths or
follows a link, and a walk looks at MAX_WALK entries at most.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import stat
from pathlib import Path

# Where a user without groups can write on a usual Linux machine, besides the worker's folder.
LEFTOVER_ROOTS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path("/dev/mqueue"), Path("/run/lock"))
MAX_FILES = 10_000  # files and folders a submission may make (budget.py), so a walk stops soon after
MAX_WALK = 100_000  # entries one walk looks at, at most
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def remove_leftovers(uid: int) -> None:
    """Delete what `uid` owns where anyone may write (LEFTOVER_ROOTS), and its System V shared
    memory, queues and semaphores: after its processes are killed, so nothing races this."""
    for root in LEFTOVER_ROOTS:
        for path in list(owned(root, uid)):
            remove_tree(path)
    for kind, remove in (("shm", "shmctl"), ("msg", "msgctl"), ("sem", "semctl")):
        for ident, _, _ in ipc_objects(kind, uid):
            arguments = (ident, 0, 0, None) if kind == "sem" else (ident, 0, None)  # IPC_RMID is 0
            try:
                getattr(_libc(), remove)(*arguments)
            except (OSError, AttributeError):
                pass


def remove_tree(path: Path) -> None:
    """`rm -rf path` that no tree stops: shutil.rmtree recurses (RecursionError at 1,000 nested
    folders, even with ignore_errors) and builds paths longer than the kernel takes. Here each
    folder is moved up into `path` under a name no one can guess before it is emptied, so the
    work is one loop over short names, two descriptors open at a time, never following a link."""
    try:
        shutil.rmtree(path)  # quick, for the trees most submissions leave
        return
    except (OSError, RecursionError):
        pass
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
            return
        top = os.open(path, _FOLDER)
    except OSError:
        return
    try:
        todo: list[str | None] = [None]  # None: `path` itself
        while todo:
            name = todo.pop()
            if name is not None:
                _quietly(os.chmod, name, 0o700, dir_fd=top)  # a folder of mode 000 still opens for its owner
            try:
                folder = top if name is None else os.open(name, _FOLDER, dir_fd=top)
            except OSError:
                continue
            try:
                for entry in list(os.scandir(folder)):
                    if not entry.is_dir(follow_symlinks=False):
                        _quietly(os.unlink, entry.name, dir_fd=folder)
                    elif name is None:
                        todo.append(entry.name)
                    else:
                        moved = f".cnn-grader-removing-{os.urandom(8).hex()}"
                        if _quietly(os.rename, entry.name, moved, src_dir_fd=folder, dst_dir_fd=top):
                            todo.append(moved)
            finally:
                if folder != top:
                    os.close(folder)
            if name is not None:
                _quietly(os.rmdir, name, dir_fd=top)
    finally:
        os.close(top)
    _quietly(os.rmdir, path)


def owned(root: Path, uid: int):
    """The outermost entries under `root` that `uid` owns, looking only inside folders anyone
    may write to (where `uid`, a user without groups, can have made something)."""
    todo: list[str | Path] = [root]  # below root, os.DirEntry paths
    seen = 0
    while todo and seen < MAX_WALK:
        folder = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if info.st_uid == uid:
                yield Path(entry.path)
            elif entry.is_dir(follow_symlinks=False) and info.st_mode & 0o002:
                todo.append(entry.path)


def usage(root: Path, uid: int | None) -> tuple[int, int]:
    """Bytes of disk and entries that `uid`'s entries under `root` take (everything's, for uid
    None); the count stops a little past MAX_FILES. One descriptor at a time walks down by name
    and back up by '..', so neither depth nor width nor path length matters."""
    counted = [0, 0]

    def scan(folder: int) -> list[str]:
        """Count what `folder` holds; its sub-folders' names."""
        inner: list[str] = []
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return inner
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            counted[0] += info.st_blocks * 512
            counted[1] += 1
            if stat.S_ISDIR(info.st_mode):
                inner.append(entry.name)
        return inner

    for top in [root] if uid is None else list(owned(root, uid)):
        try:
            info = os.lstat(top)
            counted[0] += info.st_blocks * 512
            counted[1] += 1
            if not stat.S_ISDIR(info.st_mode):
                continue
            current = os.open(top, _FOLDER)
        except OSError:
            continue
        try:
            pending = [scan(current)]  # per level, the sub-folders not yet entered
            while pending and counted[1] <= MAX_FILES:
                if pending[-1]:
                    try:
                        inner = os.open(pending[-1].pop(), _FOLDER, dir_fd=current)
                    except OSError:
                        continue
                    os.close(current)
                    current = inner
                    pending.append(scan(current))
                else:
                    pending.pop()
                    if pending:
                        outer = os.open("..", _FOLDER, dir_fd=current)
                        os.close(current)
                        current = outer
        except OSError:
            pass
        finally:
            os.close(current)
    return counted[0], counted[1]


def ipc_objects(kind: str, uid: int) -> list[tuple[int, int, int]]:
    """(id, bytes, attached processes) of `uid`'s System V objects of `kind` (shm, msg, sem)."""
    try:
        header, *rows = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
    except OSError:
        return []
    names = header.split()
    found = []
    for row in rows:
        values = dict(zip(names, row.split()))
        try:
            if int(values["uid"]) == uid:
                ident = int(values.get("shmid") or values.get("msqid") or values["semid"])
                found.append((ident, int(values.get("rss", 0)), int(values.get("nattch", 0))))
        except (KeyError, ValueError):
            continue
    return found


def unattached_shm(uid: int) -> int:
    """Memory in `uid`'s System V segments that no process has attached (so no PSS counts it)."""
    return sum(rss for _, rss, attached in ipc_objects("shm", uid) if not attached)


def _quietly(action, *args, **kwargs) -> bool:
    try:
        action(*args, **kwargs)
        return True
    except OSError:
        return False


@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)
