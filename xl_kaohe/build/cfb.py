"""A minimal, deterministic MS-CFB (compound file) writer.

Only what a VBA project needs: version 3 (512-byte sectors), streams and storages
given as slash-separated paths, a mini stream for small streams, FAT sectors listed
in the header DIFAT (up to 109 FAT sectors, about 6.8 MB). All timestamps and CLSIDs
are zero, so the same input gives the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR_SIZE = 512
MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
HEADER_DIFAT_SLOTS = 109

# MS-CFB 2.1 special sector numbers
MAXREGSECT = 0xFFFFFFFA
FATSECT = 0xFFFFFFFD
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF

# MS-CFB 2.6.1 object types and colours
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1

_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)  # keyed by upper-case name
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def cfb_name_key(name: str) -> tuple[int, str]:
    """Sort key of sibling names, MS-CFB 2.6.4: shorter names first, then upper-case."""
    return (len(name.encode("utf-16-le")) // 2, name.upper())


def _check_name(name: str) -> None:
    # MS-CFB 2.6.1: at most 31 UTF-16 code units, none of / \ : !
    if not name or len(name.encode("utf-16-le")) // 2 > 31 or any(c in name for c in "/\\:!"):
        raise ValueError(f"invalid compound file entry name: {name!r}")


def _build_tree(streams: Mapping[str, bytes]) -> _Entry:
    root = _Entry("Root Entry", _ROOT)
    for path in sorted(streams):  # sorted: insertion order must not depend on the caller
        *dirs, leaf = path.split("/")
        node = root
        for part in dirs:
            _check_name(part)
            node = node.children.setdefault(part.upper(), _Entry(part, _STORAGE))
            if node.kind != _STORAGE:
                raise ValueError(f"{path!r}: {part!r} is a stream, not a storage")
        _check_name(leaf)
        if leaf.upper() in node.children:
            raise ValueError(f"duplicate compound file entry (names are case-insensitive): {path!r}")
        node.children[leaf.upper()] = _Entry(leaf, _STREAM, bytes(streams[path]))
    return root


def _link_siblings(entries: list[_Entry], depth: int, red_depth: int) -> int:
    """Link sorted siblings as a balanced binary search tree; return the root's SID.

    Splitting at the middle keeps every level full except the deepest; colouring that
    deepest level red (when it is not full) gives a valid red-black tree (MS-CFB 2.6.4):
    every path from the root to a leaf then passes the same number of black nodes.
    """
    if not entries:
        return NOSTREAM
    mid = len(entries) // 2
    node = entries[mid]
    node.color = _RED if depth == red_depth else _BLACK
    node.left = _link_siblings(entries[:mid], depth + 1, red_depth)
    node.right = _link_siblings(entries[mid + 1 :], depth + 1, red_depth)
    return node.sid


def _tree_height(n: int) -> int:
    return 0 if n == 0 else 1 + _tree_height(n // 2)


def _is_perfect(n: int) -> bool:
    return (n + 1) & n == 0


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(first, first + count - 1):
        fat[i] = i + 1
    fat[first + count - 1] = ENDOFCHAIN


def _sectors(nbytes: int, size: int) -> int:
    return -(-nbytes // size)


def write_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """Return a CFB v3 file holding ``streams`` (paths like ``"VBA/dir"``)."""
    root = _build_tree(streams)

    # Directory order: breadth-first, siblings in CFB order (deterministic SIDs).
    order: list[_Entry] = [root]
    for entry in order:
        order.extend(sorted(entry.children.values(), key=lambda e: cfb_name_key(e.name)))
    for sid, entry in enumerate(order):
        entry.sid = sid
    for entry in order:
        kids = sorted(entry.children.values(), key=lambda e: cfb_name_key(e.name))
        height = _tree_height(len(kids))
        red_depth = -1 if _is_perfect(len(kids)) else height - 1
        entry.child = _link_siblings(kids, 0, red_depth)

    stream_entries = [e for e in order if e.kind == _STREAM]
    small = [e for e in stream_entries if 0 < len(e.data) < MINI_STREAM_CUTOFF]
    large = [e for e in stream_entries if len(e.data) >= MINI_STREAM_CUTOFF]

    # Mini stream (MS-CFB 2.5): small streams in 64-byte mini sectors, chained in the mini FAT.
    minifat: list[int] = []
    mini_stream = bytearray()
    for e in small:
        count = _sectors(len(e.data), MINI_SECTOR_SIZE)
        e.start, e.size = len(minifat), len(e.data)
        minifat.extend([0] * count)
        _chain(minifat, e.start, count)
        mini_stream += e.data.ljust(count * MINI_SECTOR_SIZE, b"\0")

    n_dir = _sectors(len(order) * 128, SECTOR_SIZE)
    n_minifat = _sectors(len(minifat) * 4, SECTOR_SIZE)
    n_mini_stream = _sectors(len(mini_stream), SECTOR_SIZE)
    n_large = [_sectors(len(e.data), SECTOR_SIZE) for e in large]
    payload = n_dir + n_minifat + n_mini_stream + sum(n_large)

    # The FAT must also map its own sectors: grow until it covers everything.
    n_fat = 1
    while n_fat * (SECTOR_SIZE // 4) < n_fat + payload:
        n_fat += 1
    if n_fat > HEADER_DIFAT_SLOTS:
        raise ValueError(
            f"compound file too large: needs {n_fat} FAT sectors, this writer supports "
            f"{HEADER_DIFAT_SLOTS} (header DIFAT only, about 6.8 MB)"
        )

    fat = [FREESECT] * (n_fat * SECTOR_SIZE // 4)
    for i in range(n_fat):
        fat[i] = FATSECT
    next_sector = n_fat

    def allocate(count: int) -> int:
        nonlocal next_sector
        if count == 0:
            return ENDOFCHAIN
        first = next_sector
        _chain(fat, first, count)
        next_sector += count
        return first

    dir_start = allocate(n_dir)
    minifat_start = allocate(n_minifat)
    root.start = allocate(n_mini_stream)
    root.size = len(mini_stream)
    for e, count in zip(large, n_large):
        e.start, e.size = allocate(count), len(e.data)

    # MS-CFB 2.2 header
    header = bytearray()
    header += _SIGNATURE + bytes(16)  # signature, header CLSID (zero)
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)  # minor, major v3, byte order, shifts
    header += bytes(6)  # reserved
    header += struct.pack("<II", 0, n_fat)  # number of directory sectors (0 in v3), FAT sectors
    header += struct.pack("<II", dir_start, 0)  # first directory sector, transaction signature
    header += struct.pack("<III", MINI_STREAM_CUTOFF, minifat_start, n_minifat)
    header += struct.pack("<II", ENDOFCHAIN, 0)  # no DIFAT sectors
    header += struct.pack("<109I", *(list(range(n_fat)) + [FREESECT] * (HEADER_DIFAT_SLOTS - n_fat)))
    assert len(header) == SECTOR_SIZE

    # MS-CFB 2.6.1 directory entries; unused slots have no name and NOSTREAM links.
    directory = bytearray()
    for e in order:
        encoded = (e.name + "\0").encode("utf-16-le")
        directory += encoded.ljust(64, b"\0")
        directory += struct.pack("<HBB", len(encoded), e.kind, e.color)
        directory += struct.pack("<III", e.left, e.right, e.child)
        directory += bytes(16 + 4 + 8 + 8)  # CLSID, state bits, creation and modified times
        start = e.start if e.kind != _STORAGE else 0
        directory += struct.pack("<IQ", start, e.size)
    unused = bytes(64) + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + bytes(48)
    while len(directory) < n_dir * SECTOR_SIZE:
        directory += unused

    def padded(data: bytes | bytearray) -> bytes:
        return bytes(data).ljust(_sectors(len(data), SECTOR_SIZE) * SECTOR_SIZE, b"\0")

    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat)
    minifat_bytes += struct.pack("<I", FREESECT) * (n_minifat * SECTOR_SIZE // 4 - len(minifat))

    out = bytearray(header)
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += directory
    out += minifat_bytes
    out += padded(mini_stream)
    for e in large:
        out += padded(e.data)
    assert len(out) == SECTOR_SIZE * (1 + next_sector)
    return bytes(out)
