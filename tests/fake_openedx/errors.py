"""Fake of openedx.core.djangoapps.enrollments.errors: same class names, hierarchy and constructor arguments."""


class CourseEnrollmentError(Exception):
    """Generic enrollment error; `data` carries what helps resolve it (as on the platform)."""

    def __init__(self, msg, data=None):
        super().__init__(msg)
        self.data = data


class UserNotFoundError(CourseEnrollmentError):
    pass


class CourseEnrollmentClosedError(CourseEnrollmentError):
    pass


class CourseEnrollmentFullError(CourseEnrollmentError):
    pass


class CourseEnrollmentExistsError(CourseEnrollmentError):
    enrollment = None

    def __init__(self, message, enrollment):
        super().__init__(message)
        self.enrollment = enrollment


class CourseModeNotFoundError(CourseEnrollmentError):
    pass


class EnrollmentNotFoundError(CourseEnrollmentError):
    pass
