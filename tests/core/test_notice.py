"""考核结果告知单 (SPEC §11) as a Document: what a unit reads, worked out by hand."""
from datetime import date

from ledgerkit import LedgerKit, unit_of
from xl_kaohe.core.document import DocTable, Paragraph
from xl_kaohe.core.notice import NoticeOptions, build_notice


def kit() -> LedgerKit:
    """甲校: GD-1 咨询 received Wed 04-08, due Fri 04-10, done Mon 04-13 (1 day late: −2 −2) 撤销;
    GD-2 on time; III-5.2 −3 on 05-06 减免 1; III-13.1 −2 on 06-01 待复核.
    Total 95 − 2 − 2 + 1 (III-14.2: 及时办理率 1/1 once GD-1 is out) = 92."""
    k = LedgerKit().unit("甲校")
    k.order("GD-1", "甲校", "咨询", "2026-04-08 09:00", "2026-04-13 09:00", visit="满意")
    k.order("GD-2", "甲校", "咨询", "2026-04-08 09:00", "2026-04-09 09:00", visit="满意")
    k.deduction("2026-05-06", "甲校", "III-5.2").deduction("2026-06-01", "甲校", "III-13.1")
    k.appeal("甲校", "GD-1", "撤销", filed="2026-04-14", appeal_id="SS-1", note="派单错误")
    k.appeal("甲校", "扣分事件!2", "减免", 1, filed="2026-05-08", appeal_id="SS-2")
    k.appeal("甲校", "扣分事件!3", "待复核", filed="2026-06-02", appeal_id="SS-3")
    return k


def texts(blocks) -> list[str]:
    return [b.text for b in blocks if isinstance(b, Paragraph)]


def tables(blocks) -> list[DocTable]:
    return [b for b in blocks if isinstance(b, DocTable)]


def test_notice_document():
    a = kit().assess()
    unit = unit_of(a, "甲校")
    assert unit.total == 92
    # issued Tue 2026-12-01: 5 working days -> 12-02, 12-03, 12-04, 12-07, 12-08
    doc = build_notice(a.result, unit, NoticeOptions(date(2026, 12, 1)))
    assert doc.title.replace("\n", "") == "2026年度12345政府服务热线办理工作考核结果告知单"
    assert doc.addressee == "甲校：" and doc.issued == date(2026, 12, 1) and doc.issuer
    assert [s.heading for s in doc.sections] == ["一、考核得分", "二、扣分和加分明细", "三、申诉复核情况", "四、申诉方式和期限"]
    score, lines, appeals, how = doc.sections

    first = texts(score.blocks)
    assert first[0] == "你单位考核总分92分（基础得分91分，加分1分），在1个参与考核单位中排第1名。"
    assert any("1件申诉尚待复核" in t for t in first)
    rates, items = tables(score.blocks)
    # GD-1 is out of every rate: 满意 1/1, 办结 1/1, 及时 1/1
    assert rates.rows == [["100.00%（1/1）", "100.00%（1/1）", "100.00%（1/1）"]]
    by_item = {row[1].split()[0]: row for row in items.rows if row[1]}
    assert by_item["III-5"][3:] == ["2", "13"] and by_item["III-13"][3:] == ["2", "3"]
    assert by_item["III-4"][3:] == ["0", "15"] and items.rows[-1][-1] == "92"

    deductions, bonuses = tables(lines.blocks)
    rows = {(r[1], r[4]): r for r in deductions.rows}
    # 编码, 分值, 日期 (the object's date: the order's deadline, the event's 日期), 来源
    assert rows[("III-4.1", "工单!2")][2:4] == ["0", "2026-04-10"]
    assert rows[("III-8.1", "工单!2")][2:4] == ["0", "2026-04-10"]
    assert "已撤销（申诉复核!2），原-2分" in rows[("III-4.1", "工单!2")][5]
    assert rows[("III-5.2", "扣分事件!2")][2:4] == ["-2", "2026-05-06"]
    assert "减免1分（申诉复核!3），原-3分" in rows[("III-5.2", "扣分事件!2")][5]
    assert rows[("III-13.1", "扣分事件!3")][2:4] == ["-2", "2026-06-01"]
    assert [r[1:5] for r in bonuses.rows] == [["III-14.2", "+1", "2026-12-31", "工单（自动）"]]

    assert texts(appeals.blocks) == ["你单位共提出申诉3件：待复核1件，撤销1件，减免1件。"]
    (table,) = tables(appeals.blocks)
    assert [r[:4] for r in table.rows] == [["SS-1", "工单 GD-1", "2026-04-14", "撤销"],
                                          ["SS-2", "扣分事件!2", "2026-05-08", "减免"],
                                          ["SS-3", "扣分事件!3", "2026-06-02", "待复核"]]
    assert table.rows[0][4].startswith("恢复4分") and "派单错误" in table.rows[0][4]

    assert "请于2026年12月8日（含）前（本告知单印发之日起5个工作日内）" in texts(how.blocks)[0]


def test_appeal_period_without_calendar_data_is_stated_in_working_days():
    # issued 2027-01-05: chinese-calendar 1.11 does not know 2027 and the ledger declares nothing
    a = kit().assess()
    doc = build_notice(a.result, unit_of(a, "甲校"), NoticeOptions(date(2027, 1, 5)))
    assert "自本告知单印发之日起5个工作日内" in texts(doc.sections[3].blocks)[0]


def test_a_unit_without_lines_or_appeals():
    a = LedgerKit().unit("乙校").assess()
    doc = build_notice(a.result, unit_of(a, "乙校"), NoticeOptions(date(2026, 12, 1)))
    assert texts(doc.sections[1].blocks) == ["本年度无扣分。", "本年度无加分。"]
    assert texts(doc.sections[2].blocks) == ["你单位本年度没有申诉记录。"]
    assert texts(doc.sections[0].blocks)[0].startswith("你单位考核总分95分")
