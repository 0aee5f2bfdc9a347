"""Learner imports (CSV file or pasted emails): pure parsing and validation, then one hand-over to the service layer."""

import csv
import io
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from . import app_settings
from .exceptions import EnterpriseEnrollError
from .validators import normalize_email, parse_course_run_id

COLUMNS = ("email", "course_run_id", "course_mode")
EXPECTED = "email[,course_run_id][,course_mode]"
RESULT_COLUMNS = ("line", "email", "course_run_id", "course_mode", "status", "code", "detail")
# Rejections list at most this many problems; the rest are counted ("… and 12 more").
MAX_LISTED_PROBLEMS = 50


@dataclass(frozen=True)
class LearnerRow:
    """One validated learner: link only (no course run), or link and enroll. `line` is 1-based in the source."""

    line: int
    email: str
    course_run_id: str | None = None
    course_mode: str | None = None


@dataclass(frozen=True)
class Problem:
    """Why one line of the input is refused."""

    line: int | None
    code: str
    message: str

    def __str__(self):
        return f"Line {self.line}: {self.message}" if self.line else self.message


@dataclass
class RowResult:
    """What happened (or, in a dry run, would happen) to one row."""

    row: LearnerRow
    status: str
    code: str
    detail: str

    @property
    def ok(self):
        return self.status not in {"invalid", "failed", "not_found"}

    def as_csv_row(self):
        r = self.row
        return [r.line, r.email, r.course_run_id or "", r.course_mode or "", self.status, self.code, self.detail]


class ImportRejected(EnterpriseEnrollError):
    """The input as a whole is refused (nothing is written); `problems` says which lines and why."""

    code = "import_rejected"
    default_detail = "The learner list was rejected; nothing was written."

    def __init__(self, problems, **kwargs):
        self.problems = list(problems)
        super().__init__(**kwargs)

    @property
    def messages(self):
        """Human-readable problems, at most MAX_LISTED_PROBLEMS of them plus a count of the rest."""
        listed = [str(p) for p in self.problems[:MAX_LISTED_PROBLEMS]]
        rest = len(self.problems) - len(listed)
        return [*listed, f"… and {rest} more problems."] if rest > 0 else listed


# -- decoding and parsing (pure) ---------------------------------------------------------------------------------


