"""Workbook-level parts: ``xl/workbook.xml`` (sheet list, date system, new ``<sheet>`` entries,
the output sheets' built-in defined names), ``xl/calcChain.xml`` and ``docProps/app.xml``.

All are string edits: everything else stays as it was, including unknown extensions and
prefixes. New sheets can be inserted at a position (later sheets' localSheetId and the active
tab move up). calcChain loses the cells of replaced sheets (table output sheets hold no formulas;
when a formula sheet such as 看板 is written the writer drops the chain instead);
app.xml loses TitlesOfParts/HeadingPairs when a sheet is added, as they would go stale (both
are optional; openpyxl never writes them and Excel rebuilds them on save).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .opc import NS_R, NS_STRICT_MAIN
from .xmltext import root_prefix, xml_attr, xml_text


@dataclass
class WbSheet:
    name: str
    sheet_id: int
    rid: str


def parse_workbook(data: bytes) -> tuple[list[WbSheet], bool]:
    root = ET.fromstring(data)
    ns = root.tag[1:].split("}")[0]
    if ns == NS_STRICT_MAIN:
        raise ValueError("Strict Open XML workbooks are not supported; save as Excel Workbook")
    sheets = [WbSheet(el.get("name", ""), int(el.get("sheetId", "0")), el.get(f"{{{NS_R}}}id", ""))
              for el in root.iter(f"{{{ns}}}sheet")]
    pr = root.find(f"{{{ns}}}workbookPr")
    date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
    return sheets, date1904


_WB_AFTER_DEFINED_NAMES = ("calcPr", "oleSize", "customWorkbookViews", "pivotCaches",
                           "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr",
                           "webPublishObjects", "extLst")


class WorkbookXml:
    """String edits on workbook.xml so unknown extensions and prefixes survive untouched."""

    def __init__(self, data: bytes) -> None:
        self.text = data.decode("utf-8")
        self.changed = False
        self.p = re.escape(root_prefix(self.text, "workbook"))
        self.prefix = root_prefix(self.text, "workbook")
        root_tag = re.search(r"<(?:[\w.-]+:)?workbook\b[^>]*>", self.text).group(0)
        m = re.search(r'xmlns:([\w.-]+)="' + re.escape(NS_R) + '"', root_tag)
        self.r_prefix = m.group(1) if m else None

    def add_sheet(self, name: str, sheet_id: int, rid: str, position: int | None = None) -> None:
        """A new <sheet> at `position` (0-based; None: last). Sheet-local names
        (localSheetId) and the workbook view's active/first tab of later sheets move up."""
        r = self.r_prefix or "r"
        decl = "" if self.r_prefix else f' xmlns:r="{NS_R}"'
        element = (f'<{self.prefix}sheet name="{xml_attr(name)}" sheetId="{sheet_id}"{decl} '
                   f'{r}:id="{rid}"/>')
        sheets = list(re.finditer(rf"<{self.p}sheet\b[^>]*?/>|<{self.p}sheet\b[^>]*>.*?</{self.p}sheet>",
                                  self.text, re.S))
        if position is None or position >= len(sheets):
            at = re.search(rf"</{self.p}sheets>", self.text).start()
        else:
            at = sheets[position].start()
            self._shift_sheet_indexes(position)
        self.text = self.text[:at] + element + self.text[at:]
        self.changed = True

    def _shift_sheet_indexes(self, position: int) -> None:
        def bump(m: re.Match) -> str:
            value = int(m.group(2))
            return f'{m.group(1)}"{value + 1 if value >= position else value}"'
        head, sep, tail = self.text.partition(f"<{self.prefix}sheets")
        head = re.sub(r'(\b(?:activeTab|firstSheet)=)"(\d+)"', bump, head)
        tail = re.sub(r'(<(?:[\w.-]+:)?definedName\b[^>]*?\blocalSheetId=)"(\d+)"', bump, tail)
        self.text = head + sep + tail

    def remove_builtin_name(self, index: int, name: str) -> None:
        for m in reversed(self._find_names(name, index)):
            self.text = self.text[:m.start()] + self.text[m.end():]
            self.changed = True

    def set_builtin_name(self, index: int, name: str, formula: str, hidden: bool = False) -> None:
        """Set a sheet-local built-in name (_xlnm.*) of an output sheet, in place if present."""
        prefix = self.prefix
        flag = ' hidden="1"' if hidden else ""
        element = (f'<{prefix}definedName name="{name}" localSheetId="{index}"{flag}>'
                   f"{xml_text(formula)}</{prefix}definedName>")
        found = self._find_names(name, index)
        if not found:
            self._add_name(element)
            return
        for m in reversed(found[1:]):  # duplicates: keep one
            self.text = self.text[:m.start()] + self.text[m.end():]
            self.changed = True
        if found[0].group(0) != element:
            self.text = self.text[:found[0].start()] + element + self.text[found[0].end():]
            self.changed = True

    def _find_names(self, name: str, index: int) -> list[re.Match]:
        pattern = (rf"<{self.p}definedName\b[^>]*/>"
                   rf"|<{self.p}definedName\b[^>]*>.*?</{self.p}definedName>")
        found = []
        for m in re.finditer(pattern, self.text, re.S):
            start = m.group(0)[:m.group(0).index(">")]
            if f'name="{name}"' in start and re.search(rf'localSheetId="{index}"', start):
                found.append(m)
        return found

    def _add_name(self, element: str) -> None:
        p, prefix = self.p, self.prefix
        empty_list = f"<{prefix}definedNames></{prefix}definedNames>"
        if not re.search(rf"</{p}definedNames>", self.text):
            empty = re.search(rf"<{p}definedNames\s*/>", self.text)
            if empty:
                self.text = self.text[:empty.start()] + empty_list + self.text[empty.end():]
            else:  # schema order: definedNames goes before calcPr and the rest
                later = "|".join(_WB_AFTER_DEFINED_NAMES)
                at = re.search(rf"<{p}(?:{later})[\s/>]|</{p}workbook>", self.text).start()
                self.text = self.text[:at] + empty_list + self.text[at:]
        at = re.search(rf"</{p}definedNames>", self.text).start()
        self.text = self.text[:at] + element + self.text[at:]
        self.changed = True


def prune_calc_chain(data: bytes, sheet_ids: set[int]) -> bytes | None:
    """Drop the cells of `sheet_ids`; None when nothing is left. An omitted i= means 'same sheet
    as the previous entry', so a kept entry gets an explicit i= where that would change."""
    text = data.decode("utf-8")
    entries = list(re.finditer(r"<(?:[\w.-]+:)?c\b[^>]*/>", text))
    if not entries:
        return None
    kept, current, last_kept = [], None, None
    for m in entries:
        i = re.search(r'\bi="(\d+)"', m.group(0))
        if i:
            current = int(i.group(1))
        if current in sheet_ids:
            continue
        element = m.group(0)
        if not i and last_kept != current:
            element = re.sub(r"^(<(?:[\w.-]+:)?c)\b", rf'\1 i="{current}"', element)
        kept.append(element)
        last_kept = current
    if len(kept) == len(entries):
        return data
    if not kept:
        return None
    return (text[:entries[0].start()] + "".join(kept) + text[entries[-1].end():]).encode("utf-8")


def drop_app_titles(data: bytes) -> bytes:
    text = data.decode("utf-8")
    for local in ("HeadingPairs", "TitlesOfParts"):
        text = re.sub(rf"<((?:[\w.-]+:)?){local}\b.*?</\1{local}>|<(?:[\w.-]+:)?{local}\s*/>",
                      "", text, flags=re.S)
    return text.encode("utf-8")
