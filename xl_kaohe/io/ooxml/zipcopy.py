"""The zip container: every part of the source package is copied through untouched -- compressed
bytes, name, order and timestamp -- and only replaced or new parts are written.

Re-saving through a zip library would recompress and re-stamp every part; copying the raw
entries keeps the VBA project, the ribbon and every input sheet byte for byte, and the large
input sheets are never inflated. Written parts get a fixed timestamp (1980-01-01) so the same
input gives the same bytes. Part names compare case-insensitively, as OPC says. No zip64: a
ledger is far from 4 GB, and a package that needs it is refused rather than written wrong.
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

MAX_ZIP32 = 0xFFFFFFFF

_FIXED_DOS_DATE = (1 << 5) | 1  # 1980-01-01
_FIXED_DOS_TIME = 0


@dataclass(frozen=True)
class Deflated:
    """A part compressed while it was produced (DeflateSink): its bytes are never whole in memory."""
    packed: bytes   # raw deflate
    crc: int
    size: int

    def data(self) -> bytes:
        return zlib.decompress(self.packed, -15)


BIG_PART = 1 << 20  # parts above this are deflated at level 1: 3-4x faster, ~25 % larger


def level_for(size: int) -> int:
    """zlib level: 6 (zip's default) for ordinary parts, 1 for big sheets (扣分依据 at 100k orders
    is ~25 MB of XML: level 6 costs more than writing it)."""
    return 1 if size > BIG_PART else 6


class DeflateSink:
    """A file-like ``write`` target that deflates as it goes (level 1: it serves big parts), on
    the background deflater while the caller produces the next piece (zlib releases the GIL)."""

    def __init__(self, background: bool = True) -> None:
        self._compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
        self._chunks: list[bytes] = []
        self._crc = 0
        self._size = 0
        self._pool = _deflater() if background else None
        self._pending: list[Future] = []
        self._buffer: list = []  # small pieces (the importer writes rows) go over in bulk
        self._buffered = 0

    def write(self, data) -> None:
        """Take ``data`` (bytes, or a memoryview of bytes nobody changes)."""
        if self._pool is None:
            self._absorb(data)
            return
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= SINK_PIECE:
            self._hand_over()

    def _hand_over(self) -> None:
        data = self._buffer[0] if len(self._buffer) == 1 else b"".join(self._buffer)
        self._buffer, self._buffered = [], 0
        self._pending.append(self._pool.submit(self._absorb, data))  # one worker: in order
        while len(self._pending) > 2:  # bounded: at most two pieces wait, whatever the speeds
            self._pending.pop(0).result()

    def _absorb(self, data) -> None:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._chunks.append(self._compressor.compress(data))

    def close(self) -> Deflated:
        if self._buffer:
            self._hand_over()
        for pending in self._pending:
            pending.result()
        self._chunks.append(self._compressor.flush())
        return Deflated(b"".join(self._chunks), self._crc, self._size)


class DeflateLater:
    """A written part being deflated on the background deflater (started when the part is
    written, so it overlaps the rendering of the next one; ``done()`` is what the zip gets)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._future = _deflater().submit(deflate, data)

    def data(self) -> bytes:
        return self._data

    def done(self) -> Deflated:
        return self._future.result()


