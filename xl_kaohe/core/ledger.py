"""The validated ledger: typed rows of every input sheet, plus the problems found on the way.

Work orders are kept column-wise (one list per field) because a big bureau has ~100k of them
and the timeliness rules run as numpy vector operations over whole columns.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import numpy as np

from .calendar import WorkCalendar
from .rules import Rubric

ERROR = "错误"
WARNING = "警告"


@dataclass(frozen=True)
class Problem:
    level: Literal["错误", "警告"]
    sheet: str
    row: int | None
    column: str | None
    value: str
    message: str
    unit: str | None = None  # the unit the bad row belongs to, when known (for 备注 数据有误)
    key: str | None = None   # the record's own key (工单编号), so it is found after sorting

    def as_json(self) -> dict[str, Any]:
        return {"level": self.level, "sheet": self.sheet, "row": self.row, "column": self.column,
                "key": self.key, "value": self.value, "message": self.message}

    def where(self) -> str:
        place = self.sheet + (f"!{self.row}" if self.row else "")
        place += f" 工单 {self.key}" if self.key else ""
        return place + (f" [{self.column}]" if self.column else "")


@dataclass
class Params:
    year: int
    asof: date
    late_mode: str = "工作日"
    rate_mode: str = "按比例"
    satisfied: tuple[str, ...] = ("非常满意", "满意", "基本满意")
    unsatisfied: tuple[str, ...] = ("不满意", "非常不满意")
    kb_deadline_day: int = 5
    auto_timely_bonus: bool = True
    warn_days: int = 1        # 预警工作日数 (§9)
    escalate_days: int = 5    # 通报前催办工作日 (§9)
    board_size: int = 3       # 红黑榜名额 (§10)
    appeal_days: int = 5      # 申诉期限, working days (§11)

    @property
    def period_start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def period_end(self) -> date:
        """Last day of the assessment period (the year cut at the as-of date)."""
        return min(self.asof, date(self.year, 12, 31))

    def in_period(self, day: date) -> bool:
        return self.period_start <= day <= self.period_end

    def period_text(self) -> str:
        return f"{self.period_start.isoformat()}至{self.period_end.isoformat()}"

    def kb_deadline(self, month: date) -> date:
        """Report deadline of a knowledge-base month: day 知识库报送截止日 of the next month."""
        nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        last_day = (date(nxt.year + (nxt.month == 12), nxt.month % 12 + 1, 1) - timedelta(days=1)).day
        return nxt.replace(day=min(self.kb_deadline_day, last_day))

    def quarter_end(self, quarter: int) -> date:
        return (date(self.year + 1, 1, 1) if quarter == 4 else date(self.year, 3 * quarter + 1, 1)) - timedelta(days=1)


@dataclass(frozen=True)
class Unit:
    name: str
    row: int
    aliases: tuple[str, ...] = ()
    category: str = ""
    participates: bool = True


@dataclass(frozen=True)
class Limit:
    """办理时限: kind 'moment' (a datetime), 'hours', 'workdays' or 'days' with a number."""
    kind: Literal["moment", "hours", "workdays", "days"]
    amount: float = 0
    moment: datetime | None = None


@dataclass
class Orders:
    """Scorable work orders, column-wise; index i is one order."""
    row: list[int] = field(default_factory=list)
    order_id: list[str] = field(default_factory=list)
    unit: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)          # 咨询 / 办理 / 紧急
    received: list[datetime] = field(default_factory=list)
    limit: list[Limit | None] = field(default_factory=list)
    completed: list[datetime | None] = field(default_factory=list)
    visit: list[int] = field(default_factory=list)         # 1 satisfied, 0 not, -1 not visited

    def __len__(self) -> int:
        return len(self.row)

    def append(self, row, order_id, unit, kind, received, limit, completed, visit) -> None:
        self.row.append(row)
        self.order_id.append(order_id)
        self.unit.append(unit)
        self.kind.append(kind)
        self.received.append(received)
        self.limit.append(limit)
        self.completed.append(completed)
        self.visit.append(visit)


@dataclass(frozen=True)
class Event:
    """A 扣分事件 or 加分事件 row: `count` occurrences worth `points` each (signed)."""
    sheet: str
    row: int
    day: date
    unit: str
    clause: str
    count: int
    points: Decimal
    note: str = ""


@dataclass(frozen=True)
class Meeting:
    row: int
    day: date
    name: str
    unit: str
    attendance: str
    approved: bool


@dataclass(frozen=True)
class KnowledgeReport:
    row: int
    month: date
    unit: str
    submitted: date | None
    uses: int | None
    errors: int | None


@dataclass(frozen=True)
class Study:
    row: int
    unit: str
    day: date


@dataclass(frozen=True)
class AppealTarget:
    """What a 申诉复核 row names (SPEC §11). ``key`` is the AuditLine key of the lines the object
    caused (AuditLine.key): 工单!17 for an order (its row), 扣分事件!17, 知识库 2026-03, 季度研究 2026Q2."""
    kind: Literal["order", "row", "month", "quarter"]
    text: str            # as shown back: 工单 GD-0012, 扣分事件!17, 知识库 2026-03, 季度研究 2026Q2
    key: str
    day: date | None     # the object's date: event 日期, order deadline, KB report deadline, quarter end
    order: int | None = None  # index into Ledger.orders for an order


@dataclass(frozen=True)
class Appeal:
    """A valid 申诉复核 row (rows with errors are reported and not applied)."""
    row: int
    appeal_id: str
    unit: str
    target: AppealTarget
    decision: str                 # 待复核 / 维持 / 撤销 / 减免 (blank is read as 待复核)
    relief: Decimal | None        # 减免分值, only for 减免
    filed: date | None
    reviewed: date | None = None
    reviewer: str = ""
    note: str = ""                # 说明 (the office's words)

    @property
    def source(self) -> str:
        return f"申诉复核!{self.row}"


@dataclass
class Ledger:
    params: Params
    rubric: Rubric
    calendar: WorkCalendar
    units: list[Unit]
    orders: Orders
    deductions: list[Event]
    bonuses: list[Event]
    meetings: list[Meeting]
    knowledge: list[KnowledgeReport]
    studies: list[Study]
    problems: list[Problem]
    appeals: list[Appeal] = field(default_factory=list)
    # Orders made 不考核 by a 撤销 decision (SPEC §11): indices into ``orders``. They stay in
    # ``orders`` (扣分依据 shows their lines as 已撤销) but are out of every timeliness rule and
    # every rate; 预警/催办 and KAOHE_STATUS must skip them too (use ``not_assessed_mask``).
    not_assessed_orders: frozenset[int] = frozenset()

    @property
    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.problems)

    def not_assessed_mask(self) -> np.ndarray:
        """bool per order: True for an order revoked on appeal (不考核)."""
        mask = np.zeros(len(self.orders), dtype=bool)
        if self.not_assessed_orders:
            mask[list(self.not_assessed_orders)] = True
        return mask

    @property
    def not_assessed_order_ids(self) -> frozenset[str]:
        return frozenset(self.orders.order_id[i] for i in self.not_assessed_orders)
