"""Sharing the open article: `y` copies its link (OSC 52: the terminal's clipboard, over ssh
too), `>` saves it as Markdown to a file, `|` pipes it as Markdown to a command (the terminal
is handed over while it runs, so `less` or `mail` work as in newsboat)."""

from __future__ import annotations

import os
import subprocess

from textual import work
from textual.app import SuspendNotSupported

from newsreader.i18n import _
from newsreader.sharing import render_article, save_markdown
from newsreader.ui.screens.main.base import MainBase
from newsreader.ui.screens.text_prompt import TextPrompt


class SharingPart(MainBase):
    _save_to = "~"  # the last answers, offered again (set on the screen, per session)
    _pipe_to = ""

    def action_copy_link(self) -> None:
        art = self._current()
        if art is None or not art.link:
            self.notify(_("This article has no link"), timeout=2)
            return
        self.app.copy_to_clipboard(art.link)
        self.notify(_("Link copied: {link}").format(link=art.link), timeout=2, markup=False)

    def action_save_article(self) -> None:
        art = self._current()
        if art is None:
            return

        def chosen(where: str | None) -> None:
            if where is not None and where.strip():
                self._save_to = where.strip()
                self._save_article(art.id, where.strip())

        self.app.push_screen(
            TextPrompt(
                _("Save the article as Markdown to (a file, or a folder):"),
                self._save_to,
                _("A folder: named after the headline · Enter: save · Esc: cancel"),
            ),
            chosen,
        )

    @work(thread=True, group="store", exit_on_error=False)
    def _save_article(self, article_id: str, where: str) -> None:
        art = self.library.articles.get(article_id)
        if art is None:
            return
        try:
            path = save_markdown(self.library, art, where)
        except OSError as exc:
            message = _("Not saved: {error}").format(error=exc.strerror or exc)
            self.app.call_from_thread(
                self.notify, message, severity="error", timeout=5, markup=False
            )
            return
        self.app.call_from_thread(
            self.notify, _("Saved to {path}").format(path=path), timeout=4, markup=False
        )

    def action_pipe_article(self) -> None:
        art = self._current()
        if art is None:
            return

        def chosen(command: str | None) -> None:
            if command and command.strip():
                self._pipe_to = command.strip()
                self._pipe(render_article(self.library, art), command.strip())

        self.app.push_screen(
            TextPrompt(
                _("Pipe the article (Markdown) to the command:"),
                self._pipe_to,
                _("Run by your shell, the article on its input · Enter: run · Esc: cancel"),
            ),
            chosen,
        )

    def _pipe(self, text: str, command: str) -> None:
        """The user's own command line, by their shell (as newsboat's pipe-to): the terminal
        is theirs while it runs; where it cannot be handed over, its output is captured."""
        shell = os.environ.get("SHELL") or "/bin/sh"
        data = text.encode("utf-8")
        try:
            with self.app.suspend():
                done = subprocess.run([shell, "-c", command], input=data, check=False)
        except SuspendNotSupported:
            done = subprocess.run(
                [shell, "-c", command], input=data, capture_output=True, check=False, timeout=60
            )
        except OSError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if done.returncode:
            self.notify(
                _("{command} exited with {code}").format(command=command, code=done.returncode),
                severity="warning",
                timeout=4,
                markup=False,
            )
