"""The 申诉复核 sheet of the template and of the demo ledger (SPEC §11)."""
from datetime import date

import openpyxl
import pytest

from xl_kaohe.core import engine
from xl_kaohe.core import schema as S
from xl_kaohe.io import demo as D
from xl_kaohe.io.template import TABLE_NAMES, build_ledger, save_ledger
from xl_kaohe.io.workbook import read_grids


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("appeals") / "示例.xlsx"
    save_ledger(build_ledger(year=2026, demo=True), path)
    return path


def test_appeals_sheet_is_a_table_with_a_decision_dropdown(tmp_path):
    path = tmp_path / "台账.xlsx"
    save_ledger(build_ledger(year=2026), path)
    ws = openpyxl.load_workbook(path)[S.APPEALS]
    assert [c.value for c in ws[1]][:len(S.APPEAL_COLUMNS)] == list(S.APPEAL_COLUMNS)
    assert list(ws.tables) == [TABLE_NAMES[S.APPEALS]] and ws.freeze_panes == "A2"
    rules = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    decision = rules["F2"]  # 复核结论
    assert decision.type == "list" and decision.formula1 == '"待复核,维持,撤销,减免"' and decision.errorStyle == "stop"
    assert rules["B2"].formula1 == "单位列表"
    assert rules["G2"].type == "decimal"  # 减免分值 > 0
    assert ws["D2"].number_format == "yyyy-mm-dd" and ws["C2"].number_format == "@"


def test_demo_appeals(demo_path):
    grids = read_grids(demo_path)
    a = engine.assess(grids, today=date(2027, 3, 1))
    without = engine.assess({k: v for k, v in grids.items() if k != S.APPEALS}, today=date(2027, 3, 1))
    u = a.unit(D.U6)
    assert [o.decision for o in u.appeals] == ["撤销", "减免", "维持", "维持"]
    # GD2026-0021 (due 04-17 12:00, done Mon 04-20 09:30: 1 working day late) 撤销: III-4.1 2 + III-8.3 2
    # back; III-5.1 −2 减免 1. III-8 raw is 2 (0021) + 4 (0025) + 4 (0045) = 10, exactly its cap, so
    # the 2 given back count in full: the total gains 5;
    # 及时办理率 loses the late GD2026-0021 from both sides: (on_time) / (should − 1).
    assert [o.restored for o in u.appeals] == [4, 1, 0, 0]
    before = without.unit(D.U6)
    assert before.items["III-8"].raw == 10 and u.items["III-8"].raw == 8 and u.total == before.total + 5
    assert (u.rates.on_time, u.rates.should) == (before.rates.on_time, before.rates.should - 1)
    assert [x.name for x in a.ordered] == [x.name for x in without.ordered]  # ranks unchanged
    assert not [p for p in a.result.problems if p.sheet == S.APPEALS]
    assert "含待复核申诉" not in a.json()["title"]
