"""The one error shape of the API, for the OpenAPI schema."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """`{"detail", "code", "hint"?}` plus fields some errors add (e.g. `max_batch_size`, `permission`)."""

    detail = serializers.CharField(help_text="What is wrong, for humans.")
    code = serializers.CharField(help_text="Stable machine code, e.g. body_not_a_list, permission_denied.")
    hint = serializers.CharField(required=False, help_text="How the caller can fix it.")
