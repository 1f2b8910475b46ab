from django.urls import path

import core.http.converters  # noqa: F401  (registers <id:...>)
from core.http.domain import DomainIndexView
from shop.api import views

app_name = "shop"

urlpatterns = [
    path(
        "",
        DomainIndexView.as_view(domain="shop", routes=lambda: urlpatterns),
        name="index",
    ),
    path("categories/", views.CategoryListView.as_view(), name="categories"),
    path("categories/<slug:slug>/", views.CategoryDetailView.as_view(), name="category"),
    path("products/", views.ProductListView.as_view(), name="products"),
    path("products/<id:pk>/", views.ProductDetailView.as_view(), name="product"),
    path("cart/", views.CartView.as_view(), name="cart"),
    path("cart/items/", views.CartItemsView.as_view(), name="cart-items"),
    path("cart/items/<id:pk>/", views.CartItemDetailView.as_view(), name="cart-item"),
    path("cart/checkout/", views.CheckoutView.as_view(), name="checkout"),
    path("orders/", views.OrderListView.as_view(), name="orders"),
    path("orders/<id:pk>/", views.OrderDetailView.as_view(), name="order"),
    path("orders/<id:pk>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path(
        "orders/<id:pk>/transition/",
        views.OrderTransitionView.as_view(),
        name="order-transition",
    ),
    path("payments/webhook/", views.PaymentWebhookView.as_view(), name="payment-webhook"),
]
