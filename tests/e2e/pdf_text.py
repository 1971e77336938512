"""The text of each page of a PDF that Chromium printed (Flate streams, fonts with ToUnicode
maps, two-byte glyph ids): enough to check what a printed page carries, no PDF library."""

from __future__ import annotations

import re
import zlib

STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
HEX = rb"<([0-9A-Fa-f]+)>"


def _streams(data: bytes) -> list[bytes]:
    found = []
    for match in STREAM.finditer(data):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # an image or another stream that is not text
    return found


def _glyph_map(streams: list[bytes]) -> dict[int, str]:
    glyphs: dict[int, str] = {}
    for stream in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for glyph, text in re.findall(HEX + rb"\s*" + HEX, block):
                glyphs[int(glyph, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
            for first, last, start in re.findall(HEX + rb"\s*" + HEX + rb"\s*" + HEX, block):
                for offset, glyph in enumerate(range(int(first, 16), int(last, 16) + 1)):
                    glyphs[glyph] = chr(int(start, 16) + offset)
    return glyphs


def page_texts(data: bytes) -> list[str]:
    """One string per page (each content stream that draws text), spaces left out."""
    streams = _streams(data)
    glyphs = _glyph_map(streams)
    pages = []
    for stream in streams:
        if b"TJ" not in stream and b"Tj" not in stream:
            continue
        text = "".join(
            glyphs.get(int(h[i : i + 4], 16), "?")
            for h in (m.decode() for m in re.findall(HEX, stream))
            for i in range(0, len(h), 4)
        )
        pages.append(text.replace(" ", ""))
    return pages
