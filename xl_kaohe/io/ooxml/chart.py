"""The drawing and chart parts of an output sheet that asks for a chart: a horizontal clustered
bar chart anchored under the table (inside the print area), as tall as its data rows.

Bars are horizontal because long Chinese unit names read well on the left axis. Ranges are
formulas into the sheet (Excel refreshes from them) and carry cached values for viewers that do
not recalculate.
"""
from __future__ import annotations

import math
from decimal import Decimal

from xl_kaohe.core.report import BarChart, LineChart, OutputSheet

from .opc import NS_R
from .xmltext import XML_DECL, col_letter, quote_sheet, xml_attr, xml_num, xml_text

NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"

CHART_COLOR = "4472C4"
CHART_PAGE_WIDTH = 95     # characters of column width the chart spans at most (a page)
CHART_MIN_ROWS = 16


def _chart_data(sheet: OutputSheet) -> list:
    """The data rows the chart shows: the first ``chart.rows`` rows, or all of them."""
    limit = sheet.chart.rows if sheet.chart and sheet.chart.rows is not None else len(sheet.rows)
    return sheet.rows[:limit]


def _chart_rows(sheet: OutputSheet) -> tuple[int, int]:
    """First and last worksheet rows of the chart's data (1-based)."""
    return sheet.first_data_row, sheet.header_row + len(_chart_data(sheet))


def chart_anchor(sheet: OutputSheet) -> tuple[int, int, int, int]:
    """(first column, first row, end column, end row), 0-based as in xdr:from / xdr:to: under
    the table with one empty row between, so the chart prints on the page with it (the print
    area covers it); as wide as the table's first columns up to about a page width. A line
    chart (趋势: one column per month) spans the table's width, 20 rows tall."""
    top = sheet.header_row + len(sheet.rows) + 1  # 0-based row after one empty row
    if isinstance(sheet.chart, LineChart):
        return 0, top, max(len(sheet.columns), 8), top + 20
    # ~1.3 rows per bar keeps every 9pt category label readable; + title and axis
    bottom = top + max(math.ceil(len(_chart_data(sheet)) * 1.3) + 5, CHART_MIN_ROWS)
    end_col, width = 0, 0.0
    for column in sheet.columns:
        if width >= CHART_PAGE_WIDTH:
            break
        width += column.shown_width
        end_col += 1
    return 0, top, max(end_col, 1), bottom


def drawing_xml(sheet: OutputSheet) -> bytes:
    """The drawing of the sheet's chart (bar or line), anchored under the table (chart_anchor)."""
    first_col, top, end_col, bottom = chart_anchor(sheet)
    return (XML_DECL +
            f'<xdr:wsDr xmlns:xdr="{NS_XDR}" xmlns:a="{NS_A}">'
            '<xdr:twoCellAnchor editAs="oneCell">'
            f"<xdr:from><xdr:col>{first_col}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{top}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f"<xdr:to><xdr:col>{end_col}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{bottom}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
            '<xdr:graphicFrame macro="">'
            '<xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/><xdr:cNvGraphicFramePr/>'
            "</xdr:nvGraphicFramePr>"
            '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{NS_C}">'
            f'<c:chart xmlns:c="{NS_C}" xmlns:r="{NS_R}" r:id="rId1"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>"
            "</xdr:twoCellAnchor></xdr:wsDr>").encode("utf-8")


def _rich_text(text: str, size: int) -> str:
    return (f'<c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}" b="1"/>'
            f'</a:pPr><a:r><a:rPr lang="zh-CN" sz="{size}" b="1"/><a:t>{xml_text(text)}</a:t>'
            f"</a:r></a:p></c:rich></c:tx>")


