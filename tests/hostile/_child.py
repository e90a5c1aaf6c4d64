"""Run chainwarden (or a piece of Python) in a child process and measure it: exit code, output, wall time,
and the child's own peak memory.

The peak is the child's VmHWM, read from /proc/self/status as it exits. Not `ru_maxrss`: Linux counts in it
the pages of the parent (pytest, often hundreds of MiB) that the child had between fork and exec, which
made a 51 MiB child look like 533 MiB. Where /proc is missing the peak is 0 and `bounded()` skips.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PEAK_AT_EXIT = """
import atexit, os
def _chainwarden_test_peak():
    try:
        with open("/proc/self/status") as status:
            peak = next((line.split()[1] for line in status if line.startswith("VmHWM:")), "0")
    except OSError:
        peak = "0"
    with open(os.environ["CHAINWARDEN_TEST_PEAK_FILE"], "w") as out:
        out.write(peak)
atexit.register(_chainwarden_test_peak)
"""

_CLI = """
import sys
from chainwarden.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass(frozen=True)
class Child:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: int  # 0 where /proc is not there


def run_python(code: str, args: Sequence[str] = (), *, timeout: float = 300, cwd: Path | None = None,
               env: Mapping[str, str] | None = None) -> Child:
    """Run `code` (dedented) in a fresh interpreter with `args` in sys.argv[1:]; a timeout fails the test."""
    with tempfile.TemporaryDirectory(prefix="chainwarden-test-peak-") as tmp:
        peak_file = Path(tmp) / "peak"
        child_env = {**os.environ, **(env or {}), "CHAINWARDEN_TEST_PEAK_FILE": str(peak_file)}
        child_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), child_env.get("PYTHONPATH", "")])
        started = time.monotonic()
        try:
            done = subprocess.run([sys.executable, "-c", _PEAK_AT_EXIT + textwrap.dedent(code), *args], capture_output=True,
                                  text=True, timeout=timeout, env=child_env, cwd=cwd)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the child process was still running after {timeout:g} s")
        seconds = time.monotonic() - started
        text = peak_file.read_text() if peak_file.exists() else ""
    return Child(done.returncode, done.stdout, done.stderr, seconds, int(text or 0) // 1024)


def run_cli(argv: Sequence[str], *, timeout: float = 300, cwd: Path | None = None,
            env: Mapping[str, str] | None = None) -> Child:
    """`chainwarden ARGV` in a child process."""
    return run_python(_CLI, argv, timeout=timeout, cwd=cwd, env=env)


def bounded(child: Child, mib: int) -> None:
    """Assert the child's peak memory stayed under `mib` (skip where it cannot be read)."""
    if child.peak_mib == 0:
        pytest.skip("no /proc/self/status here: the peak memory of the child cannot be read")
    assert child.peak_mib < mib, f"peak {child.peak_mib} MiB, bound {mib} MiB"
