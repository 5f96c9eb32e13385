"""The live-Excel side (xlwings): the ledger cache behind the UDFs, the ExcelBook adapter and
the ribbon macros. Importable without Excel; only calling into a running Excel needs Windows."""
