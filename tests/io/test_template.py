"""The ledger template and the demo data (`kaohe new PATH [--demo]`)."""
from __future__ import annotations

import dataclasses
import unicodedata
import zipfile
from collections import Counter
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from xl_kaohe.core import engine
from xl_kaohe.core import rules as R
from xl_kaohe.core import schema as S
from xl_kaohe.core import validate
from xl_kaohe.core.aliases import DEFAULT_HEADER_ALIASES, read_header_aliases
from xl_kaohe.core.ledger import ERROR
from xl_kaohe.io import demo as D
from xl_kaohe.io.template import (OUTPUT_NOTE, SHEET_ORDER, TABLE_NAMES, XLSM_MAIN, build_ledger,
                                  new_ledger, save_ledger)

YEAR = 2026


def read_grids(path) -> dict:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}


@pytest.fixture(scope="module")
def template_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "台账.xlsx"
    save_ledger(build_ledger(year=YEAR), path)
    return path


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "示例台账.xlsm"
    new_ledger(path, demo=True)
    return path


@pytest.fixture(scope="module")
def demo_grids(demo_path):
    return read_grids(demo_path)


@pytest.fixture(scope="module")
def demo_assessment(demo_grids):
    return engine.assess(demo_grids, today=date(2027, 3, 1))


# ---- the template ------------------------------------------------------------------------------

def test_sheet_order_and_output_placeholders(template_path):
    wb = openpyxl.load_workbook(template_path)
    assert tuple(wb.sheetnames) == SHEET_ORDER
    assert SHEET_ORDER[:10] == (S.PARAMS, S.UNITS, S.ORDERS, S.DEDUCTIONS, S.BONUSES, S.MEETINGS,
                                S.KNOWLEDGE, S.STUDIES, S.HOLIDAYS, S.RULES)
    for name in S.OUTPUT_SHEETS:
        assert wb[name]["A1"].value == OUTPUT_NOTE
        assert wb[name].max_row == 1


def _nfkc(obj):
    """The dataclass with its text fields NFKC-folded, as validate.text_of reads every cell."""
    return dataclasses.replace(obj, **{f.name: unicodedata.normalize("NFKC", v)
                                       for f in dataclasses.fields(obj)
                                       if isinstance(v := getattr(obj, f.name), str)})


def test_rules_sheet_reads_back_to_the_default_rubric(template_path):
    grids = read_grids(template_path)
    out = validate.Collector()
    rubric = validate.read_rubric(grids[S.RULES], out)
    default = R.default_rubric()
    assert out.problems == []
    assert list(rubric.items) == list(default.items)
    assert list(rubric.clauses) == list(default.clauses)
    for code, item in default.items.items():
        assert rubric.items[code] == item, code
        assert rubric.items[code].category == item.category
    for code, clause in default.clauses.items():
        assert rubric.clauses[code] == clause, code
        assert rubric.clauses[code].manual == clause.manual
    assert rubric.bonus_cap == 5
    assert rubric.type_map == R.DEFAULT_TYPE_MAP
    assert rubric.base_total() == 95
    # thresholds as typed in the 阈值 column: 90% / 98% / 10% / 100%, and 2 / 3 working days
    assert rubric.clauses["III-9.1"].threshold == Decimal("0.9")
    assert rubric.clauses["III-10.1"].threshold == Decimal("0.98")
    assert rubric.clauses["III-12.2"].threshold == Decimal("0.1")
    assert rubric.clauses["III-8.1"].threshold == 2 and rubric.clauses["III-8.2"].threshold == 3
    assert rubric.clauses["III-16.1"].points is None  # 酌情


def test_rules_sheet_reads_back_exactly(template_path):
    rubric = validate.read_rubric(read_grids(template_path)[S.RULES], validate.Collector())
    assert rubric == R.default_rubric()


def test_rules_sheet_keeps_the_seed_numbering(template_path):
    ws = openpyxl.load_workbook(template_path)[S.RULES]
    rows = {row[0]: row for row in ws.iter_rows(min_row=2, max_col=9, values_only=True) if row[0]}
    assert rows["III-4"][1] == "Ⅰ—3 业务办理" and rows["III-7"][1] == "Ⅰ—4 业务办理"
    assert rows["III-4.2"][6] == -2 and rows["III-15.1"][6] == 1 and rows["III-16.1"][6] == "酌情"
    assert rows[R.BONUS_CAP_CODE][4] == 5
    assert ws.cell(row=1, column=10).value is None  # one empty column between the tables


def test_header_alias_table(template_path):
    grid = read_grids(template_path)[S.RULES]
    assert read_header_aliases(grid) == DEFAULT_HEADER_ALIASES
    assert DEFAULT_HEADER_ALIASES["承办单位"][:5] == ("承办单位", "主办单位", "处理单位", "责任单位", "办理单位")


