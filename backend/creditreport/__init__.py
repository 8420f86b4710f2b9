"""The citizen's personal credit report (个人信用报告): a signed PDF of their own public credit
information, checkable online for 30 days by its number or short code."""
