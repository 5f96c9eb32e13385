"""Independent validation of every XML part of a package against the ECMA-376 Transitional XSDs
(and the ribbon against Microsoft's customUI.xsd), with lxml. Schemas: tests/schemas/README.md.

A consumer reads Markup Compatibility (ECMA-376 Part 3) before the schema applies, so this does
too, before validating:

- namespaces listed in ``mc:Ignorable`` on an element (in scope for its subtree) are dropped:
  their elements (with content) and attributes, as a consumer that does not understand them
  would; the ``mc:Ignorable`` attribute itself goes;
- ``mc:AlternateContent`` is replaced by its ``mc:Fallback`` content (a consumer that knows
  only ECMA-376 takes no ``mc:Choice``, which all require later namespaces);
- ``xml:space`` on an element is always allowed (XML 1.0 §2.10; the schemas do not declare it
  on ``<t>``).

``extLst/ext`` content (x14, x15 ...) needs nothing: the schemas validate it ``lax``.
"""
from __future__ import annotations

import copy
import io
import zipfile
from functools import lru_cache
from pathlib import Path

from lxml import etree

SCHEMAS = Path(__file__).parent / "schemas"
ECMA = SCHEMAS / "ecma-376"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# root element namespace -> schema file (the part's own vocabulary)
BY_NAMESPACE = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main": ECMA / "sml.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/main": ECMA / "dml-main.xsd",  # theme
    "http://schemas.openxmlformats.org/drawingml/2006/chart": ECMA / "dml-chart.xsd",
    "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing":
        ECMA / "dml-spreadsheetDrawing.xsd",
    "http://schemas.openxmlformats.org/package/2006/content-types": ECMA / "opc-contentTypes.xsd",
    "http://schemas.openxmlformats.org/package/2006/relationships": ECMA / "opc-relationships.xsd",
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties":
        ECMA / "opc-coreProperties.xsd",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties":
        ECMA / "shared-documentPropertiesExtended.xsd",
    "http://schemas.microsoft.com/office/2006/01/customui": SCHEMAS / "customui" / "customUI.xsd",
}


class _LocalOnly(etree.Resolver):
    """Imports resolve inside tests/schemas only (the Dublin Core and xml.xsd locations in
    opc-coreProperties.xsd point at the web): never a network fetch."""
    LOCAL = {"http://dublincore.org/schemas/xmls/qdc/2003/04/02/dc.xsd": ECMA / "dc.xsd",
             "http://dublincore.org/schemas/xmls/qdc/2003/04/02/dcterms.xsd": ECMA / "dcterms.xsd",
             "http://www.w3.org/2001/xml.xsd": ECMA / "xml.xsd"}

    def resolve(self, url, pubid, context):
        for remote, local in self.LOCAL.items():
            if url == remote or url.endswith("/" + Path(remote).name) and not Path(url).exists():
                return self.resolve_filename(str(local), context)
        return None


@lru_cache(maxsize=None)
def schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalOnly())
    text = path.read_bytes()
    if path.name == "opc-coreProperties.xsd":  # its xml namespace import has no location
        text = text.replace(b'<xs:import id="xml" namespace="http://www.w3.org/XML/1998/namespace"/>',
                            b'<xs:import id="xml" namespace="http://www.w3.org/XML/1998/namespace"'
                            b' schemaLocation="http://www.w3.org/2001/xml.xsd"/>')
    doc = etree.parse(io.BytesIO(text), parser, base_url=str(path))
    if path.name == "customUI.xsd":
        _dedupe_attribute_groups(doc)
    return etree.XMLSchema(doc)


XSD = "http://www.w3.org/2001/XMLSchema"


