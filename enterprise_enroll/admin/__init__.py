"""Django admin of enterprise_enroll (SPEC §8): every model, history views, and the Manage learners page."""

from . import customers, learners, roles  # noqa: F401  (each module registers its ModelAdmins)
