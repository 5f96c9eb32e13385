"""`kaohe unit` and `kaohe rank --json` show a unit's appeals (SPEC §11)."""
import json
from pathlib import Path

from ledgerkit import LedgerKit
from xl_kaohe.cli import main


def test_unit_card_lists_the_appeals(tmp_path: Path, capsys):
    k = LedgerKit().unit("甲校")
    k.deduction("2026-05-06", "甲校", "III-5.2")                  # −3
    k.appeal("甲校", "扣分事件!2", "减免", 1, filed="2026-05-08", appeal_id="SS-9", note="酌情")
    k.appeal("甲校", "扣分事件!2", "", filed="2026-05-09")        # blank: 待复核
    book = k.save(tmp_path / "台账.xlsx")
    assert main(["unit", str(book), "甲校", "--asof", "2026-12-31"]) == 0
    out = capsys.readouterr().out
    assert "申诉复核" in out and "共2件" in out and "SS-9" in out and "减免：恢复1分（酌情）" in out
    assert "待复核：暂按原扣分计" in out
    assert "【减免1分（申诉复核!2）；待复核（申诉复核!3），原 -3】" in out
    # 95 − 2 = 93, one appeal pending
    assert main(["rank", str(book), "--asof", "2026-12-31", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    (unit,) = data["units"]
    assert unit["total"] == 93 and unit["appeals"] == {"pending": 1, "upheld": 0, "revoked": 0, "reduced": 1}
    assert data["title"].endswith("（含待复核申诉）") and unit["remarks"] == "有待复核申诉1件"
