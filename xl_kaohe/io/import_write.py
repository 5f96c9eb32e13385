"""One atomic write for an import: the patched 工单 part, the 导入记录 sheet and the very hidden
导入底稿 sheet go into the same new package (``sheet_patch`` plans the 工单 part,
``xlsx_package`` writes whole sheets; every other part is copied raw)."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Sequence

from ..core.report import OutputSheet
from .ooxml.opc import REL_OFFICE_DOC, parse_rels, resolve
from .ooxml.xmltext import xml_attr
from .ooxml.zipcopy import Package
from .sheet_patch import MSG_CHANGED_MEANWHILE, PatchError, PreparedPatch
from .xlsx_package import write_sheets_into


def write_import(src: str | Path, dst: str | Path, prepared: PreparedPatch | None,
                 sheets: Sequence[OutputSheet], very_hidden: Sequence[str] = ()) -> None:
    with open(src, "rb") as raw, zipfile.ZipFile(raw) as zf:
        if prepared is not None and zf.getinfo(prepared.sheet_part).CRC != prepared.sheet_crc:
            raise PatchError(MSG_CHANGED_MEANWHILE)
        pkg = Package(zf)
        if prepared is not None:
            for name, data in prepared.parts.items():
                pkg.write(name, data)
        write_sheets_into(pkg, sheets)
        hide_sheets(pkg, very_hidden)
        with open(dst, "wb") as out:
            pkg.save(out, raw)


def hide_sheets(pkg: Package, names: Sequence[str]) -> None:
    """Mark sheets very hidden (only VBA or a program can show them again) in workbook.xml; a
    sheet that already has a state keeps it."""
    if not names:
        return
    office = [r for r in parse_rels(pkg.read_optional("_rels/.rels")) if r.type == REL_OFFICE_DOC]
    part = resolve("", office[0].target)
    text = pkg.read(part).decode("utf-8")
    new = text
    for name in names:
        pattern = re.compile(r'<(?:[\w.-]+:)?sheet\b[^>]*\sname="' + re.escape(xml_attr(name)) + r'"[^>]*?/>')
        m = pattern.search(new)
        if m and " state=" not in m.group(0):
            tag = m.group(0)[:-2].rstrip() + ' state="veryHidden"/>'
            new = new[:m.start()] + tag + new[m.end():]
    if new != text:
        pkg.write(part, new.encode("utf-8"))
