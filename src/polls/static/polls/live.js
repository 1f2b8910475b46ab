// The live results page: results from the SSE stream, a vote form, and (for polls
// that need an account) a sign-in form whose token lives in this page's memory only.
"use strict";
(function () {
  const api = JSON.parse(document.getElementById("poll-api").textContent);
  const allowAnonymous = JSON.parse(document.getElementById("poll-anonymous").textContent);
  const $ = (id) => document.getElementById(id);
  const bars = new Map();
  document.querySelectorAll("#bars .bar").forEach((el) => {
    bars.set(Number(el.dataset.option), {
      fill: el.querySelector(".fill"),
      count: el.querySelector(".count"),
    });
  });
  let token = null; // the access token, never stored
  let source = null;
  let retryTimer = null;
  let finished = false;

  function render(data) {
    $("state").textContent = data.state;
    $("state").dataset.state = data.state;
    const note = $("hidden-note");
    if (data.visible) {
      $("total").textContent = data.total_votes + (data.total_votes === 1 ? " vote" : " votes");
      note.hidden = true;
    } else {
      $("total").textContent = "results hidden";
      note.hidden = false;
      note.textContent = data.results_visibility === "after_vote"
        ? "Results appear once you have voted."
        : "Results appear when the poll closes.";
    }
    for (const option of data.options) {
      const bar = bars.get(option.id);
      if (!bar) continue;
      const percent = data.visible ? option.percent : 0;
      bar.fill.style.width = percent + "%"; // CSSOM: allowed by the strict CSP
      bar.count.textContent = data.visible ? option.votes + " · " + option.percent + "%" : "–";
    }
    $("vote-form").hidden = data.state !== "open" || (!allowAnonymous && !token);
    $("login-form").hidden = data.state !== "open" || allowAnonymous || Boolean(token);
  }

  function status(text) {
    $("live-status").textContent = text;
    $("live-status").dataset.status = text;
  }

  async function streamUrl() {
    if (!token) return api.stream;
    const response = await fetch(api.ticket, {
      method: "POST",
      headers: { Authorization: "Bearer " + token },
    });
    if (!response.ok) return api.stream;
    return (await response.json()).stream;
  }

  async function connect() {
    if (finished) return;
    clearTimeout(retryTimer);
    if (source) source.close();
    const url = await streamUrl();
    source = new EventSource(url);
    source.onopen = () => status("live");
    source.onmessage = (event) => render(JSON.parse(event.data));
    source.addEventListener("final", (event) => {
      render(JSON.parse(event.data));
      finished = true;
      source.close();
      status("final");
    });
    source.addEventListener("deleted", () => {
      finished = true;
      source.close();
      status("deleted");
    });
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED && !finished) {
        // Refused (an expired ticket, a restart): reconnect with a fresh ticket.
        status("reconnecting");
        retryTimer = setTimeout(connect, 3000);
      } else if (!finished) {
        status("reconnecting");
      }
    };
  }

  async function problemText(response) {
    try {
      const body = await response.json();
      return body.detail || body.title || response.statusText;
    } catch (error) {
      return response.statusText;
    }
  }

  $("vote-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = [...event.target.querySelectorAll("input[name=option]:checked")].map(
      (input) => Number(input.value),
    );
    const message = $("vote-message");
    if (!chosen.length) {
      message.textContent = "Choose an option first.";
      return;
    }
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(api.vote, {
      method: "POST",
      headers,
      credentials: "same-origin",
      body: JSON.stringify({ options: chosen }),
    });
    if (response.status === 201) {
      message.textContent = "Thanks, your vote counted.";
      connect(); // results hidden until voting become visible on the new stream
    } else if (response.status === 401) {
      message.textContent = "Sign in to vote in this poll.";
      $("login-form").hidden = false;
    } else {
      message.textContent = await problemText(response);
    }
  });

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const response = await fetch(api.token, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
    });
    if (!response.ok) {
      $("login-message").textContent = await problemText(response);
      return;
    }
    token = (await response.json()).access;
    event.target.reset();
    $("login-form").hidden = true;
    $("vote-form").hidden = false;
    connect();
  });

  connect();
})();
