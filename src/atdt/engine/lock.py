"""One writer per run folder: ``folder_lock(folder)`` holds while a command writes the folder.

``atdt run`` and ``atdt study`` lock the experiment or study folder ``<out>/<name>`` (a study's
points are experiments, each locking its own ``<out>/<study>/<point>``), ``atdt train-task`` and
``atdt translate`` their run folder. A second command on a locked folder refuses, naming the
holder's PID, host and command line, or with ``wait=True`` (``--wait``) starts when the holder ends.

The lock is the file ``<parent>/.<name>.lock`` beside the folder, not inside it, because a run
folder whose inputs changed is moved aside whole (``atdt.engine.reuse``). The file holds the
holder's PID, host, start time and command line for those messages; the lock itself is an
advisory ``flock`` on it, which the kernel drops when the holder exits however it exits, so a
file left by a killed run is taken over (and said to be stale) rather than blocking for ever, and
a reused PID can never make a stale lock look alive. Within one process the lock is re-entrant;
the worker processes of a distributed launch (RANK, LOCAL_RANK or NODE_RANK set and not 0, or an
``srun`` task other than the first: ``atdt.engine.fabric.launched_worker``) run under their
launcher's lock and take none.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from atdt.engine.fabric import launched_worker

_HELD: dict[Path, int] = {}  # lock file -> nesting depth in this process
# file systems without flock (some network mounts): the run goes ahead unlocked, with a warning
_NO_LOCKS = (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS)


class FolderLocked(RuntimeError):
    """Another live process is writing the folder."""


def lock_path(folder) -> Path:
    """The lock file of ``folder``: ``<parent>/.<name>.lock`` (paths resolved, so ``runs/x`` and
    ``./runs/x`` are one folder)."""
    folder = Path(folder).resolve()
    return folder.with_name(f".{folder.name}.lock")


def _holder(text: str) -> str:
    """Who a lock file's text names."""
    try:
        info = json.loads(text)
    except ValueError:
        info = None
    if not isinstance(info, dict) or "pid" not in info:
        return "another process (starting up)"
    return f"PID {info['pid']} on {info.get('host', '?')}, since {info.get('started', '?')}: {info.get('command', '?')}"


def _acquire(path: Path, folder: Path, wait: bool, print_fn: Callable) -> int | None:
    """An open descriptor of ``path`` holding its flock, or None where the file system (or, without
    fcntl, the operating system) has no locks."""
    try:
        import fcntl
    except ImportError:
        return None

    waited = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                try:
                    holder = _holder(path.read_text())
                except OSError:
                    holder = _holder("")
                if not wait:
                    raise FolderLocked(f"{folder} is being written by {holder}; wait for it to finish (or rerun with "
                                       f"--wait to start when it does). Lock file: {path}") from None
                if not waited:
                    print_fn(f"waiting for {holder} to finish with {folder} ...")
                    sys.stdout.flush()  # seen now by whoever follows the log, not after the wait
                    waited = True
                fcntl.flock(fd, fcntl.LOCK_EX)  # blocks until the holder ends
        except OSError as err:
            os.close(fd)
            if err.errno in _NO_LOCKS:
                print_fn(f"warning: the file system of {folder} cannot lock files ({err.strerror}); nothing keeps "
                         "another run from writing the same folder")
                return None
            raise
        except BaseException:
            os.close(fd)
            raise
        # the holder removes the file as it releases it: lock the file that is at the path now
        try:
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


@contextmanager
def folder_lock(folder, *, wait: bool = False, print_fn: Callable = print) -> Iterator[Path | None]:
    """Hold the lock of ``folder`` (its parent folder made if missing) for the ``with`` block;
    released on any exit, exceptions and KeyboardInterrupt included. Raises FolderLocked while a
    live process holds it, unless ``wait``. Yields the lock file (None where no lock was taken)."""
    if launched_worker():
        yield None
        return
    path = lock_path(folder)
    if path in _HELD:
        _HELD[path] += 1
        try:
            yield path
        finally:
            _HELD[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire(path, Path(folder), wait, print_fn)
    if fd is None:
        yield None
        return
    try:
        left = os.read(fd, 4096).decode(errors="replace")
        if left.strip():  # its holder ended without removing it: killed, or its machine went down
            print_fn(f"{Path(folder)}: taking over the stale lock of {_holder(left)} (that run ended "
                     "without releasing it: killed or crashed)")
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                "command": " ".join(sys.argv)}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        _HELD[path] = 1
        yield path
    finally:
        _HELD.pop(path, None)
        try:
            path.unlink()  # while still holding it: a waiter then finds the file gone and starts afresh
        except FileNotFoundError:
            pass
        os.close(fd)
