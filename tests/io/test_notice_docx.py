"""`kaohe notice`: the .docx files written, read back with python-docx (SPEC §11)."""
import shutil
from pathlib import Path

import docx
import pytest

import wmlschema
from ledgerkit import LedgerKit
from xl_kaohe.cli import main
from xl_kaohe.jobs.notice import notice_filename


@pytest.fixture()
def ledger(tmp_path: Path) -> Path:
    k = LedgerKit().unit("甲校", aliases="甲").unit("乙/校")
    # GD-1 咨询 received Wed 04-08, due Fri 04-10, done Mon 04-13: III-4.1 −2, III-8.1 −2 -> 撤销
    k.order("GD-1", "甲校", "咨询", "2026-04-08 09:00", "2026-04-13 09:00", visit="满意")
    k.deduction("2026-05-06", "甲校", "III-5.2")                     # −3, 减免 1 -> −2
    k.appeal("甲校", "工单 GD-1", "撤销", filed="2026-04-14", appeal_id="SS-1")
    k.appeal("甲校", "扣分事件!2", "减免", 1, filed="2026-05-08", appeal_id="SS-2")
    return k.save(tmp_path / "台账.xlsx")


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_one_docx_per_unit_read_back(ledger: Path, tmp_path: Path, capsys):
    out = tmp_path / "告知单"
    # issued Tue 2026-12-01 -> appeals until 12-08 (5 working days)
    assert main(["notice", str(ledger), "--outdir", str(out), "--date", "2026-12-01", "--asof", "2026-12-31"]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([notice_filename(2026, "甲校"), notice_filename(2026, "乙/校")])
    assert "/" not in notice_filename(2026, "乙/校")
    assert "申诉截止 2026-12-08" in capsys.readouterr().out

    d = docx.Document(str(out / notice_filename(2026, "甲校")))
    paragraphs = [p.text for p in d.paragraphs]
    assert "2026年度12345政府服务热线办理工作" in paragraphs[0] and "考核结果告知单" in paragraphs[0]
    assert "甲校：" in paragraphs
    assert {"一、考核得分", "二、扣分和加分明细", "三、申诉复核情况", "四、申诉方式和期限"} <= set(paragraphs)
    # 95 − 2 (III-5.2 after 减免 1) = 93; GD-1 is 不考核, so no rate and no III-14.2
    assert any(p.startswith("你单位考核总分93分（基础得分93分，加分0分）") for p in paragraphs)
    text = all_text(d)
    assert "已撤销（申诉复核!2），原-2分" in text and "减免1分（申诉复核!3），原-3分" in text
    assert "SS-1" in text and "SS-2" in text and "2026-04-10" in text  # GD-1's deadline is its date
    assert any("2026年12月8日（含）前" in p for p in paragraphs)
    assert paragraphs[-1] == "2026年12月1日"
    section = d.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.left_margin.mm) == 28

    for part in ("word/document.xml", "word/styles.xml"):  # what the 告知单 puts in is valid WordprocessingML
        assert wmlschema.errors(out / notice_filename(2026, "甲校"), part) == []

    d2 = docx.Document(str(out / notice_filename(2026, "乙/校")))
    assert "你单位本年度没有申诉记录。" in [p.text for p in d2.paragraphs]


def test_chosen_units_by_alias_and_unknown_units(ledger: Path, tmp_path: Path, capsys):
    out = tmp_path / "one"
    assert main(["notice", str(ledger), "甲", "甲校", "--outdir", str(out), "--date", "2026-12-01"]) == 0
    assert [p.name for p in out.iterdir()] == [notice_filename(2026, "甲校")]  # named twice: one file
    assert main(["notice", str(ledger), "丙校", "--outdir", str(tmp_path / "none"), "--date", "2026-12-01"]) == 2
    assert "丙校" in capsys.readouterr().err and not (tmp_path / "none").exists()


@pytest.mark.soffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not on PATH")
def test_pdf_beside_each_docx(ledger: Path, tmp_path: Path):
    out = tmp_path / "pdf"
    assert main(["notice", str(ledger), "甲校", "--outdir", str(out), "--date", "2026-12-01", "--pdf"]) == 0
    pdf = out / notice_filename(2026, "甲校").replace(".docx", ".pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_pdf_without_libreoffice_is_a_clear_error(ledger: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("KAOHE_SOFFICE", str(tmp_path / "no-such-soffice"))
    out = tmp_path / "nopdf"
    assert main(["notice", str(ledger), "甲校", "--outdir", str(out), "--date", "2026-12-01", "--pdf"]) == 2
    assert "LibreOffice" in capsys.readouterr().err
    assert [p.suffix for p in out.iterdir()] == [".docx"]  # the .docx is still written
