"""The `kaohe` command (SPEC §7): exit codes 0 / 1 / 2, --json, --output, --asof, new, check."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest

from ledgerkit import LedgerKit
from xl_kaohe.cli import main
from xl_kaohe.io.workbook import read_grids


def test_rank_demo_writes_outputs_and_prints_the_table(demo, capsys):
    assert main(["rank", str(demo)]) == 0
    out = capsys.readouterr().out
    assert "2026年度12345工作考核排名（截至2026-12-31）" in out and "并列" in out and "校验通过" in out
    grids = read_grids(demo, ["排名", "扣分依据", "校验"])
    assert grids["排名"][0][0] == "2026年度12345工作考核排名（截至2026-12-31）"
    assert grids["排名"][1][:3] == ["排名", "单位名称", "组织领导"]
    assert grids["校验"][0] == ["级别", "表", "行", "列", "值", "说明", "编号"]
    assert grids["校验"][1:] == [["通过", "", "", "", "", "校验通过：未发现错误或警告", ""]]  # no problems


def test_json_to_stdout(demo, capsys):
    assert main(["rank", str(demo), "--json", "-", "--output", str(demo.with_name("o.xlsm"))]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)  # stdout is pure JSON; the table went to stderr
    assert data["year"] == 2026 and data["asof"] == "2026-12-31" and data["problems"] == []
    unit = data["units"][0]
    assert set(unit) >= {"unit", "rank", "total", "bonus", "categories", "items", "rates"}
    assert isinstance(unit["total"], (int, float)) and unit["rank"] == 1
    assert sum(unit["categories"].values()) + unit["bonus"] == pytest.approx(unit["total"])
    assert [u["rank"] for u in data["units"]][-1] is None  # the unit not assessed comes last
    assert "排名" in captured.err


def test_output_copy_leaves_the_source_untouched(demo, tmp_path):
    before = demo.read_bytes()
    target = tmp_path / "新文件夹" / "结果.xlsm"
    assert main(["rank", str(demo), "--output", str(target)]) == 0
    assert demo.read_bytes() == before and target.exists()


def test_asof_option(demo, capsys):
    # exit 0: the demo has no bad rows; what happens after 06-30 is only a warning (not scored)
    assert main(["rank", str(demo), "--asof", "2026/6/30", "--json", "-", "--output", str(demo.with_name("x.xlsm"))]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["asof"] == "2026-06-30" and not data["has_errors"]
    assert {p["level"] for p in data["problems"]} == {"警告"}
    assert all("不在考核期内" in p["message"] for p in data["problems"])
    with pytest.raises(SystemExit):
        main(["rank", str(demo), "--asof", "明天"])


def test_rows_with_errors_exit_1_and_still_rank(tmp_path, capsys):
    kit = LedgerKit().unit("甲校").unit("乙校")
    kit.order("GD-1", "甲校", "咨询", "2026-13-40 09:00")
    path = kit.save(tmp_path / "台账.xlsx")
    assert main(["rank", str(path)]) == 1
    out = capsys.readouterr().out
    assert "数据有误" in out and "[错误] 工单!2 工单 GD-1 [受理时间]" in out
    ranking = read_grids(path, ["排名"])["排名"]
    assert "数据有误" in ranking[0][0]
    assert main(["check", str(path)]) == 1


def test_could_not_run_exits_2(tmp_path, capsys):
    assert main(["rank", str(tmp_path / "没有这个文件.xlsm")]) == 2
    assert "找不到工作簿" in capsys.readouterr().err
    text = tmp_path / "假的.xlsm"
    text.write_text("not a workbook")
    assert main(["rank", str(text)]) == 2
    assert "不是有效的 Excel 工作簿" in capsys.readouterr().err
    import openpyxl
    other = tmp_path / "别的表.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(other)
    assert main(["rank", str(other)]) == 2
    assert "不是考核台账" in capsys.readouterr().err


def test_excel_lock_file_refuses_to_write(demo, capsys):
    lock = demo.with_name("~$" + demo.name)
    lock.write_bytes(b"owner")
    before = demo.read_bytes()
    assert main(["rank", str(demo)]) == 2
    assert "正在 Excel 中打开" in capsys.readouterr().err
    assert demo.read_bytes() == before
    assert not list(demo.parent.glob(".~kaohe-*"))


def test_check_does_not_write(demo, capsys):
    before = demo.read_bytes()
    assert main(["check", str(demo), "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["problems"] == []
    assert demo.read_bytes() == before


def test_new_ledgers(tmp_path, capsys):
    assert main(["new", str(tmp_path / "空白.xlsx"), "--year", "2026"]) == 0
    assert main(["new", str(tmp_path / "示例.xlsm"), "--demo"]) == 0
    with zipfile.ZipFile(tmp_path / "示例.xlsm") as z:
        assert "xl/vbaProject.bin" in z.namelist() and "customUI/customUI.xml" in z.namelist()
    assert main(["check", str(tmp_path / "示例.xlsm")]) == 0
    assert main(["new", str(tmp_path / "示例.xlsm"), "--demo"]) == 2  # never overwrites
    assert "文件已存在" in capsys.readouterr().err
    assert main(["new", str(tmp_path / "x.xlsx"), "--demo", "--year", "2025"]) == 2


def test_console_script_runs(demo):
    done = subprocess.run([sys.executable, "-m", "xl_kaohe.cli", "check", str(demo)], capture_output=True)
    assert done.returncode == 0 and "校验通过" in done.stdout.decode("utf-8")


def test_unit_card_command(demo, capsys):
    assert main(["unit", str(demo), "示例市第一实验中学"]) == 0
    out = capsys.readouterr().out
    # the hand-checked demo unit (tests/io/test_template.py): 95 - 12 + 1 = 84, rank 5
    assert "第 5 名" in out and "84.00" in out and "工单!11" in out
    assert main(["unit", str(demo), "不存在的学校"]) == 2
    assert main(["unit", str(demo), "示例市第一实验中学", "--write"]) == 0
    assert read_grids(demo, ["单位明细"])["单位明细"][0][0].startswith("示例市第一实验中学")


def test_csv_export_through_pandas(demo, tmp_path):
    import pandas as pd
    folder = tmp_path / "csv"
    assert main(["rank", str(demo), "--output", str(tmp_path / "o.xlsm"), "--csv", str(folder)]) == 0
    ranking = pd.read_csv(folder / "排名.csv", encoding="utf-8-sig")
    assert list(ranking.columns[:3]) == ["排名", "单位名称", "组织领导"]
    # demo: 9 units, one not assessed (rank blank); the tie at 94 shares rank 2
    assert len(ranking) == 9 and ranking["排名"].isna().sum() == 1
    assert ranking.loc[ranking["总分"] == 94, "排名"].tolist() == [2, 2]
    audit = pd.read_csv(folder / "扣分依据.csv", encoding="utf-8-sig")
    assert (audit["分值"] < 0).any() and (audit["分值"] > 0).any()
    assert (folder / "校验.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8


def test_end_to_end_through_a_file_written_by_openpyxl(tmp_path, capsys):
    """A ledger as an outside tool would write it (real date cells, text dates, codes in several
    spellings), scored through the file adapter and the CLI, numbers worked out by hand."""
    from datetime import datetime
    kit = LedgerKit(asof="2026-06-30").unit("甲校", category="学校").unit("乙校", category="学校")
    kit.unit("丙处", category="处室", participates="否")
    # 甲校: 办理 received Mon 03-02 -> due Thu 03-05; done Wed 03-11 -> Fri 06, Mon 09, Tue 10, Wed 11 = 4 days
    #       III-4.1 -2, III-8.2 4 x -2 = -8 -> 95 - 2 - 8 = 85
    kit.order("GD-1", "甲校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 11, 10), visit="满意")
    # 乙校: 咨询 on time (due 03-04), 2 visits: 1 满意 + 1 不满意 = 50% -> 40 points below 90% x 2 = 80 -> cap 5
    #       Ⅲ—13（2） media exposure -2; bonus III-15.1 +1, and III-14.2 +1 (both orders on time:
    #       及时办理率 2/2 = 100%) -> 95 - 5 - 2 + 2 = 90
    kit.order("GD-2", "乙校", "咨询", "2026/3/2 9:00", "2026年3月3日 10时00分", visit="满意")
    kit.order("GD-3", "乙校", "咨询", "2026.3.2", "2026-03-04", visit="不满意")
    kit.deduction("2026-04-01", "乙校", "Ⅲ—13（2）")
    kit.bonus("2026-04-01", "乙校", "III-15.1 难点问题")
    # 丙处: not assessed, -1 (III-7.1) -> 94 and no rank
    kit.deduction("2026-04-01", "丙处", "III-7.1")
    path = kit.save(tmp_path / "外部工具写的台账.xlsx")
    assert main(["rank", str(path), "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    units = {u["unit"]: u for u in data["units"]}
    assert (units["乙校"]["rank"], units["乙校"]["total"]) == (1, 90)
    assert (units["甲校"]["rank"], units["甲校"]["total"]) == (2, 85)
    assert (units["丙处"]["rank"], units["丙处"]["total"]) == (None, 94)
    assert units["甲校"]["items"]["III-8"] == 2 and units["乙校"]["items"]["III-9"] == 0
    assert units["乙校"]["rates"]["满意率"] == 0.5 and units["乙校"]["bonus"] == 2
    assert units["甲校"]["category_rank"] == 2 and units["乙校"]["category_rank"] == 1
    audit = read_grids(path, ["扣分依据"])["扣分依据"]
    assert ["甲校", "III-8.2", "及时办理率", -8.0, "工单!2"] in [row[:5] for row in audit[1:]]
