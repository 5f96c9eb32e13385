"""Renders a core.document.Document as a .docx in the GB/T 9704 公文 layout (layout.py).

    write_docx(document, path) -> Path

python-docx builds the package; what it cannot express (East Asian font slots, the document
grid, PAGE fields, odd/even footers, repeated table headers, rows kept whole, borders) is
written as WordprocessingML in schema order (ooxml.py). Tests validate document.xml and
styles.xml against ECMA-376 wml.xsd and read the file back with python-docx.
"""
from __future__ import annotations


from .render import render_docx, write_docx

__all__ = ["render_docx", "write_docx"]