def chart_xml(sheet: OutputSheet, chart: BarChart) -> bytes:
    """A horizontal clustered bar chart: long Chinese unit names read well on the left axis.

    Ranges are formulas into the sheet (Excel refreshes from them) and carry cached values for
    viewers that do not recalculate.
    """
    first, last = _chart_rows(sheet)
    quoted = xml_attr(quote_sheet(sheet.name))
    cat_col = col_letter(chart.category_column)
    val_col = col_letter(chart.value_column)
    categories, values = [], []
    for idx, row in enumerate(_chart_data(sheet)):
        cat = row[chart.category_column] if chart.category_column < len(row) else None
        val = row[chart.value_column] if chart.value_column < len(row) else None
        if cat is not None:
            categories.append(f'<c:pt idx="{idx}"><c:v>{xml_text(str(cat))}</c:v></c:pt>')
        if isinstance(val, (int, float, Decimal)) and not isinstance(val, bool) \
                and math.isfinite(float(val)):
            values.append(f'<c:pt idx="{idx}"><c:v>{xml_num(float(val))}</c:v></c:pt>')
    n = len(_chart_data(sheet))
    series_name = sheet.columns[chart.value_column].header
    cat_ax, val_ax = 500000001, 500000002
    val_title = _axis_title(chart.value_axis_title)
    return (_chart_open(chart) +
            "<c:plotArea><c:layout/><c:barChart>"
            '<c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            '<c:ser><c:idx val="0"/><c:order val="0"/>'
            f"<c:tx><c:strRef><c:f>{quoted}!${val_col}${sheet.header_row}</c:f>"
            f'<c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>{xml_text(series_name)}</c:v>'
            "</c:pt></c:strCache></c:strRef></c:tx>"
            f'<c:spPr><a:solidFill><a:srgbClr val="{CHART_COLOR}"/></a:solidFill></c:spPr>'
            '<c:invertIfNegative val="0"/>'
            '<c:dLbls><c:spPr><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>'
            '<c:dLblPos val="outEnd"/><c:showLegendKey val="0"/><c:showVal val="1"/>'
            '<c:showCatName val="0"/><c:showSerName val="0"/><c:showPercent val="0"/>'
            '<c:showBubbleSize val="0"/></c:dLbls>'
            f"<c:cat><c:strRef><c:f>{quoted}!${cat_col}${first}:${cat_col}${last}</c:f>"
            f'<c:strCache><c:ptCount val="{n}"/>{"".join(categories)}</c:strCache>'
            "</c:strRef></c:cat>"
            f"<c:val><c:numRef><c:f>{quoted}!${val_col}${first}:${val_col}${last}</c:f>"
            f'<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{n}"/>'
            f'{"".join(values)}</c:numCache></c:numRef></c:val>'
            "</c:ser>"
            f'<c:gapWidth val="60"/><c:axId val="{cat_ax}"/><c:axId val="{val_ax}"/>'
            "</c:barChart>"
            # categories top-down in table order; the value axis then crosses at the bottom
            f'<c:catAx><c:axId val="{cat_ax}"/><c:scaling><c:orientation val="maxMin"/>'
            '</c:scaling><c:delete val="0"/><c:axPos val="l"/>'
            '<c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="none"/>'
            '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            f'<c:crossAx val="{val_ax}"/><c:crosses val="autoZero"/><c:auto val="1"/>'
            '<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:tickLblSkip val="1"/>'
            '<c:noMultiLvlLbl val="0"/></c:catAx>'
            f'<c:valAx><c:axId val="{val_ax}"/><c:scaling><c:orientation val="minMax"/>'
            '</c:scaling><c:delete val="0"/><c:axPos val="b"/><c:majorGridlines/>'
            f'{val_title}<c:numFmt formatCode="General" sourceLinked="1"/>'
            '<c:majorTickMark val="out"/><c:minorTickMark val="none"/>'
            f'<c:tickLblPos val="nextTo"/><c:crossAx val="{cat_ax}"/><c:crosses val="max"/>'
            '<c:crossBetween val="between"/></c:valAx>'
            '</c:plotArea><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
            '<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"/></a:pPr>'
            '<a:endParaRPr lang="zh-CN"/></a:p></c:txPr>'
            "</c:chartSpace>").encode("utf-8")


# ---- line chart (趋势: one line per series row over the month columns) -------------------------

LINE_COLORS = ("4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5", "70AD47", "264478", "9E480E")


def _chart_open(chart) -> str:
    """The chart part up to its plot area: the XML declaration, <c:chartSpace>, the title."""
    title = (f"<c:title>{_rich_text(chart.title, 1400)}<c:overlay val=\"0\"/></c:title>"
             if chart.title else "")
    return (XML_DECL +
            f'<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
            '<c:date1904 val="0"/><c:lang val="zh-CN"/><c:roundedCorners val="0"/>'
            f'<c:chart>{title}<c:autoTitleDeleted val="{0 if chart.title else 1}"/>')


