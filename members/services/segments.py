"""Saved segments: save, update, delete (refused while another record uses one)."""

from django.db import transaction

from clp.audit import audit_record
from members.services.people import _diff


def segment_save(*, actor, constituency, name: str, description: str, filters: dict, request=None):
    """Create (or update, by name) a saved segment."""
    from members.models import Segment

    with transaction.atomic():
        segment, _ = Segment.objects.update_or_create(
            constituency=constituency,
            name=name,
            defaults={
                "description": description,
                "filters": filters,
                "created_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
        audit_record(actor=actor, action="segment.save", target=segment, request=request)
    return segment


class SegmentInUse(Exception):
    """A segment other records still select people by: deleting it would widen them."""

    def __init__(self, users: list[str]):
        self.users = users
        super().__init__(
            "This segment is used by " + "; ".join(users) + ". Change those to use another "
            "segment (or none) first: deleting it would make them select everyone."
        )


def segment_users(segment) -> list[str]:
    """What still uses `segment` (canvass targets, …), found through every link to Segment,
    so members need not know the apps that build on it."""
    used = []
    for relation in type(segment)._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.one_to_many):
            continue
        model = relation.related_model
        for row in model._base_manager.filter(**{relation.field.name: segment})[:10]:
            used.append(f"{model._meta.verbose_name} “{row}”")
    return used


def segment_update(*, actor, segment, name: str, description: str, filters: dict, request=None):
    """Rename a segment or change what it selects (audited with before and after)."""
    with transaction.atomic():
        values = {"name": name, "description": description, "filters": filters}
        before, after = _diff(segment, values)
        for field, value in values.items():
            setattr(segment, field, value)
        segment.save(update_fields=[*values, "updated_at"])
        audit_record(
            actor=actor,
            action="segment.update",
            target=segment,
            request=request,
            details={"before": before, "after": after},
        )
    return segment


def segment_delete(*, actor, segment, request=None) -> None:
    """Delete a segment nothing uses any more; refused (SegmentInUse) while, say, a canvass
    target selects by it, since the target would then quietly select everyone."""
    with transaction.atomic():
        used = segment_users(segment)
        if used:
            raise SegmentInUse(used)
        audit_record(
            actor=actor,
            action="segment.delete",
            target=segment,
            request=request,
            details={"before": {"name": segment.name, "filters": segment.filters}},
        )
        segment.delete()
