from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self):
        from clp.services import job_kind_register
        from members.services.batches import (
            import_job_failed,
            import_job_next_steps,
            import_job_retried,
            import_job_retry_refusal,
        )

        # An import's batch says what its job says, whoever fails or retries the job.
        job_kind_register(
            "import:",
            on_fail=import_job_failed,
            retry_refusal=import_job_retry_refusal,
            on_retry=import_job_retried,
            next_steps=import_job_next_steps,
        )
