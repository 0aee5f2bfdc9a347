"""Serializers for enterprise customers and their catalog-membership question."""

from rest_framework import serializers

from ....models import EnterpriseCustomer


class EnterpriseCustomerSerializer(serializers.ModelSerializer):
    """An enterprise customer (the tenant)."""

    class Meta:
        model = EnterpriseCustomer
        fields = ["uuid", "name", "slug", "active", "enable_autocohorting", "contact_email", "created", "modified"]
        read_only_fields = ["uuid", "created", "modified"]


class BasicCustomerSerializer(serializers.ModelSerializer):
    """edx's basic_list element: `{id, name}`."""

    id = serializers.UUIDField(source="uuid", read_only=True)

    class Meta:
        model = EnterpriseCustomer
        fields = ["id", "name"]


class ContainsContentItemsQuerySerializer(serializers.Serializer):
    """Query of contains_content_items: one or more course run ids."""

    course_run_ids = serializers.ListField(
        child=serializers.CharField(), allow_empty=False, help_text="Repeat the parameter for several runs."
    )


class ContainsContentItemsSerializer(serializers.Serializer):
    contains_content_items = serializers.BooleanField()
