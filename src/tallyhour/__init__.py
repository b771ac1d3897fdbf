"""Tallyhour: every billable hour captured, approved and invoiced."""
