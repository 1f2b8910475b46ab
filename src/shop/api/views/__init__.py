"""The shop's REST endpoints, one module per resource: categories, products, cart,
orders and payments. Views are thin: they validate, call a selector or service, and
shape output (``shop.api.urls`` routes to them)."""
