"""Issue 9: ledgers that used to give a different score with no error and exit 0.

Each case is a real file read through `kaohe check`: it must exit 1 with a Chinese message that
names the sheet, the row, the column (and the 工单编号 of an order row).
"""
from __future__ import annotations

import json
from datetime import date, datetime

import openpyxl
import pytest

from ledgerkit import Formula, LedgerKit
from xl_kaohe.cli import main
from xl_kaohe.io.template import new_ledger
from xl_kaohe.io.workbook import read_grids
from xl_kaohe.jobs import EXIT_OK, EXIT_ROW_ERRORS

ASOF = "2026-12-31"


def check_json(path, capsys, *extra) -> tuple[int, dict]:
    code = main(["check", str(path), "--asof", ASOF, "--json", "-", *extra])
    out = capsys.readouterr().out
    return code, json.loads(out[out.index("{"):])


def errors(data) -> list[dict]:
    return [p for p in data["problems"] if p["level"] == "错误"]


def rename_header(path, sheet, old, new):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for cell in ws[1]:
        if cell.value == old:
            cell.value = new
    wb.save(path)


def small_kit() -> LedgerKit:
    kit = LedgerKit().unit("甲校")
    kit.order("GD-1", "甲校", "咨询", datetime(2026, 3, 2, 9), datetime(2026, 3, 3, 9), visit="满意")
    return kit


# ---- 1. scored columns are required ---------------------------------------------------------

def test_renamed_completion_header_is_an_error_with_did_you_mean(tmp_path, capsys):
    path = small_kit().save(tmp_path / "台账.xlsx")
    assert check_json(path, capsys)[0] == EXIT_OK  # the same ledger with its header is clean
    rename_header(path, "工单", "办结时间", "办结日期")
    code, data = check_json(path, capsys)
    assert code == EXIT_ROW_ERRORS
    (p,) = errors(data)
    assert (p["sheet"], p["row"], p["column"]) == ("工单", 1, "办结时间")
    # the headers found are listed, and 办结日期 is known to the import alias table as 办结时间
    assert "找到的表头：工单编号、承办单位、工单类型、受理时间、办理时限、办结日期" in p["message"]
    assert "您是否指“办结日期”" in p["message"]


def test_renamed_knowledge_header_is_an_error(tmp_path, capsys):
    path = small_kit().save(tmp_path / "台账.xlsx")
    rename_header(path, "知识库", "报送日期", "报送时间")
    code, data = check_json(path, capsys)
    assert code == EXIT_ROW_ERRORS
    (p,) = errors(data)
    assert (p["sheet"], p["row"], p["column"]) == ("知识库", 1, "报送日期")
    assert "您是否指“报送时间”" in p["message"]


def test_missing_participation_column_is_an_error(tmp_path, capsys):
    path = small_kit().save(tmp_path / "台账.xlsx")
    rename_header(path, "单位", "参与考核", "是否参与")
    code, data = check_json(path, capsys)
    assert code == EXIT_ROW_ERRORS
    assert [(p["sheet"], p["column"]) for p in errors(data)] == [("单位", "参与考核")]


def rank_json(path, capsys) -> dict:
    main(["rank", str(path), "--asof", ASOF, "--json", "-", "--output", str(path.with_name("out.xlsx"))])
    out = capsys.readouterr().out
    return json.loads(out[out.index("{"):])


@pytest.mark.parametrize("tab", ["扣分事件 ", " 扣分事件", "扣分事件\u3000"])
def test_sheet_name_with_spaces_is_read(tmp_path, capsys, tab):
    kit = small_kit().deduction(date(2026, 4, 1), "甲校", "III-3.1", 2)
    path = kit.save(tmp_path / "台账.xlsx")
    before = rank_json(path, capsys)["units"][0]
    assert before["deductions"]["III-3"] > 0
    wb = openpyxl.load_workbook(path)
    wb["扣分事件"].title = tab
    wb.save(path)
    code, data = check_json(path, capsys)
    assert code == EXIT_OK  # a warning only: the deductions are read
    assert [(p["sheet"], p["level"], p["value"]) for p in data["problems"]] == [("扣分事件", "警告", tab.strip())]
    assert rank_json(path, capsys)["units"][0]["total"] == before["total"]


