"""Per-item working state of a batch, and the three ways an item's outcome is set."""

from dataclasses import dataclass

from .items import INVALID, ItemResult


@dataclass
class Work:
    """Per-item working state while a batch is planned."""

    result: ItemResult
    course_id: str | None = None
    mode: str | None = None
    email: str | None = None
    user: object = None
    key: tuple | None = None


def mark_ok(work, status, code=None):
    work.result.status, work.result.code, work.result.detail = status, code or status, "success"


def mark_not_ok(work, status, code, detail, errors=None):
    result = work.result
    result.status, result.code, result.detail, result.errors = status, code, detail, errors


def mark_invalid(work, code, detail, errors):
    mark_not_ok(work, INVALID, code, detail, errors)
