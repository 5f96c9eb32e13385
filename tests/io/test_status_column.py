"""The 工单 sheet shows each row's state (SPEC §9) with one array formula and native
conditional formatting, and the Table stays importable."""
from __future__ import annotations

from datetime import date

import openpyxl

from xl_kaohe.core import schema as S
from xl_kaohe.core.functions import date_context, status
from xl_kaohe.io.template import STATUS_FILLS, STATUS_HEADER, build_ledger
from xl_kaohe.io.workbook import read_grids
from xl_kaohe.build.workbook import DEFAULT_PATH


def test_one_array_formula_outside_the_table_and_row_formatting():
    ws = build_ledger(year=2026, demo=True)[S.ORDERS]
    # 工单编号 … 备注 are A..I; J stays empty (a multi-cell array may not touch the Table); K holds it
    assert ws.tables["tblOrders"].ref.startswith("A1:I")
    assert ws["J1"].value is None and ws["K1"].value == STATUS_HEADER
    formula = ws["K2"].value
    assert formula.ref == "K2:K5000"
    assert formula.text == '=IFERROR(KAOHE_STATUS(D2:D5000, C2:C5000, F2:F5000, E2:E5000),"")'
    rules = [(str(rng.sqref), rule.formula[0]) for rng in ws.conditional_formatting for rule in rng.rules]
    assert sorted(rules) == sorted(("A2:K5000", f'$K2="{state}"') for state in STATUS_FILLS)


def test_shipped_workbook_keeps_it_and_the_states_of_the_demo_are_computable():
    ws = openpyxl.load_workbook(DEFAULT_PATH)[S.ORDERS]
    assert ws["K2"].value.text.startswith("=IFERROR(KAOHE_STATUS(")
    grids = read_grids(DEFAULT_PATH)
    rows = grids[S.ORDERS][1:]
    # what the one call answers for the demo ledger (as of 2026-12-31)
    got = status(date_context(grids, today=date(2026, 12, 31)), [[r[3]] for r in rows], [[r[2]] for r in rows], [[r[5]] for r in rows],
                 [[r[4]] for r in rows])
    states = {r[0]: g[0] for r, g in zip(rows, got)}
    assert states["GD2026-0030"] == "不考核"            # 表扬
    assert states["GD2026-0021"] == "超时办结"          # 办理时限 04-17 12:00, done 04-20
    assert states["GD2026-0001"] == "按时办结"
    # 办理 received Thu 12-24, open: 12-25, 12-28, 12-29 -> due 12-29, overdue at 12-31
    assert states["GD2026-0063"] == "已超期"
    # 办理 received Wed 12-30, open: due on the third working day after, in 2027: not due yet
    assert states["GD2026-0064"] == "未到期"
    assert set(states.values()) == {"按时办结", "超时办结", "不考核", "已超期", "未到期"}


def test_import_after_excel_cached_the_array(tmp_path):
    """Excel saves a value in every cell of the array (an empty string below the data): an
    import still appends right after the last order, inside the existing rows, and keeps them."""
    import csv
    import re
    import zipfile

    from xl_kaohe.core.validate import load_ledger
    from xl_kaohe.io.template import save_ledger
    from xl_kaohe.io.workbook import FileBook
    from xl_kaohe.jobs.importing import import_export

    ledger = tmp_path / "台账.xlsx"
    save_ledger(build_ledger(year=2026, demo=True), ledger)
    with zipfile.ZipFile(ledger) as z:
        files = {n: z.read(n) for n in z.namelist()}
    part = next(n for n in files if n.startswith("xl/worksheets/") and b"KAOHE_STATUS" in files[n])
    xml = files[part].decode()
    last = max(map(int, re.findall(r'<row r="(\d+)"', xml)))
    cached = "".join(f'<row r="{r}"><c r="K{r}" t="str"><v></v></c></row>' for r in range(last + 1, 201))
    files[part] = xml.replace("</sheetData>", cached + "</sheetData>").encode()
    with zipfile.ZipFile(ledger, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    export = tmp_path / "导出.csv"
    with export.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["工单编号", "承办单位", "工单类型", "受理时间"])
        w.writerows([[f"NEW-{i}", "示例市第二中学", "咨询", "2026-11-30 09:00"] for i in range(3)])
    assert import_export(export, FileBook(ledger)).added == 3
    with zipfile.ZipFile(ledger) as z:
        xml = z.read(part).decode()
    rows = re.findall(r'<row r="(\d+)"', xml)
    assert len(rows) == len(set(rows)) == 200  # merged into the existing rows, none duplicated
    first_new = re.search(rf'<row r="{last + 1}">(.*?)</row>', xml).group(1)
    assert "NEW-0" in first_new and f'<c r="K{last + 1}" t="str"><v></v></c>' in first_new
    assert re.search(r'<tableParts', xml) and len(load_ledger(read_grids(ledger)).orders) >= 3
