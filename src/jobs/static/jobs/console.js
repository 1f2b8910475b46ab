// The job board's console (jobs/console.html), on core's shell (window.Nexus): search
// with the API's typo corrections and filters, a job's page and the application form
// (multipart, with a résumé), the candidate's applications and their history, the
// employer's pipeline (the moves `allowed_transitions` lists, a reason, an internal
// note) and the moderators' queue. Everything goes through the public API.
"use strict";
(function () {
  const N = window.Nexus;
  const { el, fill, say } = N;
  const $ = (id) => document.getElementById(id);

  const choices = JSON.parse($("jobs-choices").textContent);
  const labels = {};
  for (const [kind, pairs] of Object.entries(choices)) labels[kind] = Object.fromEntries(pairs);
  const label = (kind, value) => (labels[kind] && labels[kind][value]) || value;
  const PERIOD = { year: "a year", month: "a month", hour: "an hour" };
  const ROLE_ACCOUNTS = { candidate: "demo_candidate", employer: "demo_employer", moderator: "demo_moderator" };
  const ROLE_TASKS = { candidate: "apply to jobs", employer: "see a pipeline", moderator: "review the moderation queue" };

  let mine = new Map(); // the candidate's applications by job id (an open one wins)
  let currentJob = null;
  let jobLoads = 0; // the newest job-page load: an older reply is dropped
  let searches = 0; // likewise the newest search and the newest applications list
  let applicationLoads = 0;
  let pipelineJob = null; // {id, title}: the pipeline shows this job's applications only
  let started = false;

  const has = (role) => N.session.roles.includes(role);

  // ---- small pieces -------------------------------------------------------------------
  const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'" };
  // A search snippet is escaped text with <mark> around the words searched: rebuilt
  // as text and <mark> nodes, never parsed as HTML.
  function snippetNodes(snippet) {
    const nodes = [];
    let marked = false;
    for (const part of snippet.split(/(<mark>|<\/mark>)/)) {
      if (part === "<mark>" || part === "</mark>") { marked = part === "<mark>"; continue; }
      if (!part) continue;
      const text = part.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (entity) => ENTITIES[entity]);
      nodes.push(marked ? el("mark", {}, text) : text);
    }
    return nodes;
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 0 }).format(amount);
    } catch (error) {
      return `${amount} ${currency}`;
    }
  }

  function salary(job) {
    if (job.salary_min === null && job.salary_max === null) return null;
    const range = [job.salary_min, job.salary_max].filter((value) => value !== null)
      .map((value) => money(value, job.currency || "EUR")).join("–");
    return `${range} ${PERIOD[job.salary_period] || ""}`.trim();
  }

  function jobFacts(job) {
    return [
      job.company.name + (job.company.verified ? " ✓" : ""),
      job.location || null,
      job.remote && !/remote/i.test(job.location) ? "remote" : null,
      label("employment_type", job.employment_type),
      label("experience_level", job.experience_level),
      salary(job),
    ].filter(Boolean).join(" · ");
  }

  function size(bytes) {
    return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} kB`;
  }

  function statusTag(kind, value) {
    return el("span", { class: `tag status status-${value}` }, label(kind, value));
  }

  // "Sign in as demo_employer to see the pipeline", the switch one click away.
  function switchHint(node, role) {
    const account = ROLE_ACCOUNTS[role];
    const offered = N.config.accounts.some((found) => found.username === account);
    fill(node, el("p", { class: "hint" },
      `Only accounts with the ${role} role ${ROLE_TASKS[role]}. `,
      offered
        ? el("button", { type: "button", class: "button secondary switch", onclick: () => N.useAccount(account) },
          `Sign in as ${account}`)
        : "Sign in with one above."));
  }

  // ---- search ------------------------------------------------------------------------
  function searchPath(form) {
    const data = new FormData(form);
    const params = new URLSearchParams();
    for (const name of ["q", "location", "remote", "company", "posted_within", "ordering"]) {
      const value = String(data.get(name) || "").trim();
      if (value) params.set(name, value);
    }
    const tags = String(data.get("tags") || "").split(",").map((tag) => tag.trim()).filter(Boolean);
    if (tags.length) params.set("tags", tags.join(","));
    for (const name of ["employment_type", "experience_level"]) {
      const picked = data.getAll(name);
      if (picked.length) params.set(name, picked.join(","));
    }
    const minimum = String(data.get("salary_min") || "").trim();
    if (minimum) {
      params.set("salary_min", minimum);
      const currency = String(data.get("currency") || "").trim().toUpperCase();
      if (currency) params.set("currency", currency);
      if (data.get("salary_min_period") !== "year") params.set("salary_min_period", data.get("salary_min_period"));
    }
    const filters = [...params.keys()].filter((name) => !["q", "ordering"].includes(name)).length;
    $("filter-count").hidden = !filters;
    $("filter-count").textContent = `${filters} on`;
    params.set("page_size", "10");
    return "jobs/jobs/?" + params.toString();
  }

  function showCorrection(query, corrected) {
    const note = $("search-correction");
    const typos = Object.entries(corrected || {});
    note.hidden = !typos.length;
    if (!typos.length) { fill(note); return; }
    const fixed = query.split(/(\s+)/).map((word) => corrected[word.toLowerCase()] || word).join("");
    fill(note, "Showing results for ", el("strong", {}, fixed), " — ",
      typos.map(([typo, word], index) => [index ? ", " : "", `“${typo}” was also searched as “${word}”`]),
      ". ", el("button", { type: "button", class: "link", onclick: () => search(fixed) }, `Search for ${fixed} instead`));
  }

  function renderJob(job) {
    const item = el("li", { class: "job-item", dataset: { job: job.id } },
      el("div", { class: "row job-line" },
        el("button", { type: "button", class: "link job-open", onclick: () => openJob(job.id) }, job.title),
        el("span", { class: "applied-slot" })),
      el("p", { class: "facts" }, jobFacts(job)),
      job.snippet ? el("p", { class: "snippet" }, snippetNodes(job.snippet)) : null,
      job.tags.length ? el("p", { class: "row" }, job.tags.map((tag) => el("span", { class: "tag" }, tag))) : null);
    markApplied(item);
    return item;
  }

  function markApplied(item) {
    const application = has("candidate") ? mine.get(Number(item.dataset.job)) : null;
    const slot = item.querySelector(".applied-slot");
    if (!application) { fill(slot); return; }
    fill(slot, el("span", { class: `tag applied status-${application.status}` },
      application.status === "withdrawn" ? "Withdrawn" : "Applied · " + label("application_status", application.status)));
  }

  function markAll() {
    document.querySelectorAll("#search-results .job-item").forEach(markApplied);
    if (currentJob) renderMine(currentJob);
  }

  function search(query) {
    const form = $("search-form");
    if (query !== undefined) form.elements.q.value = query;
    const text = form.elements.q.value.trim();
    const load = ++searches;
    N.list($("search-results"), searchPath(form), renderJob, {
      empty: "No job matches: try fewer words or filters.",
      onPage: (page) => { if (load === searches) showCorrection(text, page.corrected); },
    });
  }

  $("search-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  // "Clear filters" keeps the words; "reset" fires before the fields are cleared.
  $("search-form").addEventListener("reset", (event) => {
    const words = event.target.elements.q.value;
    setTimeout(() => search(words), 0);
  });

  async function loadCompanies() {
    const reply = await N.get("jobs/companies/?page_size=100");
    if (!reply.ok) return;
    fill($("company-options"), reply.body.results.map((company) =>
      el("option", { value: company.slug }, company.name)));
  }

  // ---- a job's page and applying -----------------------------------------------------
  async function openJob(id, scroll) {
    const load = ++jobLoads;
    const reply = await N.get(`jobs/jobs/${id}/`);
    if (load !== jobLoads) return;
    const section = $("job");
    section.hidden = false;
    say($("apply-message"), "");
    if (!reply.ok) {
      currentJob = null;
      fill($("job-title"), "Job " + id);
      ["job-meta", "job-tags", "job-description", "job-elsewhere"].forEach((name) => fill($(name)));
      $("apply-form").hidden = true;
      say($("job-mine"), reply);
      return;
    }
    currentJob = reply.body;
    history.replaceState(null, "", "#job-" + id);
    renderJobPage(currentJob);
    if (scroll !== false) section.scrollIntoView({ block: "start" });
  }

  function renderJobPage(job) {
    fill($("job-title"), job.title);
    const dates = job.published_at ? `published ${N.when(job.published_at)}` : `created ${N.when(job.created_at)}`;
    fill($("job-meta"), jobFacts(job), el("br"),
      job.status !== "published" ? [statusTag("job_status", job.status), " "] : null,
      el("span", { class: "hint" }, dates + (job.expires_at ? `, open until ${N.when(job.expires_at)}` : "")));
    fill($("job-tags"), job.tags.map((tag) => el("span", { class: "tag" }, tag)));
    fill($("job-description"), job.description.split(/\n+/).map((paragraph) => el("p", {}, paragraph)));
    renderMine(job);
    const elsewhere = $("job-elsewhere");
    if (has("candidate")) {
      fill(elsewhere);
    } else if (has("employer") && job.allowed_transitions.length) {
      fill(elsewhere, el("p", {}, "Your company's job. ",
        el("button", { type: "button", class: "button secondary", onclick: () => showPipeline({ id: job.id, title: job.title }) },
          "Its applications in the pipeline")));
    } else {
      switchHint(elsewhere, "candidate");
    }
  }

  // What the candidate already did about this job, and whether the form shows.
  function renderMine(job) {
    const application = has("candidate") ? mine.get(job.id) : null;
    const open = application && application.status !== "withdrawn";
    $("apply-form").hidden = !has("candidate") || job.status !== "published";
    if (!has("candidate")) { say($("job-mine"), ""); return; }
    if (job.status !== "published") {
      say($("job-mine"), `This job is ${label("job_status", job.status).toLowerCase()}: it takes no applications.`, "info");
    } else if (open) {
      say($("job-mine"), `You applied on ${N.when(application.created_at)} (application #${application.id}, ` +
        `${label("application_status", application.status).toLowerCase()}). The API refuses a second application while it is open.`, "info");
    } else if (application) {
      say($("job-mine"), "You withdrew your application: you may apply again.", "info");
    } else {
      say($("job-mine"), "");
    }
  }

  $("job-close").addEventListener("click", () => {
    jobLoads += 1;
    currentJob = null;
    $("job").hidden = true;
    history.replaceState(null, "", location.pathname + location.search);
  });

  $("apply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const job = currentJob;
    if (!job) return;
    const data = new FormData();
    const letter = form.elements.cover_letter.value.trim();
    if (letter) data.append("cover_letter", letter);
    const resume = form.elements.resume.files[0];
    if (resume) data.append("resume", resume, resume.name);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    say($("apply-message"), "Sending…", "info");
    const reply = await N.api("POST", `jobs/jobs/${job.id}/apply/`, { form: data, headers: { "Idempotency-Key": N.key() } });
    button.disabled = false;
    if (reply.ok) {
      form.reset();
      say($("apply-message"), `Applied to ${job.title}: application #${reply.body.id}, ` +
        `${label("application_status", reply.body.status).toLowerCase()}. It heads “My applications” below.`, "ok");
    } else {
      say($("apply-message"), reply);
    }
    // Either way, what the API now holds: the new application, or the one it refused to duplicate.
    await loadApplications(reply.ok ? reply.body : null);
  });

  // ---- applications: the candidate's timeline and the employer's pipeline ----------
  function renderHistory(list, entries) {
    fill(list, entries.map((entry) => el("li", {},
      el("span", { class: "when" }, N.when(entry.at)), " ",
      el("strong", {}, entry.from_status
        ? `${label("application_status", entry.from_status)} → ${label("application_status", entry.to_status)}`
        : `Applied (${label("application_status", entry.to_status).toLowerCase()})`),
      entry.actor ? el("span", { class: "hint" }, ` by ${entry.actor}`) : null,
      entry.reason ? el("p", { class: "reason" }, `“${entry.reason}”`) : null,
      entry.internal_note ? el("p", { class: "note" }, el("span", { class: "tag" }, "internal note"), " ", entry.internal_note) : null)));
  }

  async function loadHistory(id, list, details) {
    const reply = await N.get(`jobs/applications/${id}/`);
    if (!reply.ok) { fill(list, el("li", { class: "message", dataset: { kind: "error" } }, N.problemText(reply))); return; }
    details.dataset.loaded = "true";
    renderHistory(list, reply.body.history);
  }

  function renderApplication(application, side, opened) {
    const item = el("li", { class: "application" });
    fillApplication(item, application, side, opened);
    return item;
  }

  function fillApplication(item, application, side, opened) {
    item.dataset.application = application.id;
    item.dataset.status = application.status;
    const timeline = el("ol", { class: "timeline" });
    const details = el("details", { class: "history", open: Boolean(opened) }, el("summary", {}, "History"), timeline);
    details.addEventListener("toggle", () => {
      if (details.open && !details.dataset.loaded) loadHistory(application.id, timeline, details);
    });
    const job = application.job;
    const jobLink = el("button", { type: "button", class: "link job-open", onclick: () => openJob(job.id) }, job.title);
    fill(item,
      el("div", { class: "row head" },
        el("span", { class: "number" }, `#${application.id}`),
        side === "employer" ? el("strong", {}, application.candidate.username) : jobLink,
        statusTag("application_status", application.status)),
      el("p", { class: "facts" },
        side === "employer"
          ? [el("button", { type: "button", class: "link", title: "Only this job's applications", onclick: () => showPipeline({ id: job.id, title: job.title }) }, job.title), " · "]
          : null,
        `${job.company.name} · applied ${N.when(application.created_at)}`,
        application.resume ? ` · résumé ${application.resume.name} (${size(application.resume.size)})` : " · no résumé"),
      application.rejection_reason ? el("p", { class: "reason" }, "Reason given: ", application.rejection_reason) : null,
      side === "employer" && application.cover_letter
        ? el("details", { class: "letter" }, el("summary", {}, "Cover letter"), el("p", {}, application.cover_letter)) : null,
      side === "employer" ? pipelineControls(item, application) : candidateControls(item, application),
      details);
    if (application.history) {
      details.dataset.loaded = "true";
      renderHistory(timeline, application.history);
    }
  }

  // Withdrawing takes two steps (open, then confirm), with an optional reason the company reads.
  function candidateControls(item, application) {
    if (!application.allowed_transitions.includes("withdrawn")) return null;
    const message = el("p", { class: "message", role: "status" });
    const reason = el("input", { name: "reason", maxlength: "2000", placeholder: "Optional, for the company" });
    const button = el("button", { type: "button", class: "button secondary reject" }, "Withdraw my application");
    button.addEventListener("click", async () => {
      button.disabled = true;
      const body = reason.value.trim() ? { reason: reason.value.trim() } : {};
      const reply = await N.post(`jobs/applications/${application.id}/withdraw/`, body);
      if (!reply.ok) { button.disabled = false; say(message, reply); return; }
      fillApplication(item, reply.body, "candidate", true);
      remember([reply.body], false);
    });
    return el("details", { class: "withdraw" }, el("summary", {}, "Withdraw…"),
      el("div", { class: "controls" }, el("label", {}, "Reason", reason), button, message));
  }

  function pipelineControls(item, application) {
    if (!application.allowed_transitions.length) {
      return el("p", { class: "hint" }, `${label("application_status", application.status)} is final: no move from here.`);
    }
    const reason = el("input", { name: "reason", maxlength: "2000", placeholder: "Shown to the candidate; a rejection needs one" });
    const note = el("textarea", { name: "note", rows: "2", maxlength: "5000", placeholder: "Only your company reads it" });
    const message = el("p", { class: "message", role: "status" });
    const buttons = application.allowed_transitions.map((status) => el("button", {
      type: "button",
      class: status === "rejected" ? "button secondary reject" : "button secondary",
      dataset: { status },
    }, "→ " + label("application_status", status)));
    async function move(status) {
      buttons.forEach((button) => { button.disabled = true; });
      const body = { status };
      if (reason.value.trim()) body.reason = reason.value.trim();
      if (note.value.trim()) body.note = note.value.trim();
      const reply = await N.post(`jobs/applications/${application.id}/transition/`, body);
      if (!reply.ok) {
        buttons.forEach((button) => { button.disabled = false; });
        say(message, reply);
        return;
      }
      fillApplication(item, reply.body, "employer", true);
      item.querySelector(".head").after(el("p", { class: "message", role: "status", dataset: { kind: "ok" } },
        `Moved to ${label("application_status", reply.body.status).toLowerCase()}` +
        (body.note ? ", with your note in its history." : ".")));
    }
    buttons.forEach((button) => button.addEventListener("click", () => move(button.dataset.status)));
    return el("div", { class: "controls" },
      el("div", { class: "move-fields" },
        el("label", {}, "Reason for the candidate", reason),
        el("label", {}, "Internal note", note)),
      el("div", { class: "row moves" }, el("span", { class: "hint" }, "Move to"), buttons),
      message);
  }

  // The candidate's applications by job: an open one wins over a withdrawn one.
  function remember(applications, reset) {
    if (reset) mine = new Map();
    for (const application of applications) {
      const known = mine.get(application.job.id);
      const replaces = !known || known.id === application.id
        || (known.status === "withdrawn" && application.status !== "withdrawn");
      if (replaces) mine.set(application.job.id, application);
    }
    markAll();
  }

  async function loadApplications(fresh) {
    if (!has("candidate")) return;
    let first = true;
    const load = ++applicationLoads;
    const list = N.list($("applications-list"), "jobs/applications/?page_size=50",
      (application) => fresh && fresh.id === application.id
        ? renderApplication(fresh, "candidate", true) // with its history, open
        : renderApplication(application, "candidate"), {
        empty: "No applications yet: find a job above and apply.",
        onPage: (page) => {
          if (load !== applicationLoads) return;
          remember(page.results, first);
          first = false;
        },
      });
    await list.ready;
  }

  function showPipeline(job) {
    pipelineJob = job;
    loadPipeline();
    $("pipeline").scrollIntoView({ block: "start" });
  }

  function loadPipeline() {
    const params = new URLSearchParams({ page_size: "20" });
    const status = $("pipeline-filter").elements.status.value;
    if (status) params.set("status", status);
    const only = $("pipeline-job");
    only.hidden = !pipelineJob;
    if (pipelineJob) {
      params.set("job", pipelineJob.id);
      fill(only, el("span", { class: "tag" }, "Job: " + pipelineJob.title),
        el("button", { type: "button", class: "link", onclick: () => { pipelineJob = null; loadPipeline(); } }, "all jobs"));
    }
    N.list($("pipeline-list"), "jobs/applications/?" + params.toString(),
      (application) => renderApplication(application, "employer"),
      { empty: "No application matches." });
  }

  $("pipeline-filter").addEventListener("change", loadPipeline);
  $("pipeline-filter").addEventListener("submit", (event) => { event.preventDefault(); loadPipeline(); });

  // ---- the moderators' queue ------------------------------------------------------------
  function explainModeration(page) {
    const state = $("moderation-state");
    if (page.moderation === false) {
      say(state, "Moderation is off on this server (JOBS_MODERATION is false, the demo's default): a job its " +
        "company submits is published at once, so no job waits here. Start the server with " +
        "JOBS_MODERATION=true to review jobs before they go live.", "info");
    } else {
      say(state, "Moderation is on: oldest submission first. Approving publishes a job; a rejection's reason goes to its company.", "info");
    }
  }

  function renderQueued(job) {
    const item = el("li", { class: "queued" });
    const message = el("p", { class: "message", role: "status" });
    const reason = el("input", { name: "reason", maxlength: "2000", placeholder: "Why, for the company (required to reject)" });
    async function act(action, body) {
      item.querySelectorAll("button").forEach((button) => { button.disabled = true; });
      const reply = await N.post(`jobs/jobs/${job.id}/${action}/`, body);
      if (!reply.ok) {
        item.querySelectorAll("button").forEach((button) => { button.disabled = false; });
        say(message, reply);
        return;
      }
      fill(item, el("div", { class: "row head" }, el("strong", {}, job.title), statusTag("job_status", reply.body.status)),
        el("p", { class: "message", dataset: { kind: "ok" } },
          reply.body.status === "published" ? "Approved: the job is published." : "Rejected: its company reads your reason."));
    }
    const moves = job.allowed_transitions.map((status) => status === "published"
      ? el("button", { type: "button", class: "button secondary", onclick: () => act("approve", {}) }, "Approve")
      : status === "rejected"
        ? el("button", { type: "button", class: "button secondary reject", onclick: () => act("reject", { reason: reason.value.trim() }) }, "Reject")
        : null);
    fill(item,
      el("div", { class: "row head" },
        el("button", { type: "button", class: "link job-open", onclick: () => openJob(job.id) }, job.title),
        statusTag("job_status", job.status)),
      el("p", { class: "facts" }, `${jobFacts(job)} · submitted ${N.when(job.submitted_at)}`),
      el("p", { class: "excerpt" }, job.description.slice(0, 280) + (job.description.length > 280 ? "…" : "")),
      job.allowed_transitions.includes("rejected") ? el("label", {}, "Reason", reason) : null,
      el("div", { class: "row moves" }, moves),
      message);
    return item;
  }

  function loadModeration() {
    N.list($("moderation-list"), "jobs/moderation/queue/", renderQueued, {
      empty: "No job is waiting for review.",
      onPage: explainModeration,
    });
  }

  // ---- the session --------------------------------------------------------------------
  function arrange() {
    for (const node of document.querySelectorAll("#console [data-for]")) node.hidden = !has(node.dataset.for);
    for (const node of document.querySelectorAll("#console [data-unless]")) {
      node.hidden = has(node.dataset.unless);
      if (!node.hidden) switchHint(node, node.dataset.unless);
      else fill(node);
    }
    // The section of the account's own job comes first.
    const lead = has("employer") ? "pipeline" : has("moderator") ? "moderation" : null;
    for (const id of ["pipeline", "moderation"]) $(id).classList.toggle("lead", id === lead);
  }

  N.onSession(() => {
    arrange();
    mine = new Map();
    applicationLoads += 1; // the last account's list, still loading, is dropped
    fill($("applications-list"));
    fill($("pipeline-list"));
    fill($("moderation-list"));
    say($("moderation-state"), "");
    say($("apply-message"), "");
    pipelineJob = null;
    if (has("candidate")) loadApplications(null);
    else markAll();
    if (has("employer")) loadPipeline();
    if (has("moderator")) loadModeration();
    const linked = /^#job-(\d+)$/.exec(location.hash);
    if (!started) {
      started = true;
      search();
      loadCompanies();
      if (linked) openJob(Number(linked[1]), false);
    } else if (currentJob) {
      openJob(currentJob.id, false); // what this account may do with it
    }
  });
})();
