"""
Proof of the LMS plugin (SPEC §9): build the wheel, install it into a fresh virtualenv, and run a throwaway host
project (tests/plugin_host) that finds the app only through its `lms.djangoapp` entry point, migrates and serves
real requests to the enrollment endpoint under /enterprise-enroll/api/v1/.

Dependencies come from the index pinned by requirements/base.txt (pip's cache makes reruns quick). The host
enrolls with the local backend: the Open edX backend the plugin selects needs LMS modules (see host_settings.py).
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOST = Path(__file__).resolve().parent / "plugin_host"
PACKAGE_FILES = ("setup.cfg", "pyproject.toml", "README.md", "MANIFEST.in", "LICENSE")
RUN = "course-v1:edX+DemoX+Demo_Course"


def run(*command, cwd=None, env=None, timeout=600):
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def clean_env(**extra):
    """No PYTHONPATH, no settings module, no database URL of the outer test run: only the venv counts."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "PIP_CACHE_DIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **extra}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel built from a copy of the working tree (so the build never writes into the checkout)."""
    src = tmp_path_factory.mktemp("src")
    for name in PACKAGE_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "enterprise_enroll", src / "enterprise_enroll", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(src), env=clean_env())
    [built] = dist.glob("enterprise_enroll-*.whl")
    return built


@pytest.fixture(scope="module")
def facts(wheel, tmp_path_factory):
    """Install the wheel in a fresh venv, run the host there, and return what it reports."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    constraints = tmp_path_factory.mktemp("req") / "constraints.txt"
    pinned = (ROOT / "requirements" / "base.txt").read_text().splitlines()
    constraints.write_text("\n".join(line for line in pinned if not line.startswith("-e ")))
    run(
        sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--disable-pip-version-check",
        "-c", str(constraints), str(wheel), env=clean_env(),
    )  # fmt: skip
    host = tmp_path_factory.mktemp("host")
    for module in HOST.glob("*.py"):
        shutil.copy2(module, host / module.name)
    out = run(str(python), "serve_request.py", cwd=host, env=clean_env(), timeout=300)
    return {**json.loads(out.strip().splitlines()[-1]), "venv": str(venv)}


def test_the_wheel_ships_the_app_only_with_its_templates_and_entry_point(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    # Only the app (never settings/ or tests/) plus the wheel's own metadata.
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"enterprise_enroll"}
    for shipped in (
        "enterprise_enroll/templates/enterprise_enroll/admin/manage_learners.html",
        "enterprise_enroll/templates/enterprise_enroll/emails/enrollment_body.html",
        "enterprise_enroll/templates/enterprise_enroll/emails/invitation_subject.txt",
        "enterprise_enroll/migrations/0001_initial.py",
        "enterprise_enroll/urls_plugin.py",
    ):
        assert shipped in names
    [entry_points] = [name for name in names if name.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[lms.djangoapp]" in text and "enterprise_enroll = enterprise_enroll.apps:EnterpriseEnrollConfig" in text


def test_the_host_imports_the_installed_wheel_not_the_checkout(facts):
    assert facts["package_file"].startswith(facts["venv"])
    assert not any(entry.startswith(str(ROOT)) for entry in facts["sys_path"])


def test_the_app_is_discovered_through_its_entry_point(facts):
    assert facts["installed_apps"][-1] == "enterprise_enroll.apps.EnterpriseEnrollConfig"
    # The real edx-django-utils loader (installed as a dependency) agrees with the host's minimal one.
    assert facts["edx_django_utils_apps"] == ["enterprise_enroll.apps.EnterpriseEnrollConfig"]
    assert facts["edx_django_utils_regexes"] == ["^enterprise-enroll/"]
    assert facts["reverse"] == "/enterprise-enroll/api/v1/access/"


def test_plugin_settings_merged_into_the_host(facts):
    assert facts["authentication_backends"] == [
        "rules.permissions.ObjectPermissionBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    assert facts["role_mapping"]["enterprise_admin"] == [
        "enterprise_dashboard_admin",
        "enrollment_api_admin",
        "catalog_admin",
        "dashboard_admin",
    ]
    assert facts["role_mapping"]["other_role"] == ["other_feature"]
    assert facts["role_classes"] == ["enterprise_enroll.SystemWideEnterpriseUserRoleAssignment"]
    assert facts["selected_by_plugin"] == {
        "ENTERPRISE_ENROLL_ENROLLMENT_BACKEND": "enterprise_enroll.backends.OpenedxEnrollmentBackend",
        "ENTERPRISE_ENROLL_AUTHENTICATION_CLASSES": [
            "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication",
            "enterprise_enroll.auth.EnterpriseJWTAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
    }


def test_the_enrollment_endpoint_serves_under_the_plugin_prefix(facts):
    enrolled = facts["enrolled"]
    assert enrolled["status"] == 200, enrolled
    assert [(item["user_email"], item["status"]) for item in enrolled["body"]] == [
        ("ann@example.com", "enrolled"),
        ("new@example.com", "pending"),
    ]
    assert facts["ece"] == ["ann", RUN, "audit", "enterprise_api"]
    assert facts["pending"] == [["new@example.com", RUN]]
    assert facts["standalone_path_status"] == 404


def test_errors_keep_their_shape_inside_the_host(facts):
    assert facts["not_a_list"]["status"] == 400 and "code" in facts["not_a_list"]["body"]
    assert facts["anonymous"]["status"] == 401 and "code" in facts["anonymous"]["body"]
    forbidden = facts["forbidden"]
    assert forbidden["status"] == 403
    assert forbidden["body"]["permission"] == "enterprise_enroll.can_enroll_learners"
