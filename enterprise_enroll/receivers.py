"""Signal receivers: pending learners are realised when their account appears; a link's role follows the link."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .enrollment import realise_pending_learner
from .learners import grant_learner_role, revoke_learner_role
from .models import EnterpriseCustomerUser


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="enterprise_enroll.realise_pending_learner")
def realise_pending_on_user_save(sender, instance, created, update_fields=None, **kwargs):
    """A new account, or a save that may have changed the email, realises matching pending learners."""
    if kwargs.get("raw"):
        return  # loading fixtures
    if update_fields is not None and "email" not in update_fields:
        return  # e.g. the LMS saving last_login: the email did not change
    realise_pending_learner(instance)


@receiver(post_save, sender=EnterpriseCustomerUser, dispatch_uid="enterprise_enroll.sync_learner_role")
def sync_learner_role_on_link_save(sender, instance, created, update_fields=None, **kwargs):
    """
    A link saved one by one (ORM, admin, shell) keeps SPEC §2's invariant: linked ⇒ enterprise_learner for that
    customer, unlinked ⇒ not. The service's bulk paths grant and revoke the role themselves (no signals there).
    """
    if kwargs.get("raw") or (update_fields is not None and "linked" not in update_fields):
        return
    sync = grant_learner_role if instance.linked else revoke_learner_role
    sync(instance.enterprise_customer, [instance.user])
