"""One router for the whole API: each app registers its viewsets in its own `api.py`, imported by api/urls.py."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
