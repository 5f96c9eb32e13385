"""`kaohe warn` (SPEC §9): console, --json exactly as the SPEC, --days, --asof moments, --write
(only 预警 and 催办单 change), exit codes; and the 催办单 print layout (a page per unit)."""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from ledgerkit import LedgerKit
from xl_kaohe.cli import main
from xl_kaohe.core import schema as S
from xl_kaohe.io.workbook import read_grids


def test_demo_at_half_past_nine(demo, capsys):
    # GD2026-0058 (示例市教育装备中心, 咨询) received Mon 11-30 09:00, completed 12-01 11:00: open at
    # 12-01 09:30; due 12-01 (1), 12-02 (2) -> 12-02 23:59:59, working days left (12-01, 12-02] = 1.
    # GD2026-0059 (示例市教育考试院, 咨询) received 12-01 09:10: due 12-03, 2 left: only with N=2.
    assert main(["warn", str(demo), "--asof", "2026-12-01 09:30", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "asof": "2026-12-01 09:30:00", "days": 1,
        "orders": [{"order": "GD2026-0058", "unit": "示例市教育装备中心", "type": "咨询",
                    "received": "2026-11-30 09:00:00", "due": "2026-12-02 23:59:59", "status": "即将到期",
                    "workdays_left": 1, "points_now": 0, "points_next_day": 4, "escalate": False}],
        "units": [{"unit": "示例市教育装备中心", "due_soon": 1, "overdue": 0, "escalate": 0, "points_now": 0}],
    }
    assert main(["warn", str(demo), "--asof", "2026-12-01 09:30", "--days", "2", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [o["order"] for o in data["orders"]] == ["GD2026-0058", "GD2026-0059"]
    assert data["orders"][1]["workdays_left"] == 2 and data["days"] == 2


def test_console_lists_per_unit(demo, capsys):
    assert main(["warn", str(demo), "--asof", "2026-12-01 09:30", "--days", "2"]) == 0
    out = capsys.readouterr().out
    assert "示例市教育装备中心：已超期 0 件（建议通报 0 件），即将到期 1 件" in out
    assert "即将到期  GD2026-0058  咨询  应办结 2026-12-02 23:59  剩1个工作日" in out
    assert "138****0006" not in out  # contacts go on the sheets, not the console


def test_write_changes_only_the_two_sheets(demo):
    with zipfile.ZipFile(demo) as z:
        before = {n: z.read(n) for n in z.namelist()}
    assert main(["warn", str(demo), "--asof", "2026-12-01 09:30", "--write"]) == 0
    with zipfile.ZipFile(demo) as z:
        after = {n: z.read(n) for n in z.namelist()}
    changed = {n for n in after if after[n] != before.get(n)}
    grids = read_grids(demo, [S.WARNINGS, S.CHASE])
    # the two sheet parts, and workbook.xml for their print names; nothing else
    sheet_parts = {n for n in changed if n.startswith("xl/worksheets/")}
    assert len(sheet_parts) == 2 and changed - sheet_parts <= {"xl/workbook.xml", "xl/styles.xml"}
    warned = grids[S.WARNINGS]
    assert warned[0][0].startswith("12345工单预警（截至2026-12-01 09:30")
    assert warned[1][:3] == ["状态", "单位名称", "工单编号"]
    assert warned[2][:3] == ["即将到期", "示例市教育装备中心", "GD2026-0058"]
    assert "何某某（办公室主任）" in warned[2] and "138****0006" in warned[2]  # the unit's work contact
    chase = [row[0] for row in grids[S.CHASE] if row and row[0] is not None]
    assert chase[0] == "12345政府服务热线工单催办通知书"
    assert chase[1] == "示例市教育装备中心（联络人：何某某（办公室主任），联络电话：138****0006）："
    assert chase[-2:] == ["常州市教育局办公室", "2026年12月1日"]


def test_rank_writes_the_warning_sheets_as_of_its_date(demo):
    assert main(["rank", str(demo), "--asof", "2026-11-30"]) == 0
    grids = read_grids(demo, [S.WARNINGS])
    # at the end of 11-30, GD2026-0058 (received 09:00 that day, due 12-02) has 2 working days
    # left, so with N=1 nothing is listed
    assert "没有即将到期或已超期的工单" in grids[S.WARNINGS][0][0]
    assert "截至2026-11-30 23:59" in grids[S.WARNINGS][0][0]


def letters_ledger(tmp_path) -> Path:
    kit = LedgerKit(asof=None)
    kit.unit("甲校", contact="王老师", phone="0519-1").unit("乙校").unit("丙校")
    kit.order("A1", "甲校", "咨询", "2026-11-24 09:00")   # due 11-26: overdue 1 at 11-27
    kit.order("B1", "乙校", "办理", "2026-11-13 09:00")   # due 11-18: overdue 7 -> 建议通报
    kit.order("B2", "乙校", "咨询", "2026-11-26 15:00")   # due 11-30: 1 left
    kit.order("C1", "丙校", "咨询", "2026-11-26 15:00", "2026-11-27 08:00")  # completed: no letter
    return kit.save(tmp_path / "台账.xlsx")


def test_chase_sheet_has_a_page_per_unit(tmp_path, capsys):
    path = letters_ledger(tmp_path)
    # exit 0: the ledger is clean (the sheets rank needs but warn does not read are not its concern)
    assert main(["warn", str(path), "--asof", "2026-11-27 09:30", "--write"]) == 0
    with zipfile.ZipFile(path) as z:
        names = {s: t for s, t in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"',
                                             z.read("xl/workbook.xml").decode())}
        rels_xml = z.read("xl/_rels/workbook.xml.rels").decode()
        rels = {m.group(0).split('Id="')[1].split('"')[0]: m.group(0).split('Target="')[1].split('"')[0]
                for m in re.finditer(r"<Relationship [^>]*>", rels_xml)}
        target = rels[names[S.CHASE]]
        xml = z.read("xl/" + target.lstrip("/").removeprefix("xl/")).decode()
        workbook = z.read("xl/workbook.xml").decode()
    grid = read_grids(path, [S.CHASE])[S.CHASE]
    titles = [r for r, row in enumerate(grid, 1) if row and row[0] == "12345政府服务热线工单催办通知书"]
    assert len(titles) == 2  # 甲校 and 乙校; 丙校 has nothing listed
    # a manual break before the second letter, and no fit-to-page (which would drop it)
    assert re.findall(r'<brk id="(\d+)"', xml) == [str(titles[1] - 1)]
    assert "fitToPage" not in xml and "<autoFilter" not in xml and "<pane " not in xml
    assert f"A{titles[0]}:" in xml and f"A{titles[1]}:" in xml  # the title rows span the columns
    chase_names = re.findall(r'<definedName name="(_xlnm\.[\w]+)" localSheetId="\d+">\'催办单\'', workbook)
    assert chase_names == ["_xlnm.Print_Area"]  # no repeated header row, no filter
    # each letter repeats the table heading
    assert sum(1 for row in grid if row and row[:2] == ["序号", "工单编号"]) == 2
    # 乙校: B1 (7 days late: 2 + 7*2 = 16) and B2 (not yet: 0) -> 16 points, one more day +2 +4
    summary = next(row[0] for row in grid if row and str(row[0]).startswith("合计") and "16分" in str(row[0]))
    assert summary.startswith("合计：已超期1件、即将到期1件；按考核细则已扣16分，如再拖延一个工作日将再扣6分。")
    assert "其中1件超期已满5个工作日" in summary


def test_bad_asof_and_days_are_refused(demo):
    with pytest.raises(SystemExit):
        main(["warn", str(demo), "--asof", "明天"])
    with pytest.raises(SystemExit):
        main(["warn", str(demo), "--days", "-1"])


def test_missing_workbook_exits_2(tmp_path, capsys):
    assert main(["warn", str(tmp_path / "无.xlsx")]) == 2
    assert "找不到工作簿" in capsys.readouterr().err


def test_row_errors_exit_1_and_are_mentioned(tmp_path, capsys):
    kit = LedgerKit(asof=None).unit("甲校")
    kit.order("A1", "甲校", "咨询", "2026-11-24 09:00")
    kit.order("A2", "无此校", "咨询", "2026-11-24 09:00")
    path = kit.save(tmp_path / "台账.xlsx")
    assert main(["warn", str(path), "--asof", "2026-11-27"]) == 1
    out = capsys.readouterr().out
    assert "A1" in out and "A2" not in out and "台账有 1 个错误" in out
