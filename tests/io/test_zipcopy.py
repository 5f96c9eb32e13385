"""The zip container's compression: big parts deflate on a background thread while the next
part is rendered; what lands in the zip must be exactly what was written."""
from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from xl_kaohe.io.ooxml.zipcopy import EARLY_DEFLATE, SINK_PIECE, DeflateLater, DeflateSink, Deflated, Package


def pieces(count: int, size: int) -> list[bytes]:
    # distinct pieces (a counter in each), so that a piece out of order changes the result
    return [(f"<row r=\"{i}\">" + "扣分依据" * (size // 12)).encode() for i in range(count)]


def test_background_sink_gives_the_bytes_of_the_foreground_one() -> None:
    data = pieces(40, 50_000)
    sinks = [DeflateSink(background=True), DeflateSink(background=False)]
    for sink in sinks:
        for piece in data:
            sink.write(piece)
    back, fore = (sink.close() for sink in sinks)
    whole = b"".join(data)
    # one compressor fed the same pieces in the same order: identical stream, CRC and size
    assert back == fore
    assert back.data() == whole
    assert (back.crc, back.size) == (zlib.crc32(whole), len(whole))


def test_a_failure_on_the_deflate_thread_reaches_the_writer() -> None:
    sink = DeflateSink()
    # one piece of SINK_PIECE characters is handed over alone (nothing to join on this side):
    # crc32 of a str fails on the deflate thread, and close() raises it here
    sink.write("x" * SINK_PIECE)
    with pytest.raises(TypeError) as failure:
        sink.close()
    assert "_absorb" in [entry.name for entry in failure.traceback]  # it came from the thread's task


def test_big_written_parts_are_deflated_early_and_saved_exactly() -> None:
    source = io.BytesIO()
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<old/>")
    big = b"".join(pieces(10, EARLY_DEFLATE))  # well over EARLY_DEFLATE: deflated in the background
    small = b"<worksheet/>"
    with zipfile.ZipFile(io.BytesIO(source.getvalue())) as zf:
        pkg = Package(zf)
        pkg.write("xl/worksheets/sheet1.xml", big)
        pkg.write("xl/worksheets/sheet2.xml", small)
        assert isinstance(pkg._written["xl/worksheets/sheet1.xml"], DeflateLater)
        assert isinstance(pkg._written["xl/worksheets/sheet2.xml"], bytes)
        assert pkg.read("xl/worksheets/sheet1.xml") == big  # readable before it is saved
        out = io.BytesIO()
        raw = io.BytesIO(source.getvalue())
        pkg.save(out, raw)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as zf:
        assert zf.testzip() is None  # every CRC checks out
        assert zf.read("xl/worksheets/sheet1.xml") == big
        assert zf.read("xl/worksheets/sheet2.xml") == small
        assert zf.namelist() == ["[Content_Types].xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"]


def test_deflate_later_is_a_deflated_part_of_the_same_bytes() -> None:
    data = b"x" * (EARLY_DEFLATE * 3)
    done = DeflateLater(data).done()
    assert isinstance(done, Deflated)
    assert done.data() == data and done.size == len(data) and done.crc == zlib.crc32(data)
