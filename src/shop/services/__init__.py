"""Every shop write: catalog, cart, orders, payments, and the notifications tasks
send. REST, admin, tasks and the demo seed all come through here, importing the
module that owns the write (``shop.services.orders.order_place``)."""
