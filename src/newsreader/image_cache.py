"""Article images on disk, beside the cache: one file per image URL, checked before it is kept.

An image is kept only when its header names a format we know (PNG, JPEG, GIF, WebP) and a size
of at most `MAX_PIXELS`: the header is read here, with the standard library, so a decompression
bomb (a small file that claims 50,000 x 50,000 pixels) is refused before anything decodes it.
The reader decodes with Pillow under the same bound (ui/widgets/article_image.py).

Files are named by a hash of their URL (`images/ab/ab12...png`), written atomically (temporary
file, fsync, rename), and pruned when no article names them any more or the folder outgrows its
budget (oldest first). Pruning spares files younger than `GRACE_SECONDS`: another process may
have written them for a commit it has not made yet.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from newsreader.i18n import N_

MAX_PIXELS = 4096 * 4096  # ~16.8 million: at most 64 MiB decoded as RGBA
FOLDER = "images"
GRACE_SECONDS = 3600.0
_EXTENSIONS = {"png": ".png", "jpeg": ".jpg", "gif": ".gif", "webp": ".webp"}


class ImageRefused(ValueError):
    """Not kept: the one-line reason is the message."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    kind: str  # png | jpeg | gif | webp
    width: int
    height: int


def sniff(data: bytes) -> ImageInfo:
    """Format and size from the first bytes, without decoding; `ImageRefused` if unknown,
    malformed or larger than `MAX_PIXELS`."""
    info = _header(data)
    if info is None:
        raise ImageRefused(N_("not an image in a known format (PNG, JPEG, GIF, WebP)"))
    if info.width <= 0 or info.height <= 0:
        raise ImageRefused(N_("image has no size"))
    if info.width * info.height > MAX_PIXELS:
        raise ImageRefused(
            N_(
                "image too large to show ({width} x {height} pixels, at most {limit} pixels)"
            ).format(width=info.width, height=info.height, limit=f"{MAX_PIXELS:,}")
        )
    return info


def _header(data: bytes) -> ImageInfo | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("png", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("gif", width, height)
    if data[:2] == b"\xff\xd8":
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    return None


def _jpeg(data: bytes) -> ImageInfo | None:
    """The first start-of-frame marker's size (baseline, progressive, lossless alike)."""
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > n:
                return None
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return ImageInfo("jpeg", width, height)
        if length < 2:
            return None
        i += 2 + length
    return None


def _webp(data: bytes) -> ImageInfo | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return ImageInfo("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageInfo("webp", width, height)
    return None


def _name(url: str) -> str:
    # Unquoted: the stored HTML's src and the displayed Markdown's escape different characters.
    key = unquote(url).encode("utf-8", "surrogatepass")
    return hashlib.sha256(key).hexdigest()[:40]


def folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def cached_path(data_dir: Path, url: str) -> Path | None:
    """The cached file for an image URL, if there is one."""
    name = _name(url)
    base = folder(data_dir) / name[:2]
    for ext in _EXTENSIONS.values():
        path = base / (name + ext)
        if path.is_file():
            return path
    return None


def save(data_dir: Path, url: str, data: bytes) -> Path:
    """Check and keep one image (atomically); `ImageRefused` says why not."""
    info = sniff(data)
    name = _name(url)
    target_dir = folder(data_dir) / name[:2]
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / (name + _EXTENSIONS[info.kind])
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


@dataclass(slots=True)
class Pruned:
    removed: int = 0
    kept: int = 0
    bytes_kept: int = 0


def prune(
    data_dir: Path,
    referenced_urls: Iterable[str],
    *,
    max_bytes: int,
    now: float | None = None,
    grace: float = GRACE_SECONDS,
) -> Pruned:
    """Delete images no article names, then the oldest until the folder fits `max_bytes`."""
    root = folder(data_dir)
    result = Pruned()
    if not root.is_dir():
        return result
    now = time.time() if now is None else now
    wanted = {_name(url) for url in referenced_urls}
    kept: list[tuple[float, int, Path]] = []
    for sub in root.iterdir():
        if not sub.is_dir():
            continue
        for path in sub.iterdir():
            try:
                stat = path.stat()
            except OSError:
                continue
            young = now - stat.st_mtime < grace
            stem = path.name.split(".", 1)[0]
            if path.name.startswith(".tmp-"):
                if not young:  # a write that crashed
                    _remove(path, result)
                continue
            if stem in wanted or young:
                kept.append((stat.st_mtime, stat.st_size, path))
            else:
                _remove(path, result)
    total = sum(size for _, size, _ in kept)
    kept.sort()  # oldest first
    while kept and total > max_bytes:
        _mtime, size, path = kept.pop(0)
        total -= size
        _remove(path, result)
    result.kept, result.bytes_kept = len(kept), total
    return result


def _remove(path: Path, result: Pruned) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
        result.removed += 1
