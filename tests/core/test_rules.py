"""The rubric as data: codes as staff type them, type words, defaults summing to 95."""
from decimal import Decimal

import pytest

from xl_kaohe.core.rules import default_rubric, normalise_order_type, parse_code


@pytest.mark.parametrize("text", ["III-4.2", "Ⅲ-4(2)", "Ⅲ—4（2）", "III-4(2)", "III-4.2 推诿扯皮", "iii－４．２"])
def test_accepted_code_forms(text):
    assert parse_code(text) == ("III-4", "III-4.2")


def test_item_codes_and_junk():
    assert parse_code("Ⅲ—14") == ("III-14", None)
    assert parse_code("推诿扯皮") is None and parse_code(None) is None


def test_default_rubric_sums_to_95_with_bonus_cap_5():
    rubric = default_rubric()
    # 5 + 5 + 5 + 15 + 15 + 5 + 5 + 10 + 5 + 5 + 5 + 10 + 5 = 95
    assert rubric.base_total() == Decimal(95)
    assert rubric.bonus_cap == Decimal(5)
    assert rubric.categories == ["组织领导", "建章立制", "业务办理", "辅助工作", "社会形象"]
    by_category = {}
    for item in rubric.base_items:
        by_category[item.category] = by_category.get(item.category, 0) + item.points
    assert by_category == {"组织领导": 5, "建章立制": 10, "业务办理": 60, "辅助工作": 15, "社会形象": 5}


def test_clause_points_match_the_seed():
    c = default_rubric().clauses
    assert c["III-5.2"].points == -3 and c["III-5.3"].points == -3 and c["III-5.1"].points == -2
    assert c["III-13.2"].points == -2 and c["III-16.1"].points is None and c["III-16.3"].points == 1
    assert c["III-8.1"].threshold == 2 and c["III-8.2"].threshold == 3
    assert not c["III-4.1"].manual and c["III-4.2"].manual and c["III-3.2"].manual


@pytest.mark.parametrize("word, expected", [
    ("咨询", "咨询"), ("咨询类", "咨询"), ("求助类", "办理"), ("投诉举报类", "办理"), ("投诉", "办理"),
    ("表扬", "不考核"), ("紧急", "紧急"), ("其他", None), ("", None),
])
def test_order_type_words(word, expected):
    assert normalise_order_type(word, default_rubric().type_map) == expected
