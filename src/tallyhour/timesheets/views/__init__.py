"""Timesheet pages, one module per page: My week and its day view (`week`), time entries
(`entries`), approvals (`approvals`) and leave (`leave`)."""
