"""The 使用说明 sheet: what a clerk and the IT person need, in the order they need it
(first use, buttons, daily entry, without Excel, deployment to many PCs, troubleshooting).
Each entry is (text, style): style "title", "head" or "" (body)."""
from __future__ import annotations

import xlwings

XLWINGS = xlwings.__version__
WHEEL = "xl_kaohe-0.1.0-py3-none-any.whl"

HELP_TEXT = [
    ("12345 工作考核台账（Excel 加载项）", "title"),
    ("本工作簿记录一个考核年度的 12345 工单、扣分事件、会议、知识库报送和季度研究，按《常州市教育局12345政府服务热线办理工作考核细则》自动计分和排名。", ""),
    ("", ""),
    ("一、第一次使用（Windows + Excel，不需要管理员权限）", "head"),
    ("1. 安装 Python 3.10 或更新版本（python.org 的 64 位安装程序）：选 Install Now（装在自己的用户目录，不需要管理员），勾选 Add python.exe to PATH。", ""),
    (f"2. 安装本软件：打开“命令提示符”，进入本软件文件夹，运行 pip install .   不能上网的电脑用信息科准备的离线安装包：pip install --no-index --find-links 安装包文件夹 xl-kaohe   （会装上 xlwings {XLWINGS}、openpyxl、chinese-calendar 等）。不要加 --user。", ""),
    ("3. 告诉 Excel 用哪个 Python：运行 xlwings config create --force   （在用户配置 %USERPROFILE%\\.xlwings\\xlwings.conf 中记下本机 Python 的位置；每台电脑各自一份，共享的台账里不写路径）。", ""),
    ("4. 邮件或网页收到的台账：先关闭它，右键文件 › 属性 › 勾选“解除锁定” › 确定；或把台账放在“受信任位置”（文件 › 选项 › 信任中心 › 信任中心设置 › 受信任位置）。打开时若出现黄色提示条，点“启用内容”。", ""),
    ("5. 功能区出现“12345考核”选项卡即可使用。按钮报错或「看板」单元格显示“未连接Python”时，在命令提示符中运行 kaohe doctor 台账文件名，它会逐项检查并说明怎么处理。", ""),
    ("", ""),
    ("二、功能区按钮", "head"),
    ("生成排名：校验台账，计算各单位得分，写出「排名」「得分明细」「扣分依据」「校验」「趋势」（各月末累计得分）「预警」「催办单」，并刷新「看板」的数值。", ""),
    ("校验台账：只检查数据（日期、单位、编码、重复工单等），问题列在「校验」表，不改动其它表。", ""),
    ("导入工单：把 12345 平台导出的 xlsx / xls / csv 按工单编号合并进「工单」表；只新增或更新，不删除任何数据。", ""),
    ("单位明细：先选中某单位所在的行，再点击，列出该单位每一分的扣分或加分及其来源（工作表行号）。", ""),
    ("预警清单：列出已超期和即将到期（参数「预警工作日数」个工作日内）的工单，写出「预警」表和每个单位一页的「催办单」，只写这两张表，可每天早上点一次。", ""),
    ("生成通报：输入期间（月份 2026-11、季度 2026Q3 或全年 2026），在台账所在文件夹生成公文格式的阶段通报"
     "“通报-期间.docx”；落款、文号、下一步工作要求等文字在「通报模板」表中修改。", ""),
    ("导入假日通知：每年12月，在网页上复制国务院办公厅的节假日安排通知全文（从标题到落款）后点击，放假和调休上班日期写入「节假日」表；表中已有的行不改动，看不懂的句子会列出来请手工填写。", ""),
    ("帮助：打开本说明并简要提示安装要求；不需要 Python 也能使用。", ""),
    ("", ""),
    ("三、日常录入", "head"),
    ("在「工单」「扣分事件」「加分事件」「会议」「知识库」「季度研究」表中逐行登记；单位名称和编码可从下拉列表选择。", ""),
    ("扣分项、加分项填编码即可，如 III-4.2、Ⅲ—4（2）或“III-4.2 推诿扯皮”。节假日和调休已内置（chinese-calendar）；下一年度的放假安排用“导入假日通知”写入「节假日」表（也可手工填写）。", ""),
    ("单位申诉登记在「申诉复核」表：对象填工单编号、扣分事件!行号、知识库 2026-03 或 季度研究 2026Q2；复核结论为撤销或减免时自动调整得分，原扣分仍在「扣分依据」中可查。", ""),
    ("「工单」表右侧的“办理状态（自动）”列由一个 =KAOHE_STATUS(...) 数组公式算出（按时办结、超时办结、未到期、即将到期、已超期、不考核），已超期的行标红、即将到期的标黄；WPS 等不运行 Python 时此列为空，请用“预警清单”或 kaohe warn。", ""),
    ("「看板」表中的 =KAOHE_SCORE(单位) 等公式随台账更新；工作表函数的说明见「看板」表下方。", ""),
    ("", ""),
    ("四、没有 Excel（WPS、信创桌面、服务器）", "head"),
    ("安装 Python 和本软件后，在命令行运行：kaohe rank 考核台账.xlsm   —— 结果与 Excel 中完全一致，写入同样的结果表。", ""),
    ("其它命令：kaohe check 台账（只校验）、kaohe import 导出文件 --into 台账（导入工单）、kaohe holidays 通知.txt --into 台账（导入假日通知）、kaohe new 新台账.xlsm（新建台账）、kaohe doctor 台账（检查本机环境）。每个命令加 -h 显示说明。", ""),
    ("预警：kaohe warn 台账 [--asof \"2026-12-01 09:30\"] [--days 2] [--write]  —— 按单位列出已超期和即将到期的工单，--write 写出「预警」「催办单」。", ""),
    ("阶段通报：kaohe report 台账 --period 2026-11 [--pdf]（生成 .docx，装有 LibreOffice 时另存 PDF）。", ""),
    ("考核结果告知单：kaohe notice 台账 --outdir 文件夹 [--pdf]，每个单位一份 Word 文档，含得分、扣分加分明细、申诉复核情况和申诉期限。", ""),
    ("", ""),
    ("五、部署到多台电脑（给信息科）", "head"),
    (f"离线安装包：在一台能上网、Python 版本与各电脑相同的电脑上，进入本软件文件夹运行 pip wheel --no-deps -w 安装包 .   再运行 pip download -d 安装包 安装包\\{WHEEL}   把“安装包”文件夹拷到共享盘或 U 盘。", ""),
    ("各电脑：先按第一节第 1 步装 Python（每人装在自己的用户目录，不需要管理员），再运行 pip install --no-index --find-links \\\\服务器\\共享\\安装包 xl-kaohe   和 xlwings config create --force。", ""),
    (f"xlwings 版本固定为 {XLWINGS}：台账中内嵌的 xlwings VBA 按版本号加载 xlwings64-{XLWINGS}.dll（随 xlwings 装在 Python 目录），版本不同按钮和公式就无法运行。升级 xlwings 须同时更新本软件和台账（kaohe new 新台账后把数据复制过去），所有电脑一起升级。", ""),
    ("解释器路径：每台电脑的 Python 位置不同，写在各自的用户配置 %USERPROFILE%\\.xlwings\\xlwings.conf 中，一行 \"INTERPRETER_WIN\",\"C:\\Users\\用户名\\AppData\\Local\\Programs\\Python\\Python312\\pythonw.exe\"。不要写进共享台账的「xlwings.conf」表：那里的 Interpreter_Win 行（即使为空）会盖过每个人的用户配置。", ""),
    ("宏与“网络标记”：从邮件、网页、即时通讯收到的 .xlsm 会被 Windows 标记为来自网络，Excel 默认阻止其宏。可逐个“解除锁定”，或由信息科把共享台账文件夹设为受信任位置（组策略：Trusted Locations）。", ""),
    (f"杀毒软件误报：台账的 VBA 中含 xlwings 开源运行库（调用 xlwings64-{XLWINGS}.dll、启动 pythonw.exe），部分杀毒软件会据此误报为宏病毒。可请信息科把 Python 目录和台账文件夹加入白名单；VBA 源代码公开在本软件的 xl_kaohe/build 目录，可供审阅；kaohe new 新建的台账中的 VBA 就由这些源代码生成。", ""),
    ("", ""),
    ("六、出了问题", "head"),
    ("运行 kaohe doctor 台账文件名：检查 Python 版本和位数、xlwings 版本是否与台账一致、xlwings DLL、Excel 将使用的 Python、今明两年的节假日数据、LibreOffice（导出 PDF 用）、台账文件夹的写权限和锁文件，每个问题都说明怎么处理。", ""),
    ("", ""),
    ("七、数据安全", "head"),
    ("写入前先写临时文件再整体替换，失败时原文件不变；台账在 Excel、WPS 或 LibreOffice 中打开时，命令行不会写入它。导入的文本即使以 = + - @ 开头也只作为文字保存。", ""),
]
