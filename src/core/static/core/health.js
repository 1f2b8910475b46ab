// Polls /health/ready/ and paints one dot per dependency.
(function () {
  "use strict";
  var list = document.getElementById("health");
  if (!list) { return; }
  function paint(checks) {
    list.querySelectorAll("li[data-check]").forEach(function (item) {
      var check = checks[item.dataset.check] || { status: "down" };
      item.className = "status-" + check.status;
      var text = check.status;
      if (check.latency_ms !== undefined) { text += " · " + check.latency_ms + " ms"; }
      if (check.detail) { text += " · " + check.detail; }
      item.querySelector(".value").textContent = text;
    });
  }
  function poll() {
    fetch(list.dataset.url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) { paint(body.checks || {}); })
      .catch(function () { paint({}); });
  }
  poll();
  setInterval(poll, 10000);
})();
