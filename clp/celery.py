import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clp.settings")

app = Celery("clp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _declare_periodic_jobs(sender, **kwargs):
    from clp.periodic import periodic_jobs

    sender.conf.beat_schedule = periodic_jobs()
