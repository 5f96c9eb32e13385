"""Header aliases: which column headers of a 12345 platform export feed which ledger column.

The 规则 sheet carries these pairs as a table (台账列名, 导出表列名) so that a changed export
layout is an edit of the sheet; the defaults below are the built-in starting point, written by
the template and used by the importer when the sheet has no such table.
"""
from __future__ import annotations

from . import schema as S
from .tables import Grid, find_table, header_key

# ledger column -> export headers that mean it (the ledger's own name first; an export carrying
# two of them takes the one listed first). Headers seen in public platform integrations: 诉求编号,
# 派遣时间/交办时间 (when the unit got the order: its clock starts then, so they come before
# 登记时间, the citizen's call), 最后一次主责部门 before 主责部门 before 所有办理部门 (a list).
DEFAULT_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "工单编号": ("工单编号", "12345工单编号", "工单号", "诉求编号"),
    "承办单位": ("承办单位", "主办单位", "处理单位", "责任单位", "办理单位", "最后一次主责部门", "主责部门",
             "所有办理部门"),
    "工单类型": ("工单类型", "12345工单类型", "诉求类型", "诉求类别"),
    "受理时间": ("受理时间", "12345受理时间", "派遣时间", "交办时间", "派单时间", "下发时间", "登记时间"),
    "办理时限": ("办理时限", "处理时限"),
    "办结时间": ("办结时间", "处理完成时间", "办结日期", "办理结束时间", "结案时间"),
    "回访结果": ("回访结果", "回访满意度", "满意度", "回访总体满意度", "评价满意度", "市民满意度"),
    "诉求内容": ("诉求内容", "12345内容描述", "内容描述", "内容"),
    # kept as extra 工单 columns (added at the right of the sheet when missing): the platform's own
    # deadline never replaces the rubric's 办理时限
    "部门办理截止时间": ("部门办理截止时间", "截止时间", "办理截止时间"),
    "是否延期": ("是否延期",),
}

# Extra 工单 columns an import creates when the ledger lacks them (the scoring ignores them).
EXTRA_COLUMNS = ("登记时间", "部门办理截止时间", "是否延期")
EXTRA_DATE_COLUMNS = ("登记时间", "部门办理截止时间")
# A header that loses the contest for 受理时间 to a dispatch time is kept in its own extra
# column: 登记时间 when the export has both 登记时间 and 派遣时间 (or 交办时间).
KEPT_WHEN_OUTRANKED = {"登记时间": "登记时间"}


def alias_pairs(aliases: dict[str, tuple[str, ...]] = DEFAULT_HEADER_ALIASES) -> list[tuple[str, str]]:
    """The mapping as (台账列名, 导出表列名) rows, in a stable order."""
    return [(column, header) for column, headers in aliases.items() for header in headers]


def read_header_aliases(grid: Grid | None) -> dict[str, tuple[str, ...]]:
    """The 规则 sheet's alias table merged over the defaults (sheet rows extend a column's list;
    an export header claimed by the sheet for another column moves to that column)."""
    merged = {column: list(headers) for column, headers in DEFAULT_HEADER_ALIASES.items()}
    table = find_table(grid or [], S.RULES, S.HEADER_ALIAS_COLUMNS, scan=len(grid or []))
    if table is None:
        return {column: tuple(headers) for column, headers in merged.items()}
    get_column, get_header = (table.getter(c) for c in S.HEADER_ALIAS_COLUMNS)
    for _, row in table.rows():
        column, header = header_key(get_column(row)), header_key(get_header(row))
        if not column or not header:
            continue
        for headers in merged.values():
            if header in headers:
                headers.remove(header)
        merged.setdefault(column, []).append(header)
    return {column: tuple(headers) for column, headers in merged.items()}
