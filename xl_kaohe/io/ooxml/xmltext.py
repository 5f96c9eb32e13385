"""XML text helpers shared by every part writer: element text and attribute values escaped the
way Excel reads them back, numbers as Excel writes them, prefix-aware names, a tiny serializer.

Parts are written and edited as strings, not through an XML library, so that unknown
extensions, namespace prefixes and every byte we do not mean to change survive; the escaping
here decides what text Excel reads back: illegal XML 1.0 characters are dropped, a literal
``_xHHHH_`` is protected from Excel's decoding, CR survives line-end normalisation.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from xl_kaohe.core.celltext import ILLEGAL_XML  # one definition for every writer
from xl_kaohe.core.tables import column_letter

XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
                           "|_x[0-9A-Fa-f]{4}_")
_OOXML_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")


def xml_text(value: str) -> str:
    """Element text: XML-escaped, illegal XML 1.0 characters dropped.

    A literal ``_x0041_`` would be decoded by Excel as "A", so its underscore is escaped as
    ``_x005F_`` (ECMA-376 ST_Xstring); CR is written as a character reference so that XML
    line-end normalisation keeps it.
    """
    if not _TEXT_SPECIAL.search(value):
        return value
    value = ILLEGAL_XML.sub("", value)
    value = _OOXML_ESCAPE.sub(r"_x005F_\1", value)
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def xml_attr(value: str) -> str:
    return xml_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def xml_num(value: float) -> str:
    """A number as Excel writes it: integers without '.0', floats round-tripping exactly."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def root_prefix(text: str, local: str) -> str:
    """The prefix ('x:' or '') the document uses for its root element `local`."""
    m = re.search(r"<(?:([A-Za-z_][\w.-]*):)?" + local + r"[\s/>]", text)
    return m.group(1) + ":" if m and m.group(1) else ""


def serialize(el: ET.Element, prefix: str) -> str:
    """Re-serialize a small element (no mixed content) with local names under `prefix`."""
    attrs = "".join(f' {k}="{xml_attr(v)}"' for k, v in el.attrib.items() if "}" not in k)
    children = "".join(serialize(child, prefix) for child in el)
    text = xml_text(el.text or "")
    name = prefix + local_name(el.tag)
    if not children and not text:
        return f"<{name}{attrs}/>"
    return f"<{name}{attrs}>{text}{children}</{name}>"


col_letter = column_letter  # 0-based column index -> 'A', 'B', ... 'AA'


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"
