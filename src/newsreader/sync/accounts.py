"""Sync accounts and their secrets: `accounts.json` in the config folder, never config.toml,
written atomically with mode 0600. A secret is the password itself (asked on the terminal),
the name of an environment variable that holds it, or a command that prints it (a password
manager: `pass show rss`); it is never printed, logged or put in an error message."""

from __future__ import annotations

import ipaddress
import json
import os
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsreader.i18n import N_
from newsreader.store.files import _atomic_write
from newsreader.sync.protocol import SyncError

ACCOUNTS_FILE = "accounts.json"
KINDS = ("greader", "fever")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
COMMAND_TIMEOUT = 30.0


class AccountError(Exception):
    """A bad account definition or an unreadable accounts file; one line for the user."""


@dataclass(slots=True)
class Account:
    name: str
    kind: str  # "greader" | "fever"
    url: str  # the API's endpoint: .../api/greader.php, .../fever/, .../v1/...
    user: str
    password: str = field(default="", repr=False)
    password_env: str = ""
    password_command: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "url": self.url}
        out["user"] = self.user
        for key in ("password", "password_env", "password_command"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Account:
        values = {k: d.get(k, "") for k in ("name", "kind", "url", "user")}
        secrets = {k: d.get(k, "") for k in ("password", "password_env", "password_command")}
        if not all(isinstance(v, str) for v in (*values.values(), *secrets.values())):
            raise AccountError(N_("an account entry with a field that is not text"))
        return cls(**values, **secrets)

    @property
    def secret_source(self) -> str:
        """How the secret is found, for `account list` (never the secret)."""
        if self.password_env:
            return f"${self.password_env}"
        if self.password_command:
            return f"`{self.password_command}`"
        return "stored" if self.password else "none"

    def secret(self) -> str:
        """The password, from wherever it lives. Raises `SyncError`, which never holds it."""
        if self.password_env:
            value = os.environ.get(self.password_env, "")
            if not value:
                raise SyncError(
                    N_("the environment variable {var} is not set").format(var=self.password_env)
                )
            return value
        if self.password_command:
            try:
                done = subprocess.run(
                    shlex.split(self.password_command),
                    capture_output=True,
                    text=True,
                    timeout=COMMAND_TIMEOUT,
                    check=False,
                )
            except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
                raise SyncError(
                    N_("the password command failed ({why})").format(why=type(exc).__name__)
                ) from None
            lines = done.stdout.splitlines()
            if done.returncode != 0 or not lines or not lines[0]:
                raise SyncError(
                    N_("the password command failed (exit {code})").format(code=done.returncode)
                )
            return lines[0]
        return self.password


def check_url(url: str) -> str:
    """The endpoint, if usable: https, or plain http to this machine only (a password must
    not cross a network in clear)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AccountError(N_("not an http(s) address: {url}").format(url=url))
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise AccountError(
            N_("{url}: use https (plain http is allowed only to this machine)").format(url=url)
        )
    return url.strip()


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_name(name: str) -> str:
    if not name or len(name) > 64 or not set(name) <= _NAME_CHARS:
        raise AccountError(
            N_("an account name is 1-64 letters, digits, '-', '_' or '.': {name}").format(name=name)
        )
    return name


class Accounts:
    """The accounts file of one config folder."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / ACCOUNTS_FILE

    def all(self) -> list[Account]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise AccountError(
                N_("cannot read {path}: {why}").format(path=self.path, why=exc.strerror)
            ) from None
        try:
            data = json.loads(raw)
            entries = data["accounts"]
            if not isinstance(entries, list):
                raise TypeError
            return [Account.from_dict(e) for e in entries]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise AccountError(
                N_("{path} is not an accounts file (fix or remove it)").format(path=self.path)
            ) from None

    def get(self, name: str) -> Account:
        for account in self.all():
            if account.name == name:
                return account
        raise AccountError(N_("no account named {name}").format(name=name))

    def add(self, account: Account) -> None:
        check_name(account.name)
        if account.kind not in KINDS:
            raise AccountError(N_("unknown account kind: {kind}").format(kind=account.kind))
        account.url = check_url(account.url)
        accounts = self.all()
        if any(a.name == account.name for a in accounts):
            raise AccountError(N_("an account named {name} exists").format(name=account.name))
        self._write([*accounts, account])

    def remove(self, name: str) -> Account:
        accounts = self.all()
        gone = [a for a in accounts if a.name == name]
        if not gone:
            raise AccountError(N_("no account named {name}").format(name=name))
        self._write([a for a in accounts if a.name != name])
        return gone[0]

    def _write(self, accounts: list[Account]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(
            {"accounts": [a.to_dict() for a in accounts]}, indent=2, ensure_ascii=False
        )
        _atomic_write(self.path, payload.encode("utf-8"))  # created 0600, replaced whole
        os.chmod(self.path, 0o600)
