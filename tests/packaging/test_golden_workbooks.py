"""Golden workbooks: small ledgers whose 排名 and 得分明细 are worked out by hand here, checked in
the workbook `kaohe rank` writes, and through the `formulas` engine for =KAOHE_* cells (an Excel
formula evaluator that is not ours, calling the UDF functions the way Excel would).

Rubric facts used (the seed's defaults): 95 base points — 组织领导 5 (III-1), 建章立制 10 (III-2, III-3),
业务办理 60 (III-4 15, III-5 15, III-6 5, III-7 5, III-8 10, III-9 5, III-10 5), 辅助工作 15 (III-11 5,
III-12 10), 社会形象 5 (III-13); deductions per item capped at the item; bonus capped at 5.
"""
from __future__ import annotations

import re
from datetime import date, datetime

import openpyxl
import pytest

from kaohe_formulas import evaluate
from ledgerkit import LedgerKit
from xl_kaohe.cli import main
from xl_kaohe.io.workbook import read_grids

CATEGORIES = ["组织领导", "建章立制", "业务办理", "辅助工作", "社会形象"]
BOARD = "看板"


def ledger_one() -> tuple[LedgerKit, dict]:
    kit = LedgerKit().unit("甲校").unit("乙校").unit("丙校")
    # 甲校 GD-1 办理 Mon 03-02 09:00, due Thu 03-05 23:59:59, done 03-04: on time, 满意
    kit.order("GD-1", "甲校", "办理", datetime(2026, 3, 2, 9), datetime(2026, 3, 4, 10), visit="满意")
    # 甲校 GD-2 咨询 Mon 03-02 09:00, due Wed 03-04 23:59:59, done Fri 03-06: late 03-05, 03-06 = 2 days
    #   III-4.1 −2; III-8.1 −2 × 2 = −4; 及时办理率 1/2
    kit.order("GD-2", "甲校", "咨询", datetime(2026, 3, 2, 9), datetime(2026, 3, 6, 10))
    # 乙校: one on-time order (及时办理率 100%: III-14.2 +1) and a 通报 III-13.1 −2
    kit.order("GD-3", "乙校", "办理", datetime(2026, 4, 1, 9), datetime(2026, 4, 2, 9), visit="满意")
    kit.deduction(date(2026, 5, 6), "乙校", "III-13.1")
    # 丙校: no orders (no rates, no III-14.2); III-1.1 × 3 = −3; a meeting missed: III-11.1 −1
    kit.deduction(date(2026, 4, 1), "丙校", "III-1.1", 3)
    kit.meeting(date(2026, 6, 10), "丙校", "缺席")
    expected = {
        #        rank  categories              bonus total  满意率 办结率 及时办理率 备注
        "乙校": (1, [5, 10, 60, 15, 3], 1, 94, 1.0, 1.0, 1.0, None),    # 95 − 2 + 1
        "丙校": (2, [2, 10, 60, 14, 5], 0, 91, None, None, None, None),  # 95 − 3 − 1
        "甲校": (3, [5, 10, 54, 15, 5], 0, 89, 1.0, 1.0, 0.5, None),     # 95 − 2 − 4; 满意 1/1 (GD-2 not visited)
    }
    detail = {  # item -> (score, raw deduction) where not (full points, 0); 基础得分, 加分原始, 加分计入, 总分
        "乙校": ({"III-13": (3, 2)}, 93, 1, 1, 94),
        "丙校": ({"III-1": (2, 3), "III-11": (4, 1)}, 91, 0, 0, 91),
        "甲校": ({"III-4": (13, 2), "III-8": (6, 4)}, 89, 0, 0, 89),
    }
    return kit, {"ranking": expected, "detail": detail}


def ledger_two() -> tuple[LedgerKit, dict]:
    kit = LedgerKit().unit("甲校").unit("乙校").unit("丁校", participates="否")
    # 甲校: III-13.1 × 4 = −8, capped at the item's 5 -> 社会形象 0; bonuses III-15.1 × 3 = +3 and
    # III-16.1 (酌情) 2.5 × 2 = +5: raw 8, capped at 5 -> 95 − 5 + 5 = 95, tied with 乙校 (95)
    kit.deduction(date(2026, 5, 6), "甲校", "III-13.1", 4)
    kit.bonus(date(2026, 6, 1), "甲校", "III-15.1", 3)
    kit.bonus(date(2026, 6, 1), "甲校", "III-16.1", 2, 2.5)
    # 丁校 does not take part: scored (95 − 1 = 94) but not ranked
    kit.deduction(date(2026, 4, 1), "丁校", "III-1.1")
    expected = {
        "甲校": (1, [5, 10, 60, 15, 0], 5, 95, None, None, None, "并列"),
        "乙校": (1, [5, 10, 60, 15, 5], 0, 95, None, None, None, "并列"),
        "丁校": (None, [4, 10, 60, 15, 5], 0, 94, None, None, None, "不参与考核"),
    }
    detail = {
        "甲校": ({"III-13": (0, 8)}, 90, 8, 5, 95),
        "乙校": ({}, 95, 0, 0, 95),
        "丁校": ({"III-1": (4, 1)}, 94, 0, 0, 94),
    }
    return kit, {"ranking": expected, "detail": detail}


