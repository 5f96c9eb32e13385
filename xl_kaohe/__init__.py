"""常州市教育局 12345 政府服务热线办理工作考核台账 — scoring engine, `kaohe` CLI and Excel add-in.

Layout: ``core`` is pure (rules, calendar, ledger validation, scoring, ranking, output model);
``io`` reads and writes workbook files; ``excel`` talks to a live Excel through xlwings;
``build`` assembles the macro-enabled workbook; ``app`` holds the jobs both front ends run.
"""
import os

# python-docx (通报, 告知单) brings lxml, and openpyxl then writes its XML through lxml: valid, but
# other bytes (namespace declarations per element) than its stdlib writer, so the template, the
# shipped workbook and the tests that read sheet XML would depend on what else is installed.
# One writer everywhere: openpyxl's own. Must run before openpyxl is first imported.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"
