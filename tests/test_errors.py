"""`chainwarden._errors.describe`: what the system or a library raised, in words a user reads, from real
exceptions (a real refused connection, a real name that does not resolve, a real missing file)."""

from __future__ import annotations

import asyncio
import errno
import socket
from pathlib import Path

import httpx
import pytest

from chainwarden._errors import describe


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _httpx_error(url: str) -> httpx.HTTPError:
    async def get() -> None:
        async with httpx.AsyncClient() as client:
            await client.get(url)

    with pytest.raises(httpx.HTTPError) as caught:
        asyncio.run(get())
    return caught.value


def test_a_refused_connection() -> None:
    exc = _httpx_error(f"http://127.0.0.1:{_dead_port()}/simple/")
    assert str(exc) == "All connection attempts failed"  # what httpx says: the reason is in its cause
    assert describe(exc) == "the connection was refused (nothing listens at that address and port)"


def test_a_name_that_does_not_resolve() -> None:
    exc = _httpx_error("http://no-such-host.invalid/simple/")
    assert describe(exc) == "the host name could not be resolved"


def test_a_missing_file() -> None:
    with pytest.raises(OSError) as caught:
        Path("/nonexistent-chainwarden-test/x").read_text()
    assert "[Errno 2]" in str(caught.value)
    assert describe(caught.value) == "no such file or directory"


@pytest.mark.parametrize(("exc", "words"), [
    (OSError(errno.EACCES, "Permission denied"), "permission denied"),
    (OSError(errno.ENOSPC, "No space left on device"), "no space left on the device"),
    (OSError(errno.EIO, "Input/output error"), "input/output error"),
    (TimeoutError(), "timed out"),
    (ValueError("bad value\nFor more information check: https://developer.example.test/status/404"), "bad value"),
    (RuntimeError("[Errno 5] something broke"), "something broke"),
    (KeyError(), "KeyError"),
])
def test_words_never_carry_error_numbers_or_links(exc: BaseException, words: str) -> None:
    assert describe(exc) == words
