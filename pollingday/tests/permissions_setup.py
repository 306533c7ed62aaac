"""Permission rows for polling day's setup pages (see tests/permission_matrix.py)."""

EXPECTATIONS = {}
