"""The live-Excel adapter and the ribbon jobs, driven through a fake of the xlwings object model:
the same app.rank / app.check as the CLI, so the sheets written in Excel equal the file's."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from fakexl import FakeBook
from ledgerkit import LedgerKit
from xl_kaohe.core import schema as S
from xl_kaohe.core.engine import assess
from xl_kaohe.excel import ribbon
from xl_kaohe.excel.live import cell_value, sheet_grid
from xl_kaohe.jobs import today
from xl_kaohe.io.workbook import read_grids
from xl_kaohe.build.workbook import DEFAULT_PATH


@pytest.fixture(scope="module")
def demo_grids():
    return read_grids(DEFAULT_PATH)


def test_sheet_grid_is_anchored_at_a1():
    book = FakeBook({"工单": [[None, None, None], [None, "工单编号", "承办单位"], [None, "GD-1", "甲校"]]})
    grid = sheet_grid(book.sheets["工单"])
    # used range starts at B2: the grid still has row 1 and column A, so row numbers match the sheet
    assert grid == [[None, None, None], [None, "工单编号", "承办单位"], [None, "GD-1", "甲校"]]


def test_values_written_to_excel():
    assert cell_value("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"  # Excel's text prefix
    assert cell_value("+1") == "'+1" and cell_value("@SUM(A1)") == "'@SUM(A1)" and cell_value("-2") == "'-2"
    assert cell_value("并列") == "并列"
    assert cell_value(Decimal("90.28")) == 90.28 and isinstance(cell_value(Decimal("1")), float)
    assert cell_value(date(2026, 3, 5)) == date(2026, 3, 5)


def test_generate_ranking_in_excel_equals_the_cli(demo_grids):
    book = FakeBook(demo_grids)
    message = ribbon.generate_ranking(book)
    expected = assess(demo_grids, today=today())
    ranking = book.sheets[S.RANKING]
    # row 1 title, row 2 header, data from row 3
    assert ranking.text(1, 1) == expected.sheets()[0].title
    assert ranking.text(2, 1) == "排名" and ranking.text(2, 9) == "总分"
    for i, unit in enumerate(expected.ordered):
        assert ranking.text(3 + i, 2) == unit.name
        assert ranking.text(3 + i, 9) == float(unit.total)
    assert len(ranking.charts) == 1
    assert ranking.formats[10] == "0.00%"
    for name in (S.DETAIL, S.AUDIT, S.CHECKS):
        assert name in [s.name for s in book.sheets]
    first = expected.ordered[0]
    assert f"第一名：{first.name}" in message
    assert book.app.alerts == [("12345考核", message)]
    assert book.app.status_bar is False and book.app.screen_updating is True  # handed back to Excel
    assert any("正在" in str(s) for s in book.app.status_history)  # progress was shown


def test_rerun_replaces_output_sheets(demo_grids):
    book = FakeBook(demo_grids)
    ribbon.generate_ranking(book)
    count = len(book.sheets)
    ribbon.generate_ranking(book)
    assert len(book.sheets) == count and len(book.sheets[S.RANKING].charts) == 1


def test_check_ledger_writes_only_the_check_sheet():
    kit = LedgerKit().unit("甲校").order("GD-1", "甲校", "咨询", "昨天")
    book = FakeBook(kit.grids())
    message = ribbon.check_ledger(book)
    assert "1 个错误" in message
    names = [s.name for s in book.sheets]
    assert S.CHECKS in names and S.RANKING not in names
    checks = book.sheets[S.CHECKS]
    assert [checks.text(2, c) for c in range(1, 5)] == ["错误", "工单", 2, "受理时间"]


def test_unit_card_for_the_active_row(demo_grids):
    book = FakeBook(demo_grids)
    units = book.sheets[S.UNITS]
    units.activate()
    book.app.selection.row = 3  # 单位 row 3: the second unit
    name = units.text(3, 1)
    message = ribbon.unit_card(book)
    card = book.sheets["单位明细"]
    unit = assess(demo_grids, today=today()).unit(name)
    assert card.text(1, 1).startswith(name)
    assert f"总分 {unit.total}" in message
    # the last row is the total
    last = max(r for r, _ in card.cells)
    assert card.text(last, 1) == "总分" and card.text(last, 5) == float(unit.total)


def test_unit_card_without_a_unit_row_asks_to_select_one(demo_grids):
    book = FakeBook(demo_grids)
    book.sheets[S.PARAMS].activate()
    book.app.selection.row = 1
    assert "请先选中某个单位所在的行" in ribbon.unit_card(book)


def test_errors_become_a_short_chinese_message(tmp_path, monkeypatch):
    monkeypatch.setattr(ribbon, "LOG", tmp_path / "kaohe-error.log")
    book = FakeBook({"Sheet1": [["x"]]})
    message = ribbon.generate_ranking(book)
    assert message.startswith("无法完成：") and "考核台账" in message  # LedgerError, not a traceback

    def boom(*a, **k):
        raise RuntimeError("磁盘已满")
    monkeypatch.setattr(ribbon.app, "rank", boom)
    message = ribbon.generate_ranking(FakeBook({"单位": [["单位名称"]]}))
    assert message.startswith("出错了：磁盘已满") and (tmp_path / "kaohe-error.log").exists()
    assert "Traceback" in (tmp_path / "kaohe-error.log").read_text(encoding="utf-8")


def test_import_cancelled_when_no_file_picked(demo_grids):
    book = FakeBook(demo_grids)
    book.app.picked_file = False
    assert ribbon.import_orders(book) == "未选择文件，已取消。"


def test_help_activates_the_help_sheet():
    book = FakeBook({"参数": [["参数"]], "使用说明": [["说明"]]})
    message = ribbon.show_help(book)
    assert book.sheets.active.name == "使用说明" and "生成排名" in message


def test_row_marks_are_grouped_into_runs():
    from xl_kaohe.excel.live import _runs
    # 校验 is sorted errors first, then warnings: 5 marked rows -> 2 COM calls, not 5
    assert _runs({0: "error", 1: "error", 2: "error", 3: "warning", 4: "warning"}) == [(0, 2, "error"), (3, 4, "warning")]
    assert _runs({0: "bold", 2: "bold", 3: "muted"}) == [(0, 0, "bold"), (2, 2, "bold"), (3, 3, "muted")]
    assert _runs({}) == []


def test_warning_list_writes_only_the_two_sheets_with_a_page_per_unit():
    from datetime import datetime

    kit = LedgerKit(asof=None).unit("甲校", contact="王老师", phone="0519-1").unit("乙校")
    kit.order("A1", "甲校", "咨询", "2026-11-24 09:00")   # due 11-26: 1 working day late at 11-27
    kit.order("B1", "乙校", "办理", "2026-11-13 09:00")   # due 11-18: 7 late -> 建议通报
    kit.order("B2", "乙校", "咨询", "2026-11-26 15:00")   # due 11-30: 1 working day left
    book = FakeBook(kit.grids())
    message = ribbon.warning_list(book, now=datetime(2026, 11, 27, 9, 30))
    assert message.startswith("已生成「预警」「催办单」（截至 2026-11-27 09:30）。")
    assert "已超期 2 件（建议通报 1 件），即将到期 1 件，涉及 2 个单位" in message
    names = [s.name for s in book.sheets]
    assert S.WARNINGS in names and S.CHASE in names and S.RANKING not in names and S.CHECKS not in names
    warned = book.sheets[S.WARNINGS]
    assert warned.text(2, 1) == "状态" and [warned.text(r, 3) for r in (3, 4, 5)] == ["B1", "A1", "B2"]
    chase = book.sheets[S.CHASE]
    assert chase.text(1, 1) == "12345政府服务热线工单催办通知书"  # no header row: the letter starts at A1
    assert chase.text(2, 1) == "甲校（联络人：王老师，联络电话：0519-1）："
    second = [r for r in range(1, 40) if chase.text(r, 1) == "12345政府服务热线工单催办通知书"]
    assert len(second) == 2 and chase.page_breaks == [second[1]]
    assert (second[1], 1, (second[1], 7)) in chase.merged  # the title spans the 7 columns


def test_generate_bulletin_asks_for_the_period_and_writes_beside_the_workbook(tmp_path):
    import docx
    from bulletinkit import TODAY, three_months

    book = FakeBook(three_months().grids())
    book.fullname = str(tmp_path / book.name)
    asked = []

    def input_box(prompt, title, default):
        asked.append(default)
        return "2026-03"

    book.app.api.InputBox = input_box
    message = ribbon.generate_bulletin(book, today=TODAY)
    # today 2026-04-08: the default offered is last month, 2026-03
    assert asked == ["2026-03"]
    target = tmp_path / "通报-2026-03.docx"
    assert target.exists() and str(target) in message and book.app.alerts[-1][1] == message
    title = docx.Document(str(target)).paragraphs
    assert any(p.text == "关于2026年3月12345政府服务热线\n办理情况的通报" for p in title)


def test_generate_bulletin_cancelled_or_bad_period(tmp_path):
    from bulletinkit import TODAY, three_months

    book = FakeBook(three_months().grids())
    book.fullname = str(tmp_path / book.name)
    book.app.api.InputBox = lambda *a: False
    assert ribbon.generate_bulletin(book, today=TODAY) == "未输入通报期间，已取消。"
    book.app.api.InputBox = lambda *a: "2026-13"
    assert "无法识别的通报期间" in ribbon.generate_bulletin(book, today=TODAY)
    assert not list(tmp_path.glob("*.docx"))


def test_generate_ranking_writes_the_trend_sheet_with_its_line_chart(monkeypatch):
    import functools

    from bulletinkit import TODAY, three_months
    from xl_kaohe.core.trend import compute_trend

    monkeypatch.setattr(ribbon.app, "rank", functools.partial(ribbon.app.rank, today=TODAY))
    kit = three_months()
    book = FakeBook(kit.grids())
    message = ribbon.generate_ranking(book)
    assert "「趋势」" in message
    trend = book.sheets[S.TREND]
    # header row 2: 单位名称, 单位类别, 1月末 …; values as kaohe rank computes them (the ledger's
    # 考核截止日期 2026-03-31): B first with 96, 92, 92
    assert [trend.text(2, c) for c in range(1, 7)] == ["单位名称", "单位类别", "1月末", "2月末", "3月末", "排名（3月末）"]
    assert [trend.text(3, c) for c in range(1, 7)] == ["B", "学校", 96.0, 92.0, 92.0, 1]
    expected = compute_trend(kit.assess(today=TODAY).result)
    assert trend.text(5, 5) == float(expected.totals[trend.text(5, 1)][2])
    (chart,) = trend.charts
    assert chart.chart_type == "line_markers"


def test_board_formulas_and_chart_under_the_table_in_excel(demo_grids):
    """生成排名 rewrites 看板 where the workbook has it, as formulas Excel computes; the chart
    goes under the table (inside the printed page), as in the file writer."""
    plain = FakeBook(demo_grids)
    ribbon.generate_ranking(plain)
    assert "看板" not in [s.name for s in plain.sheets]  # never added
    book = FakeBook({**demo_grids, "看板": [["旧看板"]]})
    ribbon.generate_ranking(book)
    board = book.sheets["看板"]
    assert board.text(3, 1) == "=IF('单位'!A2=\"\",\"\",'单位'!A2)"
    assert board.text(3, 2) == '=IF($A3="","",KAOHE_SCORE($A3))'
    assert board.text(1, 1).startswith("12345 考核看板：数值更新于 kaohe rank")
    ranking = book.sheets[S.RANKING]
    units = len(assess(demo_grids).ordered)
    # title, header, one row per unit; the chart starts two rows below the last one
    assert ranking.charts[0].geometry["top"] == 15.0 * (2 + units + 2 - 1)
    assert ranking.charts[0].geometry["left"] == 0.0


def test_board_cells_get_formats_that_keep_formulas_and_dates_in_excel(demo_grids):
    """Column A of 看板 holds formulas: not formatted as Text (Excel would keep a typed formula
    as text); the examples' dates in number columns get a date format of their own."""
    from xl_kaohe.core.board import board_sheet
    from xl_kaohe.excel.live import _cell_kinds

    book = FakeBook({**demo_grids, "看板": [["旧看板"]]})
    ribbon.generate_ranking(book)
    board = book.sheets["看板"]
    assert board.formats[1] == "General"
    sheet = board_sheet(assess(demo_grids, today=date(2026, 12, 1)), demo_grids, today=date(2026, 12, 1),
                        refreshed="x")
    kinds = {(c, k) for _, c, k in _cell_kinds(sheet)}
    # B/C (总分 0.00, 名次 0) hold the examples' dates; D (组织领导 0.00) KAOHE_DUE's date-time
    # and the whole-number results of KAOHE_WORKDAYS / KAOHE_LATEDAYS
    assert kinds == {(2, "date"), (3, "date"), (4, "datetime"), (4, "int"), (4, "text")}


