Option Explicit
' Callbacks of the ribbon tab "12345" (customUI/customUI.xml). Each button runs the same Python
' job as the kaohe command through xlwings RunPython on this workbook.
' VBA source must stay ASCII: Chinese text lives in the ribbon XML and in Python.

Sub KaoheGenerateRanking(control As IRibbonControl)
    RunPython "from xl_kaohe.excel import ribbon; ribbon.generate_ranking()"
End Sub

Sub KaoheCheckLedger(control As IRibbonControl)
    RunPython "from xl_kaohe.excel import ribbon; ribbon.check_ledger()"
End Sub

Sub KaoheImportOrders(control As IRibbonControl)
    RunPython "from xl_kaohe.excel import ribbon; ribbon.import_orders()"
    ' Python wrote the orders sheet with events off: bump the edit counters, refresh the board.
    KaoheTouchAll
    KaoheRefreshBoard
End Sub

Sub KaoheUnitCard(control As IRibbonControl)
    RunPython "from xl_kaohe.excel import ribbon; ribbon.unit_card()"
End Sub

Sub KaoheGenerateBulletin(control As IRibbonControl)
    RunPython "from xl_kaohe.excel import ribbon; ribbon.generate_bulletin()"
End Sub

Sub KaoheShowHelp(control As IRibbonControl)
    RunPython "from xl_kaohe.excel import ribbon; ribbon.show_help()"
End Sub
