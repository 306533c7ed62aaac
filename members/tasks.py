from celery import shared_task


@shared_task(name="members.tasks.import_run", acks_late=True, reject_on_worker_lost=True)
def import_run(job_id: int) -> None:
    """Import one uploaded file (members.services.batches.import_batch_run). Safe to run twice."""
    from members.services.batches import import_batch_run

    import_batch_run(job_id=job_id)


@shared_task(name="members.tasks.uploads_delete_expired")
def uploads_delete_expired() -> int:
    """Nightly: delete files kept for imports that failed, stuck or were never confirmed."""
    from members.services.batches import import_batch_delete_expired_uploads

    return import_batch_delete_expired_uploads()


@shared_task(name="members.tasks.tps_list_refresh", acks_late=True, reject_on_worker_lost=True)
def tps_list_refresh() -> str:
    """Nightly: read the TPS file at settings.TPS_LIST_PATH, unless it is the file the list in
    force came from (same size and time of change). Safe to run twice."""
    from django.conf import settings

    from members.services.phones import tps_list_import, tps_list_unchanged

    path = settings.TPS_LIST_PATH
    if not path:
        return "off"
    if tps_list_unchanged(path):
        return "unchanged"
    tps = tps_list_import(actor=None, path=path)
    return str(tps)
