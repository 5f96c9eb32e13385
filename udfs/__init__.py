"""xlwings UDF modules of the ledger workbook (xlwings.conf → UDF Modules: udfs.kaohe_udfs)."""
