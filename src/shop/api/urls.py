from django.urls import path

from core.http.domain import domain_urls
from shop.api.views.cart import CartItemDetailView, CartItemsView, CartView, CheckoutView
from shop.api.views.categories import CategoryDetailView, CategoryListView
from shop.api.views.orders import (
    OrderCancelView,
    OrderDetailView,
    OrderListView,
    OrderTransitionView,
)
from shop.api.views.payments import PaymentWebhookView
from shop.api.views.products import ProductDetailView, ProductListView

app_name = "shop"

urlpatterns = domain_urls(
    "shop",
    [
        path("categories/", CategoryListView.as_view(), name="categories"),
        path("categories/<slug:slug>/", CategoryDetailView.as_view(), name="category"),
        path("products/", ProductListView.as_view(), name="products"),
        path("products/<id:pk>/", ProductDetailView.as_view(), name="product"),
        path("cart/", CartView.as_view(), name="cart"),
        path("cart/items/", CartItemsView.as_view(), name="cart-items"),
        path("cart/items/<id:pk>/", CartItemDetailView.as_view(), name="cart-item"),
        path("cart/checkout/", CheckoutView.as_view(), name="checkout"),
        path("orders/", OrderListView.as_view(), name="orders"),
        path("orders/<id:pk>/", OrderDetailView.as_view(), name="order"),
        path("orders/<id:pk>/cancel/", OrderCancelView.as_view(), name="order-cancel"),
        path(
            "orders/<id:pk>/transition/",
            OrderTransitionView.as_view(),
            name="order-transition",
        ),
        path("payments/webhook/", PaymentWebhookView.as_view(), name="payment-webhook"),
    ],
)
