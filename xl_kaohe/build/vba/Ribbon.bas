Option Explicit
' Callbacks of the ribbon tab "12345" (customUI/customUI.xml). Each button runs the same Python
' job as the kaohe command through xlwings RunPython on this workbook; the Help button is pure
' VBA, so it works on a PC without Python.
' VBA source must stay ASCII: Chinese text lives in the ribbon XML, in KaoheMessages and in Python.
' When Python cannot start (no Python, wrong interpreter path, missing xlwings DLL, xlwings
' version differs), xlwings raises a VBA error or returns -1 after its own English message box:
' both end in a Chinese message that points to "kaohe doctor" and the help sheet.

Private lastMessage As String

' The ribbon callbacks only call the public KaoheRun* macros, so the same code runs from the
' Macros dialog (Alt+F8) and from Application.Run (tests/excel/test_windows_excel.py).

Sub KaoheGenerateRanking(control As IRibbonControl)
    KaoheRunGenerateRanking
End Sub

Sub KaoheCheckLedger(control As IRibbonControl)
    KaoheRunCheckLedger
End Sub

Sub KaoheWarningList(control As IRibbonControl)
    KaoheRunWarningList
End Sub

Sub KaoheImportOrders(control As IRibbonControl)
    KaoheRunImportOrders
End Sub

Sub KaoheImportHolidayNotice(control As IRibbonControl)
    KaoheRunImportHolidayNotice
End Sub

Sub KaoheUnitCard(control As IRibbonControl)
    KaoheRunUnitCard
End Sub

Sub KaoheGenerateBulletin(control As IRibbonControl)
    KaoheRunGenerateBulletin
End Sub

Sub KaoheShowHelp(control As IRibbonControl)
    KaoheRunShowHelp
End Sub

Public Sub KaoheRunGenerateRanking()
    If Not KaohePythonReady() Then Exit Sub
    On Error GoTo failed
    KaoheCheckResult RunPython("from xl_kaohe.excel import ribbon; ribbon.generate_ranking()")
    Exit Sub
failed:
    KaohePythonFailed Err.Description
End Sub

Public Sub KaoheRunCheckLedger()
    If Not KaohePythonReady() Then Exit Sub
    On Error GoTo failed
    KaoheCheckResult RunPython("from xl_kaohe.excel import ribbon; ribbon.check_ledger()")
    Exit Sub
failed:
    KaohePythonFailed Err.Description
End Sub

Public Sub KaoheRunImportOrders()
    If Not KaohePythonReady() Then Exit Sub
    On Error GoTo failed
    KaoheCheckResult RunPython("from xl_kaohe.excel import ribbon; ribbon.import_orders()")
    ' Python wrote the orders sheet with events off: bump the edit counters, refresh the board.
    KaoheTouchAll
    KaoheRefreshBoard
    Exit Sub
failed:
    KaohePythonFailed Err.Description
End Sub

Public Sub KaoheRunImportHolidayNotice()
    If Not KaohePythonReady() Then Exit Sub
    On Error GoTo failed
    KaoheCheckResult RunPython("from xl_kaohe.excel import ribbon; ribbon.import_holiday_notice()")
    ' The holidays sheet changed: every deadline may move, so bump the counters and refresh.
    KaoheTouchAll
    KaoheRefreshBoard
    Exit Sub
failed:
    KaohePythonFailed Err.Description
End Sub

Public Sub KaoheRunWarningList()
    If Not KaohePythonReady() Then Exit Sub
    On Error GoTo failed
    KaoheCheckResult RunPython("from xl_kaohe.excel import ribbon; ribbon.warning_list()")
    Exit Sub
failed:
    KaohePythonFailed Err.Description
End Sub

Public Sub KaoheRunGenerateBulletin()
    If Not KaohePythonReady() Then Exit Sub
    On Error GoTo failed
    KaoheCheckResult RunPython("from xl_kaohe.excel import ribbon; ribbon.generate_bulletin()")
    Exit Sub
failed:
    KaohePythonFailed Err.Description
End Sub

Public Sub KaoheRunUnitCard()
    If Not KaohePythonReady() Then Exit Sub
    On Error GoTo failed
    KaoheCheckResult RunPython("from xl_kaohe.excel import ribbon; ribbon.unit_card()")
    Exit Sub
failed:
    KaohePythonFailed Err.Description
End Sub

Public Sub KaoheRunShowHelp()
    ' No Python here: open the help sheet and explain the setup. The sheet is found by its code
    ' name at run time: a direct reference would not compile once someone deletes the sheet.
    Dim sh As Object
    On Error Resume Next
    For Each sh In ThisWorkbook.Worksheets
        If sh.CodeName = "shHelp" Then
            sh.Activate
            sh.Range("A1").Select
        End If
    Next sh
    On Error GoTo 0
    KaoheSay KaoheText("Help"), vbInformation
End Sub

Public Function KaoheLastMessage() As String
    ' The last message shown by this module (read by the Windows test suite).
    KaoheLastMessage = lastMessage
End Function

Private Sub KaoheSay(ByVal message As String, ByVal style As VbMsgBoxStyle)
    ' With Application.DisplayAlerts off (automation, tests) the message is kept, not shown:
    ' a modal box would block the caller.
    lastMessage = message
    If Application.DisplayAlerts Then MsgBox message, style, KaoheText("Title")
End Sub

Private Function KaohePythonReady() As Boolean
    ' The interpreter the xlwings runtime will use (same settings order as xlwings' GetConfig).
    ' A path that does not exist would end in xlwings' English "Could not find Interpreter!".
    Dim interpreter As String
    On Error Resume Next
    interpreter = GetConfig("INTERPRETER_WIN", "")
    If interpreter = "" Then interpreter = GetConfig("INTERPRETER", "pythonw")
    On Error GoTo 0
    If interpreter <> "" And interpreter <> "python" And interpreter <> "pythonw" Then
        If Not FileExists(interpreter) Then
            KaoheSay KaoheText("NoInterpreter") & interpreter & KaoheText("NoInterpreterHint") & KaoheDoctorCommand(), _
                vbExclamation
            Exit Function
        End If
    End If
    KaohePythonReady = True
End Function

Private Sub KaoheCheckResult(ByVal result As Variant)
    ' RunPython returns -1 when Python failed to start or to import the job (xlwings has then
    ' shown its own message); our jobs catch their own errors and answer in Chinese.
    If Not IsEmpty(result) Then
        If result = -1 Then KaohePythonFailed ""
    End If
End Sub

Private Sub KaohePythonFailed(ByVal detail As String)
    Application.StatusBar = False
    Application.ScreenUpdating = True
    Application.EnableEvents = True
    KaoheSay KaoheText("PythonFailed") & detail & KaoheText("PythonFailedHint") & KaoheDoctorCommand(), vbExclamation
End Sub

Private Function KaoheDoctorCommand() As String
    KaoheDoctorCommand = "kaohe doctor """ & ThisWorkbook.FullName & """"
End Function
