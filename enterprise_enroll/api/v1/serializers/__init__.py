"""Serializers of the v1 API: they validate and shape, never write."""
