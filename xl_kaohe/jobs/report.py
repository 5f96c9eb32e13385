"""生成通报 (kaohe report, SPEC §10): one validation of the ledger as of the period's end, the
previous period's end from the same validated ledger, the bulletin's figures, the .docx beside
the workbook (and the PDF on request)."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..core import schema as S
from ..core.bulletin import Bulletin, build_bulletin, to_document, to_json
from ..core.ledger import ERROR, Problem
from ..core.periods import Period, PeriodError, ledger_at, parse_period
from ..core.ranking import rank_units
from ..core.scoring import score
from ..core.validate import Collector, load_ledger
from ..core.validate.bulletin_template import read_bulletin_template
from . import EXIT_FAILED, EXIT_OK, EXIT_ROW_ERRORS, Book, Progress, quiet as _quiet

READ = (S.PARAMS, S.RULES, S.HOLIDAYS, S.UNITS, S.ORDERS, S.DEDUCTIONS, S.BONUSES, S.MEETINGS,
        S.KNOWLEDGE, S.STUDIES, S.BULLETIN_TEMPLATE)


@dataclass
class ReportOutcome:
    bulletin: Bulletin
    docx: Path | None = None
    pdf: Path | None = None
    pdf_message: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.problems)

    def message(self) -> str:
        b = self.bulletin
        lines = [f"已生成《{b.title}》（截至 {b.asof.isoformat()}）：{self.docx}"]
        if self.pdf:
            lines.append(f"PDF：{self.pdf}")
        elif self.pdf_message:
            lines.append(self.pdf_message)
        for p in self.problems:
            if p.sheet == S.BULLETIN_TEMPLATE:
                lines.append(f"[{p.level}] {p.where()} {p.message}")
        errors = sum(p.level == ERROR for p in self.problems if p.sheet != S.BULLETIN_TEMPLATE)
        if errors:
            lines.append(f"台账有 {errors} 个数据错误（错误行不计分），请先运行“校验台账”查看。")
        return "\n".join(lines)


def default_output(workbook: Path, period: Period) -> Path:
    """通报-2026-11.docx in the workbook's folder."""
    return Path(workbook).resolve().parent / f"通报-{period.code}.docx"


def build(book: Book, period: Period | str, *, today: date | None = None,
          progress: Progress = _quiet) -> ReportOutcome:
    """The bulletin's figures (nothing written)."""
    period = parse_period(period) if isinstance(period, str) else period
    today = today or date.today()
    progress(f"正在读取 {book.label} …")
    grids = book.read_grids(READ)
    asof = period.asof(today)
    progress(f"正在校验和计分（截至 {asof.isoformat()}）…")
    ledger = load_ledger(grids, asof=asof, today=today)
    if ledger.params.year != period.year:
        raise PeriodError(f"通报期间 {period.code} 不在台账的考核年度（{ledger.params.year}年）内")
    result = score(ledger)
    rank_units(result.units)
    previous = None
    before = period.previous()
    if before is not None:
        p_ledger = ledger_at(ledger, before.asof(today))
        p_result = score(p_ledger)
        rank_units(p_result.units)
        previous = (p_ledger, p_result)
    out = Collector()
    template = read_bulletin_template(grids.get(S.BULLETIN_TEMPLATE), out)
    bulletin = build_bulletin(period, ledger, result, previous=previous, template=template,
                              issued=template.issued or today)
    return ReportOutcome(bulletin, problems=list(result.problems) + out.problems)


def report(book: Book, period: Period | str, output: Path, *, pdf: bool = False,
           today: date | None = None, progress: Progress = _quiet) -> ReportOutcome:
    from ..io.docx import write_docx

    outcome = build(book, period, today=today, progress=progress)
    progress("正在写入通报 …")
    outcome.docx = write_docx(to_document(outcome.bulletin), output)
    if pdf:
        from ..io.pdf import PdfFailed, PdfUnavailable, to_pdf
        progress("正在用 LibreOffice 转换为 PDF …")
        try:
            outcome.pdf = to_pdf(outcome.docx)
        except (PdfUnavailable, PdfFailed) as e:
            outcome.pdf_message = str(e)
    return outcome


# ---- kaohe report -----------------------------------------------------------------------------

def cmd_report(args) -> int:
    from ..io.workbook import FileBook

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    try:
        period = parse_period(args.period)
    except PeriodError as e:
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_FAILED
    out = sys.stderr if args.json == "-" else sys.stdout
    output = Path(args.output) if args.output else default_output(Path(args.workbook), period)
    try:
        outcome = report(FileBook(args.workbook), period, output, pdf=args.pdf,
                         today=args.today, progress=progress)
    except PeriodError as e:
        print(f"错误：{e}", file=sys.stderr)
        return EXIT_FAILED
    print(outcome.message(), file=out)
    if args.json:
        data = to_json(outcome.bulletin)
        # the ledger's errors and every 通报模板 problem, as kaohe rank --json lists them
        data["problems"] = [p.as_json() for p in outcome.problems
                            if p.level == ERROR or p.sheet == S.BULLETIN_TEMPLATE]
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if args.json == "-":
            sys.stdout.write(text + "\n")
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    if args.pdf and outcome.pdf is None:
        return EXIT_FAILED
    return EXIT_ROW_ERRORS if outcome.has_errors else EXIT_OK


def add_report_command(sub, date_type) -> None:
    p = sub.add_parser("report", help="生成阶段通报（公文格式 .docx，可另存 PDF）：排名、红黑榜、超期未办结工单")
    p.add_argument("workbook", help="考核台账 .xlsm/.xlsx")
    p.add_argument("--period", required=True,
                   help="通报期间：月份 2026-11、季度 2026Q3 或年度 2026（截至期末，不超过今天）")
    p.add_argument("--output", metavar="文件.docx", help="通报文件（默认：台账所在文件夹的 通报-<期间>.docx）")
    p.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 生成 PDF")
    p.add_argument("--json", metavar="PATH|-", help="另存通报中的数字（JSON）；- 表示输出到标准输出")
    p.add_argument("--today", type=date_type, default=None, help=argparse_suppress())
    p.set_defaults(run=cmd_report)


def argparse_suppress():
    import argparse
    return argparse.SUPPRESS
