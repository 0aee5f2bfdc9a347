"""import_learners <customer> <file.csv>: link and enroll learners from a CSV, like the admin's Manage learners."""

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from enterprise_enroll.csv_import import ImportRejected, decode, import_learners, parse_csv, results_csv, summarize
from enterprise_enroll.exceptions import EnterpriseEnrollError
from enterprise_enroll.models import EnrollmentSource, EnterpriseCustomer

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Link and enroll an enterprise customer's learners from a UTF-8 CSV with a header row "
        "email[,course_run_id][,course_mode]. Prints one result row per line (CSV) on stdout; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("customer", help="UUID or slug of an active enterprise customer")
        parser.add_argument("csv_path", help="Path of the CSV file")
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen; write nothing")
        parser.add_argument("--default-mode", help="Course mode for rows that name a course run but no mode")
        parser.add_argument("--notify", action="store_true", help="Email each enrolled learner")
        parser.add_argument("--by", help="Username recorded in the audit history as having made the change")
        parser.add_argument("--chunk-size", type=int, default=200, help="Rows per service call (progress steps)")

    def handle(self, *args, customer, csv_path, dry_run, default_mode, notify, by, chunk_size, **options):
        customer = self._customer(customer)
        actor = self._actor(by)
        rows = self._rows(csv_path, default_mode)
        results = []
        try:
            # One transaction for the whole file: a failure part-way leaves nothing behind; emails go after commit.
            with transaction.atomic():
                for start in range(0, len(rows), max(chunk_size, 1)):
                    chunk = rows[start : start + max(chunk_size, 1)]
                    results += import_learners(
                        customer,
                        chunk,
                        actor=actor,
                        source=EnrollmentSource.MANAGEMENT_COMMAND,
                        dry_run=dry_run,
                        notify=notify,
                    )
                    self._progress(len(results), len(rows))
        except EnterpriseEnrollError as exc:
            raise CommandError(f"{exc.detail} {exc.hint or ''}".strip()) from exc
        self.stdout.write(results_csv(results), ending="")
        summary = ", ".join(f"{count} {status}" for status, count in summarize(results))
        self.stderr.write(f"Summary: {summary}.")
        if dry_run:
            self.stderr.write("Dry run: nothing was written.")

    def _customer(self, identifier):
        try:
            lookup = {"pk": uuid.UUID(identifier)}
        except ValueError:
            lookup = {"slug": identifier}
        customer = EnterpriseCustomer.objects.active().filter(**lookup).first()
        if customer is None:
            raise CommandError(f"No active enterprise customer {identifier!r} (give its UUID or slug).")
        return customer

    def _actor(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r} (--by).")
        return user

    def _rows(self, path, default_mode):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            return parse_csv(decode(data), default_mode=default_mode)
        except ImportRejected as rejected:
            raise CommandError("The file was rejected; nothing was written.\n" + "\n".join(rejected.messages)) from None

    def _progress(self, done, total):
        """A progress bar on stderr, only when it is a terminal (logs and pipes stay clean)."""
        if not self.stderr.isatty():
            return
        filled = BAR_WIDTH * done // total
        self.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} rows", ending="")
        if done == total:
            self.stderr.write("")
