"""The one HTML scaffold of the autograder's pages (the student's feedback page, the
class summary of grade-all): a self-contained page in one style, tables, and figures
embedded as base64 PNG (drawn by autograder.feedback.figures.png_bytes).

Every function takes text and returns HTML; text is escaped here, so callers pass plain
strings (cells made by `cell` are HTML already).
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable, Sequence
from html import escape

__all__ = ["CSS_DPI", "STYLE", "cell", "escape", "figure", "page", "table"]

CSS_DPI = 96
"""CSS pixels per inch: a figure drawn at `dpi` is shown at its size in inches."""

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border:1px solid #ccc;
padding:.3em .5em;text-align:left;vertical-align:top}pre{margin:0;white-space:pre-wrap}
.passed{color:#176117}.failed,.error{color:#b00}.partial{color:#a60}.note{color:#666}
.number{white-space:nowrap}
figure{margin:1em 0}img{max-width:100%;height:auto}"""


def page(title: str, body: Sequence[str]) -> str:
    """A self-contained HTML page (inline style, no link, no script) titled `title`,
    with `title` as its heading and the HTML fragments of `body` a line each."""
    head = (
        f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title><style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
    )
    return "\n".join([head, *body, "</body></html>\n"])


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table: the text of `header` as its first row, then each row of cells (`cell`),
    one row a line."""
    head = "".join(f"<th>{escape(text)}</th>" for text in header)
    lines = [f"<table><tr>{head}</tr>", *(f"<tr>{''.join(row)}</tr>" for row in rows)]
    return "\n".join([*lines, "</table>"])


def cell(text: str, *, css: str = "", pre: bool = False) -> str:
    """A table cell holding `text`, of class `css` (if any), preformatted when `pre`."""
    inner = f"<pre>{escape(text)}</pre>" if pre else escape(text)
    return f"<td class='{escape(css)}'>{inner}</td>" if css else f"<td>{inner}</td>"


def figure(png: bytes, caption: str, *, dpi: float = CSS_DPI) -> str:
    """The PNG image embedded as base64, with `caption` below it and as its alt text.
    An image drawn at `dpi` pixels per inch is shown CSS_DPI CSS pixels per inch wide
    (its size in inches), so a denser PNG is sharper, not larger."""
    data = base64.b64encode(png).decode("ascii")
    caption = escape(caption)
    width, height = _png_size(png)
    size = f" width='{round(width * CSS_DPI / dpi)}' height='{round(height * CSS_DPI / dpi)}'"
    return (
        f"<figure><img src='data:image/png;base64,{data}'{size if width else ''} "
        f"alt='{caption}'><figcaption>{caption}</figcaption></figure>"
    )


def _png_size(png: bytes) -> tuple[int, int]:
    """The (width, height) in pixels of PNG bytes, read from the IHDR chunk; (0, 0) for
    bytes that are not a PNG."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        return 0, 0
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)
