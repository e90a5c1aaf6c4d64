"""Private work folders for untrusted files, removed on every way out, and the stop flag that ends unpacking early.

Every folder that holds an archive's unpacked members (or a downloaded archive that is not kept) is made
by `work_dir()`: a new ``chainwarden-*`` folder under the temporary directory, mode 0o700 (other users
cannot read what a package ships, or plant files in it), registered here while it exists and removed
when the ``with`` block ends, normally or by an exception.

An interrupted run must not leave thousands of unpacked, untrusted files behind. The CLI turns SIGINT
and SIGTERM into `KeyboardInterrupt` and calls `request_stop()`; the unpacker and the code inspection
check `stopping()` between members and chunks, so that work running in a worker thread (``scan --deep``
unpacks in ``asyncio.to_thread``) stops writing within one chunk; `cleanup()` then removes every
folder still registered, waiting briefly for a worker that is finishing its current chunk.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["check_stop", "cleanup", "request_stop", "reset", "stop_signal", "stopping", "work_dir"]

PREFIX = "chainwarden-"
_lock = threading.Lock()
_active: set[str] = set()  # folders that exist now
_stop = threading.Event()
_signal: list[int] = []  # the signal that asked for the stop, if one did


def stopping() -> bool:
    """True once the run was asked to stop (SIGINT, SIGTERM): long work should end at its next check."""
    return _stop.is_set()


def check_stop() -> None:
    """Raise KeyboardInterrupt when the run was asked to stop; called between members and chunks."""
    if _stop.is_set():
        raise KeyboardInterrupt("stopped")


def request_stop(signum: int | None = None) -> None:
    """Ask every long piece of work to stop; `signum` is the signal that asked (the CLI's exit status names it)."""
    if signum is not None and not _signal:
        _signal.append(signum)
    _stop.set()


def stop_signal() -> int | None:
    """The signal that asked for the stop, or None (no stop, or one not asked by a signal)."""
    return _signal[0] if _signal else None


def reset() -> None:
    """Clear the stop flag (at the start of a CLI command: tests run several in one process)."""
    _stop.clear()
    _signal.clear()


def _remove(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


@contextmanager
def work_dir(purpose: str) -> Iterator[Path]:
    """A new private folder ``chainwarden-<purpose>-*`` (0o700), removed when the block ends, whatever ends it."""
    path = tempfile.mkdtemp(prefix=f"{PREFIX}{purpose}-")  # mkdtemp: 0o700, a name no one else holds
    with _lock:
        _active.add(path)
    try:
        yield Path(path)
    finally:
        _remove(path)
        with _lock:
            _active.discard(path)


def cleanup(wait: float = 5.0, *, stop: bool = True) -> None:
    """Stop the work in progress (unless `stop` is False) and remove every registered work folder.

    A worker thread notices the stop flag within one chunk and removes its own folder as its ``with``
    block unwinds; this waits up to `wait` seconds for that, then removes whatever is left. The flag
    stays set (threads still running must not go on); `reset()` clears it."""
    if stop:
        request_stop()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with _lock:
            if not _active:
                return
        time.sleep(0.02)
    with _lock:
        left = list(_active)
    for path in left:
        _remove(path)


def _at_exit() -> None:
    with _lock:
        left = list(_active)
    for path in left:
        _remove(path)


atexit.register(_at_exit)
