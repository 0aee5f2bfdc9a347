"""Settings for the test suite."""

from .base import *  # noqa: F401,F403
from .base import DATABASES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    # Created by the test runner, so it must not inherit a server default such as latin1 or utf8mb3: emails
    # and names may hold 4-byte characters (the connection already speaks utf8mb4, see base.py).
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
LOGGING = {"version": 1, "disable_existing_loggers": False}
