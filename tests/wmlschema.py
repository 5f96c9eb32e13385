"""ECMA-376 WordprocessingML validation for tests: wml.xsd (tests/schemas/ecma-376, from
python-openxml/python-docx ref/xsd, MIT) after the markup-compatibility step a consumer does
first (attributes and elements of mc:Ignorable namespaces removed)."""
from __future__ import annotations

import functools
import zipfile
from pathlib import Path

from lxml import etree

SCHEMA = Path(__file__).parent / "schemas" / "ecma-376" / "wml.xsd"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


@functools.lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def _ignorable(root) -> etree._Element:
    ignored = {root.nsmap.get(p) for p in root.get(f"{{{MC}}}Ignorable", "").split()} | {MC}
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        if etree.QName(el).namespace in ignored and el.getparent() is not None:
            el.getparent().remove(el)
            continue
        for name in list(el.attrib):
            if etree.QName(name).namespace in ignored:
                del el.attrib[name]
    return root


def errors(docx_path, part: str) -> list[str]:
    with zipfile.ZipFile(docx_path) as z:
        root = _ignorable(etree.fromstring(z.read(part)))
    s = schema()
    return [] if s.validate(root) else [f"{part}:{e.line}: {e.message}" for e in s.error_log]
