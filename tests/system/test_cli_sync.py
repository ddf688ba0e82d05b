"""`newsreader account add/list/remove` and `newsreader sync` against the loopback Google
Reader server: the secret never printed nor in config.toml, the accounts file 0600, https
required off loopback, one line per failure and refresh's exit codes."""

from __future__ import annotations

import io
import json
import stat
import time
from collections.abc import Iterator

import pytest
from greader_server import GReaderServer

from newsreader.cli import main


@pytest.fixture
def server() -> Iterator[GReaderServer]:
    with GReaderServer() as s:
        feed = s.add_feed(1, "https://news.example/a.xml", "Nachrichten", ["Politik"])
        for n in range(3):
            s.add_item(feed, f"Story {n}", published=int(time.time()) - 60 * n)
        yield s
    assert not s.errors, s.errors


def run(capsys, *args, stdin: str | None = None, monkeypatch=None):
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def add_greader(capsys, monkeypatch, server, *extra: str):
    """`account add greader` with the server's password on standard input."""
    return run(
        capsys,
        "account",
        "add",
        "greader",
        server.url,
        "--user",
        "reader",
        *extra,
        stdin="s3cret\n",
        monkeypatch=monkeypatch,
    )


def test_add_sync_list_remove(server, data_dir, capsys, monkeypatch):
    code, out, err = add_greader(capsys, monkeypatch, server, "--name", "home")
    assert code == 0, err
    assert "added home" in out and "s3cret" not in out + err
    accounts = data_dir.parent / "config" / "accounts.json"
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    assert json.loads(accounts.read_text())["accounts"][0]["user"] == "reader"
    assert (
        not (data_dir.parent / "config" / "config.toml").exists()
        or "s3cret" not in (data_dir.parent / "config" / "config.toml").read_text()
    )

    code, out, err = run(capsys, "sync")
    assert code == 0, err
    assert "home: 3 new" in out

    code, out, _ = run(capsys, "unread")
    assert code == 0 and "Story 0" in out

    code, out, _ = run(capsys, "account", "list")
    assert "home  greader  reader @" in out and "(stored)" in out and "1 feeds" in out
    assert "s3cret" not in out
    code, out, _ = run(capsys, "account", "list", "--json")
    row = json.loads(out)[0]
    assert row["last_sync"] and row["last_error"] is None and row["password"] == "stored"

    code, out, _ = run(capsys, "account", "remove", "home")
    assert code == 0 and "1 feeds stay" in out
    code, out, _ = run(capsys, "list", "--json")
    assert json.loads(out)[0]["url"] == "https://news.example/a.xml"
    assert not (data_dir / "sync" / "home.json").exists()


def test_a_wrong_password_is_not_added(server, data_dir, capsys, monkeypatch):
    code, out, err = run(
        capsys,
        "account",
        "add",
        "greader",
        server.url,
        "--user",
        "reader",
        stdin="nope\n",
        monkeypatch=monkeypatch,
    )
    assert code == 1 and err.count("\n") == 1
    assert "refused the user name or password" in err and "nope" not in err
    assert not (data_dir.parent / "config" / "accounts.json").exists()


def test_password_from_the_environment_and_a_command(
    server, data_dir, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("RSS_PASSWORD", "s3cret")
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    code, _, err = run(
        capsys,
        "account",
        "add",
        "greader",
        server.url,
        "--user",
        "reader",
        "--name",
        "env",
        "--password-env",
        "RSS_PASSWORD",
    )
    assert code == 0, err
    code, _, err = run(
        capsys,
        "account",
        "add",
        "greader",
        server.url,
        "--user",
        "reader",
        "--name",
        "cmd",
        "--password-command",
        f"cat {secret}",
    )
    assert code == 0, err
    stored = (data_dir.parent / "config" / "accounts.json").read_text()
    assert "s3cret" not in stored
    code, out, _ = run(capsys, "account", "list")
    assert "($RSS_PASSWORD)" in out and f"(`cat {secret}`)" in out
    monkeypatch.delenv("RSS_PASSWORD")
    code, out, err = run(capsys, "sync")
    assert code == 3  # one account synced, one did not: refresh's "partial"
    assert "env: the environment variable RSS_PASSWORD is not set" in err
    assert "cmd: 3 new" in out


def test_plain_http_only_to_this_machine(data_dir, capsys):
    code, _, err = run(
        capsys,
        "account",
        "add",
        "fever",
        "http://rss.example.org/fever/",
        "--user",
        "x",
        "--password-env",
        "X",
        "--no-check",
    )
    assert code == 1 and "use https" in err


def test_sync_when_the_server_is_down(server, data_dir, capsys, monkeypatch):
    add_greader(capsys, monkeypatch, server)
    server.stop()
    code, out, err = run(capsys, "sync")
    assert code == 1 and err.strip().startswith("greader: 127.0.0.1: cannot connect")
    assert err.count("\n") == 1
    code, out, _ = run(capsys, "account", "list")
    assert "last error: 127.0.0.1: cannot connect" in out


def test_refresh_syncs_the_accounts_too(server, data_dir, capsys, monkeypatch):
    add_greader(capsys, monkeypatch, server)
    code, out, err = run(capsys, "refresh")
    assert code == 0, err
    assert "greader: 3 new" in out
    server.fail_after = len(server.calls)
    code, out, err = run(capsys, "refresh")
    assert code == 1 and "HTTP 500" in err  # nothing of its own to fetch: the sync's code


def test_add_on_an_account(server, data_dir, capsys, monkeypatch):
    add_greader(capsys, monkeypatch, server)
    code, out, err = run(
        capsys, "add", "https://blog.example/feed.xml", "--as-is", "--account", "greader"
    )
    assert code == 0, err
    assert "`newsreader sync` subscribes greader to it" in out
    code, out, err = run(capsys, "sync")
    assert code == 0, err
    assert any(s.url == "https://blog.example/feed.xml" for s in server.subs.values())
    run(
        capsys,
        "account",
        "add",
        "fever",
        "http://127.0.0.1:9/fever/",
        "--user",
        "x",
        "--name",
        "fv",
        "--password-env",
        "X",
        "--no-check",
    )
    code, _, err = run(capsys, "add", "https://other.example/f.xml", "--as-is", "--account", "fv")
    assert code == 1 and "the Fever API cannot subscribe" in err
    code, _, err = run(capsys, "add", "https://other.example/f.xml", "--as-is", "--account", "x")
    assert code == 1 and "no account named x" in err
