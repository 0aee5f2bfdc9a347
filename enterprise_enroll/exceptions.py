"""Domain errors: one base class, each with a stable machine `code` and an HTTP status."""


class EnterpriseEnrollError(Exception):
    """Base of every domain error. `code` is stable; `detail` is for humans; `hint` says how to fix it."""

    status_code = 400
    code = "enterprise_enroll_error"
    default_detail = "The request cannot be processed."

    def __init__(self, detail=None, *, hint=None, code=None, **extra):
        self.detail = detail or self.default_detail
        self.hint = hint
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.detail)

    def as_dict(self):
        """The error body of SPEC §5: detail, code, hint (when set) and any extra fields."""
        body = {"detail": str(self.detail), "code": self.code}
        if self.hint:
            body["hint"] = str(self.hint)
        body.update(self.extra)
        return body


class InvalidRequest(EnterpriseEnrollError):
    """The request as a whole is malformed (not a list, too many items, unknown option)."""

    code = "invalid_request"


class CustomerNotFound(EnterpriseEnrollError):
    """No active enterprise customer has that UUID or slug."""

    status_code = 404
    code = "customer_not_found"
    default_detail = "No active enterprise customer matches this identifier."


class BackendUnavailable(EnterpriseEnrollError):
    """A catalog or enrollment backend cannot be reached; nothing was written. Answered as 503 + Retry-After."""

    status_code = 503
    code = "backend_unavailable"
    default_detail = "A backend service is unavailable; nothing was written. Retry later."


class AtomicBatchRejected(EnterpriseEnrollError):
    """`?atomic=true` and at least one item was not ok: nothing was written (409 with the per-item results)."""

    status_code = 409
    code = "atomic_batch_rejected"
    default_detail = "At least one item cannot be processed, and atomic=true: nothing was written."

    def __init__(self, results, **kwargs):
        super().__init__(**kwargs)
        self.results = results


class PermissionMissing(EnterpriseEnrollError):
    """The caller is authenticated but lacks a permission; the body names it, its role, the customer and a fix."""

    status_code = 403
    code = "permission_denied"
    default_detail = "You do not have the permission this request needs."
