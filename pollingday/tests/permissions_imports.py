"""Permission rows for polling day's imports pages (see tests/permission_matrix.py)."""

EXPECTATIONS = {}
