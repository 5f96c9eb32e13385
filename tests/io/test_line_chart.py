"""The 趋势 line chart part: valid DrawingML (ECMA-376 dml-chart.xsd), one series per average
row with cached values, ranges pointing at the sheet."""
from __future__ import annotations

import re
import zipfile
from bulletinkit import TODAY, three_months
from lxml import etree

import wmlschema
from xl_kaohe.core.trend import compute_trend, trend_sheet
from xl_kaohe.io.xlsx_package import write_output_sheets

CHART_XSD = wmlschema.SCHEMA.parent / "dml-chart.xsd"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


def test_line_chart_is_valid_and_points_at_the_averages(tmp_path):
    kit = three_months()
    source = kit.save(tmp_path / "台账.xlsx")
    a = kit.assess(today=TODAY)
    sheet = trend_sheet(compute_trend(a.result), a.result)
    out = tmp_path / "out.xlsx"
    write_output_sheets(source, out, [sheet])
    with zipfile.ZipFile(out) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        assert len(charts) == 1
        root = etree.fromstring(z.read(charts[0]))
    schema = etree.XMLSchema(etree.parse(str(CHART_XSD)))
    assert schema.validate(root), schema.error_log
    series = root.findall(f".//{C}lineChart/{C}ser")
    # rows: title 1, header 2, five units 3-7, blank 8, averages 9 (学校), 10 (处室), 11 (全部单位)
    names = [s.find(f"{C}tx//{C}v").text for s in series]
    assert names == ["平均分：学校", "平均分：处室", "平均分：全部单位"]
    assert series[0].find(f"{C}val/{C}numRef/{C}f").text == "'趋势'!$C$9:$E$9"
    # 学校 averages (bulletinkit): 93.33, 90, 87.67
    cached = [float(v.text) for v in series[0].findall(f"{C}val//{C}pt/{C}v")]
    assert cached == [93.33, 90.0, 87.67]
    months = [v.text for v in series[0].findall(f"{C}cat//{C}pt/{C}v")]
    assert months == ["1月末", "2月末", "3月末"]
