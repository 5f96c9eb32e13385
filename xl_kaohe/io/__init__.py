"""File adapters: reading and writing ledger workbooks (.xlsx / .xlsm) without Excel.

``xlsx_package`` writes output sheets into an existing package by replacing zip parts, so the
VBA project, the ribbon and every input sheet are copied through byte for byte; ``ooxml`` holds
its pieces (zip copy, relationships and content types, one module per kind of part written).
"""
