"""Ranking: ties share a rank, units not assessed have none, ranks within categories (SPEC §6)."""
from ledgerkit import LedgerKit, unit_of
from xl_kaohe.core.ranking import competition_ranks


def test_competition_ranks():
    assert competition_ranks([99, 98, 98, 97]) == [1, 2, 2, 4]
    assert competition_ranks([]) == []


def build():
    kit = LedgerKit()
    kit.unit("一中", category="学校").unit("二中", category="学校").unit("三中", category="学校")
    kit.unit("办公室", category="处室").unit("基教处", category="处室")
    kit.unit("外单位", participates="否")
    kit.deduction("2026-05-06", "一中", "III-4.2")        # 93
    kit.deduction("2026-05-06", "二中", "III-7.1", 2)     # 93  (tie with 一中)
    kit.deduction("2026-05-06", "三中", "III-5.2")        # 92
    kit.deduction("2026-05-06", "办公室", "III-1.1")       # 94
    kit.bonus("2026-05-06", "基教处", "III-15.1")          # 96
    kit.deduction("2026-05-06", "外单位", "III-4.2", 5)    # 85, not ranked
    return kit.assess()


def test_ties_and_not_ranked_units():
    a = build()
    order = [(u.rank, u.name, int(u.total)) for u in a.ordered]
    # 96, 94, 93, 93, 92 -> ranks 1, 2, 3, 3, 5; 外单位 listed last with no rank
    assert order == [(1, "基教处", 96), (2, "办公室", 94), (3, "一中", 93), (3, "二中", 93), (5, "三中", 92),
                     (None, "外单位", 85)]
    assert unit_of(a, "一中").tied and unit_of(a, "二中").tied and not unit_of(a, "三中").tied
    ranking = a.sheets()[0]
    remarks = {r[1]: r[12] for r in ranking.rows}
    assert remarks["一中"] == "并列" and remarks["外单位"] == "不参与考核"


def test_category_ranks():
    a = build()
    # 学校: 一中 93, 二中 93, 三中 92 -> 1, 1, 3; 处室: 基教处 96, 办公室 94 -> 1, 2
    ranks = {u.name: u.category_rank for u in a.ordered}
    assert ranks == {"一中": 1, "二中": 1, "三中": 3, "基教处": 1, "办公室": 2, "外单位": None}
    headers = [c.header for c in a.sheets()[0].columns]
    assert headers[-1] == "类别内排名"


def test_ranking_sheet_columns_and_title():
    a = build()
    sheet = a.sheets()[0]
    headers = [c.header for c in sheet.columns]
    assert headers[:13] == ["排名", "单位名称", "组织领导", "建章立制", "业务办理", "辅助工作", "社会形象", "加分",
                            "总分", "满意率", "办结率", "及时办理率", "备注"]
    assert sheet.title == "2026年度12345工作考核排名（截至2026-12-31）"
    assert sheet.chart is not None and headers[sheet.chart.value_column] == "总分"
    # the category columns add up to the total with the bonus: 基教处 5+10+60+15+5 + 1 = 96
    row = sheet.rows[0]
    assert sum(row[2:7]) + row[7] == row[8] == 96
