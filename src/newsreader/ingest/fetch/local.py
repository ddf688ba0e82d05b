"""Feeds in local files (a path, `~`, or file: URL): the file's mtime plays Last-Modified."""

from __future__ import annotations

import os
import stat
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from newsreader.i18n import N_
from newsreader.ingest.fetch.body import size_text
from newsreader.ingest.fetch.results import Fetched, FetchError, FetchRequest, FetchResult
from newsreader.sanitize import clean_line


def read_file(req: FetchRequest, res: FetchResult, cap: int) -> None:
    """Runs in a thread: the file's mtime plays Last-Modified."""
    path = _local_path(req.url)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FetchError(N_("file not found: {path}").format(path=path)) from None
    except OSError as exc:
        raise FetchError(
            N_("cannot read {path}: {x1}").format(path=path, x1=exc.strerror or exc)
        ) from None
    if not stat.S_ISREG(info.st_mode):
        # FIFOs and devices could block the thread forever or never end.
        raise FetchError(N_("not a regular file: {path}").format(path=path))
    last_modified = formatdate(info.st_mtime, usegmt=True)
    res.final_url = req.url
    res.last_modified = last_modified
    if req.last_modified == last_modified:
        res.outcome = Fetched.NOT_MODIFIED
        return
    if info.st_size > cap:
        raise FetchError(N_("body larger than {x0}").format(x0=size_text(cap)))
    try:
        with open(path, "rb") as fh:
            data = fh.read(cap + 1)
    except OSError as exc:
        raise FetchError(
            N_("cannot read {path}: {x1}").format(path=path, x1=exc.strerror or exc)
        ) from None
    if len(data) > cap:
        raise FetchError(N_("body larger than {x0}").format(x0=size_text(cap)))
    res.body = data
    res.outcome = Fetched.OK


def _local_path(url: str) -> Path:
    if url.lower().startswith("file:"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchError(
                N_("file URL on another host refused: {x0}").format(x0=clean_line(parts.netloc, 80))
            )
        return Path(url2pathname(parts.path))
    return Path(url).expanduser()
