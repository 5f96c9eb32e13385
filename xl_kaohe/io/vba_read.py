"""Read the VBA module sources of an .xlsm (for `kaohe doctor`: which xlwings runtime the
workbook carries). olefile opens the compound file; the ``dir`` stream (MS-OVBA 2.3.4.2) names
each module's stream and where its compressed source starts; the decompressor is the one our
writer is tested against (build/vba_project.py)."""
from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

from ..build.vba_project import decompress

VBA_PART = "xl/vbaProject.bin"
_PROJECTVERSION, _CODEPAGE = 0x0009, 0x0003
_MODULENAME, _STREAMNAME, _OFFSET, _MODULE_END = 0x0019, 0x001A, 0x0031, 0x002B


def _records(data: bytes):
    pos = 0
    while pos + 6 <= len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == _PROJECTVERSION:  # its Size field says 4 but 6 bytes follow (2.3.4.2.1.11)
            size = 6
        yield rid, data[pos + 6: pos + 6 + size]
        pos += 6 + size


def module_sources(vba_project: bytes) -> dict[str, str]:
    """Module name -> source text of a vbaProject.bin."""
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(vba_project))
    try:
        directory = decompress(ole.openstream("VBA/dir").read())
        codepage, modules, current = 1252, {}, {}
        for rid, value in _records(directory):
            if rid == _CODEPAGE:
                codepage = struct.unpack("<H", value)[0]
            elif rid == _MODULENAME:
                current = {"name": value.decode(f"cp{codepage}", "replace")}
            elif rid == _STREAMNAME:
                current["stream"] = value.decode(f"cp{codepage}", "replace")
            elif rid == _OFFSET:
                current["offset"] = struct.unpack("<I", value)[0]
            elif rid == _MODULE_END and "stream" in current:
                data = ole.openstream("VBA/" + current["stream"]).read()
                text = decompress(data[current.get("offset", 0):])
                modules[current["name"]] = text.decode(f"cp{codepage}", "replace")
        return modules
    finally:
        ole.close()


def workbook_modules(path: str | Path) -> dict[str, str] | None:
    """The modules of an .xlsm, or None when it carries no VBA project."""
    with zipfile.ZipFile(path) as z:
        if VBA_PART not in z.namelist():
            return None
        return module_sources(z.read(VBA_PART))


def xlwings_runtime_version(modules: dict[str, str]) -> str | None:
    """The version of the embedded xlwings runtime ('Version: 0.37.8 in the xlwings module)."""
    source = modules.get("xlwings", "")
    match = re.search(r"^'Version: ([\w.]+)", source, re.M) or re.search(r"xlwings(?:64|32)-([\w.]+)\.dll", source)
    return match.group(1) if match else None
