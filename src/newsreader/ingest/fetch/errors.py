"""One line for the user from any failure of a fetch (transport, TLS, DNS, HTTP status)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from http import HTTPStatus

import httpx

from newsreader.i18n import N_
from newsreader.sanitize import clean_line


def status_line(resp: httpx.Response) -> str:
    try:
        phrase = HTTPStatus(resp.status_code).phrase
    except ValueError:
        phrase = clean_line(resp.reason_phrase, 60)
    return f"HTTP {resp.status_code} {phrase}".rstrip()


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        yield cur
        cur = cur.__cause__ or cur.__context__


def describe_error(exc: BaseException, timeout: float = 30.0) -> str:
    """One line for the user from a transport exception (httpx, OSError, anything)."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return N_("timed out after {timeout:g} s").format(timeout=timeout)
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            reason = getattr(cause, "reason", None) or getattr(cause, "strerror", None)
            return N_("TLS error: {detail}").format(detail=reason or detail)
        if isinstance(cause, socket.gaierror):
            host = _request_host(exc)
            return (
                N_("cannot resolve host {host}").format(host=host)
                if host
                else N_("cannot resolve host: {detail}").format(detail=detail)
            )
        if isinstance(cause, ConnectionRefusedError):
            return N_("connection refused")
    if "SSL" in detail or "CERTIFICATE" in detail:
        return N_("TLS error: {detail}").format(detail=detail)
    if isinstance(exc, httpx.ConnectError):
        return N_("cannot connect: {detail}").format(detail=detail)
    if isinstance(exc, httpx.ProtocolError):
        if "Receive buffer too long" in detail:
            # h11's words for a header block (or chunk-size line) over httpcore's 100 KiB.
            return N_("protocol error: response headers too large")
        return N_("protocol error: {detail}").format(detail=detail)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return N_("unsupported URL: {detail}").format(detail=detail)
    if isinstance(exc, httpx.InvalidURL):
        return N_("invalid URL: {detail}").format(detail=detail)
    if isinstance(exc, httpx.NetworkError | OSError):
        return N_("network error: {detail}").format(detail=detail)
    if isinstance(exc, httpx.HTTPError):
        return N_("HTTP error: {detail}").format(detail=detail)
    return f"{type(exc).__name__}: {detail}"


def _request_host(exc: BaseException) -> str:
    try:
        request = exc.request  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return ""
    return clean_line(request.url.host, 100)
