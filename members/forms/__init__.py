"""Forms clean and validate only; services do the work. Import each from its module:

- `imports`: uploads and column mapping.
- `people`: elector and people list filters, person, contact and membership editing, the
  reason asked before a download.
- `segments`: the segment builder, with the contact filters canvass targets share
  (`AnswerFilterForm`), and the question bank's form.
- `geography`: wards, branches, polling districts and stations.
"""
