"""`kaohe holidays NOTICE.txt --into WORKBOOK` on real files: upsert by 日期, staff's rows kept,
conflicts listed, only the 节假日 part and its Table patched, a second run rewrites nothing."""
from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import openpyxl

from ledgerkit import LedgerKit
from xl_kaohe.cli import main
from xl_kaohe.core.validate import Collector, read_holidays
from xl_kaohe.io.template import new_ledger
from xl_kaohe.io.workbook import read_grids

NOTICES = Path(__file__).parents[1] / "core" / "notices"
FICTIONAL = NOTICES / "fictional-2027.txt"  # 31 days off + 5 上班 = 36 dates


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_demo_ledger_gets_the_notice_and_only_its_holiday_sheet_changes(demo, capsys):
    before = parts(demo)
    assert main(["holidays", str(FICTIONAL), "--into", str(demo)]) == 0
    out = capsys.readouterr().out
    # the demo has 2027-01-01..03 放假 (rows 2-4): 36 - 3 = 33 new rows, in rows 5..37
    assert "新增 33 行、已有相同 3 行、与表中不一致 0 行" in out and "已写入" in out
    after = parts(demo)
    changed = {n for n in after if after[n] != before.get(n)}
    assert len(changed) == 2 and set(after) == set(before)  # the 节假日 sheet part and its Table
    table = next(after[n].decode() for n in changed if "/tables/" in n)
    assert 'name="tblHolidays"' in table and 'ref="A1:C37"' in table
    grid = read_grids(demo, ["节假日"])["节假日"]
    assert grid[4] == [date(2027, 2, 5), "放假", "春节放假（国务院2027年节假日安排）"]  # row 5: the first new date
    assert grid[36][:2] == [date(2027, 10, 9), "上班"]                                  # row 37: the last
    assert grid[1][2].startswith("2027年元旦（示例）")  # staff's row as it was
    cal = read_holidays(grid, Collector())
    assert cal.is_workday(date(2027, 2, 14)) and not cal.is_workday(date(2027, 2, 8))  # 上班 Sunday, 春节 Monday

    stamp = demo.stat().st_mtime_ns
    assert main(["holidays", str(FICTIONAL), "--into", str(demo)]) == 0
    assert "新增 0 行、已有相同 36 行" in capsys.readouterr().out
    assert demo.stat().st_mtime_ns == stamp and parts(demo) == after  # not rewritten


def test_staff_rows_are_kept_and_a_conflict_is_listed(tmp_path, capsys):
    kit = LedgerKit(year=2027, asof="2027-03-31").unit("甲校")
    kit.holiday(date(2027, 1, 1), "放假", "元旦")           # row 2: same as the notice
    kit.holiday(date(2027, 2, 14), "放假", "本校自定")      # row 3: the notice says 上班
    kit.holiday(date(2027, 3, 15), "放假", "校庆")          # row 4: not in the notice
    path = kit.save(tmp_path / "台账.xlsx")
    assert main(["holidays", str(FICTIONAL), "--into", str(path)]) == 1   # a conflict to look at
    out = capsys.readouterr().out
    assert "新增 34 行、已有相同 1 行、与表中不一致 1 行" in out
    assert "2027-02-14：通知为“上班”，「节假日」表第3行为“放假”" in out
    grid = read_grids(path, ["节假日"])["节假日"]
    assert grid[1:4] == [[date(2027, 1, 1), "放假", "元旦"], [date(2027, 2, 14), "放假", "本校自定"],
                         [date(2027, 3, 15), "放假", "校庆"]]
    new = grid[4:]
    assert len(new) == 34 and [r[0] for r in new] == sorted(r[0] for r in new)
    assert date(2027, 2, 14) not in {r[0] for r in new}
    # dates are date cells shown as dates
    ws = openpyxl.load_workbook(path)["节假日"]
    assert ws["A5"].is_date

    before = path.read_bytes()
    assert main(["holidays", str(FICTIONAL), "--into", str(path)]) == 1
    assert "新增 0 行、已有相同 35 行、与表中不一致 1 行" in capsys.readouterr().out
    assert path.read_bytes() == before


def test_fresh_template_ledger_gets_plain_date_cells(tmp_path, capsys):
    path = new_ledger(tmp_path / "2027台账.xlsx", year=2027)
    assert main(["holidays", str(NOTICES / "2026.txt"), "--into", str(path)]) == 0
    ws = openpyxl.load_workbook(path)["节假日"]
    first = [c for c in ws["A"] if c.row > 1 and c.value is not None][0]
    assert first.is_date and "h" not in first.number_format.lower()  # yyyy-mm-dd, not a time
    assert ws.tables["tblHolidays"].ref == f"A1:C{1 + 39}"  # 2026: 33 off + 6 上班


def test_dry_run_writes_nothing(demo, capsys):
    before = demo.read_bytes()
    assert main(["holidays", str(FICTIONAL), "--into", str(demo), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+ 2027-02-05 放假 春节放假（国务院2027年节假日安排）" in out and "试运行" in out
    assert demo.read_bytes() == before


def test_year_option_and_refusals(demo, tmp_path, capsys):
    body = tmp_path / "无标题.txt"
    body.write_text(FICTIONAL.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    assert main(["holidays", str(body), "--into", str(demo)]) == 2
    assert "找不到年份" in capsys.readouterr().err
    assert main(["holidays", str(body), "--into", str(demo), "--year", "2027", "--dry-run"]) == 0
    assert main(["holidays", str(NOTICES / "2026.txt"), "--into", str(demo), "--year", "2027"]) == 2
    assert "与指定的 2027 年不一致" in capsys.readouterr().err
    assert main(["holidays", str(tmp_path / "没有.txt"), "--into", str(demo)]) == 2
    lock = demo.with_name("~$" + demo.name)
    lock.write_text("")
    before = demo.read_bytes()
    assert main(["holidays", str(FICTIONAL), "--into", str(demo)]) == 2
    assert "正在 Excel 中打开" in capsys.readouterr().err and demo.read_bytes() == before
    lock.unlink()
    other = LedgerKit().save(tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(other)
    del wb["节假日"]
    wb.save(other)
    assert main(["holidays", str(FICTIONAL), "--into", str(other)]) == 2
    assert "没有「节假日」表" in capsys.readouterr().err


def test_unparsed_sentence_gives_exit_1_and_the_rest_is_written(tmp_path, capsys):
    path = LedgerKit(year=2024, asof="2024-03-31").unit("甲校").save(tmp_path / "台账.xlsx")
    assert main(["holidays", str(NOTICES / "2024.txt"), "--into", str(path)]) == 1
    out = capsys.readouterr().out
    assert "安排职工在除夕(2月9日)休息" in out and "新增 36 行" in out  # 28 off + 8 上班
    days = {r[0] for r in read_grids(path, ["节假日"])["节假日"][1:]}
    assert date(2024, 2, 9) not in days and date(2024, 2, 10) in days
