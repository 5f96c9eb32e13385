"""Write output sheets into an existing .xlsx/.xlsm by replacing zip parts.

Loading and re-saving a ledger with openpyxl takes ~25 s for 100k work orders and drops the
``customUI14`` ribbon relationship (see notes/EXCEL-PACKAGING.md). An OOXML workbook is a zip
package, so this module copies every part through untouched -- compressed bytes, name, order
and timestamp -- and only writes:

- the output worksheets (and their drawing/chart parts when a chart is asked for); a replaced
  sheet's old rels go, with every part only they reached (old drawing, chart, comments,
  tables, printer settings) -- parts still referenced from elsewhere stay;
- ``xl/styles.xml`` when a needed style is missing (find-or-append, so it does not grow);
- ``xl/workbook.xml``: new ``<sheet>`` entries, and the output sheets' own built-in names
  ``_xlnm._FilterDatabase`` / ``_xlnm.Print_Area`` / ``_xlnm.Print_Titles`` (they follow the
  sheet's shape, so they are rewritten in place like the sheet; the print area takes in the
  chart under the table); other names are left alone; a new sheet goes after the other output
  sheets, or before xlwings.conf (local names and the active tab of the sheets after it are
  renumbered);
- ``xl/_rels/workbook.xml.rels``, ``[Content_Types].xml`` when parts are added or removed;
- ``xl/calcChain.xml`` when it lists cells of a replaced sheet (removed when a formula sheet is
  written: Excel rebuilds it);
- ``docProps/app.xml`` only when a sheet is added: its TitlesOfParts/HeadingPairs would go
  stale, so they are removed (both are optional; openpyxl never writes them and Excel rebuilds
  them on save).

Written parts get a fixed timestamp (1980-01-01) so the same input gives the same bytes.
Strings are inline (``t="inlineStr"``): sharedStrings.xml is never touched and text starting
with ``=`` is never a formula.

The pieces live in ``io.ooxml`` (zip copy, OPC relationships and content types, XML text, and
one module per kind of part written); this module is the plan: which parts an edit touches.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Sequence

from xl_kaohe.core.report import OUTPUT_GROUP, SETTINGS_LAST, OutputSheet

from ..core.report import LineChart
from .ooxml.chart import chart_anchor, chart_xml, drawing_xml, line_chart_xml
from .ooxml.opc import (CONTENT_TYPES, CT_CHART, CT_DRAWING, CT_RELS, CT_STYLES, CT_WORKSHEET,
                        REL_CALC_CHAIN, REL_CHART, REL_DRAWING, REL_EXT_PROPS, REL_OFFICE_DOC,
                        REL_STYLES, REL_WORKSHEET, ContentTypes, Rel, free_part_name,
                        internal_targets, next_rel_id, parse_rels, relative, rels_name,
                        render_rels, resolve)
from .ooxml.styles import MINIMAL_STYLES, SheetStyles, Styles
from .ooxml.workbook_part import (WbSheet, WorkbookXml, drop_app_titles, parse_workbook,
                                  prune_calc_chain)
from .ooxml.worksheet import Serial, SheetHead, is_landscape, read_sheet_head, sheet_xml
from .ooxml.xmltext import col_letter, quote_sheet
from .ooxml.zipcopy import Package

__all__ = ["write_output_sheets", "write_sheets_into"]


# =============================================================================================
# Public API
# =============================================================================================

def write_output_sheets(src: str | Path | bytes, dst: str | Path | BinaryIO,
                        sheets: Sequence[OutputSheet]) -> None:
    """Copy the package at src to dst, replacing (or adding) the worksheets named by `sheets`.

    Parts that are not output sheets are copied as raw compressed bytes. An existing sheet keeps
    its position, sheetId, relationship id, code name and tab colour; a new sheet is appended.
    """
    _check_sheets(sheets)
    if isinstance(dst, (str, Path)) and not isinstance(src, bytes) and Path(dst).resolve() == Path(src).resolve():
        raise ValueError("dst must differ from src (write to a temporary file, then replace)")
    with (io.BytesIO(src) if isinstance(src, bytes) else open(src, "rb")) as raw, zipfile.ZipFile(raw) as zf:
        pkg = Package(zf)
        _Edit(pkg, sheets).run()
        if isinstance(dst, (str, Path)):
            with open(dst, "wb") as out:
                pkg.save(out, raw)
        else:
            pkg.save(dst, raw)


def _check_sheets(sheets: Sequence[OutputSheet]) -> None:
    seen: set[str] = set()
    for sheet in sheets:
        name = sheet.name
        if not 1 <= len(name) <= 31 or re.search(r"[\[\]:*?/\\]", name) \
                or name.startswith("'") or name.endswith("'") or name.casefold() == "history":
            raise ValueError(f"invalid Excel sheet name: {name!r}")
        if name.casefold() in seen:  # Excel compares sheet names case-insensitively
            raise ValueError(f"duplicate output sheet: {name!r}")
        seen.add(name.casefold())
        if max(map(len, sheet.rows), default=0) > len(sheet.columns):  # in C; then find the row
            i, row = next((i, row) for i, row in enumerate(sheet.rows) if len(row) > len(sheet.columns))
            raise ValueError(f"{name}: row {i} has {len(row)} cells for "
                             f"{len(sheet.columns)} columns")
        if isinstance(sheet.chart, LineChart):
            c, n = sheet.chart, len(sheet.columns)
            if not (0 <= c.first_value_column <= c.last_value_column < n
                    and all(0 <= r < len(sheet.rows) for r in c.series_rows)):
                raise ValueError(f"{name}: chart range out of range")
        elif sheet.chart is not None:
            n = len(sheet.columns)
            if not (0 <= sheet.chart.category_column < n and 0 <= sheet.chart.value_column < n):
                raise ValueError(f"{name}: chart column out of range")


# =============================================================================================
# The edit: plan, remove old parts, write new ones
# =============================================================================================

@dataclass
class _Target:
    sheet: OutputSheet
    part: str
    index: int          # position in <sheets> (localSheetId)
    head: SheetHead | None


class _Edit:
    def __init__(self, pkg: Package, sheets: Sequence[OutputSheet]) -> None:
        self.pkg = pkg
        self.sheets = sheets
        self.root_rels = parse_rels(pkg.read_optional("_rels/.rels"))
        office = [r for r in self.root_rels if r.type == REL_OFFICE_DOC]
        if not office:
            raise ValueError("not a spreadsheet package: no officeDocument relationship")
        self.wb_part = resolve("", office[0].target)
        self.wb_rels_part = rels_name(self.wb_part)
        self.wb_rels = parse_rels(pkg.read_optional(self.wb_rels_part))
        self.wb_rels_changed = False
        self.types = ContentTypes(pkg.read(CONTENT_TYPES))
        self.wb = WorkbookXml(pkg.read(self.wb_part))
        self.wb_sheets, date1904 = parse_workbook(pkg.read(self.wb_part))
        self.serial = Serial(date1904)

    def run(self) -> None:
        targets, replaced_ids, added = self._plan_sheets()
        self._remove_old_subtrees([t.part for t in targets if t.head is not None])
        styles_part, styles = self._load_styles()
        sheet_styles = SheetStyles(styles)
        taken: set[str] = set()
        formulas = False
        for target in targets:
            formulas |= self._write_sheet(target, sheet_styles, taken)
        if styles.changed:
            self.pkg.write(styles_part, styles.render())
        # a formula sheet (看板) brings formulas the chain does not list: drop the chain, Excel
        # rebuilds it on load (optional part; openpyxl never writes one)
        self._prune_calc_chain(replaced_ids, drop=formulas)
        if added:
            self._drop_stale_app_titles()
        self._save_workbook_parts()

    # -- planning -----------------------------------------------------------------------------

    def _plan_sheets(self) -> tuple[list[_Target], set[int], bool]:
        by_name = {s.name.casefold(): (i, s) for i, s in enumerate(self.wb_sheets)}
        rels = {r.id: r for r in self.wb_rels}
        targets, replaced_ids, added = [], set(), False
        taken: set[str] = set()
        for sheet in self.sheets:
            found = by_name.get(sheet.name.casefold())
            if found is None and sheet.only_if_present:
                continue  # e.g. 看板: part of the add-in's design, never added to a plain ledger
            if found:
                index, wb_sheet = found
                rel = rels.get(wb_sheet.rid)
                if rel is None or rel.type != REL_WORKSHEET:
                    raise ValueError(f"sheet {wb_sheet.name!r} exists but is not a worksheet")
                part = resolve(self.wb_part, rel.target)
                targets.append(_Target(sheet, part, index, read_sheet_head(self.pkg.read(part))))
                replaced_ids.add(wb_sheet.sheet_id)
                continue
            folder = posixpath.join(posixpath.dirname(self.wb_part), "worksheets")
            part = free_part_name(self.pkg, folder + "/sheet%d.xml", taken)
            rid = next_rel_id(self.wb_rels)
            sheet_id = max((s.sheet_id for s in self.wb_sheets), default=0) + 1
            self.wb_rels.append(Rel(rid, REL_WORKSHEET, relative(self.wb_part, part)))
            self.wb_rels_changed = True
            position = self._new_sheet_position(sheet)
            self.wb_sheets.insert(position, WbSheet(sheet.name, sheet_id, rid))
            self.wb.add_sheet(sheet.name, sheet_id, rid, position)
            self.types.set(part, CT_WORKSHEET)
            targets.append(_Target(sheet, part, -1, None))
            added = True
        for target in targets:  # positions move when a sheet is inserted before them
            target.index = next(i for i, s in enumerate(self.wb_sheets)
                                if s.name.casefold() == target.sheet.name.casefold())
        return targets, replaced_ids, added

    def _new_sheet_position(self, sheet: OutputSheet) -> int:
        """After the last output sheet the workbook has (OUTPUT_GROUP, or written in this run),
        so outputs stay together; else at the end."""
        group = {n.casefold() for n in OUTPUT_GROUP} | {s.name.casefold() for s in self.sheets}
        last = max((i for i, s in enumerate(self.wb_sheets) if s.name.casefold() in group), default=None)
        if last is not None:
            return last + 1
        settings = {n.casefold() for n in SETTINGS_LAST}
        return next((i for i, s in enumerate(self.wb_sheets) if s.name.casefold() in settings),
                    len(self.wb_sheets))

    def _remove_old_subtrees(self, sheet_parts: list[str]) -> None:
        """Drop the old sheets' rels and every part only they reached (drawings, charts,
        comments, printer settings ...): parts still reachable from elsewhere stay."""
        old = {p.casefold() for p in sheet_parts}
        candidates: set[str] = set()
        stack = list(sheet_parts)
        while stack:
            part = stack.pop()
            rels = parse_rels(self.pkg.read_optional(rels_name(part)))
            for target in internal_targets(part, rels):
                if target.casefold() not in candidates and target.casefold() not in old:
                    candidates.add(target.casefold())
                    stack.append(target)
        for part in sheet_parts:
            self.pkg.delete(rels_name(part))
        if not candidates:
            return
        reachable = self._reachable(skip=old)
        for part in candidates - reachable:
            self.pkg.delete(part)
            self.pkg.delete(rels_name(part))
            self.types.remove(part)

    def _reachable(self, skip: set[str]) -> set[str]:
        seen: set[str] = set()
        stack = [""]
        while stack:
            part = stack.pop()
            rels_part = "_rels/.rels" if part == "" else rels_name(part)
            if part.casefold() in skip:
                continue
            for target in internal_targets(part, parse_rels(self.pkg.read_optional(rels_part))):
                if target.casefold() not in seen:
                    seen.add(target.casefold())
                    stack.append(target)
        return seen

    # -- styles -------------------------------------------------------------------------------

    def _load_styles(self) -> tuple[str, Styles]:
        rel = next((r for r in self.wb_rels if r.type == REL_STYLES), None)
        if rel is not None:
            part = resolve(self.wb_part, rel.target)
            if self.pkg.exists(part):
                return part, Styles(self.pkg.read(part))
        part = posixpath.join(posixpath.dirname(self.wb_part), "styles.xml")
        if rel is None:
            self.wb_rels.append(Rel(next_rel_id(self.wb_rels), REL_STYLES,
                                     relative(self.wb_part, part)))
            self.wb_rels_changed = True
        self.types.set(part, CT_STYLES)
        data = MINIMAL_STYLES.encode("utf-8")
        self.pkg.write(part, data)
        return part, Styles(data)

    # -- sheets -------------------------------------------------------------------------------

    def _write_sheet(self, target: _Target, styles: SheetStyles, taken: set[str]) -> bool:
        """Write the sheet's parts; True when it holds live formulas."""
        sheet = target.sheet
        drawing_rid = None
        if sheet.chart is not None and sheet.rows:
            drawing_rid = "rId1"
            folder = posixpath.dirname(self.wb_part)
            drawing = free_part_name(self.pkg, folder + "/drawings/drawing%d.xml", taken)
            chart = free_part_name(self.pkg, folder + "/charts/chart%d.xml", taken)
            line = isinstance(sheet.chart, LineChart)
            self.pkg.write(drawing, drawing_xml(sheet))
            self.pkg.write(rels_name(drawing), render_rels(
                [Rel("rId1", REL_CHART, relative(drawing, chart))]))
            self.pkg.write(chart, (line_chart_xml if line else chart_xml)(sheet, sheet.chart))
            self.pkg.write(rels_name(target.part), render_rels(
                [Rel(drawing_rid, REL_DRAWING, relative(target.part, drawing))]))
            self.types.set(drawing, CT_DRAWING)
            self.types.set(chart, CT_CHART)
        part = sheet_xml(sheet, styles, self.serial, target.head, drawing_rid, is_landscape(sheet))
        self.pkg.write(target.part, part.data)
        if sheet.columns:
            self._set_builtin_names(target)
        return part.formulas

    def _set_builtin_names(self, target: _Target) -> None:
        """The output sheet's filter range, print area (the table, not the chart) and print
        titles follow its shape, so they are rewritten every run like the sheet itself."""
        sheet = target.sheet
        quoted = quote_sheet(self.wb_sheets[target.index].name)
        last_col = col_letter(len(sheet.columns) - 1)
        last_row = max(sheet.header_row + len(sheet.rows), 1)
        header = sheet.header_row
        if sheet.layout.autofilter and sheet.header:
            self.wb.set_builtin_name(target.index, "_xlnm._FilterDatabase",
                                     f"{quoted}!$A${header}:${last_col}${last_row}", hidden=True)
        else:
            self.wb.remove_builtin_name(target.index, "_xlnm._FilterDatabase")
        print_col, print_row = len(sheet.columns) - 1, last_row
        if sheet.chart is not None and sheet.rows:  # the chart prints with the table
            _, _, end_col, end_row = chart_anchor(sheet)
            print_col, print_row = max(print_col, end_col - 1), max(print_row, end_row)
        self.wb.set_builtin_name(target.index, "_xlnm.Print_Area",
                                 f"{quoted}!$A$1:${col_letter(print_col)}${print_row}")
        # title and header rows on every page; and the first columns when pages split a row
        if header:  # without a title or header row (催办单: a letter per page) nothing repeats
            titles = f"{quoted}!$1:${header}"
            repeat = min(sheet.layout.repeat_columns, len(sheet.columns))
            if repeat:
                titles = f"{quoted}!$A:${col_letter(repeat - 1)},{titles}"
            self.wb.set_builtin_name(target.index, "_xlnm.Print_Titles", titles)
        else:
            self.wb.remove_builtin_name(target.index, "_xlnm.Print_Titles")

    # -- workbook-level parts -----------------------------------------------------------------

    def _prune_calc_chain(self, sheet_ids: set[int], drop: bool = False) -> None:
        rel = next((r for r in self.wb_rels if r.type == REL_CALC_CHAIN), None)
        if rel is None or not (sheet_ids or drop):
            return
        part = resolve(self.wb_part, rel.target)
        data = self.pkg.read_optional(part)
        if data is None:
            return
        pruned = None if drop else prune_calc_chain(data, sheet_ids)
        if pruned is None:
            self.pkg.delete(part)
            self.types.remove(part)
            self.wb_rels.remove(rel)
            self.wb_rels_changed = True
        elif pruned != data:
            self.pkg.write(part, pruned)

    def _drop_stale_app_titles(self) -> None:
        rel = next((r for r in self.root_rels if r.type == REL_EXT_PROPS), None)
        part = resolve("", rel.target) if rel else None
        data = self.pkg.read_optional(part) if part else None
        if data is not None:
            new = drop_app_titles(data)
            if new != data:
                self.pkg.write(part, new)

    def _save_workbook_parts(self) -> None:
        if self.wb.changed:
            self.pkg.write(self.wb_part, self.wb.text.encode("utf-8"))
        if self.wb_rels_changed:
            self.pkg.write(self.wb_rels_part, render_rels(self.wb_rels))
        self.types.ensure_default("rels", CT_RELS)
        if self.types.changed:
            self.pkg.write(CONTENT_TYPES, self.types.render())


def write_sheets_into(pkg: Package, sheets: Sequence[OutputSheet]) -> None:
    """The same edit on a package already open (the importer patches 工单 into it first)."""
    _check_sheets(sheets)
    _Edit(pkg, sheets).run()
