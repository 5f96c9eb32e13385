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
