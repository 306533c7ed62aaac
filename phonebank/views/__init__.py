"""Phone-bank pages:

- `caller`: callers' pages (my phone banks, join, the call page: next contact, record, release).
- `organising`: organisers' pages (campaigns, settings, the call list, the script, join codes).
- `board`: the live monitoring board and pausing or removing callers.
"""
