"""Editing an OOXML spreadsheet package (.xlsx/.xlsm) part by part, without a spreadsheet library.

Loading and re-saving a ledger with openpyxl is slow and drops the ``customUI14`` ribbon
relationship (notes/EXCEL-PACKAGING.md), so the package is treated as what it is -- a zip of
XML parts -- and only the parts that must change are written. The modules go from the container
inwards: ``zipcopy`` (the zip, copied raw), ``opc`` (relationships, content types, part names),
``xmltext`` (escaping and small text helpers), then one module per kind of part written:
``styles``, ``worksheet``, ``chart``, ``workbook_part``. ``io.xlsx_package`` (output sheets) and
``io.sheet_patch`` (imports into the 工单 sheet) compose them; the names here are their internal
API, not the package's public one.
"""
