"""常州市教育局 12345 政府服务热线办理工作考核台账 — scoring engine, `kaohe` CLI and Excel add-in.

Layout: ``core`` is pure (rules, calendar, ledger validation, scoring, ranking, output model);
``io`` reads and writes workbook files; ``excel`` talks to a live Excel through xlwings;
``build`` assembles the macro-enabled workbook; ``app`` holds the jobs both front ends run.
"""
import os

# openpyxl writes other (equally valid) XML when lxml is installed (python-docx and the test
# validators bring it); the built workbook must be the same bytes on every machine, so openpyxl
# always uses its standard-library writer in this process.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"
