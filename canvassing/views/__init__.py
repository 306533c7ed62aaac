"""Canvassing pages, split by who uses them:

- `organising`: organisers' pages (campaigns, targeting, walk lists, sheets, paper entry, review).
- `doorstep`: canvassers' pages (my walk lists, join, the doorstep app, sync, the service worker).
"""
