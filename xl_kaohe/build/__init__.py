"""Build-time tools: turn text sources into the shipped workbook's binary parts."""