def _dedupe_attribute_groups(doc) -> None:
    """customUI.xsd extends types with attribute groups their base already has (CT_ButtonRegular
    adds AG_Enabled and AG_Image to CT_Control, which has them through AG_CommonAttributes …):
    Office's parser tolerates the duplicate attribute uses, XSD 1.0 (and libxml2) does not.
    Drop each repeated group reference: the set of allowed attributes stays the same."""
    q = lambda local: f"{{{XSD}}}{local}"  # noqa: E731
    groups = {g.get("name"): g for g in doc.getroot().findall(q("attributeGroup"))}
    types = {t.get("name"): t for t in doc.getroot().findall(q("complexType"))}

    def names(el) -> set[str]:
        found = {a.get("name") for a in el.findall(q("attribute")) if a.get("use") != "prohibited"}
        for ref in el.findall(q("attributeGroup")):
            found |= names(groups[ref.get("ref")])
        return found

    def type_names(name: str) -> set[str]:
        t = types.get(name)
        if t is None:
            return set()
        found = names(t)
        for derived in t.iter(q("extension"), q("restriction")):
            found |= names(derived) | type_names(derived.get("base"))
        return found

    def flat(el) -> list:
        out = [copy.deepcopy(a) for a in el.findall(q("attribute"))]
        for ref in el.findall(q("attributeGroup")):
            out += flat(groups[ref.get("ref")])
        return out

    for ext in doc.iter(q("extension")):
        base = type_names(ext.get("base"))
        for attr in ext.findall(q("attribute")):
            if attr.get("name") in base:
                ext.remove(attr)
        for ref in ext.findall(q("attributeGroup")):
            group = groups[ref.get("ref")]
            if names(group) & base:  # inline only the attributes the base lacks
                at = ext.index(ref)
                ext.remove(ref)
                for k, attr in enumerate(a for a in flat(group) if a.get("name") not in base):
                    ext.insert(at + k, attr)


def _ignorable(el, inherited: frozenset[str]) -> frozenset[str]:
    value = el.get(f"{{{MC}}}Ignorable")
    if not value:
        return inherited
    return inherited | {el.nsmap.get(prefix) for prefix in value.split() if el.nsmap.get(prefix)}


def preprocess_mc(root) -> None:
    """Apply Markup Compatibility as an ECMA-376-only consumer would (see the module doc)."""
    def walk(el, ignorable: frozenset[str]) -> None:
        ignorable = _ignorable(el, ignorable)
        for name in list(el.attrib):
            ns = etree.QName(name).namespace
            if ns in ignorable or ns == MC:
                del el.attrib[name]
        for child in list(el):
            if not isinstance(child.tag, str):
                continue
            ns = etree.QName(child).namespace
            if ns == MC and etree.QName(child).localname == "AlternateContent":
                fallback = child.find(f"{{{MC}}}Fallback")
                at = el.index(child)
                el.remove(child)
                for k, grand in enumerate(list(fallback) if fallback is not None else []):
                    el.insert(at + k, grand)
                    walk(grand, ignorable)
            elif ns in ignorable:
                el.remove(child)
            else:
                walk(child, ignorable)
    walk(root, frozenset())


def part_errors(name: str, data: bytes) -> list[str]:
    """Schema errors of one XML part (empty: valid). Unknown vocabularies are an error too:
    every part we ship must have a schema here."""
    root = etree.fromstring(data, etree.XMLParser(no_network=True, remove_blank_text=False))
    ns = etree.QName(root).namespace
    path = BY_NAMESPACE.get(ns)
    if path is None:
        return [f"{name}: no schema for namespace {ns}"]
    preprocess_mc(root)
    for el in root.iter():  # xml:space is allowed everywhere (XML 1.0 2.10)
        if isinstance(el.tag, str):
            el.attrib.pop(f"{{{XML_NS}}}space", None)
    checker = schema(path)
    if checker.validate(root):
        return []
    return [f"{name}:{e.line}: {e.message}" for e in checker.error_log][:20]


def package_errors(source: str | Path | bytes) -> list[str]:
    """Schema errors of every XML part (by extension .xml / .rels) of a zip package."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    errors: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                errors += part_errors(name, zf.read(name))
    return errors
