"""Write the VBA project part ``xl/vbaProject.bin`` of an .xlsm from source text.

The project is "source only" (MS-OVBA 2.3.4.1: ``_VBA_PROJECT`` version 0xFFFF, no
performance cache): Office compiles the modules from their source when it opens
the workbook. Layout (MS-OVBA 2.2.1)::

    PROJECT         project properties as text (2.3.1)
    PROJECTwm       module name map (2.3.3)
    VBA/_VBA_PROJECT
    VBA/dir         compressed project information records (2.3.4.2)
    VBA/<module>    one compressed source stream per module (2.3.4.3)

Everything is derived from the input, so the same input gives the same bytes.
Only stdlib; the compound file comes from :mod:`xl_kaohe.build.cfb`.
"""

from __future__ import annotations

import codecs
import re
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from xl_kaohe.build.cfb import write_compound_file

__all__ = [
    "DEFAULT_REFERENCES",
    "VbaModule",
    "VbaReference",
    "build_vba_project",
    "compress",
    "decompress",
    "decrypt",
    "project_id",
]

ModuleKind = Literal["standard", "class", "document"]


@dataclass(frozen=True)
class VbaModule:
    name: str  # VB_Name, ASCII identifier
    kind: ModuleKind
    source: str  # code without the module-level "Attribute VB_..." header; ASCII only
    exposed: bool | None = None  # VB_Exposed of a class; None: Excel's default for its kind


@dataclass(frozen=True)
class VbaReference:
    """A registered type library reference (MS-OVBA 2.3.4.2.2.5 REFERENCEREGISTERED)."""

    name: str
    libid: str


# Libids as Office writes them. The version is 2.0 on purpose: VBA loads the newest
# registered minor version of the same major, so the Office reference resolves on any
# Office from 2007 to 365 (xlwings' shipped quickstart_standalone.xlsm does the same).
DEFAULT_REFERENCES: tuple[VbaReference, ...] = (
    VbaReference(
        "stdole",
        r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation",
    ),
    VbaReference(
        "Office",  # IRibbonControl for ribbon callbacks
        r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
        r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library",
    ),
)

THIS_WORKBOOK = "ThisWorkbook"
# VB_Base of document modules: the Excel Workbook / Worksheet coclasses.
_WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
_WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
# VB_Base Excel stores for class modules (seen in xlwings' sample project).
_CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}\Z")  # VBA: letter first, at most 31 chars
_RESERVED_STREAMS = {"DIR", "_VBA_PROJECT"}  # stream names already used in the VBA storage
_PROJECT_ID_NAMESPACE = uuid.UUID("6f6a1b52-3c55-4f0e-9d1e-6b8e2f1c0a41")  # fixed, arbitrary

# --------------------------------------------------------------------------------------
# MS-OVBA 2.4.1 compression
# --------------------------------------------------------------------------------------

_CHUNK = 4096


def _copy_token_bits(decompressed_in_chunk: int) -> int:
    """Offset bit count for a copy token, MS-OVBA 2.4.1.3.19.1 CopyToken Help."""
    return max((decompressed_in_chunk - 1).bit_length(), 4)


def _compress_chunk(chunk: bytes) -> bytes:
    """One compressed chunk with header (MS-OVBA 2.4.1.3.7)."""
    out = bytearray()
    heads: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions holding it
    indexed = 0  # positions below this are in `heads`
    pos, end = 0, len(chunk)
    while pos < end:
        flag_index = len(out)
        out.append(0)
        for bit in range(8):
            if pos >= end:
                break
            for p in range(indexed, min(pos, end - 2)):
                heads.setdefault(chunk[p : p + 3], []).append(p)
            indexed = max(indexed, pos)
            # 2.4.1.3.19.4 Matching: the longest earlier match, the nearest one on ties.
            # Matches only count from 3 bytes, so only earlier positions starting with the
            # same 3 bytes are candidates; lengths are capped at the token's maximum.
            bits = _copy_token_bits(pos)
            max_length = (0xFFFF >> bits) + 3
            best_len, best_pos = 0, -1
            for cand in reversed(heads.get(chunk[pos : pos + 3], ())):
                length = 3
                limit = min(max_length, end - pos)
                while length < limit and chunk[cand + length] == chunk[pos + length]:
                    length += 1
                if length > best_len:
                    best_len, best_pos = length, cand
                    if length == limit:
                        break
            if best_len >= 3:
                token = ((pos - best_pos - 1) << (16 - bits)) | (best_len - 3)
                out += struct.pack("<H", token)
                out[flag_index] |= 1 << bit
                pos += best_len
            else:
                out.append(chunk[pos])
                pos += 1
    if len(out) > _CHUNK:
        # 2.4.1.3.10 raw chunk: exactly 4096 bytes; a short last chunk is padded with 0x00
        # (decompressing then gives the padding too, 2.4.1.3.3, as Office's own writer does).
        # Only incompressible data gets here: source text always compresses.
        return struct.pack("<H", 0x3000 | (_CHUNK - 1)) + chunk.ljust(_CHUNK, b"\0")
    # 2.4.1.1.5 header: size - 3 in 12 bits, signature 0b011, compressed flag
    return struct.pack("<H", 0xB000 | (len(out) + 2 - 3)) + out