def test_the_fake_hands_over_what_excel_hands_over():
    """Excel keeps every number as a double and every date as a date-time; ' marks text."""
    book = FakeBook({"工单": [["工单编号", "次数", "日期"], ["0012", 2, date(2026, 3, 5)]]})
    sheet = book.sheets["工单"]
    assert sheet_grid(sheet)[1] == ["0012", 2.0, datetime(2026, 3, 5)]
    assert type(sheet_grid(sheet)[1][1]) is float and type(sheet_grid(sheet)[1][2]) is datetime
    sheet.range((3, 1)).value = cell_value("=SUM(A1)")  # what the live writer sends
    assert sheet.text(3, 1) == "=SUM(A1)"               # Excel shows the text, not a formula
    with pytest.raises(TypeError):
        sheet.range((3, 2)).value = Decimal("1.5")      # COM refuses a Decimal: cell_value converts it


def test_ranking_from_excel_typed_numbers_and_dates():
    # 101 typed as a number arrives as 101.0 everywhere; dates arrive as datetimes
    kit = LedgerKit().unit("101").unit("甲校")
    kit.order("GD-1", "101", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 9, 10))
    grids = kit.grids()
    grids["单位"][1][0] = 101
    grids["工单"][1][1] = 101
    book = FakeBook(grids)
    ribbon.generate_ranking(book)
    ranking = book.sheets[S.RANKING]
    names = {ranking.text(r, 2): ranking.text(r, 9) for r in (3, 4)}
    # 101: Mon 03-02 + 3 working days = Thu 03-05; done Mon 03-09: 2 working days late (03-06, 03-09):
    # 95 − 2 (III-4.1) − 2×2 (III-8.2) = 89
    assert names == {"101": 89.0, "甲校": 95.0}


def test_excel_finds_a_renamed_tab_by_name_or_code_name():
    from xl_kaohe.excel.live import ExcelBook
    kit = LedgerKit().unit("甲校").deduction(date(2026, 4, 1), "甲校", "III-3.1", 2)
    grids = kit.grids()
    grids["扣分事件 "] = grids.pop("扣分事件")   # a trailing space
    grids["会议记录"] = grids.pop("会议")        # renamed: found by its code name
    book = FakeBook(grids)
    for sheet in book.sheets:
        sheet.api = SimpleNamespace(CodeName=S.LEDGER_CODE_NAMES.get(sheet.name.strip(), ""))
    book.sheets["会议记录"].api = SimpleNamespace(CodeName="shMeetings")
    read = ExcelBook(book).read_grids()
    assert read.renamed == {"扣分事件": "扣分事件 ", "会议": "会议记录"} and read.from_template
    # III-3.1 is −1 per occurrence, 次数 2: one line of −2 (the renamed 扣分事件 is read)
    assert [l.points for l in assess(read, today=today()).unit("甲校").lines if l.code == "III-3.1"] == [-2]
