"""Permission rows for polling day's knockup pages (see tests/permission_matrix.py)."""

EXPECTATIONS = {}
