"""The text of a PDF, read without fpdf2 (pypdf is not a dependency of the project): object
table, each font's ToUnicode CMap, and the content streams' Tj/TJ strings decoded through it.
Enough for the PDFs fpdf2 writes (Type0 fonts with Identity-H encoding, Flate streams)."""

from __future__ import annotations

import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\d)(?!\s+\d+\s+R)")
_STRING = rb"\(((?:\\.|[^\\)])*)\)"
_TEXT = re.compile(
    rb"/(F\d+)\s+[\d.]+\s+Tf|" + _STRING + rb"\s*Tj|\[((?:" + _STRING + rb"|[^\]])*)\]\s*TJ", re.S
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _stream(body: bytes) -> bytes:
    """The stream's bytes, cut by the dictionary's `/Length`: compressed data may itself end in
    a carriage return, which a pattern for the end-of-line before `endstream` would swallow."""
    found = _STREAM.search(body)
    if found is None:
        return b""
    head = body[: found.start()]
    length = _LENGTH.search(head)
    data = body[found.start(1) : found.start(1) + int(length.group(1))] if length else found.group(1)
    if b"/FlateDecode" in head:
        return zlib.decompress(data)
    return data


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        char = raw[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
            continue
        nxt = raw[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out += _ESCAPES[nxt]
            i += 2
        elif nxt.isdigit():
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            assert octal is not None
            out.append(int(octal.group(0), 8))
            i += 1 + len(octal.group(0))
        else:
            out += nxt
            i += 2
    return bytes(out)


def _cmap(data: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(dst, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def pdf_text(content: bytes) -> str:
    """Every text run of the PDF, one per line, in the order drawn."""
    objects = {int(num): body for num, body in _OBJECT.findall(content)}
    fonts: dict[bytes, dict[int, str]] = {}
    for body in objects.values():
        for name, ref in re.findall(rb"/(F\d+)\s+(\d+) 0 R", body):
            font = objects.get(int(ref), b"")
            to_unicode = re.search(rb"/ToUnicode\s+(\d+) 0 R", font)
            if to_unicode:
                fonts[name] = _cmap(_stream(objects[int(to_unicode.group(1))]))
    runs: list[str] = []
    for body in objects.values():
        if b"stream" not in body or b"/ToUnicode" in body:
            continue
        try:
            data = _stream(body)
        except zlib.error:
            continue
        if b" Tj" not in data and b" TJ" not in data:
            continue
        current: dict[int, str] = {}
        for match in _TEXT.finditer(data):
            if match.group(1):
                current = fonts.get(match.group(1), {})
                continue
            raw = match.group(2)
            pieces = [raw] if raw is not None else re.findall(_STRING, match.group(3) or b"", re.S)
            text = ""
            for piece in pieces:
                codes = _unescape(piece)
                text += "".join(
                    current.get(int.from_bytes(codes[i : i + 2], "big"), "?")
                    for i in range(0, len(codes) - 1, 2)
                )
            runs.append(text)
    return "\n".join(runs)
