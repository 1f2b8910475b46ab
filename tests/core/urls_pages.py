"""config.urls plus one list per core paginator, over the users (test-only).

Mount with ``@pytest.mark.urls("tests.core.urls_pages")``."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as config_urlpatterns
from core.http.openapi import CURSOR_PARAMETER, PAGE_PARAMETER, PAGE_SIZE_PARAMETER
from core.http.pagination import (
    CursorPagination,
    KeysetPagination,
    PageNumberPagination,
    SequencePagination,
    envelope_serializer,
)
from core.identity.models import User

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


class ByName(KeysetPagination):
    orderings = {"name": "first_name", "-name": "-first_name", "-id": "-id"}
    default_ordering = "name"


class Newest(CursorPagination):
    ordering = ("-date_joined", "-id")


class UserRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UserList(APIView):
    permission_classes = [AllowAny]
    paginator_class: type = ByName

    # Every paginator's parameters (the schema says what a request may send).
    @extend_schema(
        parameters=[
            CURSOR_PARAMETER,
            PAGE_SIZE_PARAMETER,
            PAGE_PARAMETER,
            OpenApiParameter("ordering", str, enum=list(ByName.orderings)),
        ],
        responses={200: envelope_serializer("TestUserPage", UserRowSerializer(many=True))},
    )
    def get(self, request: Request) -> Response:
        paginator = self.paginator_class()
        users = User.objects.all()
        if isinstance(paginator, SequencePagination):
            rows = paginator.paginate_sequence(list(users.order_by("id")), request)
        else:
            if isinstance(paginator, PageNumberPagination):
                users = users.order_by("id")
            rows = paginator.paginate_queryset(users, request, self)
        return paginator.get_paginated_response([{"id": u.pk, "name": u.first_name} for u in rows])


urlpatterns = [
    path("pages/keyset/", UserList.as_view(paginator_class=ByName)),
    path("pages/cursor/", UserList.as_view(paginator_class=Newest)),
    path("pages/numbers/", UserList.as_view(paginator_class=PageNumberPagination)),
    path("pages/sequence/", UserList.as_view(paginator_class=SequencePagination)),
    *config_urlpatterns,
]