def test_params_defaults(template_path):
    grids = read_grids(template_path)
    out = validate.Collector()
    params = validate.read_params(grids[S.PARAMS], out, asof=None, today=date(YEAR, 5, 1))
    assert out.problems == []
    assert params.year == YEAR
    assert params.asof == date(YEAR, 5, 1)  # 考核截止日期 blank: today
    assert params.late_mode == "工作日" and params.rate_mode == "按比例"
    assert params.satisfied == ("非常满意", "满意", "基本满意")
    assert params.unsatisfied == ("不满意", "非常不满意")
    assert params.kb_deadline_day == 5 and params.auto_timely_bonus is True
    ws = openpyxl.load_workbook(template_path)[S.PARAMS]
    keys = [ws.cell(row=r, column=1).value for r in range(2, 2 + len(S.PARAM_KEYS))]
    assert keys == list(S.PARAM_KEYS)
    notes = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=3).value for r in range(2, 10)}
    assert "留空则为今天" in notes[S.P_ASOF] and all(notes.values())


def test_input_sheets_are_tables_with_frozen_headers(template_path):
    wb = openpyxl.load_workbook(template_path)
    for spec in S.INPUT_SHEETS:
        ws = wb[spec.name]
        header = [c.value for c in ws[1]][:len(spec.columns)]
        assert header == list(spec.columns), spec.name
        assert list(ws.tables) == [TABLE_NAMES[spec.name]]
        table = ws.tables[TABLE_NAMES[spec.name]]
        assert table.ref.startswith("A1:") and table.ref.endswith("2")  # header + one empty row
        assert table.tableStyleInfo is not None
        assert ws.freeze_panes == "A2"
    assert set(wb[S.RULES].tables) == {"tblRubric", "tblTypeMap", "tblHeaderAliases", "tblOptions"}
    assert wb[S.PARAMS].freeze_panes == "A2" and not wb[S.PARAMS].tables
    orders = wb[S.ORDERS]
    assert orders.column_dimensions["D"].number_format == "yyyy-mm-dd hh:mm"  # 受理时间
    assert orders["D2"].number_format == "yyyy-mm-dd hh:mm"
    assert wb[S.DEDUCTIONS]["A2"].number_format == "yyyy-mm-dd"
    assert orders.column_dimensions["H"].width >= 30  # 诉求内容


