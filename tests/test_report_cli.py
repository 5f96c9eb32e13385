"""kaohe report end to end: a real .xlsx ledger, the .docx beside it read back with python-docx
(tables cell by cell), --json, --pdf, the exit codes; the 趋势 sheet written by kaohe rank."""
from __future__ import annotations

import json
import shutil

import docx
import pytest
from bulletinkit import three_months
from python_calamine import CalamineWorkbook

import wmlschema
from xl_kaohe import cli
from xl_kaohe.core import schema as S


@pytest.fixture
def ledger(tmp_path):
    return three_months().save(tmp_path / "台账.xlsx")


def run(*args) -> int:
    return cli.main([str(a) for a in args])


def test_report_writes_the_docx_beside_the_workbook(ledger, capsys):
    code = run("report", ledger, "--period", "2026-03", "--today", "2026-04-08", "--json", "-")
    assert code == 0
    target = ledger.parent / "通报-2026-03.docx"
    assert target.exists()
    data = json.loads(capsys.readouterr().out)
    assert data["asof"] == "2026-03-31"
    # the scores are kaohe rank --asof 2026-03-31's
    run("rank", ledger, "--asof", "2026-03-31", "--output", ledger.parent / "r.xlsx", "--json",
        ledger.parent / "rank.json")
    rank = json.loads((ledger.parent / "rank.json").read_text(encoding="utf-8"))
    totals = {u["unit"]: u["total"] for u in rank["units"]}
    assert {u["unit"]: u["total"] for g in data["groups"].values() for u in g} == totals

    for part in ("word/document.xml", "word/styles.xml"):
        assert wmlschema.errors(target, part) == []
    d = docx.Document(str(target))
    texts = [p.text for p in d.paragraphs]
    assert "关于2026年3月12345政府服务热线\n办理情况的通报" in texts
    assert "一、总体情况" in texts and "五、下一步工作要求" in texts
    tables = d.tables
    # 学校 ranking, 处室 ranking, 超期未办结工单
    assert len(tables) == 3
    assert [[c.text for c in r.cells] for r in tables[0].rows] == [
        ["排名", "单位名称", "总分", "较上期", "本期工单", "按时办结率", "满意率", "超期件数"],
        ["1", "B", "92.00", "持平", "1", "100.00%", "100.00%", "0"],
        ["2", "D", "87.00", "↑1", "0", "—", "—", "0"],
        ["3", "A", "84.00", "↓2", "1", "0.00%", "—", "1"],
    ]
    # C: 78 = 95 - 2 - 10 - 5; its one March order open and overdue
    assert [c.text for c in tables[1].rows[1].cells] == ["1", "C", "78.00", "持平", "1", "0.00%", "—", "1"]
    assert [[c.text for c in r.cells] for r in tables[2].rows] == [
        ["序号", "工单编号", "承办单位", "类型", "受理时间", "应办结时间", "超期\n工作日"],
        ["1", "GD-C2", "C", "咨询", "03-20 09:00", "03-24 23:59", "5"]]
    body = "\n".join(texts)
    assert "市民来电内容" not in body and "黑榜：" in body and "本期无应办结工单：" in body


def test_report_bad_period_and_missing_pdf(ledger, tmp_path, monkeypatch, capsys):
    assert run("report", ledger, "--period", "2026-13") == 2
    assert "无法识别的通报期间" in capsys.readouterr().err
    monkeypatch.setenv("KAOHE_SOFFICE", str(tmp_path / "none"))
    out = tmp_path / "x.docx"
    assert run("report", ledger, "--period", "2026Q1", "--today", "2026-04-08", "--output", out, "--pdf") == 2
    assert out.exists() and "未找到 LibreOffice" in capsys.readouterr().out


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not on PATH")
def test_report_pdf(ledger):
    assert run("report", ledger, "--period", "2026-03", "--today", "2026-04-08", "--pdf") == 0
    assert (ledger.parent / "通报-2026-03.pdf").stat().st_size > 1000


def test_rank_writes_trend_equal_to_rank_at_each_month_end(ledger, tmp_path):
    out = tmp_path / "ranked.xlsx"
    run("rank", ledger, "--asof", "2026-03-31", "--output", out)
    grid = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(S.TREND).to_python()
    assert grid[0][0].startswith("2026年度12345工作考核趋势")
    header = grid[1]
    assert header[:6] == ["单位名称", "单位类别", "1月末", "2月末", "3月末", "排名（3月末）"]
    values = {row[0]: row[2:5] for row in grid[2:7]}
    for k, end in enumerate(("2026-01-31", "2026-02-28", "2026-03-31")):
        path = tmp_path / f"rank-{k}.json"
        run("rank", ledger, "--asof", end, "--output", tmp_path / f"r{k}.xlsx", "--json", path)
        for unit in json.loads(path.read_text(encoding="utf-8"))["units"]:
            assert values[unit["unit"]][k] == unit["total"], (end, unit["unit"])
    # rank at the last month-end: B 92, D 87, A 84, C 78
    assert [(row[0], row[5]) for row in grid[2:6]] == [("B", 1), ("D", 2), ("A", 3), ("C", 4)]


def test_template_problems_are_shown(tmp_path, capsys):
    kit = three_months()
    grids_path = tmp_path / "台账.xlsx"
    kit.save(grids_path)
    import openpyxl
    wb = openpyxl.load_workbook(grids_path)
    ws = wb.create_sheet(S.BULLETIN_TEMPLATE)
    for row in (["项目", "内容"], ["文号", "常教〔{年}〕{号码}号"], ["成文日期", "下周一"], ["发文机关", "常州市教育局"]):
        ws.append(row)
    wb.save(grids_path)
    # exit 1: a cell had an error (the bulletin is still written, with the default)
    assert run("report", grids_path, "--period", "2026-03", "--today", "2026-04-08") == 1
    out = capsys.readouterr().out
    assert "[警告] 通报模板!2 [文号]" in out and "[错误] 通报模板!3 [成文日期]" in out
    d = docx.Document(str(tmp_path / "通报-2026-03.docx"))
    texts = [p.text for p in d.paragraphs]
    # the unknown placeholder is printed as typed; the bad date falls back to today (04-08)
    assert "常教〔2026〕{号码}号" in texts and "常州市教育局" in texts and "2026年4月8日" in texts
