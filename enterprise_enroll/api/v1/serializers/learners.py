"""Serializers of learner links (enterprise-learner) and unlinking."""

from rest_framework import serializers

from ....models import EnterpriseCustomerUser


class EnterpriseLearnerSerializer(serializers.ModelSerializer):
    """A learner link."""

    enterprise_customer = serializers.UUIDField(source="enterprise_customer_id", read_only=True)
    user_id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    user_email = serializers.CharField(source="user.email", read_only=True)

    class Meta:
        model = EnterpriseCustomerUser
        fields = [
            "id",
            "enterprise_customer",
            "user_id",
            "username",
            "user_email",
            "active",
            "linked",
            "created",
            "modified",
        ]
        read_only_fields = fields


class LinkLearnerSerializer(serializers.Serializer):
    """POST enterprise-learner/: link a user (by username or email) to a customer."""

    enterprise_customer = serializers.UUIDField()
    username = serializers.CharField(required=False)
    user_email = serializers.EmailField(required=False)

    def validate(self, attrs):
        if bool(attrs.get("username")) == bool(attrs.get("user_email")):
            raise serializers.ValidationError("Give exactly one of username or user_email.", code="one_identifier")
        return attrs


class LinkResultSerializer(serializers.Serializer):
    """What linking or unlinking did for one learner."""

    email = serializers.CharField()
    status = serializers.CharField()
    detail = serializers.CharField()
    link = EnterpriseLearnerSerializer(required=False, allow_null=True)


class UnlinkUsersSerializer(serializers.Serializer):
    """POST enterprise-customer/{uuid}/unlink_users/ (edx shape)."""

    user_emails = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    is_relinkable = serializers.BooleanField(required=False, default=True)
