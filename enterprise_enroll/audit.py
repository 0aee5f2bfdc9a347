"""Bulk writes that keep django-simple-history's audit trail, including who made the change."""

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history, get_history_manager_for_model


def bulk_create_audited(model, objs, *, actor=None):
    """bulk_create `objs` plus one '+' history row each (two INSERTs per batch); returns the saved objects."""
    if not objs:
        return []
    return bulk_create_with_history(objs, model, default_user=actor)


def bulk_update_audited(model, objs, fields, *, actor=None):
    """bulk_update `fields` of `objs` (and `modified`) plus one '~' history row each."""
    if not objs:
        return
    now = timezone.now()
    for obj in objs:
        obj.modified = now
    bulk_update_with_history(objs, model, [*fields, "modified"], default_user=actor)


def bulk_delete_audited(model, objs, *, actor=None):
    """Delete `objs` (which have no dependent rows) in one statement, recording one '-' history row each."""
    if not objs:
        return
    history_model = get_history_manager_for_model(model).model
    now = timezone.now()
    rows = [
        history_model(
            history_date=now,
            history_type="-",
            history_user=actor if getattr(actor, "is_authenticated", False) else None,
            **{field.attname: getattr(obj, field.attname) for field in history_model.tracked_fields},
        )
        for obj in objs
    ]
    history_model.objects.bulk_create(rows)
    # A raw DELETE: QuerySet.delete() would fire post_delete per row, and simple-history would then write a second,
    # user-less history row per object. Callers delete children first, so no cascade is needed.
    queryset = model._base_manager.filter(pk__in=[obj.pk for obj in objs])
    queryset._raw_delete(using=queryset.db)
