from celery import shared_task


@shared_task(name="canvassing.tasks.walk_lists_release_lapsed_roles")
def walk_lists_release_lapsed_roles() -> int:
    """Nightly: walk lists held by people whose canvasser role has expired go back to
    unassigned (a revoked role releases them at once). Safe to run twice."""
    from canvassing.services.walk_lists import walk_lists_release_without_role

    return walk_lists_release_without_role()