def compress(data: bytes) -> bytes:
    """Compress ``data`` into a CompressedContainer (MS-OVBA 2.4.1.3.6)."""
    out = bytearray(b"\x01")  # 2.4.1.1.1 SignatureByte
    for start in range(0, len(data), _CHUNK):
        out += _compress_chunk(bytes(data[start : start + _CHUNK]))
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """Decompress a CompressedContainer (MS-OVBA 2.4.1.3.1)."""
    if not data or data[0] != 0x01:
        raise ValueError("not an MS-OVBA compressed container (signature byte is not 0x01)")
    out = bytearray()
    pos = 1
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError(f"truncated chunk header at offset {pos}")
        (header,) = struct.unpack_from("<H", data, pos)
        if (header >> 12) & 0x7 != 0b011:
            raise ValueError(f"bad chunk signature at offset {pos}")
        chunk_end = min(pos + (header & 0x0FFF) + 3, len(data))
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:  # raw chunk
            out += data[pos : pos + _CHUNK]
            pos += _CHUNK
            continue
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise ValueError(f"truncated copy token at offset {pos}")
                (token,) = struct.unpack_from("<H", data, pos)
                pos += 2
                bits = _copy_token_bits(len(out) - chunk_start)
                offset = (token >> (16 - bits)) + 1
                length = (token & (0xFFFF >> bits)) + 3
                source = len(out) - offset
                if source < chunk_start:
                    raise ValueError(f"copy token points before its chunk at offset {pos - 2}")
                for i in range(length):  # byte by byte: the copy may overlap its output
                    out.append(out[source + i])
    return bytes(out)


# --------------------------------------------------------------------------------------
# MS-OVBA 2.4.3 data encryption (obfuscation of CMG / DPB / GC in the PROJECT stream)
# --------------------------------------------------------------------------------------


