"""Words for a user about an exception from the system or a library.

`str(exc)` is written for programmers: ``[Errno 2] No such file or directory: 'x'``, ``[Errno -2] Name or
service not known``, ``All connection attempts failed`` (httpx, which hides the reason in the exception's
cause), ``[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ... (_ssl.c:1000)``, or a status
error's ``For more information check: <url>`` line. `describe()` walks the exception and its causes and
says what happened the way a person would ("the host name could not be resolved", "the connection was
refused", "no such file or directory"). The caller says what it was doing and to which file or URL.

A base module (like `_files`): any stage may use it, it imports nothing of ours.
"""

from __future__ import annotations

import errno
import re
import socket
import ssl

__all__ = ["describe"]

_ERRNO_PREFIX = re.compile(r"^\[Errno -?\d+\]\s*")
_SSL_PREFIX = re.compile(r"^\[SSL: [A-Z_]+\]\s*")
_SSL_SUFFIX = re.compile(r"\s*\(_ssl\.c:\d+\)$")

_BY_ERRNO = {
    errno.ECONNREFUSED: "the connection was refused (nothing listens at that address and port)",
    errno.ECONNRESET: "the connection was reset by the other side",
    errno.ECONNABORTED: "the connection was aborted",
    errno.ENETUNREACH: "the network is unreachable",
    errno.EHOSTUNREACH: "there is no route to the host",
    errno.ETIMEDOUT: "the connection timed out",
    errno.ENOENT: "no such file or directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file of that name is in the way",
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "the file system is read-only",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.ELOOP: "too many levels of symbolic links",
}


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and the ones it was raised from, outermost first (each at most once)."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out and len(out) < 16:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _one(exc: BaseException) -> str | None:
    """What one exception says in words, or None when it says nothing a user can use."""
    if isinstance(exc, socket.gaierror):
        if exc.errno in (socket.EAI_AGAIN,):
            return "the host name could not be resolved (a temporary DNS failure)"
        return "the host name could not be resolved"
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = exc.verify_message or _SSL_SUFFIX.sub("", _SSL_PREFIX.sub("", str(exc)))
        return f"the server's TLS certificate could not be verified ({why})" if why else \
            "the server's TLS certificate could not be verified"
    if isinstance(exc, ssl.SSLError):
        why = exc.reason or _SSL_SUFFIX.sub("", _SSL_PREFIX.sub("", str(exc)))
        return f"the TLS connection failed ({str(why).lower().replace('_', ' ')})" if why else "the TLS connection failed"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.errno is not None:
        words = _BY_ERRNO.get(exc.errno) or (exc.strerror or "").strip()
        if words:
            return words[0].lower() + words[1:]
    return None


def describe(exc: BaseException) -> str:
    """`exc` in words for a user: the most telling reason found in it or its causes, without error numbers,
    source positions or links to a library's documentation; the exception's class name when it has no text."""
    for link in _chain(exc):
        words = _one(link)
        if words:
            return words
    text = str(exc).strip().split("\n", 1)[0].strip()  # httpx: "... \nFor more information check: <url>"
    text = _SSL_SUFFIX.sub("", _SSL_PREFIX.sub("", _ERRNO_PREFIX.sub("", text)))
    return text or exc.__class__.__name__
