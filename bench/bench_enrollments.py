"""
Benchmark of POST enterprise-customer/{uuid}/course_enrollments/ through the real stack (JWT auth, rules, view,
service, SQLite) for 1, 100 and 1,000 items: existing linked learners, and unknown emails (pending).

Run: `make bench` (or `.venv/bin/python bench/bench_enrollments.py [--repeat N] [--sizes 1 100 1000]`).
Prints, per scenario and size: median ms per request, ms per enrollment, items/s and SQL queries per request.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(db_path):
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(max_size):
    """One customer with an all-content catalog, an API admin, and `max_size` linked learners."""
    from django.contrib.auth import get_user_model

    from enterprise_enroll import models
    from enterprise_enroll.learners import link_learners

    customer = models.EnterpriseCustomer.objects.create(name="Bench", slug="bench")
    models.EnterpriseCustomerCatalog.objects.create(enterprise_customer=customer, title="All", content_filter={})
    User = get_user_model()
    admin = User.objects.create_user("bench-admin", "admin@bench.example", "x")
    models.SystemWideEnterpriseUserRoleAssignment.objects.create(
        user=admin,
        role=models.SystemWideEnterpriseRole.objects.get(name="enterprise_admin"),
        enterprise_customer=customer,
    )
    learners = User.objects.bulk_create(
        [User(username=f"learner{i}", email=f"learner{i}@bench.example") for i in range(max_size)]
    )
    link_learners(customer, users=learners)
    return customer, admin, learners


def run(sizes, repeat):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from enterprise_enroll.auth import access_token_for

    customer, admin, learners = seed(max(sizes))
    client = Client(HTTP_AUTHORIZATION=f"JWT {access_token_for(admin)}", HTTP_HOST="127.0.0.1")
    url = f"/enterprise/api/v1/enterprise-customer/{customer.uuid}/course_enrollments/"
    scenarios = {
        "existing learners": lambda n, run_id: [
            {"lms_user_id": u.pk, "course_run_id": run_id, "course_mode": "audit"} for u in learners[:n]
        ],
        "unknown emails": lambda n, run_id: [
            {"user_email": f"new{i}-{run_id[-6:]}@bench.example", "course_run_id": run_id, "course_mode": "audit"}
            for i in range(n)
        ],
    }
    print(
        f"{'scenario':<18} {'items':>6} {'median ms/request':>18} {'ms/enrollment':>14} {'items/s':>9} "
        f"{'queries/request':>16}"
    )
    counter = 0
    for name, make_body in scenarios.items():
        for size in sizes:
            timings, queries = [], set()
            for _ in range(repeat):
                counter += 1
                body = make_body(size, f"course-v1:Bench+C{counter}+R{counter:06d}")
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.post(url, body, content_type="application/json")
                    timings.append(time.perf_counter() - start)
                assert response.status_code == 200, response.content[:300]
                statuses = {item["status"] for item in response.json()}
                assert statuses <= {"enrolled", "pending"}, statuses
                queries.add(len(captured.captured_queries))
            median_ms = statistics.median(timings) * 1000
            print(
                f"{name:<18} {size:>6} {median_ms:>18.1f} {median_ms / size:>14.3f} "
                f"{size / (median_ms / 1000):>9.0f} {'/'.join(map(str, sorted(queries))):>16}"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp) / "bench.sqlite3")
        run(args.sizes, args.repeat)


if __name__ == "__main__":
    main()
