// The shop console (shop/console.html), on core's shell (window.Nexus): the category
// tree, search and filters over the keyset-paged catalog; a cart and its checkout, sent
// with an Idempotency-Key that "Pay twice" sends again to show the same order comes
// back; the order history with each order's allowed_transitions as buttons (and, for a
// move that is not open, the API's 409 shown as it came); staff's low-stock list.
"use strict";
(function () {
  const N = window.Nexus;
  const { el, fill, say } = N;
  const $ = (id) => document.getElementById(id);

  const PRODUCT_PAGE = 10;
  const RESTOCK_UNITS = 20;
  const STAFF_MOVES = ["paid", "shipped", "delivered", "cancelled"]; // TransitionSerializer
  const OWNER_MOVES = ["cancelled"];
  const MOVE_LABELS = { paid: "Mark paid", shipped: "Ship", delivered: "Mark delivered", cancelled: "Cancel order" };
  const PAYMENT_LABELS = { bank_transfer: "bank transfer", cash_on_delivery: "cash on delivery", card: "card" };

  const state = {
    session: N.session,
    category: null, // a slug
    filters: {}, // the filter form's values, as sent
    lastCheckout: null, // {key, json, order}: what "Pay twice" sends again
  };
  const categoryNames = new Map(); // slug -> name

  function money(amount, currency) {
    const value = Number(amount);
    if (!currency || Number.isNaN(value)) return `${amount} ${currency || ""}`.trim();
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(value);
    } catch (error) {
      return `${amount} ${currency}`;
    }
  }

  function plural(count, word) {
    return `${count} ${word}${count === 1 ? "" : "s"}`;
  }

  // A control for someone who is signed in as the wrong account: says why, and in
  // demo mode offers the account that can, one click away.
  function needs(text, username) {
    const offered = N.config.accounts.some((account) => account.username === username);
    return el("div", { class: "shop-needs" },
      el("p", { class: "hint" }, text),
      offered && el("button", { type: "button", class: "button secondary", onclick: () => N.useAccount(username) },
        `Sign in as ${username}`));
  }

  // ---- the category tree -------------------------------------------------------------
  async function loadTree() {
    const roots = [];
    let next = "shop/categories/";
    while (next) {
      const reply = await N.get(next, { auth: false });
      if (!reply.ok) { say($("product-message"), reply); return; }
      roots.push(...reply.body.results);
      next = reply.body.next;
    }
    fill($("category-tree"), roots.map((root) =>
      el("details", { class: "department" },
        el("summary", {}, remember(root).name, " ", el("span", { class: "count" }, root.product_count)),
        el("ul", {},
          el("li", {}, categoryButton(root, "all of " + root.name)),
          root.children.map(branch)))));
    markCategory();
  }

  function remember(node) {
    categoryNames.set(node.slug, node.name);
    return node;
  }

  function branch(node) {
    remember(node);
    return el("li", {}, categoryButton(node, node.name),
      node.children.length ? el("ul", {}, node.children.map(branch)) : null);
  }

  function categoryButton(node, label) {
    return el("button", {
      type: "button", class: "category", dataset: { slug: node.slug },
      onclick: () => { state.category = node.slug; markCategory(); loadProducts(); },
    }, label, " ", el("span", { class: "count" }, node.product_count));
  }

  function markCategory() {
    document.querySelectorAll("#category-tree .category").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.slug === state.category));
    });
    $("category-all").setAttribute("aria-pressed", String(state.category === null));
  }

  // ---- the product list ----------------------------------------------------------------
  function productPath() {
    const params = new URLSearchParams();
    if (state.category) params.set("category", state.category);
    for (const [name, value] of Object.entries(state.filters)) params.set(name, value);
    params.set("page_size", String(PRODUCT_PAGE));
    return "shop/products/?" + params.toString();
  }

  function describeScope() {
    const parts = [`in ${state.category ? categoryNames.get(state.category) || state.category : "every category"}`];
    const { search, min_price: low, max_price: high, in_stock: inStock } = state.filters;
    if (search) parts.push(`matching “${search}”`);
    if (low || high) parts.push(`priced ${low || "0"}–${high || "any"}`);
    if (inStock) parts.push("in stock");
    if (state.session.isStaff) parts.push("inactive ones included (you are staff)");
    $("product-scope").textContent = "Showing products " + parts.join(", ") + ".";
  }

  function loadProducts() {
    describeScope();
    N.list($("product-list"), productPath(), renderProduct, { empty: "No product matches these filters." });
  }

  function renderProduct(product) {
    const note = el("span", { class: "message", role: "status" });
    const add = el("button", {
      type: "button", class: "button secondary", disabled: product.stock < 1 || !product.is_active,
      onclick: () => addToCart(product, add, note),
    }, product.stock < 1 ? "Sold out" : "Add to cart");
    return el("li", { class: "product", dataset: { product: product.id } },
      el("div", { class: "row spread" },
        el("strong", { class: "name" }, product.name),
        el("span", { class: "price" }, money(product.price, product.currency))),
      el("div", { class: "row" },
        el("span", { class: "tag" }, product.category.name),
        el("span", { class: product.stock > 0 ? "stock" : "stock out" },
          product.stock > 0 ? `${product.stock} in stock` : "out of stock"),
        !product.is_active && el("span", { class: "tag" }, "inactive"),
        el("span", { class: "hint" }, product.sku),
        state.session.signedIn && el("span", { class: "buy" }, add)),
      note);
  }

  async function addToCart(product, button, note) {
    button.disabled = true;
    const reply = await N.post("shop/cart/items/", { product: product.id, quantity: 1 });
    button.disabled = false;
    if (!reply.ok) { say(note, reply); return; }
    const line = reply.body.items.find((item) => item.product.id === product.id);
    say(note, `In your cart${line ? ` (${line.quantity})` : ""}.`, "ok");
    renderCart(reply.body);
  }

  $("product-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    const filters = N.formData(event.target);
    if (filters.ordering === "relevance" && !filters.search) {
      delete filters.ordering;
      say($("product-message"), "Relevance needs a search: showing the newest first.", "info");
    } else {
      say($("product-message"), "");
    }
    state.filters = filters;
    loadProducts();
  });
  $("product-filters").addEventListener("reset", () => {
    state.filters = {};
    state.category = null;
    markCategory();
    say($("product-message"), "");
    loadProducts();
  });
  $("category-all").addEventListener("click", () => {
    state.category = null;
    markCategory();
    loadProducts();
  });

  // ---- the cart and the checkout -----------------------------------------------------
  async function loadCart() {
    if (!state.session.signedIn) {
      fill($("cart-body"), needs("Sign in to fill a cart and check out.", "demo_customer"));
      $("checkout-form").hidden = true;
      return;
    }
    const reply = await N.get("shop/cart/");
    if (!reply.ok) { say($("cart-message"), reply); return; }
    renderCart(reply.body);
  }

  function renderCart(cart) {
    $("checkout-form").hidden = cart.items.length === 0;
    if (!cart.items.length) {
      fill($("cart-body"), el("p", { class: "hint", id: "cart-empty" }, "Your cart is empty: add a product from the catalog."));
      return;
    }
    fill($("cart-body"),
      el("ul", { class: "items" }, cart.items.map(renderCartLine)),
      el("p", { class: "shop-total", id: "cart-total" },
        plural(cart.item_count, "unit"), " · total ", el("strong", {}, money(cart.total, cart.currency))));
  }

  function renderCartLine(item) {
    const product = item.product;
    const quantity = el("input", {
      type: "number", class: "quantity", min: 1, max: 1000, value: item.quantity,
      "aria-label": "Quantity of " + product.name,
    });
    quantity.addEventListener("change", async () => {
      const reply = await N.patch(`shop/cart/items/${item.id}/`, { quantity: Number(quantity.value) });
      if (reply.ok) renderCart(reply.body);
      else say($("cart-message"), reply);
    });
    const remove = el("button", {
      type: "button", class: "link",
      onclick: async () => {
        const reply = await N.del(`shop/cart/items/${item.id}/`);
        if (!reply.ok) { say($("cart-message"), reply); return; }
        say($("cart-message"), `Removed ${product.name}.`, "ok");
        loadCart();
      },
    }, "remove");
    return el("li", { class: "cart-line", dataset: { item: item.id } },
      el("div", { class: "row spread" },
        el("span", {}, product.name),
        el("strong", {}, money(item.line_total, product.currency))),
      el("div", { class: "row" },
        el("label", { class: "inline" }, "Qty ", quantity),
        el("span", { class: "hint" }, money(product.price, product.currency) + " each"),
        remove));
  }

  function checkout(json, key) {
    return N.post("shop/cart/checkout/", json, { headers: { "Idempotency-Key": key } });
  }

  $("checkout-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const json = N.formData(event.target);
    const key = N.key();
    $("checkout").disabled = true;
    const reply = await checkout(json, key);
    $("checkout").disabled = false;
    if (!reply.ok) { say($("cart-message"), reply); return; }
    const order = reply.body;
    state.lastCheckout = { key, json, order };
    say($("cart-message"), "");
    const due = order.payment_due_at ? `, to pay by ${N.when(order.payment_due_at)}` : "";
    $("checkout-summary").textContent =
      `Order #${order.id} placed: ${order.status}, ${money(order.total, order.currency)}${due}.`;
    say($("replay-message"), "");
    $("checkout-result").hidden = false;
    loadCart();
    loadOrders();
    loadProducts(); // the stock it reserved
  });

  $("pay-twice").addEventListener("click", async () => {
    const last = state.lastCheckout;
    if (!last) return;
    $("pay-twice").disabled = true;
    const reply = await checkout(last.json, last.key);
    $("pay-twice").disabled = false;
    if (!reply.ok) { say($("replay-message"), reply); return; }
    const replayed = reply.headers.get("idempotent-replayed") || "absent";
    if (reply.body.id === last.order.id) {
      say($("replay-message"), `Same order came back: #${reply.body.id} (${reply.status}, ` +
        `Idempotent-Replayed: ${replayed}). No second order, nothing reserved twice.`, "ok");
    } else {
      say($("replay-message"), `Another order came back: #${reply.body.id}, not #${last.order.id}.`, "error");
    }
  });

  // ---- the order history -------------------------------------------------------------
  function loadOrders() {
    if (!state.session.signedIn) {
      $("orders-scope").textContent = "";
      fill($("order-list"), needs("Sign in to see your orders.", "demo_customer"));
      return;
    }
    $("orders-scope").textContent = state.session.isStaff
      ? "Everyone's orders, newest first: as staff you move them along pending → paid → shipped → delivered, or cancel before shipping."
      : "Your orders, newest first. You may cancel one until it ships.";
    const status = $("order-filter").elements.status.value;
    const path = "shop/orders/" + (status ? "?status=" + encodeURIComponent(status) : "");
    N.list($("order-list"), path, renderOrder, { empty: status ? `No ${status} order.` : "No order yet: check out a cart." });
  }

  function renderOrder(order) {
    const item = el("li", { class: "order" });
    fillOrder(item, order);
    return item;
  }

  function fillOrder(item, order, message) {
    item.dataset.order = order.id;
    item.dataset.status = order.status;
    const allowed = order.allowed_transitions || [];
    const refused = (state.session.isStaff ? STAFF_MOVES : OWNER_MOVES).filter((move) => !allowed.includes(move));
    const note = el("p", { class: "message", role: "status" });
    const facts = [N.when(order.created_at), PAYMENT_LABELS[order.payment_method] || order.payment_method];
    if (state.session.isStaff) facts.push(`customer #${order.user}`);
    if (order.status === "pending" && order.payment_due_at) facts.push(`pay by ${N.when(order.payment_due_at)}`);
    fill(item,
      el("div", { class: "row spread" },
        el("span", { class: "row" },
          el("strong", {}, `Order #${order.id}`),
          el("span", { class: `tag status status-${order.status}` }, order.status)),
        el("strong", { class: "total" }, money(order.total, order.currency))),
      el("p", { class: "hint" }, facts.join(" · ")),
      el("ul", { class: "lines" }, order.lines.map((line) =>
        el("li", {}, `${line.quantity} × ${line.name} `, el("span", { class: "hint" }, money(line.line_total, line.currency))))),
      allowed.length
        ? el("div", { class: "row moves" }, allowed.map((move) => moveButton(item, order, move, "button")))
        : el("p", { class: "hint" }, `No move is open to you on a ${order.status} order.`),
      refused.length > 0 && el("details", { class: "try" },
        el("summary", {}, "Try a move that is not open"),
        el("div", { class: "row" }, refused.map((move) => moveButton(item, order, move, "button secondary")))),
      note);
    if (message) say(note, message, "ok");
  }

  function moveButton(item, order, move, className) {
    const button = el("button", {
      type: "button", class: className, dataset: { move },
      onclick: () => moveOrder(item, order, move, button),
    }, MOVE_LABELS[move] || move);
    return button;
  }

  async function moveOrder(item, order, move, button) {
    button.disabled = true;
    const reply = move === "cancelled"
      ? await N.post(`shop/orders/${order.id}/cancel/`)
      : await N.post(`shop/orders/${order.id}/transition/`, { status: move });
    button.disabled = false;
    if (reply.ok) {
      fillOrder(item, reply.body, `#${order.id} is ${reply.body.status} now.`);
      if (move === "cancelled") loadProducts(); // its units are back on sale
      return;
    }
    // Refused (a 409 illegal_transition names the current status and what is allowed):
    // shown on the order as the API said it.
    say(item.querySelector(":scope > .message"), reply, "error");
  }

  $("order-filter").addEventListener("change", loadOrders);
  $("order-filter").addEventListener("submit", (event) => { event.preventDefault(); loadOrders(); });

  // ---- staff: what to restock ----------------------------------------------------------
  function loadRestock() {
    if (!state.session.isStaff) {
      fill($("restock-body"), needs(
        "Staff see the products whose stock is below their low-stock threshold, and restock them.",
        "demo_staff"));
      return;
    }
    const list = el("div", { id: "restock-list" });
    fill($("restock-body"),
      el("p", { class: "hint" }, "Products whose stock available now is below their threshold (out of stock included), by name."),
      list);
    N.list(list, `shop/products/?low_stock=true&ordering=name&page_size=${PRODUCT_PAGE}`, renderLow,
      { empty: "Nothing is running low." });
  }

  function renderLow(product) {
    const stock = el("span", { class: product.stock > 0 ? "stock low" : "stock out" }, `${product.stock} left`);
    const note = el("span", { class: "message", role: "status" });
    const restock = el("button", {
      type: "button", class: "button secondary",
      onclick: async () => {
        restock.disabled = true;
        const reply = await N.patch(`shop/products/${product.id}/`, { stock: product.stock + RESTOCK_UNITS });
        restock.disabled = false;
        if (!reply.ok) { say(note, reply); return; }
        product = reply.body;
        stock.textContent = `${product.stock} left`;
        stock.className = "stock";
        say(note, `Restocked to ${product.stock}.`, "ok");
      },
    }, `Restock +${RESTOCK_UNITS}`);
    return el("li", { class: "low-stock", dataset: { product: product.id } },
      el("div", { class: "row spread" }, el("strong", {}, product.name), stock),
      el("div", { class: "row" },
        el("span", { class: "tag" }, product.category.name),
        !product.is_active && el("span", { class: "tag" }, "inactive"),
        el("span", { class: "hint" }, product.sku),
        restock, note));
  }

  // ---- wiring --------------------------------------------------------------------------
  N.onSession((session) => {
    state.session = session;
    state.lastCheckout = null; // an Idempotency-Key is its account's own
    $("checkout-result").hidden = true;
    say($("cart-message"), "");
    loadProducts();
    loadCart();
    loadOrders();
    loadRestock();
  });
  loadTree();
})();
