"""PDF edits for the signing tests."""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader


def pdf_gaps(pdf: bytes) -> list[tuple[int, int]]:
    """Byte offsets of each signature's /Contents hex string (the part a signature skips)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    ranges = [sig.byte_range for sig in reader.embedded_signatures]
    return [(int(r[0]) + int(r[1]), int(r[2])) for r in ranges]


def flip_byte(pdf: bytes, position: int) -> bytes:
    """The PDF with one bit of the byte at `position` flipped."""
    data = bytearray(pdf)
    data[position] ^= 0x01
    return bytes(data)


def retitle(pdf: bytes, title: str) -> bytes:
    """An incremental update changing the document title (no signature)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = writer.trailer["/Info"].get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject(title)
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def change_page(pdf: bytes) -> bytes:
    """An incremental update that rotates the first page: a change to the contract itself."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    page[generic.NameObject("/Rotate")] = generic.NumberObject(90)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
