"""The one home of settings: connection fields, the field table, checks."""
