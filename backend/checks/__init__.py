"""Credit checks in a department's procedures (应查必查): a department checks a person's credit
for one procedure it runs (落户, 职称评定, 表彰评优, 人事考试录用, 政府采购, ...) and learns
only what that procedure needs; every check is in the citizen's query log."""
