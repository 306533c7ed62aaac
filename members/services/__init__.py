"""Writes to the shared database. Each is keyword-only, transactional and audited.

Imports are all or nothing (Invariant 1): the file is read and every row checked before
anything is written, and the writing happens in one transaction.

Import each service from its module (nothing is re-exported here):

- `common`: what every importer shares (layouts, dry runs, progress, new polling districts).
- `register_imports`: full register imports (`register_import`, `parse_register`, leavers).
- `register_updates`: monthly register updates (`register_update_import`).
- `address_imports`: council address exports and stations files (`addresses_import`).
- `member_imports`: membership lists and member matching (`members_import`, `member_match*`).
- `people`: doorstep reports, review, `person_merge`, and person/contact/membership editing
  under one optimistic lock (`EditConflict`).
- `batches`: uploaded files and their background jobs (`IMPORTERS`, `import_batch_*`,
  `import_job_*`).
- `contacts`: contacts and answers from every tool (`contacts_record`, `contacts_review`),
  each person's contact summary, the question bank (`question_create`/`_update`) and
  "contacted recently".
- `phones`: wrong numbers reported by callers (`phone_reported_wrong`), the TPS list
  (`tps_list_import`, `tps_list_unchanged`) and organisers' phone lists (`phone_list_import`).
- `segments`: saved segments (`segment_save`/`_update`/`_delete`, `SegmentInUse`).
"""
