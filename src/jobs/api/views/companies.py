"""Company endpoints: the list (``mine=true`` for yours) and creation, a company's
profile and its edit, and adding members."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.openapi import PAGE_PARAMETER, PAGE_SIZE_PARAMETER
from core.http.pagination import PageNumberPagination
from core.identity.actors import authenticated_user
from core.identity.permissions import IsEmployer, ReadOnlyOr
from jobs import selectors
from jobs.api.serializers.companies import (
    CompanyCreateSerializer,
    CompanyFilterSerializer,
    CompanyPageSerializer,
    CompanySerializer,
    CompanyUpdateSerializer,
    MemberAddSerializer,
    MemberSerializer,
)
from jobs.api.views._common import PAST_THE_END
from jobs.services.companies import company_create, company_member_add, company_update


class CompanyListView(APIView):
    permission_classes = [ReadOnlyOr.for_(IsEmployer)]

    @extend_schema(
        summary="Companies",
        description="By name. `mine=true`: the companies you belong to.",
        operation_id="jobs_companies_list",
        parameters=[
            CompanyFilterSerializer,
            PAGE_PARAMETER,
            PAGE_SIZE_PARAMETER,
        ],
        responses={200: CompanyPageSerializer, 404: PAST_THE_END},
    )
    def get(self, request: Request) -> Response:
        filters = CompanyFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        companies = selectors.company_list(user=request.user, **filters.validated_data)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(companies, request, self)
        return paginator.get_paginated_response(CompanySerializer(page, many=True).data)

    @extend_schema(
        summary="Create a company (employers)",
        description="You become its owner.",
        request=CompanyCreateSerializer,
        responses={201: CompanySerializer},
    )
    def post(self, request: Request) -> Response:
        payload = CompanyCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        company = company_create(actor=authenticated_user(request), data=payload.validated_data)
        return Response(CompanySerializer(company).data, status=status.HTTP_201_CREATED)


class CompanyDetailView(APIView):
    permission_classes = [ReadOnlyOr.for_(permissions.IsAuthenticated)]

    @extend_schema(summary="A company", responses={200: CompanySerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CompanySerializer(selectors.company_get(pk)).data)

    @extend_schema(
        summary="Edit a company (members; `verified`: moderators)",
        request=CompanyUpdateSerializer(partial=True),
        responses={200: CompanySerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        company = selectors.company_get(pk)
        payload = CompanyUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        company = company_update(
            company=company, actor=authenticated_user(request), data=payload.validated_data
        )
        return Response(CompanySerializer(company).data)


class CompanyMembersView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Add a member (company owner)",
        description="The user must have the employer role; adding an existing member "
        "changes their role (a company keeps at least one owner).",
        request=MemberAddSerializer,
        responses={201: MemberSerializer(many=True)},
    )
    def post(self, request: Request, pk: int) -> Response:
        company = selectors.company_get(pk)
        payload = MemberAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        company_member_add(
            company=company,
            actor=authenticated_user(request),
            user_id=payload.validated_data["user"],
            role=payload.validated_data["role"],
        )
        members = selectors.company_members(company)
        return Response(MemberSerializer(members, many=True).data, status=201)
