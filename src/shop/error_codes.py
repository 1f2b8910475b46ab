"""The shop's problem codes, registered with core's catalogue (each has a page
under /problems/). Clients switch on ``code``."""

from __future__ import annotations

# core's, shared with every context that has a status workflow
from core.http.catalogue import ILLEGAL_TRANSITION as ILLEGAL_TRANSITION
from core.http.catalogue import register_problem

INSUFFICIENT_STOCK = register_problem(
    "insufficient_stock",
    status=409,
    title="Insufficient stock",
    description="Fewer units are in stock than asked for; `product` and `available` say "
    "which and how many. Nothing of the order was kept.",
    context="shop",
)
RESERVATION_LIMIT = register_problem(
    "reservation_limit",
    status=409,
    title="Reservation limit reached",
    description="A customer may hold only so many unpaid units (in pending orders not yet "
    "expired, cash on delivery included). `limit` is the cap, `held` the units you hold "
    "now, `requested` what this order adds, and `product` the product capped (null: the cap "
    "on all products together). Pay, cancel or let an order expire first. Nothing of the "
    "order was kept.",
    context="shop",
)
PRODUCT_UNAVAILABLE = register_problem(
    "product_unavailable",
    status=409,
    title="Product unavailable",
    description="The product does not exist or is no longer sold; `product` names it.",
    context="shop",
)
CART_EMPTY = register_problem(
    "cart_empty",
    status=409,
    title="Cart empty",
    description="There is nothing in the cart to check out.",
    context="shop",
)
CATEGORY_NOT_EMPTY = register_problem(
    "category_not_empty",
    status=409,
    title="Category not empty",
    description="A category with subcategories or products cannot be deleted; move or "
    "delete them first.",
    context="shop",
)
INVALID_SIGNATURE = register_problem(
    "invalid_signature",
    status=400,
    title="Invalid webhook signature",
    description="The webhook's `Nexus-Signature` header is missing, malformed, does not "
    "match the body, or is older than five minutes.",
    context="shop",
)
PAYMENT_MISMATCH = register_problem(
    "payment_mismatch",
    status=409,
    title="Payment does not match the order",
    description="The amount or currency paid differs from the order's total.",
    context="shop",
)
