"""The test helper that reads a PDF's text must read every PDF fpdf2 writes, or an invoice test
fails on an unlucky day's bytes rather than on a wrong invoice."""

from __future__ import annotations

import re
import zlib

from fpdf import FPDF

from apps.invoices.pdf import FONT, FONT_DIR
from apps.invoices.tests.pdf_text import pdf_text


def _pdf(text: str) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_page()
    pdf.set_font(FONT, size=9)
    pdf.cell(100, 5, text)
    return bytes(pdf.output())


def _page_stream_ending_in_a_carriage_return(content: bytes) -> bytes:
    """The same PDF with its page's drawing commands compressed again, a PDF comment appended
    to them so that the compressed bytes end in 0x0D, as about one stream in 256 does."""
    for head in re.finditer(rb"/Length (\d+)\n>>\nstream\n", content):
        start, length = head.end(), int(head.group(1))
        drawing = zlib.decompress(content[start : start + length])
        if b" Tj" in drawing or b" TJ" in drawing:
            break
    else:
        raise AssertionError("the PDF has no page stream")
    for pad in range(100_000):
        packed = zlib.compress(drawing + b"\n% " + str(pad).encode())
        if packed.endswith(b"\r"):
            break
    else:
        raise AssertionError("no comment made the stream end in a carriage return")
    return (
        content[: head.start(1)]
        + str(len(packed)).encode()
        + content[head.end(1) : start]
        + packed
        + content[start + length :]
    )


def test_a_stream_whose_compressed_bytes_end_in_a_carriage_return_is_read_whole():
    content = _page_stream_ending_in_a_carriage_return(_pdf("Summe 53,55 €"))
    assert b"\r\nendstream" in content  # the byte before the end-of-line is part of the data

    assert pdf_text(content).splitlines() == ["Summe 53,55 €"]


def test_an_ordinary_pdf_reads_in_drawing_order():
    assert pdf_text(_pdf("Größe ñ ø ł")).splitlines() == ["Größe ñ ø ł"]