def test_renamed_tab_is_found_by_code_name_and_missing_tab_is_an_error(tmp_path, capsys):
    path = new_ledger(tmp_path / "台账.xlsx", year=2026, demo=True)
    _, before = check_json(path, capsys)
    wb = openpyxl.load_workbook(path)
    wb["扣分事件"].title = "扣分登记"
    wb.save(path)
    code, after = check_json(path, capsys)
    main(["rank", str(path), "--asof", ASOF, "--output", str(tmp_path / "a.xlsx")])
    capsys.readouterr()
    grids = read_grids(path)
    assert grids.renamed == {"扣分事件": "扣分登记"} and len(grids["扣分事件"]) > 1
    assert [p["level"] for p in after["problems"]] == [p["level"] for p in before["problems"]] + ["警告"]

    del wb["会议"]
    wb.save(path)
    code, data = check_json(path, capsys)
    assert code == EXIT_ROW_ERRORS
    missing = [p for p in errors(data) if p["sheet"] == "会议"]
    assert len(missing) == 1 and "由模板建立的台账应有此表" in missing[0]["message"]


def test_missing_tab_in_a_hand_made_ledger_stays_a_warning(tmp_path, capsys):
    path = small_kit().save(tmp_path / "台账.xlsx")
    wb = openpyxl.load_workbook(path)
    del wb["会议"]
    wb.save(path)
    code, data = check_json(path, capsys)
    assert code == EXIT_OK and [p["sheet"] for p in data["problems"]] == ["会议"]


# ---- 2. formulas without a cached value ------------------------------------------------------

def test_formula_without_value_is_an_error_naming_the_cell(tmp_path, capsys):
    kit = small_kit()
    kit.order("GD-2", "甲校", "咨询", datetime(2026, 3, 2, 9), Formula("=D3+1"), visit="满意")
    path = kit.save(tmp_path / "台账.xlsx")  # openpyxl keeps the formula, with no result
    code, data = check_json(path, capsys)
    assert code == EXIT_ROW_ERRORS
    (p,) = errors(data)
    assert (p["sheet"], p["row"], p["column"], p["key"]) == ("工单", 3, "办结时间", "GD-2")
    assert "工单!F3 公式没有计算结果：请在 Excel/WPS 中打开并保存一次" in p["message"]
    # the row is not scored: one order left, 办结率 100% (it would be 1/2 if F3 read as blank)
    main(["rank", str(path), "--asof", ASOF, "--json", "-"])
    out = capsys.readouterr().out
    (unit,) = json.loads(out[out.index("{"):])["units"]
    assert unit["rates"]["办结率"] == 1.0


