"""Permission rows for polling day's telling pages (see tests/permission_matrix.py)."""

EXPECTATIONS = {}
