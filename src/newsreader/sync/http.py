"""The HTTP both clients share: one httpx client per sync, and every failure as one line."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from newsreader.i18n import N_
from newsreader.ingest.fetch import USER_AGENT
from newsreader.sync.protocol import AuthError, SyncError

MAX_ANSWER = 64 * 1024 * 1024  # bytes: 50,000 ids or a page of 1,000 items is far less


class Http:
    def __init__(self, base: str, *, timeout: float) -> None:
        self.base = base
        self.host = urlsplit(base).hostname or base
        self.client = httpx.Client(
            timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise SyncError(N_("{host}: timed out").format(host=self.host)) from None
        except httpx.ConnectError:
            raise SyncError(
                N_("{host}: cannot connect (server down?)").format(host=self.host)
            ) from None
        except httpx.HTTPError as exc:
            raise SyncError(
                N_("{host}: {why}").format(host=self.host, why=type(exc).__name__)
            ) from None
        if len(response.content) > MAX_ANSWER:
            raise SyncError(N_("{host}: an answer too large to read").format(host=self.host))
        return response

    def check(self, response: httpx.Response) -> httpx.Response:
        code = response.status_code
        if code in (401, 403):
            raise AuthError(
                N_("{host}: the server refused the user name or password (HTTP {code})").format(
                    host=self.host, code=code
                )
            )
        if code >= 400:
            raise SyncError(
                N_("{host}: server error (HTTP {code})").format(host=self.host, code=code)
            )
        return response

    def json(self, response: httpx.Response, what: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise SyncError(
                N_("{host}: the answer to {what} is not JSON").format(host=self.host, what=what)
            ) from None

    def close(self) -> None:
        self.client.close()


def dicts(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON array (anything else in it, or no array: left out)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