def _axis_title(text: str) -> str:
    return f"<c:title>{_rich_text(text, 1000)}<c:overlay val=\"0\"/></c:title>" if text else ""


def line_chart_xml(sheet: OutputSheet, chart) -> bytes:
    quoted = xml_attr(quote_sheet(sheet.name))
    first_col, last_col = chart.first_value_column, chart.last_value_column
    n = last_col - first_col + 1
    header_cells = f"{quoted}!${col_letter(first_col)}${sheet.header_row}:${col_letter(last_col)}${sheet.header_row}"
    cats = "".join(f'<c:pt idx="{i}"><c:v>{xml_text(sheet.columns[first_col + i].header)}</c:v></c:pt>'
                   for i in range(n))
    series = []
    for s_idx, r in enumerate(chart.series_rows):
        row = sheet.rows[r]
        ws_row = sheet.first_data_row + r
        name = row[chart.label_column] if chart.label_column < len(row) else ""
        points = []
        for i in range(n):
            v = row[first_col + i] if first_col + i < len(row) else None
            if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) and math.isfinite(float(v)):
                points.append(f'<c:pt idx="{i}"><c:v>{xml_num(float(v))}</c:v></c:pt>')
        color = LINE_COLORS[s_idx % len(LINE_COLORS)]
        series.append(
            f'<c:ser><c:idx val="{s_idx}"/><c:order val="{s_idx}"/>'
            f"<c:tx><c:strRef><c:f>{quoted}!${col_letter(chart.label_column)}${ws_row}</c:f>"
            f'<c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>{xml_text(str(name or ""))}</c:v>'
            "</c:pt></c:strCache></c:strRef></c:tx>"
            f'<c:spPr><a:ln w="28575"><a:solidFill><a:srgbClr val="{color}"/></a:solidFill></a:ln></c:spPr>'
            f'<c:marker><c:symbol val="circle"/><c:size val="5"/></c:marker>'
            f"<c:cat><c:strRef><c:f>{header_cells}</c:f>"
            f'<c:strCache><c:ptCount val="{n}"/>{cats}</c:strCache></c:strRef></c:cat>'
            f"<c:val><c:numRef><c:f>{quoted}!${col_letter(first_col)}${ws_row}:${col_letter(last_col)}${ws_row}</c:f>"
            f'<c:numCache><c:formatCode>0.00</c:formatCode><c:ptCount val="{n}"/>{"".join(points)}'
            "</c:numCache></c:numRef></c:val>"
            '<c:smooth val="0"/></c:ser>')
    cat_ax, val_ax = 500000011, 500000012
    val_title = _axis_title(chart.value_axis_title)
    return (_chart_open(chart) +
            "<c:plotArea><c:layout/><c:lineChart>"
            '<c:grouping val="standard"/><c:varyColors val="0"/>'
            + "".join(series) +
            f'<c:marker val="1"/><c:axId val="{cat_ax}"/><c:axId val="{val_ax}"/>'
            "</c:lineChart>"
            f'<c:catAx><c:axId val="{cat_ax}"/><c:scaling><c:orientation val="minMax"/>'
            '</c:scaling><c:delete val="0"/><c:axPos val="b"/>'
            '<c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="out"/>'
            '<c:minorTickMark val="none"/><c:tickLblPos val="low"/>'
            f'<c:crossAx val="{val_ax}"/><c:crosses val="autoZero"/><c:auto val="1"/>'
            '<c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
            f'<c:valAx><c:axId val="{val_ax}"/><c:scaling><c:orientation val="minMax"/>'
            '</c:scaling><c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>'
            f'{val_title}<c:numFmt formatCode="0" sourceLinked="0"/>'
            '<c:majorTickMark val="out"/><c:minorTickMark val="none"/>'
            f'<c:tickLblPos val="nextTo"/><c:crossAx val="{cat_ax}"/><c:crosses val="autoZero"/>'
            '<c:crossBetween val="between"/></c:valAx>'
            '</c:plotArea><c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'
            '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
            '<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="900"/></a:pPr>'
            '<a:endParaRPr lang="zh-CN"/></a:p></c:txPr>'
            "</c:chartSpace>").encode("utf-8")
