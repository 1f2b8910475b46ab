// The live proofs (core/proofs.html). Each card's Run button POSTs to its proof's `run`
// link and shows what came back; "Run all" runs them one after another. Calls go through
// the consoles' fetch helper (core/console.js), so each one is in the request log. A
// proof running elsewhere on the site (409 `proof_running`) is waited for: the run is
// sent again after its Retry-After.
"use strict";
(function () {
  const { api, el, fill, say, when } = window.Nexus;
  const cards = Array.from(document.querySelectorAll(".proof[data-proof]"));
  const runAll = document.getElementById("run-all");
  const summary = document.getElementById("proofs-summary");
  const BUSY_RETRIES = 10;
  let busy = false;

  function verdict(result) {
    if (result.held === true) return ["held", "Held"];
    if (result.held === false) return ["not-held", "Not held"];
    return ["caveat", "Caveat"];
  }

  function sleep(seconds) {
    return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }

  function show(card, result) {
    const [state, label] = verdict(result);
    const counts = Object.entries(result.counts || {})
      .map(([name, value]) => el("li", {}, el("code", {}, name), " ", el("strong", {}, value)));
    const details = result.details && Object.keys(result.details).length
      ? el("details", {}, el("summary", {}, "Details"), el("pre", {}, JSON.stringify(result.details, null, 2)))
      : null;
    const box = card.querySelector(".proof-result");
    fill(box,
      el("p", {}, el("span", { class: "verdict", dataset: { verdict: state } }, label)),
      result.caveat ? el("p", { class: "caveat" }, result.caveat) : null,
      el("dl", {},
        el("dt", {}, "Expected"), el("dd", { class: "expected" }, result.expected),
        el("dt", {}, "Happened"), el("dd", { class: "happened" }, result.happened),
        el("dt", {}, "Counts"), el("dd", {}, el("ul", { class: "counts" }, counts)),
        el("dt", {}, "Guard"), el("dd", { class: "guard" }, result.guard),
        el("dt", {}, "Run"), el("dd", { class: "run-facts" },
          `${result.wall_ms} ms wall time · ${result.queries} queries · ${result.database} · ${when(result.ran_at)}`)),
      details);
    box.hidden = false;
    card.dataset.state = state;
    return state;
  }

  async function run(card) {
    const status = card.querySelector(".proof-status");
    card.dataset.state = "running";
    say(status, "Running…", "info");
    for (let attempt = 0; ; attempt += 1) {
      const reply = await api("POST", card.dataset.run, { auth: false });
      if (reply.ok) {
        say(status, "");
        return show(card, reply.body);
      }
      const elsewhere = reply.status === 409 && reply.body && reply.body.code === "proof_running";
      if (elsewhere && attempt < BUSY_RETRIES) {
        const wait = Number(reply.headers.get("Retry-After")) || 3;
        say(status, `Another proof (${reply.body.running}) is running; trying again in ${wait} s…`, "info");
        await sleep(wait);
        continue;
      }
      card.dataset.state = "error";
      say(status, reply, "error");
      return "error";
    }
  }

  function setBusy(on) {
    busy = on;
    runAll.disabled = on || cards.length === 0;
    for (const card of cards) card.querySelector(".run").disabled = on;
  }

  async function runOne(card) {
    if (busy) return;
    setBusy(true);
    try {
      await run(card);
    } finally {
      setBusy(false);
    }
  }

  async function runEvery() {
    if (busy) return;
    setBusy(true);
    const tally = {};
    try {
      for (const [index, card] of cards.entries()) {
        say(summary, `Running ${index + 1} of ${cards.length}: ${card.querySelector("h2").textContent}…`, "info");
        card.scrollIntoView({ block: "nearest" });
        const state = await run(card);
        tally[state] = (tally[state] || 0) + 1;
      }
    } finally {
      setBusy(false);
    }
    const parts = [`${tally.held || 0} of ${cards.length} held`];
    if (tally.caveat) parts.push(`${tally.caveat} with a caveat`);
    if (tally["not-held"]) parts.push(`${tally["not-held"]} not held`);
    if (tally.error) parts.push(`${tally.error} could not run`);
    say(summary, parts.join(", ") + ".", tally["not-held"] || tally.error ? "error" : "ok");
  }

  for (const card of cards) card.querySelector(".run").addEventListener("click", () => runOne(card));
  runAll.addEventListener("click", runEvery);
  setBusy(false);
})();
