"""A real Fever server for the sync tests: coldsweat 0.10.2 (pure Python, on the package index),
run from a virtual environment of its own because it pins Flask < 3.1 and urllib3 < 2.

The environment is made once by the first test that needs it, in `.venv-coldsweat` at the
top of the repository (ignored by git), and reused; set NEWSREADER_COLDSWEAT to a coldsweat
executable to use another. Each server gets its own SQLite file, a user, the test's loopback
feeds (imported as OPML, fetched by `coldsweat fetch`) and a free port on 127.0.0.1. Nothing
reaches the internet: coldsweat asks icons.duckduckgo.com for favicons, so its processes get a
proxy that goes nowhere (loopback is exempt).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr

import httpx

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venv-coldsweat"
VERSION = "0.10.2"


class ColdsweatUnavailable(RuntimeError):
    pass


def coldsweat_command() -> Path:
    """The coldsweat executable, installing it into its own venv the first time."""
    given = os.environ.get("NEWSREADER_COLDSWEAT")
    if given:
        return Path(given)
    exe = VENV / "bin" / "coldsweat"
    if exe.exists():
        return exe
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(REPO / ".venv-coldsweat.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test processes: one installs, one waits
        if not exe.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
            done = subprocess.run(
                [str(VENV / "bin" / "pip"), "install", "-q", f"coldsweat=={VERSION}"],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise ColdsweatUnavailable(f"pip install coldsweat failed: {done.stderr[-500:]}")
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Coldsweat:
    """One coldsweat instance: `user`/`password`, `url` (the Fever endpoint), `mark()`."""

    def __init__(
        self, folder: Path, feeds: dict[str, str], *, folders: dict[str, str] | None = None
    ) -> None:
        """`feeds`: title -> URL; `folders`: title -> group name (OPML folders)."""
        self.exe = coldsweat_command()
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.user, self.password = "anna@example.org", "correct horse battery"
        self.port = _free_port()
        self.env = {
            **os.environ,
            "FLASK_DATABASE_URL": f"sqlite:///{folder / 'coldsweat.db'}",
            "FLASK_SECRET_KEY": "tests only",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self._cli("setup", self.user, "-p", self.password)
        opml = folder / "feeds.opml"
        opml.write_text(_opml(feeds, folders or {}), encoding="utf-8")
        self._cli("import", str(opml), self.user, "--fetch")

    def _cli(self, *args: str) -> None:
        done = subprocess.run(
            [str(self.exe), *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"coldsweat {args[0]} failed: {done.stderr[-800:]}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/fever/"

    def fetch(self) -> None:
        """Fetch every feed again (new items on the feed server). coldsweat skips a feed
        checked within its minimum interval, so the last check is forgotten first."""
        with sqlite3.connect(self.folder / "coldsweat.db") as db:
            db.execute("UPDATE feeds SET last_checked_on = NULL, last_updated_on = NULL")
        self._cli("fetch")

    def start(self) -> Coldsweat:
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [str(self.exe), "run", "-h", "127.0.0.1", "-p", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.post(f"{self.url}?api", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("coldsweat did not start: " + (self.folder / "server.log").read_text())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    # ------------------------------------------------------------------ the API, as a phone

    def api(self, query: str, **form: str) -> dict:
        key = hashlib.md5(f"{self.user}:{self.password}".encode()).hexdigest()  # noqa: S324
        answer = httpx.post(f"{self.url}?api&{query}", data={"api_key": key, **form}, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def items(self) -> dict[str, dict]:
        """Every item by title, with is_read/is_saved (walked by since_id, then the rest)."""
        out: dict[int, dict] = {}
        since = 0
        while True:
            page = self.api(f"items&since_id={since}").get("items", [])
            fresh = [i for i in page if i["id"] not in out]
            if not fresh:
                break
            out.update((i["id"], i) for i in fresh)
            since = max(i["id"] for i in fresh)
        total = self.api("items")["total_items"]  # coldsweat numbers its entries 1, 2, 3...
        missing = [n for n in range(1, total + 1) if n not in out]
        for start in range(0, len(missing), 50):
            ids = ",".join(map(str, missing[start : start + 50]))
            out.update((i["id"], i) for i in self.api(f"items&with_ids={ids}").get("items", []))
        return {i["title"]: i for i in out.values()}

    def mark(self, item_id: int, state: str) -> None:
        self.api("", mark="item", **{"as": state}, id=str(item_id))

    def __enter__(self) -> Coldsweat:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _opml(feeds: dict[str, str], folders: dict[str, str]) -> str:
    def outline(title: str, url: str) -> str:
        return f'<outline type="rss" text={quoteattr(title)} xmlUrl={quoteattr(url)}/>'

    body = []
    for group in sorted(set(folders.values())):
        inner = "".join(outline(t, u) for t, u in feeds.items() if folders.get(t) == group)
        body.append(f"<outline text={quoteattr(group)} title={quoteattr(group)}>{inner}</outline>")
    body += [outline(t, u) for t, u in feeds.items() if t not in folders]
    return (
        '<?xml version="1.0"?><opml version="2.0"><head><title>tests</title></head><body>'
        + "".join(body)
        + "</body></opml>"
    )
