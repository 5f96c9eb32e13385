"""考核结果告知单 (`kaohe notice WORKBOOK [单位…] --outdir DIR [--pdf]`, SPEC §11): assess the
book, then one .docx per unit (core/notice.py builds the Document, io/docx renders it), and with
--pdf a PDF beside each through LibreOffice. Nothing in the workbook is written."""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable

from ..core.dates import DateError, parse_date
from ..core.engine import Assessment
from ..core.notice import DEFAULT_ISSUER, NoticeOptions, appeal_deadline, build_notice, line_dates
from . import EXIT_FAILED, EXIT_OK, EXIT_ROW_ERRORS, Book, Progress, quiet
from .rank import check

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')  # characters Windows and shells do not like in file names


def notice_filename(year: int, unit: str) -> str:
    return f"{year}年度考核结果告知单-{_UNSAFE.sub('_', unit).strip('_.')}.docx"


@dataclass
class NoticeRun:
    assessment: Assessment
    issued: date
    written: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)   # names that are no unit: nothing written
    pdf_error: str = ""

    @property
    def exit_code(self) -> int:
        if self.unknown or self.pdf_error:
            return EXIT_FAILED
        return EXIT_ROW_ERRORS if self.assessment.has_errors else EXIT_OK


def write_notices(book: Book, outdir: str | Path, units: Iterable[str] = (), *, asof: date | None = None,
                  today: date | None = None, issued: date | None = None, issuer: str = DEFAULT_ISSUER,
                  pdf: bool = False, progress: Progress = quiet) -> NoticeRun:
    """One 告知单 per unit named (by name or alias), or per unit of the ledger when none is."""
    assessment = check(book, asof=asof, today=today, progress=progress)
    result = assessment.result
    run = NoticeRun(assessment, issued or today or date.today())
    names = [n.strip() for n in units if n.strip()]
    chosen = [assessment.unit(n) for n in names]
    run.unknown = [n for n, u in zip(names, chosen) if u is None]
    if run.unknown:
        return run
    targets = list({id(u): u for u in chosen}.values()) if names else list(result.units)  # a unit named twice: once

    from ..io.docx import write_docx  # python-docx is needed only here

    outdir = Path(outdir)
    options = NoticeOptions(run.issued, issuer or DEFAULT_ISSUER)
    dates = line_dates(result.ledger)
    for unit in targets:
        path = outdir / notice_filename(result.ledger.params.year, unit.name)
        progress(f"正在生成 {path.name} …")
        run.written.append(write_docx(build_notice(result, unit, options, dates), path))
    if pdf:
        from ..io.pdf import PdfFailed, PdfUnavailable, to_pdf

        for path in run.written:
            progress(f"正在转换 PDF：{path.name} …")
            try:
                run.pdfs.append(to_pdf(path))
            except (PdfUnavailable, PdfFailed) as e:
                run.pdf_error = str(e)
                break
    return run


# ---- the command line ----------------------------------------------------------------------------

def _date_arg(text: str) -> date:
    try:
        day = parse_date(text)
    except DateError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    if day is None:
        raise argparse.ArgumentTypeError("日期为空")
    return day


def cmd_notice(args) -> int:
    from ..io.workbook import FileBook

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    run = write_notices(FileBook(args.workbook), args.outdir, args.units, asof=args.asof, issued=args.date,
                        issuer=args.issuer, pdf=args.pdf, progress=progress)
    if run.unknown:
        print(f"错误：台账中没有单位“{'”“'.join(run.unknown)}”（也不是任何单位的别名），未生成告知单", file=sys.stderr)
        return run.exit_code
    ledger = run.assessment.result.ledger
    deadline = appeal_deadline(ledger, run.issued)
    print(f"已生成 {len(run.written)} 份考核结果告知单（印发日期 {run.issued.isoformat()}，申诉截止 "
          f"{deadline.isoformat() if deadline else f'印发后{ledger.params.appeal_days}个工作日'}）：{Path(args.outdir)}")
    for path in run.written:
        print(f"  {path.name}")
    if run.pdfs:
        print(f"已转换 PDF {len(run.pdfs)} 份。")
    if run.pdf_error:
        print(f"错误：{run.pdf_error}", file=sys.stderr)
    if run.assessment.has_errors:
        print("注意：台账有数据错误（运行 kaohe check 查看），相关单位的告知单已注明待核实。", file=sys.stderr)
    return run.exit_code


def add_notice_command(sub) -> None:
    p = sub.add_parser("notice", help="考核结果告知单：每个单位一份 .docx（得分、扣分加分明细、申诉复核情况、申诉方式和期限）")
    p.add_argument("workbook", help="考核台账 .xlsm/.xlsx")
    p.add_argument("units", nargs="*", metavar="单位", help="单位名称或别名（默认：全部单位）")
    p.add_argument("--outdir", required=True, metavar="DIR", help="告知单写入的文件夹")
    p.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 转出 PDF")
    p.add_argument("--asof", type=_date_arg, metavar="YYYY-MM-DD", help="考核截止日期 YYYY-MM-DD（默认取 参数 表，否则今天，不超过年底）")
    p.add_argument("--date", type=_date_arg, metavar="YYYY-MM-DD", help="印发日期（默认今天）；申诉期限从此日起算")
    p.add_argument("--issuer", default=DEFAULT_ISSUER, help=f"发文机关署名（默认：{DEFAULT_ISSUER}）")
    p.set_defaults(run=cmd_notice)