def decode(data):
    """UTF-8 (with or without BOM) bytes → text; anything else is rejected naming the line of the first bad byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRejected([Problem(None, "bad_encoding", "The file is UTF-16; save it as “CSV UTF-8” instead.")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"The file is not UTF-8 (byte 0x{data[exc.start]:02x}); save it as “CSV UTF-8” and upload it again."
        raise ImportRejected([Problem(line, "bad_encoding", message)]) from exc


def parse_csv(text, *, default_mode=None, max_rows=None):
    """
    Parse and validate CSV text with a header row (columns: email[,course_run_id][,course_mode], any order).

    Returns LearnerRows; raises ImportRejected listing every problem with its line number. Blank lines are
    skipped. `default_mode` applies to rows that name a course run but no mode.
    """
    max_rows = app_settings.get("CSV_MAX_ROWS") if max_rows is None else max_rows
    lines = text.splitlines()
    # strict: a stray quote is an error with a line number, not a silently merged field.
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0] if lines else ""), strict=True)
    problems, rows = [], []
    try:
        columns = _read_header(reader, problems)
        if columns is None:
            raise ImportRejected(problems)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                problems.append(_too_many(reader.line_num, max_rows))
                break
            row = _row_from_cells(reader.line_num, cells, columns, default_mode, problems)
            if row:
                rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, "malformed_csv", f"The CSV cannot be read: {exc}."))
    return _accept(rows, problems)


def parse_pasted(text, *, course_run_id=None, course_mode=None, max_rows=None):
    """Emails separated by new lines, commas, semicolons or spaces; all get the same (optional) course run and mode."""
    max_rows = app_settings.get("CSV_MAX_ROWS") if max_rows is None else max_rows
    problems, rows = [], []
    course = _course(None, course_run_id, course_mode, problems) if course_run_id else (None, None)
    for number, line in enumerate(text.splitlines(), start=1):
        for token in line.replace(",", " ").replace(";", " ").split():
            if len(rows) >= max_rows:
                problems.append(_too_many(number, max_rows))
                return _accept(rows, problems)
            email = _email(number, token, problems)
            if email:
                rows.append(LearnerRow(number, email, *course))
    return _accept(rows, problems)


def _accept(rows, problems):
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([Problem(None, "no_rows", "There are no learners in the input.")])
    return rows


def _delimiter(header_line):
    """Comma, unless the header is clearly separated by semicolons or tabs (spreadsheets in some locales)."""
    for candidate in (",", ";", "\t"):
        if candidate in header_line:
            return candidate
    return ","


def _read_header(reader, problems):
    """{column name: index} from the first non-blank row, or None (with a problem) if it is not a valid header."""
    for cells in reader:
        if any(cell.strip() for cell in cells):
            break
    else:
        problems.append(Problem(None, "no_rows", "The file is empty; it needs a header row and learner rows."))
        return None
    names = [cell.strip().lower() for cell in cells]
    line = reader.line_num
    if "email" not in names:
        looks_like_data = any("@" in name for name in names)
        reason = "the first row looks like data" if looks_like_data else f"found {', '.join(map(repr, names))}"
        problems.append(Problem(line, "missing_header", f"A header row {EXPECTED} is required; {reason}."))
        return None
    unknown = [name for name in names if name not in COLUMNS]
    duplicated = sorted(name for name, count in Counter(names).items() if count > 1)
    if unknown or duplicated:
        what = f"unknown column(s) {', '.join(map(repr, unknown))}" if unknown else f"repeated {duplicated}"
        problems.append(Problem(line, "wrong_columns", f"The header has {what}; expected {EXPECTED}."))
        return None
    return {name: index for index, name in enumerate(names)}


def _row_from_cells(line, cells, columns, default_mode, problems):
    if len(cells) > len(columns):
        message = f"{len(cells)} values, but the header has {len(columns)} columns ({', '.join(columns)})."
        problems.append(Problem(line, "wrong_columns", message))
        return None

    def value(name):
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    found = len(problems)
    email = _email(line, value("email"), problems)
    course = _course(line, value("course_run_id"), value("course_mode") or None, problems, default_mode)
    return LearnerRow(line, email, *course) if len(problems) == found else None


def _email(line, raw, problems):
    if not raw:
        problems.append(Problem(line, "missing_email", "The email is empty."))
        return None
    email = normalize_email(raw)
    try:
        validate_email(email)
    except ValidationError:
        problems.append(Problem(line, "invalid_email", f"{raw!r} is not a valid email address."))
        return None
    return email


def _course(line, raw_run, mode, problems, default_mode=None):
    """(canonical course run id, mode) or (None, None) for a link-only row; problems are appended."""
    if not raw_run:
        if mode:
            problems.append(
                Problem(line, "missing_course_run_id", f"course_mode {mode!r} is given without a course run.")
            )
        return None, None
    try:
        run = parse_course_run_id(raw_run)
    except ValidationError as exc:
        problems.append(Problem(line, "invalid_course_run_id", exc.messages[0]))
        run = None
    mode = mode or default_mode
    modes = app_settings.get("COURSE_MODES")
    if not mode:
        problems.append(
            Problem(line, "missing_course_mode", f"The course mode is empty; use one of {', '.join(modes)}.")
        )
    elif mode not in modes:
        problems.append(Problem(line, "invalid_course_mode", f"Course mode {mode!r} is not one of {', '.join(modes)}."))
    return run, mode


def _too_many(line, max_rows):
    message = f"More than {max_rows} learners (ENTERPRISE_ENROLL_CSV_MAX_ROWS); split the list into smaller files."
    return Problem(line, "too_many_rows", message)


# -- results (pure) ----------------------------------------------------------------------------------------------


def results_csv(results):
    """The per-row results as CSV text (header RESULT_COLUMNS), for download."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    writer.writerows(result.as_csv_row() for result in results)
    return out.getvalue()


def summarize(results):
    """[(status, count)] in first-seen order, e.g. [("enrolled", 3), ("pending", 1)]."""
    return list(Counter(result.status for result in results).items())


# -- hand-over to the service layer ------------------------------------------------------------------------------


def import_learners(customer, rows, *, actor=None, source, dry_run=False, notify=False):
    """
    Link (rows without a course run) and enroll (rows with one) through the same service code as the API.

    All or nothing across the whole list: everything runs in one transaction, and emails go out after it
    commits. Returns one RowResult per row, in row order.
    """
    from .enrollment import EnrollmentItem, enroll_learners
    from .learners import link_learners

    link_rows = [row for row in rows if not row.course_run_id]
    enroll_rows = [row for row in rows if row.course_run_id]
    with transaction.atomic():
        linked = link_learners(customer, emails=[r.email for r in link_rows], actor=actor, dry_run=dry_run)
        by_email = {normalize_email(result.email): result for result in linked}
        items = [
            EnrollmentItem(course_run_id=r.course_run_id, user_email=r.email, course_mode=r.course_mode, notify=notify)
            for r in enroll_rows
        ]
        # enroll_learners caps one call at ENTERPRISE_ENROLL_MAX_BATCH_SIZE; a CSV may be longer.
        size = app_settings.get("MAX_BATCH_SIZE")
        enrolled = []
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            enrolled += enroll_learners(customer, chunk, actor=actor, source=source, dry_run=dry_run)
    enrolled = iter(enrolled)
    return [_row_result(row, next(enrolled) if row.course_run_id else by_email[row.email]) for row in rows]


def _row_result(row, result):
    """A RowResult from the service's ItemResult (enroll rows) or LinkResult (link-only rows, code = status)."""
    return RowResult(row, result.status, getattr(result, "code", result.status), result.detail)
