"""System checks: misconfigured backends are reported by `manage.py check` at start-up."""