def _encrypt(data: bytes, pid: str, seed: int) -> str:
    """MS-OVBA 2.4.3.2 with a fixed seed and fixed ignored bytes (deterministic output)."""
    version = 2
    proj_key = sum(pid.encode("ascii")) & 0xFF  # checksum of the ProjectCLSID "{...}" text
    out = [seed, seed ^ version, seed ^ proj_key]
    unencrypted1, encrypted1, encrypted2 = proj_key, out[2], out[1]

    def emit(byte: int) -> None:
        nonlocal unencrypted1, encrypted1, encrypted2
        enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte

    for _ in range((seed & 6) // 2):  # IgnoredEnc: arbitrary bytes
        emit(0)
    for byte in struct.pack("<I", len(data)) + data:
        emit(byte)
    return bytes(out).hex().upper()


def decrypt(hex_text: str) -> tuple[int, bytes]:
    """MS-OVBA 2.4.3.3: return (ProjKey, Data) of an encrypted CMG/DPB/GC value."""
    raw = bytes.fromhex(hex_text)
    seed, version_enc, proj_key_enc = raw[:3]
    if seed ^ version_enc != 2:
        raise ValueError("unsupported encryption version")
    proj_key = seed ^ proj_key_enc
    unencrypted1, encrypted1, encrypted2 = proj_key, proj_key_enc, version_enc
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    ignored = (seed & 6) // 2
    (length,) = struct.unpack_from("<I", plain, ignored)
    data = bytes(plain[ignored + 4 :])
    if len(data) != length:
        raise ValueError(f"encrypted data length {len(data)} != declared {length}")
    return proj_key, data


# --------------------------------------------------------------------------------------
# Streams
# --------------------------------------------------------------------------------------


def _source_lines(source: str) -> list[str]:
    """Lines of ``source``; CR LF, CR and LF all end a line (str.splitlines also splits
    on form feeds and other controls, which VBA keeps inside a line)."""
    lines = re.split(r"\r\n|\r|\n", source)
    return lines[:-1] if lines[-1] == "" else lines


def _validate(modules: Sequence[VbaModule], project_name: str, codepage: int) -> None:
    try:
        codecs.lookup(f"cp{codepage}")
    except LookupError:
        raise ValueError(f"unknown code page {codepage}") from None
    if not _IDENTIFIER.match(project_name):
        raise ValueError(f"invalid VBA project name {project_name!r}: ASCII identifier, at most 31 chars")
    seen: dict[str, str] = {project_name.upper(): f"the project name {project_name!r}"}
    for module in modules:
        if not _IDENTIFIER.match(module.name):
            raise ValueError(
                f"invalid VBA module name {module.name!r}: must be an ASCII identifier "
                "(letter first, then letters, digits or _), at most 31 characters"
            )
        if module.name.upper() in _RESERVED_STREAMS:
            raise ValueError(f"VBA module name {module.name!r} clashes with a VBA storage stream")
        if module.kind not in ("standard", "class", "document"):
            raise ValueError(f"module {module.name!r}: unknown kind {module.kind!r}")
        key = module.name.upper()  # VBA names are case-insensitive
        if key in seen:
            raise ValueError(f"duplicate VBA module name {module.name!r} (clashes with {seen[key]})")
        seen[key] = f"module {module.name!r}"
        for lineno, line in enumerate(_source_lines(module.source), 1):
            if not line.isascii():
                bad = next(c for c in line if not c.isascii())
                raise ValueError(
                    f"module {module.name!r} line {lineno}: non-ASCII character {bad!r}; "
                    "VBA source must be ASCII (put other text in the ribbon XML or Python)"
                )
            if line.lstrip().startswith("Attribute VB_"):
                raise ValueError(
                    f"module {module.name!r} line {lineno}: module attribute {line.strip()!r}; "
                    "pass the source without its Attribute VB_ header lines"
                )
    if not any(m.kind == "document" and m.name == THIS_WORKBOOK for m in modules):
        raise ValueError(f"a document module named {THIS_WORKBOOK!r} is required")


def _module_text(module: VbaModule) -> bytes:
    """Module source as stored (MS-OVBA 2.3.4.3): attribute header, then code, CRLF."""
    header = [f'Attribute VB_Name = "{module.name}"']
    if module.kind == "class":
        # the header Excel itself stores for a class module (a .cls export shows only
        # four of these lines); same as the Dictionary class in xlwings' sample project
        header += [
            f'Attribute VB_Base = "{_CLASS_BASE}"',
            "Attribute VB_GlobalNameSpace = False",
            "Attribute VB_Creatable = False",
            "Attribute VB_PredeclaredId = False",
            f"Attribute VB_Exposed = {bool(module.exposed)}",
            "Attribute VB_TemplateDerived = False",
            "Attribute VB_Customizable = False",
        ]
    elif module.kind == "document":
        base = _WORKBOOK_BASE if module.name == THIS_WORKBOOK else _WORKSHEET_BASE
        header += [
            f'Attribute VB_Base = "{base}"',
            "Attribute VB_GlobalNameSpace = False",
            "Attribute VB_Creatable = False",
            "Attribute VB_PredeclaredId = True",
            "Attribute VB_Exposed = True",
            "Attribute VB_TemplateDerived = False",
            "Attribute VB_Customizable = True",
        ]
    lines = header + _source_lines(module.source)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _record(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def _text_record(record_id: int, unicode_id: int, text: str, codepage: str) -> bytes:
    """A record pair holding MBCS text and, under the reserved id, its UTF-16 form."""
    return _record(record_id, text.encode(codepage)) + _record(unicode_id, text.encode("utf-16-le"))


def _dir_stream(modules: Sequence[VbaModule], project_name: str,
                references: Sequence[VbaReference], codepage: int) -> bytes:
    cp = f"cp{codepage}"
    u32 = lambda v: struct.pack("<I", v)  # noqa: E731
    u16 = lambda v: struct.pack("<H", v)  # noqa: E731
    out = bytearray()
    # 2.3.4.2.1 PROJECTINFORMATION
    out += _record(0x0001, u32(3))  # PROJECTSYSKIND: 64-bit Windows, as in xlwings' sample
    out += _record(0x0002, u32(0x409))  # PROJECTLCID (MUST be 0x409)
    out += _record(0x0014, u32(0x409))  # PROJECTLCIDINVOKE (MUST be 0x409)
    out += _record(0x0003, u16(codepage))  # PROJECTCODEPAGE
    out += _record(0x0004, project_name.encode(cp))  # PROJECTNAME
    out += _text_record(0x0005, 0x0040, "", cp)  # PROJECTDOCSTRING
    out += _text_record(0x0006, 0x003D, "", cp)  # PROJECTHELPFILEPATH (HelpFile1, HelpFile2)
    out += _record(0x0007, u32(0))  # PROJECTHELPCONTEXT
    out += _record(0x0008, u32(0))  # PROJECTLIBFLAGS
    # 2.3.4.2.1.11 PROJECTVERSION: its "size" field is a reserved 4, then major u32, minor u16
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)
    out += _text_record(0x000C, 0x003C, "", cp)  # PROJECTCONSTANTS
    # 2.3.4.2.2 PROJECTREFERENCES: REFERENCENAME + REFERENCEREGISTERED each
    for ref in references:
        out += _text_record(0x0016, 0x003E, ref.name, cp)
        libid = ref.libid.encode(cp)
        out += _record(0x000D, u32(len(libid)) + libid + u32(0) + u16(0))
    # 2.3.4.2.3 PROJECTMODULES
    out += _record(0x000F, u16(len(modules)))
    out += _record(0x0013, u16(0xFFFF))  # PROJECTCOOKIE: MUST be 0xFFFF on write
    for module in modules:
        out += _record(0x0019, module.name.encode(cp))  # MODULENAME
        out += _record(0x0047, module.name.encode("utf-16-le"))  # MODULENAMEUNICODE
        out += _text_record(0x001A, 0x0032, module.name, cp)  # MODULESTREAMNAME
        out += _text_record(0x001C, 0x0048, "", cp)  # MODULEDOCSTRING
        out += _record(0x0031, u32(0))  # MODULEOFFSET: source at 0, no performance cache
        out += _record(0x001E, u32(0))  # MODULEHELPCONTEXT
        out += _record(0x002C, u16(0xFFFF))  # MODULECOOKIE: MUST be 0xFFFF on write
        # MODULETYPE: 0x21 procedural, 0x22 document/class; its reserved u32 is the "size"
        out += struct.pack("<HI", 0x0021 if module.kind == "standard" else 0x0022, 0)
        out += struct.pack("<HI", 0x002B, 0)  # module terminator
    out += struct.pack("<HI", 0x0010, 0)  # dir stream terminator
    return bytes(out)


def project_id(modules: Sequence[VbaModule], project_name: str) -> str:
    """Deterministic ProjectCLSID (MS-OVBA 2.3.1.2) from the project and module names."""
    key = "\n".join([project_name] + [f"{m.kind}:{m.name}" for m in modules])
    return "{" + str(uuid.uuid5(_PROJECT_ID_NAMESPACE, key)).upper() + "}"


NOT_PROTECTED = bytes(4)  # 2.3.1.15 ProjectProtectionState data
NO_PASSWORD = b"\x00"  # 2.3.1.16 ProjectPassword data without a password
VISIBLE = b"\xff"  # 2.3.1.17 ProjectVisibilityState data


def _project_stream(modules: Sequence[VbaModule], project_name: str, codepage: int) -> bytes:
    pid = project_id(modules, project_name)
    lines = [f'ID="{pid}"']
    for m in modules:  # 2.3.1.3 ProjectModules
        if m.kind == "document":
            lines.append(f"Document={m.name}/&H00000000")
        elif m.kind == "class":
            lines.append(f"Class={m.name}")
        else:
            lines.append(f"Module={m.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        # 2.3.1.15-17: no protection, no password, visible. Fixed seeds (any byte is
        # allowed) chosen to give 0, 1 and 2 ignored bytes; output is deterministic.
        f'CMG="{_encrypt(NOT_PROTECTED, pid, 0x8D)}"',
        f'DPB="{_encrypt(NO_PASSWORD, pid, 0x93)}"',
        f'GC="{_encrypt(VISIBLE, pid, 0x41)}"',
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]  # 2.3.1.19: editor windows closed
    return ("\r\n".join(lines) + "\r\n\r\n").encode(f"cp{codepage}")


def _projectwm_stream(modules: Sequence[VbaModule], codepage: int) -> bytes:
    """2.3.3 PROJECTwm: each name in MBCS and UTF-16, NUL-terminated; then a 0x0000."""
    out = bytearray()
    for m in modules:
        out += m.name.encode(f"cp{codepage}") + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def build_vba_project(
    modules: Sequence[VbaModule],
    *,
    project_name: str = "VBAProject",
    references: Sequence[VbaReference] = DEFAULT_REFERENCES,
    codepage: int = 1252,
) -> bytes:
    """Return the bytes of ``xl/vbaProject.bin`` for ``modules`` (in the given order).

    Raises ValueError for a non-ASCII source, an invalid or duplicate name, or a
    missing ThisWorkbook document module.
    """
    modules = list(modules)
    _validate(modules, project_name, codepage)
    for ref in references:
        if not ref.name or not ref.libid.isascii():
            raise ValueError(f"invalid reference {ref!r}")
    streams = {
        "PROJECT": _project_stream(modules, project_name, codepage),
        "PROJECTwm": _projectwm_stream(modules, codepage),
        # 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF (no cache: compile from source),
        # Reserved2 0x00, Reserved3 (undefined) 0x0000
        "VBA/_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0, 0),
        "VBA/dir": compress(_dir_stream(modules, project_name, references, codepage)),
    }
    for m in modules:
        streams[f"VBA/{m.name}"] = compress(_module_text(m))
    return write_compound_file(streams)