def test_formula_in_params_without_value_is_an_error(tmp_path, capsys):
    path = small_kit().save(tmp_path / "台账.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["参数"]
    ws.append(["知识库报送截止日", "=2+3"])
    wb.save(path)
    code, data = check_json(path, capsys)
    assert code == EXIT_ROW_ERRORS
    (p,) = errors(data)
    assert (p["sheet"], p["row"], p["column"]) == ("参数", ws.max_row, "B")
    assert "公式没有计算结果" in p["message"]


def test_formula_with_cached_value_is_read(tmp_path):
    """A formula that Excel calculated (a cached <v>) is just its value."""
    from xl_kaohe.io.sheetscan import uncalculated_cells
    xml = (b'<worksheet><sheetData><row r="2"><c r="A2"><f>1+1</f><v>2</v></c>'
           b'<c r="B2" t="str"><f>IF(A2=2,"","x")</f><v></v></c><c r="C2"><f>A2</f><v/></c>'
           b'<x:c r="D2"><x:f>A2</x:f></x:c></row></sheetData></worksheet>')
    assert uncalculated_cells(xml) == [(2, 2), (2, 3)]  # C2 and D2; B2 is Excel's cached ""


# ---- 7. problems name their record -----------------------------------------------------------

def test_every_order_problem_carries_its_order_id(tmp_path, capsys):
    kit = LedgerKit().unit("甲校")
    kit.order("GD-7", "乙校", "咨询", datetime(2026, 3, 2, 9))
    kit.order("GD-8", "甲校", "咨询", "昨天")
    kit.order("GD-9", "甲校", "投诉", datetime(2026, 3, 2, 9), visit="还行")
    path = kit.save(tmp_path / "台账.xlsx")
    code, data = check_json(path, capsys)
    assert code == EXIT_ROW_ERRORS
    order_problems = [p for p in data["problems"] if p["sheet"] == "工单"]
    assert {(p["row"], p["key"]) for p in order_problems} == {(2, "GD-7"), (3, "GD-8"), (4, "GD-9")}
    main(["rank", str(path), "--asof", ASOF])
    capsys.readouterr()
    checks = read_grids(path, ["校验"])["校验"]
    header = checks[0]
    assert header[-1] == "编号"
    assert {(row[2], row[-1]) for row in checks[1:] if row[1] == "工单"} == {(2, "GD-7"), (3, "GD-8"), (4, "GD-9")}


# ---- 3, 4, 8 through a file ----------------------------------------------------------------------

def test_shipped_ledger_on_2026_12_01_is_scored_as_of_today(tmp_path, capsys, monkeypatch):
    from xl_kaohe.build.workbook import DEFAULT_PATH
    monkeypatch.setenv("KAOHE_TODAY", "2026-12-01")
    path = tmp_path / "台账.xlsm"
    path.write_bytes(DEFAULT_PATH.read_bytes())
    assert main(["check", str(path), "--json", "-"]) == EXIT_OK  # warnings only
    out = capsys.readouterr().out
    data = json.loads(out[out.index("{"):])
    assert data["asof"] == "2026-12-01"
    (cap,) = [p for p in data["problems"] if p["sheet"] == "参数"]
    assert cap["column"] == "考核截止日期" and "2026-12-31" in cap["message"] and "2026-12-01" in cap["message"]


def test_count_typo_exits_1_naming_the_cell(tmp_path, capsys):
    path = small_kit().deduction(date(2026, 4, 1), "甲校", "III-3.1", 1e308).save(tmp_path / "台账.xlsx")
    code, data = check_json(path, capsys)
    assert code == EXIT_ROW_ERRORS
    (p,) = errors(data)
    assert (p["sheet"], p["row"], p["column"]) == ("扣分事件", 2, "次数")


def test_month_numbers_in_a_file(tmp_path, capsys):
    kit = LedgerKit().unit("甲校", compliant=False)
    for q in range(4):
        kit.study("甲校", date(2026, 3 * q + 2, 15))
    for m in range(1, 12):  # stored as numbers: 202601 … 202611
        kit.knowledge(202600 + m, "甲校", date(2026, m, 28), 0, 0)
    path = kit.save(tmp_path / "台账.xlsx")
    code, data = check_json(path, capsys)
    assert code == EXIT_OK and data["problems"] == []
    main(["rank", str(path), "--asof", ASOF, "--json", "-"])
    out = capsys.readouterr().out
    (unit,) = json.loads(out[out.index("{"):])["units"]
    assert "III-12" not in unit["deductions"]  # every month reported on time


# ---- 11. the test kit stores text as text ------------------------------------------------------

def test_ledgerkit_stores_text_as_text(tmp_path):
    kit = LedgerKit().unit("甲校")
    kit.order("0012", "甲校", "咨询", "2026-03-05 09:00", content="=1+1")
    kit.deduction("2026-04-01", "甲校", "III-3.1", 2, note="@SUM(A1)")
    grids = read_grids(kit.save(tmp_path / "台账.xlsx"))
    assert grids["工单"][1][:4] == ["0012", "甲校", "咨询", "2026-03-05 09:00"]
    assert grids["工单"][1][7] == "=1+1" and not grids.uncalculated
    assert grids["扣分事件"][1][0] == "2026-04-01" and grids["扣分事件"][1][3] == 2.0
    assert grids["扣分事件"][1][5] == "@SUM(A1)"
