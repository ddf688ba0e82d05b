"""Images in the article body: inline where the terminal can draw them, else one line.

The article's Markdown (ArticleMarkdown) turns a paragraph that is only an image into an
`ArticleImage`. It shows the cached file (image_cache) with textual-image, an optional extra:
inline with the terminal's graphics protocol (kitty's, Sixel) under `[images] show = "auto"`, in
coloured half blocks on any terminal under `"blocks"`. Otherwise, or while decoding, or when the
image was not kept, it is one placeholder line with the alt text; Enter or a click opens the
image's URL (http/https only) in the browser.

textual-image asks the terminal what it supports when it is imported, which must happen before
the app takes the terminal: `prepare_images` is called by the CLI before `App.run`, and only
when there are cached images to show. Decoding runs in a thread, bounded by
MAX_PIXELS (the header is checked before Pillow decodes a pixel), and is scaled
down to what a terminal can show.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from markdown_it.token import Token
from textual import work
from textual.app import ComposeResult
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Markdown, Static
from textual.widgets._markdown import MarkdownBlock, MarkdownParagraph

from newsreader.i18n import _, translate_message
from newsreader.image_cache import MAX_PIXELS, ImageRefused, sniff
from newsreader.sanitize import clean_line
from newsreader.ui.widgets.chip_row import MUTED

MAX_SIDE = 1600  # pixels kept after decoding: more than any terminal cell grid shows
ImagePath = Callable[[str], Path | None]


def prepare_images(show: str, has_images: bool) -> None:
    """Import textual-image (its terminal query) before the app starts, if it will be used."""
    if show == "off" or not has_images or importlib.util.find_spec("textual_image") is None:
        return
    try:
        import textual_image.widget  # noqa: F401 - the import asks the terminal
    except Exception:  # a terminal that answers oddly: placeholders, not a crash
        return


def renderer(show: str) -> type[Widget] | None:
    """The textual-image widget class for `show`, or None for the placeholder line."""
    if show == "off":
        return None
    module = sys.modules.get("textual_image.widget")
    if module is None:
        return None
    if show == "blocks":
        return module.HalfcellImage
    from textual_image.renderable import Image as chosen
    from textual_image.renderable.sixel import Image as sixel
    from textual_image.renderable.tgp import Image as tgp

    if chosen is tgp:
        return module.TGPImage
    if chosen is sixel:
        return module.SixelImage
    return None  # no graphics protocol: the placeholder, unless "blocks" was asked for


def load_image(path: Path) -> Any:
    """A decoded, scaled-down Pillow image; `ImageRefused` if over the pixel bound."""
    from PIL import Image

    with path.open("rb") as handle:
        sniff(handle.read(64 * 1024))  # the header, before Pillow sees the file
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own check, as a second line
    with Image.open(path) as image:
        if image.width * image.height > MAX_PIXELS:
            raise ImageRefused(_("image too large to show"))
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        return image.convert("RGB")


class ArticleImage(Widget):
    """One body image: the picture, or a placeholder line with its alt text."""

    DEFAULT_CSS = """
    ArticleImage { height: auto; width: 1fr; }
    ArticleImage > .image-line { color: $text-muted; }
    ArticleImage > .image-picture { width: auto; height: auto; max-height: 20; }
    """

    def __init__(self, src: str, alt: str, path: Path | None, show: str) -> None:
        super().__init__()
        self.src, self.alt, self.path, self.show = src, alt, path, show
        self.picture_class = renderer(show) if path is not None else None

    def compose(self) -> ComposeResult:
        yield Static(self.placeholder(), classes="image-line")

    def placeholder(self, note: str = "") -> Content:
        label = clean_line(self.alt, 200) or _("image")
        if not note:
            if self.path is None:
                note = _("not saved offline")
            elif self.picture_class is None:
                note = (
                    _("images off")
                    if self.show == "off"
                    else _("kept offline; no pictures on this terminal")
                )
        parts: list[tuple[str, Any] | str] = [("▣ ", MUTED), label]
        if note:
            parts.append((f"  ({note})", MUTED))
        return Content.assemble(*parts)

    def on_mount(self) -> None:
        if self.picture_class is not None and self.path is not None:
            self._decode(self.path)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _decode(self, path: Path) -> None:
        try:
            image = load_image(path)
        except Exception as exc:  # a refused, truncated or unreadable file: this image alone
            note = translate_message(str(exc)) if isinstance(exc, ImageRefused) else _("unreadable")
            self.app.call_from_thread(self._show_note, note)
            return
        self.app.call_from_thread(self._show_picture, image)

    def _show_note(self, note: str) -> None:
        if self.is_attached:
            self.query_one(".image-line", Static).update(self.placeholder(note))

    def _show_picture(self, image: Any) -> None:
        if not self.is_attached or self.picture_class is None:
            return
        self.query_one(".image-line", Static).display = False
        self.mount(self.picture_class(image, classes="image-picture"))

    def on_click(self) -> None:
        self.post_message(Markdown.LinkClicked(self._markdown(), self.src))

    def _markdown(self) -> Markdown:
        return self.query_ancestor(Markdown)


class ImageParagraph(MarkdownParagraph):
    """A paragraph; one that holds only an image (and maybe its link) becomes an ArticleImage."""

    def build_from_token(self, token: Token) -> None:
        found = _lone_image(token)
        markdown = self._markdown
        if found is None or not isinstance(markdown, ArticleMarkdown):
            super().build_from_token(token)
            return
        src, alt = found
        self._inline_token = token
        self.set_content(Content())
        self._image = ArticleImage(src, alt, markdown.image_path(src), markdown.image_show)

    def compose(self) -> ComposeResult:
        image = getattr(self, "_image", None)
        if image is not None:
            yield image
        yield from super().compose()

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if getattr(self, "_image", None) is None and getattr(block, "_image", None) is None:
            await super()._update_from_block(block)
        else:
            await MarkdownBlock._update_from_block(self, block)


class ArticleMarkdown(Markdown):
    """The article body's Markdown, with image paragraphs drawn by ArticleImage."""

    BLOCKS = {**Markdown.BLOCKS, "paragraph_open": ImageParagraph}
    DEFAULT_CSS = """
    ArticleMarkdown > ImageParagraph { margin: 0 0 1 0; }
    """

    def __init__(
        self,
        *,
        image_path: ImagePath | None = None,
        image_show: str = "auto",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, open_links=False)
        self.image_path: ImagePath = image_path or (lambda _src: None)
        self.image_show = image_show


def _lone_image(token: Token) -> tuple[str, str] | None:
    """(src, alt) when the inline token is one image, maybe inside a link, and nothing else."""
    image: Token | None = None
    for child in token.children or ():
        if child.type == "image":
            if image is not None:
                return None
            image = child
        elif child.type in ("link_open", "link_close", "softbreak") or (
            child.type == "text" and not child.content.strip()
        ):
            continue
        else:
            return None
    if image is None:
        return None
    alt = image.content or "".join(c.content for c in image.children or ())
    return str(image.attrs.get("src", "")), alt
