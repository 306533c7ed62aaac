"""The organiser pages of members, one module per page area (nothing is re-exported here):

- `imports`: uploading a file, mapping its columns, the report and its confirmations, and
  reviewing member matches and people to check.
- `electors`: the electors list and its CSV download.
- `people`: the people list, a person's page, and editing details, contacts and membership.
- `segments`: saved segments: list, create, view, download, edit, delete.
- `geography`: wards, branches, polling districts and polling stations, without the admin.
- `common`: what several pages share (page size, asking why before a download, CSV streaming).
"""
