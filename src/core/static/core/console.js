// The consoles' shell (core/console.html): the session, the fetch helper and the
// request log that every domain console shares (the proofs page uses the fetch helper and
// the log without the account panel). A domain's own script runs after this one and uses
// `window.Nexus`:
//
//   Nexus.onSession(fn)            fn(session) now and whenever the account changes
//   Nexus.api(method, path, opts)  a call to the public API, logged in the side panel;
//                                  opts: {json, form, headers, auth (default true)};
//                                  resolves to {ok, status, body, headers, ms}
//   Nexus.get / post / patch / put / del   shorthands
//   Nexus.el(tag, props, ...children)      a DOM node (text is never parsed as HTML)
//   Nexus.list(target, path, renderItem)   a paginated list with a "More" button
//   Nexus.say(node, reply | text, kind)    a one-line status: the problem's detail on a 4xx
//   Nexus.key()                            a fresh Idempotency-Key
//
// The access and refresh tokens live in this page's memory only, never in storage. In
// demo mode each console opens as its domain's natural demo account (the manifest's
// console_account: the candidate on jobs, the customer on the shop).
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("console-config").textContent);
  const apiRoot = new URL(config.api);
  const $ = (id) => document.getElementById(id);
  const LOG_LIMIT = 60;

  const session = { username: null, roles: [], isStaff: false, signedIn: false, me: null };
  const tokens = new Map(); // username -> {access, refresh}: switching back costs no login
  const listeners = [];
  let settled = false; // the first sign-in attempt has finished

  // ---- DOM ----------------------------------------------------------------------------
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") {
        node.addEventListener(name.slice(2), value);
      } else if (name === "class") {
        node.className = value;
      } else if (name === "dataset") {
        Object.assign(node.dataset, value);
      } else if (name in node && typeof value !== "string") {
        node[name] = value;
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    }
    append(node, children);
    return node;
  }
  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function fill(node, ...children) {
    node.replaceChildren();
    return append(node, children);
  }

  // ---- the request log --------------------------------------------------------------
  const SECRET_FIELDS = new Set(["access", "refresh", "password", "new_password", "old_password"]);
  function masked(value) {
    if (Array.isArray(value)) return value.map(masked);
    if (value && typeof value === "object" && !(value instanceof FormData)) {
      const copy = {};
      for (const [name, inner] of Object.entries(value)) {
        copy[name] = SECRET_FIELDS.has(name) && typeof inner === "string"
          ? "…" + inner.slice(-6) : masked(inner);
      }
      return copy;
    }
    return value;
  }
  function shown(body) {
    if (body === null || body === undefined || body === "") return "(no body)";
    if (body instanceof FormData) {
      const parts = [];
      for (const [name, value] of body.entries()) {
        parts.push(name + ": " + (value instanceof File ? `${value.name} (${value.type}, ${value.size} bytes)` : value));
      }
      return "multipart/form-data\n" + parts.join("\n");
    }
    return typeof body === "string" ? body : JSON.stringify(masked(body), null, 2);
  }
  function displayPath(url) {
    return url.origin === location.origin ? url.pathname + url.search : url.href;
  }
  function logEntry(entry) {
    const log = $("request-log");
    if (!log) return;
    const family = Math.floor(entry.status / 100);
    const requestHeaders = Object.entries(entry.requestHeaders)
      .map(([name, value]) => name + ": " + (name === "Authorization" ? "Bearer …" + value.slice(-6) : value));
    const responseHeaders = [];
    for (const name of ["content-type", "location", "idempotent-replayed", "ratelimit", "retry-after", "x-request-id"]) {
      const value = entry.headers && entry.headers.get(name);
      if (value) responseHeaders.push(name + ": " + value);
    }
    const item = el("li", { class: `entry status-${family}xx`, dataset: { status: entry.status, method: entry.method } },
      el("details", {},
        el("summary", {},
          el("code", { class: "method" }, entry.method), " ",
          el("code", { class: "path" }, entry.path), " ",
          el("span", { class: "status" }, entry.status || "network error"), " ",
          el("span", { class: "ms" }, entry.ms + " ms")),
        el("div", { class: "exchange" },
          el("h3", {}, "Request"),
          el("pre", {}, [entry.method + " " + entry.path, ...requestHeaders, "", shown(entry.requestBody)].join("\n")),
          el("h3", {}, "Response"),
          el("pre", {}, [String(entry.status), ...responseHeaders, "", shown(entry.body)].join("\n")))));
    log.prepend(item);
    while (log.children.length > LOG_LIMIT) log.lastElementChild.remove();
  }

  // ---- the fetch helper --------------------------------------------------------------
  function resolve(path) {
    if (/^https?:/.test(path)) return new URL(path);
    if (path.startsWith("/")) return new URL(path, location.origin);
    return new URL(path, apiRoot);
  }

  async function send(method, path, options) {
    const url = resolve(path);
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    let body;
    if (options.form) {
      body = options.form; // the browser sets the multipart boundary
    } else if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    const current = session.username && tokens.get(session.username);
    if (options.auth !== false && current) headers.Authorization = "Bearer " + current.access;
    const started = performance.now();
    let response = null;
    let parsed = null;
    try {
      response = await fetch(url, { method, headers, body, credentials: "omit" });
      const type = response.headers.get("content-type") || "";
      if (response.status !== 204) {
        parsed = type.includes("json") ? await response.json() : await response.text();
      }
    } catch (error) {
      parsed = { detail: String(error) };
    }
    const reply = {
      ok: Boolean(response && response.ok),
      status: response ? response.status : 0,
      body: parsed,
      headers: response ? response.headers : new Headers(),
      ms: Math.round(performance.now() - started),
    };
    logEntry({
      method, path: displayPath(url), status: reply.status, ms: reply.ms, headers: reply.headers,
      requestHeaders: headers, requestBody: options.form || options.json, body: parsed,
    });
    return reply;
  }

  async function api(method, path, options) {
    options = options || {};
    let reply = await send(method, path, options);
    // An expired access token: refresh once (rotation hands back a new pair) and retry.
    if (reply.status === 401 && reply.body && reply.body.code === "token_expired"
        && options.auth !== false && session.username && await refresh()) {
      reply = await send(method, path, options);
    }
    return reply;
  }

  async function refresh() {
    const current = tokens.get(session.username);
    if (!current || !current.refresh) return false;
    const reply = await send("POST", "auth/token/refresh/", { json: { refresh: current.refresh }, auth: false });
    if (!reply.ok) {
      tokens.delete(session.username);
      return false;
    }
    tokens.set(session.username, { access: reply.body.access, refresh: reply.body.refresh || current.refresh });
    return true;
  }

  // ---- the session --------------------------------------------------------------------
  function notify() {
    settled = true;
    if ($("session-user")) { // a page without the account panel (/proofs/) has none of these
      $("session-user").textContent = session.signedIn ? session.username : "nobody";
      const roles = session.roles.concat(session.isStaff ? ["staff"] : []);
      $("session-roles").textContent = roles.length ? "(" + roles.join(", ") + ")" : "";
      $("sign-out").hidden = !session.signedIn;
    }
    document.querySelectorAll("#account-switch .account").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.username === session.username));
    });
    document.body.dataset.account = session.signedIn ? session.username : "";
    for (const listener of listeners) {
      try { listener(session); } catch (error) { console.error(error); }
    }
  }

  async function becomeSignedIn(username) {
    session.username = username;
    const me = await api("GET", "auth/me/");
    if (!me.ok) {
      tokens.delete(username);
      return signedOut(me);
    }
    Object.assign(session, {
      username: me.body.username, roles: me.body.roles || [], isStaff: Boolean(me.body.is_staff),
      signedIn: true, me: me.body,
    });
    say($("session-message"), "");
    notify();
    return true;
  }

  function signedOut(reply) {
    Object.assign(session, { username: null, roles: [], isStaff: false, signedIn: false, me: null });
    if (reply) say($("session-message"), reply, "error");
    notify();
    return false;
  }

  async function signIn(username, password) {
    const reply = await send("POST", "auth/token/", { json: { username, password }, auth: false });
    if (!reply.ok) {
      // A refused sign-in leaves whoever was signed in signed in.
      say($("session-message"), reply, "error");
      if (!settled) notify();
      return false;
    }
    tokens.set(username, { access: reply.body.access, refresh: reply.body.refresh });
    return becomeSignedIn(username);
  }

  async function useAccount(username) {
    if (tokens.has(username)) return becomeSignedIn(username);
    const account = config.accounts.find((found) => found.username === username);
    if (!account) return signedOut();
    return signIn(account.username, account.password);
  }

  async function signOut() {
    const current = session.username && tokens.get(session.username);
    if (current) {
      await send("POST", "auth/token/blacklist/", { json: { refresh: current.refresh }, auth: false });
      tokens.delete(session.username);
    }
    signedOut();
  }

  function onSession(listener) {
    listeners.push(listener);
    if (settled) listener(session);
  }

  // ---- small helpers for the domain scripts ------------------------------------------
  function problemText(reply) {
    const body = reply.body || {};
    if (typeof body !== "object") return `${reply.status}: ${String(body).slice(0, 200)}`;
    let text = `${reply.status} ${body.code || body.title || ""}: ${body.detail || body.title || ""}`;
    if (body.errors) {
      const fields = Object.entries(body.errors)
        .map(([field, errors]) => `${field}: ${[].concat(errors).map((error) => error.message || error).join(" ")}`);
      if (fields.length) text += " (" + fields.join("; ") + ")";
    }
    if (Array.isArray(body.allowed)) text += ` Allowed: ${body.allowed.join(", ") || "none"}.`;
    return text;
  }

  function say(node, what, kind) {
    if (!node) return;
    if (what && typeof what === "object" && "status" in what) {
      kind = kind || (what.ok ? "ok" : "error");
      what = what.ok ? "" : problemText(what);
    }
    node.textContent = what || "";
    node.dataset.kind = what ? kind || "info" : "";
  }

  // A list in the contract's one envelope ({results, next, previous}): renders the first
  // page into `target` and a "More" button that follows `next`.
  function list(target, path, renderItem, options) {
    options = options || {};
    const items = el("ul", { class: options.class || "items" });
    const more = el("button", { type: "button", class: "button secondary more", hidden: true }, "More");
    const status = el("p", { class: "message", role: "status" });
    let next = null;
    async function load(from, reset) {
      more.disabled = true;
      const reply = await api("GET", from);
      more.disabled = false;
      if (!reply.ok) { say(status, reply); return reply; }
      if (reset) items.replaceChildren();
      for (const item of reply.body.results) {
        const node = renderItem(item, reply.body);
        if (node) items.append(node.tagName === "LI" ? node : el("li", {}, node));
      }
      say(status, items.children.length ? "" : options.empty || "Nothing here yet.", "info");
      next = reply.body.next;
      more.hidden = !next;
      if (options.onPage) options.onPage(reply.body);
      return reply;
    }
    more.addEventListener("click", () => load(next, false));
    fill(target, items, status, more);
    const controller = { reload: (newPath) => load(newPath || path, true).then((reply) => { path = newPath || path; return reply; }) };
    controller.ready = load(path, true);
    return controller;
  }

  function key() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16)); // plain http on a LAN address
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function when(value) {
    if (!value) return "";
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
  }

  function formData(form) {
    const data = {};
    for (const [name, value] of new FormData(form).entries()) {
      if (value !== "") data[name] = value;
    }
    return data;
  }

  window.Nexus = {
    config, session, api, el, fill, list, say, key, when, formData, onSession, signIn, useAccount, signOut, problemText,
    get: (path, options) => api("GET", path, options),
    post: (path, json, options) => api("POST", path, { ...(options || {}), json }),
    patch: (path, json, options) => api("PATCH", path, { ...(options || {}), json }),
    put: (path, json, options) => api("PUT", path, { ...(options || {}), json }),
    del: (path, options) => api("DELETE", path, options),
  };

  // ---- wiring ---------------------------------------------------------------------------
  document.querySelectorAll("#account-switch .account").forEach((button) => {
    button.addEventListener("click", () => useAccount(button.dataset.username));
  });
  $("sign-in-form")?.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = formData(event.target);
    signIn(data.username || "", data.password || "").then((ok) => { if (ok) event.target.reset(); });
  });
  $("sign-out")?.addEventListener("click", signOut);
  $("log-clear")?.addEventListener("click", () => $("request-log").replaceChildren());

  const first = config.default_account;
  if (first) {
    // Wait for the domain script (it runs right after this one) to register its listener.
    queueMicrotask(() => useAccount(first));
  } else {
    queueMicrotask(() => signedOut());
  }
})();
