"""Signal receivers: realise pending learners when a user account with their email appears."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .enrollment import realise_pending_learner


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="enterprise_enroll.realise_pending_learner")
def realise_pending_on_user_save(sender, instance, created, update_fields=None, **kwargs):
    """A new account, or a save that may have changed the email, realises matching pending learners."""
    if kwargs.get("raw"):
        return  # loading fixtures
    if update_fields is not None and "email" not in update_fields:
        return  # e.g. the LMS saving last_login: the email did not change
    realise_pending_learner(instance)
