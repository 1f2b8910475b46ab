// The polls console (polls/console.html): create a poll, open its live page to vote,
// and manage "my polls" (state, results, close). Every call goes to the public API
// through core's console helpers (`window.Nexus`, core/console.js).
"use strict";
(function () {
  const N = window.Nexus;
  const el = N.el;
  const $ = (id) => document.getElementById(id);
  const PAGE = 10;

  const KIND = { single: "single choice", multiple: "multiple choice" };
  const VISIBILITY = {
    always: "results always visible",
    after_vote: "results once you have voted",
    after_close: "results once closed",
  };

  // ---- a poll ------------------------------------------------------------------------
  function kindText(poll) {
    if (poll.kind !== "multiple") return KIND.single;
    return KIND.multiple + (poll.max_choices ? `, up to ${poll.max_choices}` : ", any number");
  }

  function timesText(poll) {
    if (poll.state === "closed") return "closed " + N.when(poll.closed_at || poll.closes_at);
    const parts = [];
    if (poll.state === "scheduled") parts.push("opens " + N.when(poll.opens_at));
    parts.push(poll.closes_at ? "closes " + N.when(poll.closes_at) : "open until closed by hand");
    return parts.join(" · ");
  }

  function liveLink(poll) {
    return el("a", { class: "button secondary live-link", href: poll.links.live, target: "_blank", rel: "noopener" }, "Open the live page ↗");
  }

  function pollItem(poll, options) {
    const owned = options && options.owned;
    const message = el("p", { class: "message", role: "status" });
    const results = el("div", { class: "results", hidden: true });
    const item = el("li", { class: "poll", dataset: { poll: poll.id, state: poll.state } },
      el("div", { class: "row poll-head" },
        el("strong", { class: "question" }, poll.question),
        el("span", { class: "tag state", dataset: { state: poll.state } }, poll.state)),
      poll.description ? el("p", { class: "hint" }, poll.description) : null,
      el("p", { class: "hint meta" },
        [kindText(poll), VISIBILITY[poll.results_visibility] || poll.results_visibility,
          poll.allow_anonymous ? "anonymous votes allowed" : "signed-in voters only", timesText(poll)].join(" · "),
        owned ? null : ` · by ${poll.owner.username}`),
      el("p", { class: "options" }, poll.options.map((option) => el("span", { class: "tag" }, option.text))),
      el("div", { class: "row actions" },
        liveLink(poll),
        el("button", { type: "button", class: "button secondary", onclick: () => item.showResults() }, "Results"),
        owned && poll.allowed_transitions.includes("closed")
          ? el("button", { type: "button", class: "button close", onclick: (event) => close(poll, item, event.target) }, "Close now")
          : null,
        owned && poll.state === "closed" ? el("span", { class: "hint" }, "Closed is final.") : null),
      results,
      message);
    item.showResults = () => showResults(poll, results, message);
    return item;
  }

  async function showResults(poll, box, message) {
    const reply = await N.get(poll.links.results);
    if (!reply.ok) {
      N.say(message, reply);
      return;
    }
    const data = reply.body;
    box.hidden = false;
    if (!data.visible) {
      N.fill(box, el("p", { class: "hint" }, data.results_visibility === "after_vote"
        ? "Hidden from you until you vote (the owner always sees them)."
        : "Hidden until the poll closes."));
      return;
    }
    const bars = el("ol", { class: "bars" });
    for (const option of data.options) {
      const fill = el("span", { class: "fill" });
      fill.style.width = (option.percent || 0) + "%"; // CSSOM: allowed by the strict CSP
      bars.append(el("li", {},
        el("span", { class: "label" }, option.text),
        el("span", { class: "track" }, fill),
        el("span", { class: "count" }, `${option.votes} · ${option.percent}%`)));
    }
    N.fill(box, el("p", { class: "total" }, `${data.total_votes} vote${data.total_votes === 1 ? "" : "s"} (${data.state})`), bars);
  }

  async function close(poll, item, button) {
    button.disabled = true;
    const reply = await N.post(`polls/polls/${poll.id}/close/`);
    if (!reply.ok) {
      button.disabled = false;
      N.say(item.querySelector(".message"), reply);
      return;
    }
    const closed = pollItem(reply.body, { owned: true });
    item.replaceWith(closed);
    N.say(closed.querySelector(".message"), "Closed: no more votes; live pages got the final result.", "ok");
    closed.showResults();
    // The other list shows it too: ask for it again (this one keeps the message).
    if ($("mine-list").contains(closed)) loadOpen(); else loadMine();
  }

  // ---- lists -------------------------------------------------------------------------
  function loadMine() {
    if (!N.session.signedIn || !N.session.me) return null;
    const query = new URLSearchParams({ owner: N.session.me.id, page_size: PAGE });
    const state = $("mine-form").elements.state.value;
    if (state) query.set("state", state);
    return N.list($("mine-list"), "polls/polls/?" + query, (poll) => pollItem(poll, { owned: true }), {
      empty: state ? `None of your polls is ${state}.` : "You have no polls yet: create one above.",
    });
  }

  function loadOpen() {
    const query = new URLSearchParams({ state: "open", page_size: 5 });
    N.list($("open-list"), "polls/polls/?" + query, (poll) => pollItem(poll, {
      owned: N.session.me && poll.owner.id === N.session.me.id,
    }), { empty: "No poll is open right now." });
  }

  // ---- creating ------------------------------------------------------------------------
  function isoOrNull(local) {
    return local ? new Date(local).toISOString() : undefined; // datetime-local is the browser's time zone
  }

  async function create(event) {
    event.preventDefault();
    const form = event.target;
    const data = N.formData(form);
    const payload = {
      question: (data.question || "").trim(),
      options: (data.options || "").split("\n").map((text) => text.trim()).filter(Boolean),
      kind: data.kind || "single",
      results_visibility: data.results_visibility,
      allow_anonymous: form.elements.allow_anonymous.checked,
      opens_at: isoOrNull(data.opens_at),
      closes_at: isoOrNull(data.closes_at),
    };
    if (data.description) payload.description = data.description;
    if (payload.kind === "multiple" && data.max_choices) payload.max_choices = Number(data.max_choices);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const reply = await N.post("polls/polls/", payload);
    button.disabled = false;
    const next = $("create-next");
    if (!reply.ok) {
      N.say($("create-message"), reply);
      next.hidden = true;
      return;
    }
    const poll = reply.body;
    N.say($("create-message"), `Created poll #${poll.id} (${poll.state}): “${poll.question}”.`, "ok");
    N.fill(next, liveLink(poll), el("span", { class: "hint" }, "Vote there and watch the bars; manage it under My polls."));
    next.hidden = false;
    form.reset();
    $("max-choices").hidden = true;
    loadMine();
    loadOpen();
  }

  // ---- the session -------------------------------------------------------------------
  N.onSession((session) => {
    document.querySelectorAll("#console .signed-in-only").forEach((node) => { node.hidden = !session.signedIn; });
    document.querySelectorAll("#console .signed-out-only").forEach((node) => { node.hidden = session.signedIn; });
    $("create-next").hidden = true;
    N.say($("create-message"), "");
    loadMine();
    loadOpen();
  });

  $("create-form").addEventListener("submit", create);
  $("create-form").addEventListener("change", (event) => {
    if (event.target.name === "kind") $("max-choices").hidden = event.target.value !== "multiple";
  });
  $("mine-form").addEventListener("submit", (event) => { event.preventDefault(); loadMine(); });
  $("mine-form").elements.state.addEventListener("change", loadMine);
})();
