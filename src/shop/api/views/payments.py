"""The card provider's signed payment webhook: a verified ``payment.succeeded`` event
pays its order, once per event id."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api import serializers as s
from shop.api.views._common import PAYMENT_REFUSED
from shop.services import orders as order_services
from shop.services import payments as payment_services

WEBHOOK_DESCRIPTION = """The card provider's payment events.

**Signature.** The provider signs every call with the shared secret
`SHOP_WEBHOOK_SECRET`: header `Nexus-Signature: t=<unix seconds>,v1=<hex>`, where
`v1` is the hex HMAC-SHA256 of `<t>.<raw body>` (the timestamp, a dot, then the body
bytes exactly as sent). Calls signed more than five minutes from now are replays and
are refused; so are unsigned and mis-signed ones: a 400 `invalid_signature` that
changes nothing. Several `v1` values may be sent (secret rotation).

**Body.** `{"id": "evt_…", "type": "payment.succeeded", "data": {"order": 42,
"amount": "59.90", "currency": "EUR"}}`. The event id makes delivery idempotent: the
same event twice pays once (`duplicate: true` the second time)."""


class PaymentWebhookView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(
        summary="Card payment webhook (signed)",
        description=WEBHOOK_DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "Nexus-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="`t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>`.",
            )
        ],
        request={"application/json": {"type": "object"}},
        responses={200: s.WebhookReceiptSerializer, 409: PAYMENT_REFUSED},
    )
    def post(self, request: Request) -> Response:
        event = payment_services.webhook_verify(
            body=request.body, header=request.headers.get(payment_services.SIGNATURE_HEADER)
        )
        if event.get("type") != "payment.succeeded":
            return Response({"received": True, "duplicate": False, "order": 0, "status": "ignored"})
        payment, recorded = payment_services.payment_record(event=event)
        order = payment.order
        order.refresh_from_db()
        return Response(
            {
                "received": True,
                "duplicate": not recorded,
                "order": order.pk,
                "status": order_services.effective_status(order),
            }
        )
