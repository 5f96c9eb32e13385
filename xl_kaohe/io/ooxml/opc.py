"""Open Packaging Conventions: the vocabulary (namespaces, relationship types, content types)
and the plumbing that ties parts together -- ``_rels/*.rels`` relationship lists,
``[Content_Types].xml`` and free part names.

Relationship targets are resolved against their source part (``''`` is the package root) so a
part is found wherever the workbook that wrote it put it. ``[Content_Types].xml`` is rewritten
only if its set of entries really changed, and new part names are the first free
``sheetN.xml``-style names, so the same input always gives the same package.
"""
from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import unquote

from .xmltext import XML_DECL, local_name, xml_attr
from .zipcopy import Package

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"

REL_OFFICE_DOC = NS_R + "/officeDocument"
REL_EXT_PROPS = NS_R + "/extended-properties"
REL_WORKSHEET = NS_R + "/worksheet"
REL_STYLES = NS_R + "/styles"
REL_CALC_CHAIN = NS_R + "/calcChain"
REL_DRAWING = NS_R + "/drawing"
REL_CHART = NS_R + "/chart"

CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"

CONTENT_TYPES = "[Content_Types].xml"


@dataclass
class Rel:
    id: str
    type: str
    target: str
    external: bool = False


def rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve(source_part: str, target: str) -> str:
    """The zip name a relationship target points to ('' is the package root)."""
    target = unquote(target)
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relative(source_part: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source_part) or ".")


def parse_rels(data: bytes | None) -> list[Rel]:
    if not data:
        return []
    rels = []
    for el in ET.fromstring(data):
        if el.tag.rsplit("}", 1)[-1] == "Relationship":
            rels.append(Rel(el.get("Id", ""), el.get("Type", ""), el.get("Target", ""),
                             el.get("TargetMode") == "External"))
    return rels


def render_rels(rels: Iterable[Rel]) -> bytes:
    out = [XML_DECL, f'<Relationships xmlns="{NS_PKG_RELS}">']
    for rel in rels:
        mode = ' TargetMode="External"' if rel.external else ""
        out.append(f'<Relationship Id="{xml_attr(rel.id)}" Type="{xml_attr(rel.type)}" '
                   f'Target="{xml_attr(rel.target)}"{mode}/>')
    out.append("</Relationships>")
    return "".join(out).encode("utf-8")


def next_rel_id(rels: Iterable[Rel]) -> str:
    numbers_used = [int(m.group(1)) for r in rels if (m := re.fullmatch(r"rId(\d+)", r.id))]
    return f"rId{max(numbers_used, default=0) + 1}"


def internal_targets(source_part: str, rels: Iterable[Rel]) -> list[str]:
    return [resolve(source_part, r.target) for r in rels if not r.external]


class ContentTypes:
    """[Content_Types].xml; rewritten only if its set of entries really changed."""

    def __init__(self, data: bytes) -> None:
        self.defaults: list[tuple[str, str]] = []
        self.overrides: dict[str, str] = {}  # part name without the leading slash -> type
        for el in ET.fromstring(data):
            local = local_name(el.tag)
            if local == "Default":
                self.defaults.append((el.get("Extension", ""), el.get("ContentType", "")))
            elif local == "Override":
                self.overrides[el.get("PartName", "").lstrip("/")] = el.get("ContentType", "")
        self._original = (list(self.defaults), dict(self.overrides))

    @property
    def changed(self) -> bool:
        return (self.defaults, self.overrides) != self._original

    def set(self, part: str, content_type: str) -> None:
        self.remove(part)
        self.overrides[part] = content_type

    def remove(self, part: str) -> None:
        for key in [k for k in self.overrides if k.casefold() == part.casefold()]:
            del self.overrides[key]

    def ensure_default(self, extension: str, content_type: str) -> None:
        if not any(ext.casefold() == extension for ext, _ in self.defaults):
            self.defaults.append((extension, content_type))

    def render(self) -> bytes:
        out = [XML_DECL, f'<Types xmlns="{NS_CT}">']
        out += [f'<Default Extension="{xml_attr(e)}" ContentType="{xml_attr(c)}"/>'
                for e, c in self.defaults]
        out += [f'<Override PartName="/{xml_attr(p)}" ContentType="{xml_attr(c)}"/>'
                for p, c in self.overrides.items()]
        out.append("</Types>")
        return "".join(out).encode("utf-8")


def free_part_name(pkg: Package, pattern: str, taken: set[str]) -> str:
    """The first `pattern % n` (n = 1, 2, ...) that is not in the package: deterministic."""
    n = 1
    while pkg.exists(pattern % n) or (pattern % n).casefold() in taken:
        n += 1
    taken.add((pattern % n).casefold())
    return pattern % n