def _validations(ws) -> dict[str, object]:
    """First cell of each validated range -> its rule."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for cells in str(dv.sqref).split():
            found[cells.split(":")[0]] = dv
    return found


def test_dropdowns(template_path):
    wb = openpyxl.load_workbook(template_path)
    unit_columns = {S.ORDERS: "B2", S.DEDUCTIONS: "B2", S.BONUSES: "B2", S.MEETINGS: "C2",
                    S.KNOWLEDGE: "B2", S.STUDIES: "A2"}
    for sheet, cell in unit_columns.items():
        dv = _validations(wb[sheet])[cell]
        assert dv.type == "list" and dv.formula1 == "单位列表" and dv.error, sheet
        assert str(dv.sqref).endswith("5000")
    assert wb.defined_names["单位列表"].attr_text == "'单位'!$A$2:$A$2000"
    orders = _validations(wb[S.ORDERS])
    assert orders["C2"].formula1 == '"咨询,办理,紧急,求助,投诉,举报,建议,表扬"'
    assert orders["G2"].formula1 == '"' + ",".join(S.VISIT_RESULTS) + '"'
    assert _validations(wb[S.DEDUCTIONS])["C2"].formula1 == "扣分项列表"
    assert _validations(wb[S.BONUSES])["C2"].formula1 == "加分项列表"
    assert _validations(wb[S.MEETINGS])["D2"].formula1 == '"出席,缺席,迟到,代会,请假"'
    assert _validations(wb[S.MEETINGS])["E2"].formula1 == '"是,否"'
    assert _validations(wb[S.UNITS])["G2"].formula1 == '"是,否"'
    assert _validations(wb[S.HOLIDAYS])["B2"].formula1 == '"放假,上班"'
    params = _validations(wb[S.PARAMS])
    assert params["B4"].formula1 == '"工作日,自然日"'
    assert params["B5"].formula1 == '"按比例,不足1%按1%计,满1%计"'
    assert params["B9"].formula1 == '"是,否"'
    # the clause lists: manual clauses only, each parseable back to its code
    ws = wb[S.RULES]
    ref = wb.defined_names["扣分项列表"].attr_text.split("!")[1].replace("$", "")
    entries = [c.value for (c,) in ws[ref]]
    rubric = R.default_rubric()
    manual = [c.code for c in rubric.clauses.values() if c.manual and not c.is_bonus]
    assert [R.parse_code(e)[1] for e in entries] == manual
    assert "III-4.2 推诿扯皮" in entries and not any(e.startswith("III-4.1 ") for e in entries)
    ref = wb.defined_names["加分项列表"].attr_text.split("!")[1].replace("$", "")
    bonus = [R.parse_code(c.value)[1] for (c,) in ws[ref]]
    assert bonus == ["III-14.1", "III-15.1", "III-15.2", "III-16.1", "III-16.2", "III-16.3", "III-17.1"]


def test_saves_are_byte_identical(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    save_ledger(build_ledger(year=YEAR, demo=True), first)
    save_ledger(build_ledger(year=YEAR, demo=True), second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as z:
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"<dcterms:created" in z.read("docProps/core.xml")
        assert XLSM_MAIN.encode() not in z.read("[Content_Types].xml")


def test_xlsm_gets_the_macro_enabled_content_type(tmp_path):
    path = tmp_path / "台账.xlsm"
    save_ledger(build_ledger(year=YEAR), path)
    with zipfile.ZipFile(path) as z:
        types = z.read("[Content_Types].xml").decode()
    assert f'PartName="/xl/workbook.xml" ContentType="{XLSM_MAIN}"' in types
    assert openpyxl.load_workbook(path, keep_vba=True).sheetnames[0] == S.PARAMS


def test_new_ledger_refuses_to_overwrite(tmp_path):
    path = tmp_path / "sub" / "台账.xlsm"
    assert new_ledger(path, year=YEAR) == path
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="已存在"):
        new_ledger(path, year=YEAR, demo=True)
    assert path.read_bytes() == before
    with pytest.raises(ValueError):
        new_ledger(tmp_path / "台账.txt")
    assert new_ledger(tmp_path / "考核台账", year=YEAR) == tmp_path / "考核台账.xlsx"
    with pytest.raises(FileExistsError):
        new_ledger(tmp_path / "考核台账", year=YEAR)


def test_empty_template_scores_cleanly(template_path):
    assessment = engine.assess(read_grids(template_path), today=date(YEAR, 6, 30))
    assert not assessment.has_errors
    assert assessment.result.units == []


# ---- the demo -----------------------------------------------------------------------------------

def test_demo_has_no_problems(demo_assessment, demo_grids):
    assert demo_assessment.result.problems == []  # neither errors nor warnings
    assert demo_assessment.result.ledger.params.asof == D.DEMO_ASOF
    assert len(demo_assessment.result.ledger.orders) == len(D.ORDERS) - 1  # the 表扬 order is not assessed
    assert 60 <= len(D.ORDERS) <= 120


def test_demo_exercises_every_clause(demo_assessment):
    codes = {line.code for line in demo_assessment.result.lines}
    assert set(R.default_rubric().clauses) <= codes


def test_demo_codes_use_every_accepted_spelling():
    written = {row[2] for row in D.DEDUCTIONS} | {row[2] for row in D.BONUSES}
    assert {"III-4.2", "Ⅲ-4(3)", "Ⅲ—4（2）", "III-4(4)", "III-5.2 督查督办件"} <= written


def test_demo_tie(demo_assessment):
    a, b = (demo_assessment.unit(name) for name in D.TIED_UNITS)
    # 基础教育处: 95 − 1 (III-1.2) − 1 (III-7.1) + 1 (III-14.2) = 94
    # 职业教育处: 95 − 1 (III-11.1 event) − 1 (III-6.1) + 1 (III-14.2) = 94
    assert a.total == b.total == Decimal("94")
    assert a.tied and b.tied and a.rank == b.rank == 2
    ranks = [u.rank for u in demo_assessment.ordered if u.rank is not None]
    assert ranks == [1, 2, 2, 4, 5, 6, 7, 8]
    assert a.category_rank == b.category_rank == 1  # both 机关处室


def test_demo_not_assessed_unit(demo_assessment):
    unit = demo_assessment.unit(D.NOT_ASSESSED_UNIT)
    assert unit.rank is None and not unit.tied and unit.category_rank is None
    assert demo_assessment.ordered[-1] is unit


def test_demo_bonus_cap(demo_assessment):
    unit = demo_assessment.unit(D.CAPPED_BONUS_UNIT)
    # III-14.1 1 + III-15.1 2×1 + III-16.1 1.5 (酌情) + III-16.3 1 + III-17.1 0.5 (酌情)
    # + III-14.2 1 (及时办理率 11/11) = 7, capped at 5
    assert unit.bonus_raw == Decimal("7") and unit.bonus == 5
    # 95 − 2 (III-2.1 ×2) − 2 (III-13.1) + 5 = 96
    assert unit.total == Decimal("96") and unit.rank == 1


def test_demo_rate_rules(demo_assessment):
    u2 = demo_assessment.unit(D.U2)
    # 满意率 8/9: (90% − 88.888…%) = 1.111… points × 2 = 2.222… → 2.22
    assert u2.items["III-9"].deducted == Decimal("2.22")
    u3 = demo_assessment.unit(D.U3)
    # 办结率 9/10 = 90%: 8 points × 2 = 16, capped at the item's 5 (扣完为止)
    assert u3.items["III-10"].raw == Decimal("16") and u3.items["III-10"].score == 0
    u5 = demo_assessment.unit(D.U5)
    # 知识库错误率 30/240 = 12.5%: 2.5 points × 1 = 2.50; plus 3月未报 1 and 漏报 1
    assert u5.items["III-12"].deducted == Decimal("4.5")


def test_demo_needs_its_2027_holiday_rows(demo_grids):
    # GD2026-0064 is received 2026-12-30; its deadline lies in 2027, which only the 节假日 rows know
    grids = dict(demo_grids)
    grids[S.HOLIDAYS] = [list(S.HOLIDAY_COLUMNS)]
    assessment = engine.assess(grids, today=date(2027, 3, 1))
    errors = [p for p in assessment.result.problems if p.level == ERROR]
    assert [(p.sheet, p.row) for p in errors] == [(S.ORDERS, 1 + len(D.ORDERS))]
    assert "2027" in errors[0].message


def test_demo_hand_checked_unit(demo_assessment):
    """示例市第一实验中学, worked out from the demo rows by hand.

    工单 (8 assessed; GD2026-0030 表扬 is 不考核; 0046 and 0053 are written as 示例一中):
    - 0001 咨询 received Fri 01-02 (holiday): working days after it are 01-04 (Sun, 调休) and
      01-05 → due 01-05 23:59:59; done 01-05 16:20 → on time.
    - 0009 办理 received 02-12: 02-13, 02-14 (Sat, 调休), then Spring Festival 02-15..23,
      02-24 → due 02-24; done 02-24 15:00 → on time.
    - 0010 咨询 received Fri 02-13: 02-14 (调休), 02-24 → due 02-24 23:59:59; done 02-26 10:05
      → late by the working days 02-25, 02-26 = 2: III-4.1 −2, III-8.1 2 × −2 = −4.
    - 0046 投诉 (→办理) received 09-30 17:05: 10-08, 10-09, 10-10 (Sat, 调休) → due 10-10;
      done 10-10 11:30 → on time.
    - 0014, 0022, 0036, 0053 done the next working day(s) → on time.
    满意率 7 satisfied / 7 visited (0053 未回访) = 100%; 办结率 8/8; 及时办理率 7/8 → no III-14.2.
    会议: 06-11 迟到 → III-11.2 −1 (the 09-10 row written as 示例一中 is 出席).
    知识库: 2026-05 sent 06-08 after the 06-05 deadline → III-12.1 −1; errors 3 / uses 234
      (20+22+24+18+20+22+24+18+20+22+24) = 1.28% ≤ 10%.
    季度研究: none in Q2 → III-3.2 −1.
    扣分事件: Ⅲ-4(3) → III-4.3 −2; III-6.1 −1.   加分事件: III-15.2 +1.

    Items: III-3 5−1=4, III-4 15−2−2=11, III-6 5−1=4, III-8 10−4=6, III-11 5−1=4,
    III-12 10−1=9, the rest full (III-1 5, III-2 5, III-5 15, III-7 5, III-9 5, III-10 5,
    III-13 5). Base 95 − 12 = 83; bonus 1; total 84.
    """
    unit = demo_assessment.unit(D.HAND_CHECKED_UNIT)
    expected = {"III-1": 5, "III-2": 5, "III-3": 4, "III-4": 11, "III-5": 15, "III-6": 4, "III-7": 5,
                "III-8": 6, "III-9": 5, "III-10": 5, "III-11": 4, "III-12": 9, "III-13": 5}
    assert {code: item.score for code, item in unit.items.items()} == expected
    assert unit.bonus == 1 and unit.total == Decimal("84")
    assert Counter((l.code, l.points) for l in unit.lines) == Counter({
        ("III-3.2", -1): 1, ("III-4.1", -2): 1, ("III-4.3", -2): 1, ("III-6.1", -1): 1,
        ("III-8.1", -4): 1, ("III-11.2", -1): 1, ("III-12.1", -1): 1, ("III-15.2", 1): 1})
    rates = unit.rates
    assert (rates.satisfied, rates.visited, rates.done, rates.should, rates.on_time) == (7, 7, 8, 8, 7)
    assert (rates.kb_errors, rates.kb_uses) == (3, 234)
    assert unit.rank == 5 and unit.category_rank == 3


def test_demo_data_is_fictional():
    for name, *_rest, phone, _joins in D.UNITS:
        assert name.startswith("示例市") and "*" in phone
    for row in D.UNITS:
        assert "某" in row[3] and "某" in row[4]
