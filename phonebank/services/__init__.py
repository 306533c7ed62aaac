"""Writes for phone banking, one module per concern:

- `campaigns`: setting up a campaign, its script, join code and callers.
- `queue`: building the call queue and handing out one contact at a time under a lease.
- `calls`: recording a call's result (a contact in members) and what follows for the queue.
"""