def ledger_three() -> tuple[LedgerKit, dict]:
    kit = LedgerKit().unit("甲校")
    # nine 咨询 orders done the day they came: 及时办理率 9/9 -> III-14.2 +1; 办结率 9/9;
    # 满意率 8/9 = 88.888…%: (90% − 88.888…%) = 1.111… points × 2 = 2.222… -> −2.22 (half-up, 0.01)
    for i in range(9):
        kit.order(f"GD-{i}", "甲校", "咨询", datetime(2026, 3, 2 + i, 9), datetime(2026, 3, 2 + i, 15),
                  visit="不满意" if i == 0 else "满意")
    expected = {"甲校": (1, [5, 10, 57.78, 15, 5], 1, 93.78, 8 / 9, 1.0, 1.0, None)}  # 95 − 2.22 + 1
    detail = {"甲校": ({"III-9": (2.78, 2.22)}, 92.78, 1, 1, 93.78)}
    return kit, {"ranking": expected, "detail": detail}


LEDGERS = {"one": ledger_one, "two": ledger_two, "three": ledger_three}


def with_board(path, units):
    """A 看板 sheet of =KAOHE_* formulas, one row per unit, as staff would type them."""
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet(BOARD)
    ws.append(["单位", "总分", "名次", "加分", "业务办理", "社会形象扣分", "III-8"])
    for r, name in enumerate(units, start=2):
        ws.append([name, f"=KAOHE_SCORE(A{r})", f"=KAOHE_RANK(A{r})", f"=KAOHE_BONUS(A{r})",
                   f'=KAOHE_SCORE(A{r},"业务办理")', f'=KAOHE_DEDUCT(A{r},"III-13")', f'=KAOHE_SCORE(A{r},"III-8")'])
    wb.save(path)


@pytest.fixture(params=sorted(LEDGERS))
def golden(request, tmp_path):
    kit, expected = LEDGERS[request.param]()
    path = kit.save(tmp_path / "台账.xlsx")
    with_board(path, list(expected["ranking"]))
    assert main(["rank", str(path), "--asof", "2026-12-31"]) == 0
    return path, expected


def test_ranking_sheet_by_hand(golden):
    path, expected = golden
    grid = read_grids(path, ["排名"])["排名"]
    headers = grid[1]
    assert headers[:2] == ["排名", "单位名称"] and headers[2:7] == CATEGORIES
    assert headers[7:] == ["加分", "总分", "满意率", "办结率", "及时办理率", "备注"]
    rows = {row[1]: row for row in grid[2:]}
    assert set(rows) == set(expected["ranking"])
    for name, (rank, categories, bonus, total, sat, done, timely, note) in expected["ranking"].items():
        row = rows[name]
        assert (row[0] or None) == rank, name
        assert row[2:7] == pytest.approx(categories), name
        assert (row[7], row[8]) == pytest.approx((bonus, total)), name
        for got, want in zip(row[9:12], (sat, done, timely)):
            assert (got or None) == (None if want is None else pytest.approx(want, abs=1e-6)), name
        assert (row[12] or None) == note, name


def test_detail_sheet_by_hand(golden):
    path, expected = golden
    grid = read_grids(path, ["得分明细"])["得分明细"]
    headers = grid[1]
    rows = {row[0]: dict(zip(headers, row)) for row in grid[2:]}
    points = {"III-1": 5, "III-2": 5, "III-3": 5, "III-4": 15, "III-5": 15, "III-6": 5, "III-7": 5, "III-8": 10,
              "III-9": 5, "III-10": 5, "III-11": 5, "III-12": 10, "III-13": 5}
    for name, (items, base, bonus_raw, bonus, total) in expected["detail"].items():
        row = rows[name]
        for code, full in points.items():
            score, raw = items.get(code, (full, 0))
            (score_header,) = [h for h in headers if h.startswith(code + " ") and h.endswith(f"（{full}分）")]
            assert row[score_header] == pytest.approx(score), (name, code)
            assert row[f"{code} 扣分(未封顶)"] == pytest.approx(raw), (name, code)
        assert (row["基础得分"], row["加分(原始)"], row["加分(计入，上限5)"], row["总分"]) == \
            pytest.approx((base, bonus_raw, bonus, total)), name


def test_kaohe_formulas_by_hand(golden):
    """Every =KAOHE_* cell of the 看板, evaluated by the formulas engine, against the hand values."""
    from xl_kaohe.core.engine import assess

    path, expected = golden
    assessment = assess(read_grids(path), asof=date(2026, 12, 31), today=date(2027, 1, 31))
    board = [name for name in openpyxl.load_workbook(path, read_only=True).sheetnames if name.upper() == BOARD]
    cells = {}
    for (sheet, ref), value in evaluate(path, assessment).items():
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        if sheet.upper() == BOARD and m:
            cells[(m.group(1), int(m.group(2)))] = value
    assert board  # the 看板 is there to evaluate
    # 看板: title row 1, header row 2, one unit per row from row 3 (core/board.py): 单位名称, 总分, 名次,
    # the five 一级指标, 加分, 扣分合计 (after caps), 及时办理扣分 (III-8); rows in 单位 order
    row_of = {value: r for (column, r), value in cells.items() if column == "A" and r >= 3 and value}
    assert set(expected["ranking"]) <= set(row_of)  # (below the units: the date-function examples)
    for name, (rank, categories, bonus, total, *_) in expected["ranking"].items():
        r = row_of[name]
        items = expected["detail"][name][0]
        assert cells[("B", r)] == pytest.approx(total), name
        assert cells[("C", r)] == (rank if rank is not None else "不参与排名"), name
        for column, points in zip("DEFGH", categories):
            assert cells[(column, r)] == pytest.approx(points), (name, column)
        assert cells[("I", r)] == pytest.approx(bonus), name
        assert cells[("J", r)] == pytest.approx(95 - sum(categories)), name   # 95 = the base items' points
        assert cells[("K", r)] == pytest.approx(10 - items.get("III-8", (10, 0))[0]), name
