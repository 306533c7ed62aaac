"""Writes for canvassing, each in one transaction with its audit entry, split by concern:

- `campaigns`: canvass campaigns, their survey questions, targets.
- `walk_lists`: cutting and walk order, join codes, leases, release when a role ends.
- `results`: doorstep sync, paper re-entry, review, flagging new canvassers.

Import from the module itself (`from canvassing.services import walk_lists`); nothing is
re-exported here.
"""
