"""A fake of the Open edX platform modules the backends import lazily; `install()` puts it into sys.modules."""

import sys
from types import ModuleType

from . import errors
from .platform import (
    CourseEnrollmentException,
    CourseNotFoundError,
    CourseUserGroupDoesNotExist,
    EnrollmentNotAllowed,
    FakeEnrollmentManager,
    FakePlatform,
    FakeUserSocialAuthManager,
)

__all__ = ["FakePlatform", "install"]


def _module_contents(platform):
    """{dotted module name: {attribute: value}} for every fake module (parent packages are added by install)."""
    course_enrollment = type("CourseEnrollment", (), {"objects": FakeEnrollmentManager(platform)})
    course_user_group = type("CourseUserGroup", (), {"DoesNotExist": CourseUserGroupDoesNotExist})
    user_social_auth = type("UserSocialAuth", (), {"objects": FakeUserSocialAuthManager(platform)})
    error_names = [name for name in dir(errors) if name.endswith("Error")]
    return {
        "openedx.core.djangoapps.enrollments.api": {
            "add_enrollment": platform.add_enrollment,
            "update_enrollment": platform.update_enrollment,
            "get_enrollment": platform.get_enrollment,
        },
        "openedx.core.djangoapps.enrollments.errors": {name: getattr(errors, name) for name in error_names},
        "openedx.core.djangoapps.course_groups.cohorts": {
            "get_cohort_by_name": platform.get_cohort_by_name,
            "add_user_to_cohort": platform.add_user_to_cohort,
        },
        "openedx.core.djangoapps.course_groups.models": {"CourseUserGroup": course_user_group},
        "openedx.core.lib.exceptions": {"CourseNotFoundError": CourseNotFoundError},
        "common.djangoapps.student.models": {
            "CourseEnrollment": course_enrollment,
            "CourseEnrollmentException": CourseEnrollmentException,
            "EnrollmentNotAllowed": EnrollmentNotAllowed,
        },
        "social_django.models": {"UserSocialAuth": user_social_auth},
    }


def install(monkeypatch, platform=None):
    """Register the fake modules (undone by monkeypatch at teardown) and return the FakePlatform behind them."""
    platform = platform or FakePlatform()
    modules = {}
    for dotted, attributes in _module_contents(platform).items():
        parts = dotted.split(".")
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            if name not in modules:
                modules[name] = ModuleType(name)
                modules[name].__path__ = []  # a package, so `from package import submodule` resolves
            if depth > 1:
                setattr(modules[".".join(parts[: depth - 1])], parts[depth - 1], modules[name])
        for attribute, value in attributes.items():
            setattr(modules[dotted], attribute, value)
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    return platform