def deflate(data: bytes) -> Deflated:
    compressor = zlib.compressobj(level_for(len(data)), zlib.DEFLATED, -15)
    return Deflated(compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


EARLY_DEFLATE = 1 << 16  # written parts above this start deflating at once, in the background
SINK_PIECE = 1 << 18     # what a DeflateSink gathers before it hands a piece to the deflater
_DEFLATER: list[ThreadPoolExecutor] = []


def _deflater() -> ThreadPoolExecutor:
    """One worker thread for all compression: tasks run in the order given (a sink's pieces
    must), beside the main thread that renders."""
    if not _DEFLATER:
        _DEFLATER.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaohe-deflate"))
    return _DEFLATER[0]


class Package:
    """The source zip's parts in order, with pending replacements, additions and deletions."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self._zf = zf
        self._infos = zf.infolist()
        self._source = {info.filename: info for info in self._infos}
        self._written: dict[str, bytes | Deflated | DeflateLater] = {}
        self._deleted: set[str] = set()
        self._folded = {name.casefold(): name for name in self._source}  # OPC names ignore case

    def exists(self, name: str) -> bool:
        real = self._folded.get(name.casefold())
        return real is not None and real not in self._deleted

    def read(self, name: str) -> bytes:
        real = self._folded.get(name.casefold(), name)
        if real in self._deleted:
            raise KeyError(name)
        if real in self._written:
            data = self._written[real]
            return data if isinstance(data, bytes) else data.data()
        info = self._source.get(real)
        if info is not None and info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1 \
                and info.file_size > 1 << 20:
            return self._inflate(info)
        return self._zf.read(real)

    def _inflate(self, info: zipfile.ZipInfo) -> bytes:
        """A big deflated part in one allocation (zipfile's reader grows its buffer chunk by
        chunk: twice the part's size at the peak)."""
        fp = self._zf.fp
        fp.seek(info.header_offset)
        header = fp.read(30)
        if header[:4] != b"PK\x03\x04":
            return self._zf.read(info.filename)
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        fp.seek(name_len + extra_len, 1)
        data = zlib.decompress(fp.read(info.compress_size), -15, info.file_size)
        if zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
        return data

    def read_optional(self, name: str) -> bytes | None:
        return self.read(name) if self.exists(name) else None

    def write(self, name: str, data: bytes | Deflated) -> None:
        real = self._folded.setdefault(name.casefold(), name)
        self._deleted.discard(real)
        self._written[real] = DeflateLater(data) if isinstance(data, bytes) and len(data) > EARLY_DEFLATE else data

    def delete(self, name: str) -> None:
        real = self._folded.get(name.casefold())
        if real is not None:
            self._deleted.add(real)
            self._written.pop(real, None)

    def save(self, out: BinaryIO, raw: BinaryIO) -> None:
        """Source order first (replaced parts in place), then new parts in the order written."""
        writer = _ZipWriter(out)
        for info in self._infos:
            name = info.filename
            if name in self._deleted:
                continue
            if name in self._written:
                writer.add(name, self._written[name])
            else:
                writer.copy_raw(info, raw)
        for name, data in self._written.items():
            if name not in self._source:
                writer.add(name, data)
        writer.close(self._zf.comment)


class _ZipWriter:
    """A minimal zip writer that can copy entries without recompressing them (no zip64)."""

    _LOCAL = struct.Struct("<4sHHHHHLLLHH")
    _CENTRAL = struct.Struct("<4sBBBBHHHHLLLHHHHHLL")
    _END = struct.Struct("<4sHHHHLLH")

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._offset = 0
        self._central: list[bytes] = []

    def _put(self, data: bytes) -> None:
        self._out.write(data)
        self._offset += len(data)

    def _entry(self, name: bytes, flags: int, method: int, dos_time: int, dos_date: int,
               crc: int, csize: int, usize: int, create_system: int = 0,
               internal_attr: int = 0, external_attr: int = 0) -> None:
        if max(csize, usize, self._offset) > MAX_ZIP32:
            raise ValueError("package too large for a zip without zip64")
        self._central.append(self._CENTRAL.pack(
            b"PK\x01\x02", 20, create_system, 20, 0, flags, method, dos_time, dos_date,
            crc, csize, usize, len(name), 0, 0, 0, internal_attr, external_attr,
            self._offset) + name)
        self._put(self._LOCAL.pack(b"PK\x03\x04", 20, flags, method, dos_time, dos_date,
                                   crc, csize, usize, len(name), 0) + name)

    def add(self, name: str, data: bytes | Deflated | DeflateLater) -> None:
        """A new part: deflated (unless it already is), with the fixed timestamp."""
        if isinstance(data, DeflateLater):
            data = data.done()
        elif not isinstance(data, Deflated):
            data = deflate(data)
        packed, crc, size = data.packed, data.crc, data.size
        encoded, flags = _encode_name(name)
        self._entry(encoded, flags, zipfile.ZIP_DEFLATED, _FIXED_DOS_TIME, _FIXED_DOS_DATE,
                    crc, len(packed), size)
        self._put(packed)

    def copy_raw(self, info: zipfile.ZipInfo, raw: BinaryIO) -> None:
        """Copy an entry's compressed bytes as they are; only the headers are rewritten."""
        if info.flag_bits & 0x1:
            raise ValueError(f"encrypted zip entry: {info.filename}")
        raw.seek(info.header_offset)
        header = raw.read(self._LOCAL.size)
        if header[:4] != b"PK\x03\x04":
            raise ValueError(f"bad local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        name = raw.read(name_len)
        raw.seek(extra_len, 1)
        y, mo, d, h, mi, s = info.date_time
        dos_date = ((y - 1980) << 9) | (mo << 5) | d
        dos_time = (h << 11) | (mi << 5) | (s // 2)
        flags = info.flag_bits & ~0x8  # sizes go in the local header: no data descriptor
        self._entry(name, flags, info.compress_type, dos_time, dos_date, info.CRC,
                    info.compress_size, info.file_size, info.create_system,
                    info.internal_attr, info.external_attr)
        remaining = info.compress_size
        while remaining:
            chunk = raw.read(min(remaining, 1 << 20))
            if not chunk:
                raise ValueError(f"truncated zip entry: {info.filename}")
            self._put(chunk)
            remaining -= len(chunk)

    def close(self, comment: bytes = b"") -> None:
        start = self._offset
        for record in self._central:
            self._put(record)
        count = len(self._central)
        if count > 0xFFFF or start > MAX_ZIP32:
            raise ValueError("package too large for a zip without zip64")
        self._put(self._END.pack(b"PK\x05\x06", 0, 0, count, count, self._offset - start,
                                 start, len(comment)) + comment)


def _encode_name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800  # bit 11: the name is UTF-8
