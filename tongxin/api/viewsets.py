from django.db import transaction
from rest_framework import viewsets


class ScopedModelViewSet(viewsets.ModelViewSet):
    """A model API endpoint whose queryset is always restricted to the caller's region scope."""

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user)

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user)
