"""Reading a response body under the size cap: Content-Encoding undone in bounded steps (a
gzip bomb never expands in memory), unwanted bodies drained so keep-alive works."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterator

import httpx

from newsreader.i18n import N_
from newsreader.ingest.fetch.results import FetchError
from newsreader.sanitize import clean_line

# Only what `_Inflater` decodes in bounded steps; brotli/zstd decoders inflate a whole chunk at
# once (a 64 KiB chunk can become gigabytes), so they are not offered.
ACCEPT_ENCODING = "gzip, deflate"

_STEP = 256 * 1024  # most bytes one inflate step may produce
_DRAIN_BYTES = 64 * 1024  # a redirect/error/304 body up to this is read so keep-alive works
_DRAIN_SECONDS = 1.0


async def read_body(resp: httpx.Response, cap: int) -> bytes:
    """The decoded body, or FetchError once it passes `cap` bytes (counted while streaming)."""
    encodings = _content_encodings(resp.headers.get("content-encoding", ""))
    length = resp.headers.get("content-length", "")
    if not encodings and length.isdecimal() and int(length) > cap:
        raise FetchError(N_("body larger than {x0}").format(x0=size_text(cap)))
    inflaters = [_Inflater(enc) for enc in reversed(encodings)]
    parts: list[bytes] = []
    total = 0
    async for raw in resp.aiter_raw():
        for piece in _decode(inflaters, raw):
            total += len(piece)
            if total > cap:
                raise FetchError(N_("body larger than {x0}").format(x0=size_text(cap)))
            parts.append(piece)
    for i, inflater in enumerate(inflaters):
        for tail in inflater.flush():
            for piece in _decode(inflaters[i + 1 :], tail):
                total += len(piece)
                if total > cap:
                    raise FetchError(N_("body larger than {x0}").format(x0=size_text(cap)))
                parts.append(piece)
    return b"".join(parts)


class _Inflater:
    """Undoes one Content-Encoding in steps of at most _STEP bytes (bounded memory)."""

    def __init__(self, encoding: str) -> None:
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FetchError(
                N_("unsupported Content-Encoding: {x0}").format(x0=clean_line(encoding, 40))
            )
        self._deflate = encoding == "deflate"
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and data:
            self._started = True
            if self._deflate:
                # "deflate" is zlib-wrapped by the RFC, raw in some servers; sniff the header.
                probe = zlib.decompressobj(zlib.MAX_WBITS)
                try:
                    probe.decompress(data[:2], 1)
                except zlib.error:
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        buf = data
        while not self._z.eof:
            try:
                out = self._z.decompress(buf, _STEP)
            except zlib.error as exc:
                raise FetchError(N_("cannot decompress body: {exc}").format(exc=exc)) from None
            buf = self._z.unconsumed_tail
            if out:
                yield out
            if not buf and len(out) < _STEP:
                break

    def flush(self) -> Iterator[bytes]:
        # Data zlib still holds after the last chunk is drained through feed(b"") first.
        yield from self.feed(b"")
        try:
            tail = self._z.flush(_STEP)
        except zlib.error as exc:
            raise FetchError(N_("cannot decompress body: {exc}").format(exc=exc)) from None
        if tail:
            yield tail


async def drain(resp: httpx.Response) -> None:
    """Read a small unwanted body so the connection goes back to the pool; give up quickly."""
    # httpcore drops a connection whose response was closed unread: 500 304s were 500 connects.
    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            seen = 0
            async for chunk in resp.aiter_raw():
                seen += len(chunk)
                if seen > _DRAIN_BYTES:
                    return
    except (TimeoutError, httpx.HTTPError):
        pass


def _decode(inflaters: list[_Inflater], data: bytes) -> Iterator[bytes]:
    if not inflaters:
        if data:
            yield data
        return
    for piece in inflaters[0].feed(data):
        yield from _decode(inflaters[1:], piece)


def _content_encodings(value: str) -> list[str]:
    return [e for e in (p.strip().lower() for p in value.split(",")) if e and e != "identity"]


def size_text(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1 << 10 and n % (1 << 10) == 0:
        return f"{n >> 10} KiB"
    return f"{n} bytes"
