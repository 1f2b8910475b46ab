// graphene-django's GraphiQL reads the query, variables and operation name from the
// URL fragment (/graphql/#query=...) and sends every request to the page's own URL.
// A link with them in the query string (/graphql/?query=..., as on the landing page)
// would neither fill the editor nor run what it shows: the server would execute the
// query string's document instead. Move them into the fragment before GraphiQL starts.
// With no query anywhere, open the example document the page sets (in its nonce'd
// settings script) as window.NEXUS_GRAPHIQL_DEFAULT_QUERY.
(function () {
  "use strict";
  var search = new URLSearchParams(window.location.search);
  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var moved = false;
  ["query", "variables", "operationName"].forEach(function (name) {
    if (search.has(name)) {
      if (!fragment.has(name)) { fragment.set(name, search.get(name)); }
      search.delete(name);
      moved = true;
    }
  });
  var example = window.NEXUS_GRAPHIQL_DEFAULT_QUERY;
  if (!fragment.has("query") && example) {
    fragment.set("query", example);
    moved = true;
  }
  if (!moved) { return; }
  var rest = search.toString();
  // encodeURIComponent, not URLSearchParams.toString(): graphiql.js decodes with
  // decodeURIComponent, which leaves a "+" for a space as it is.
  var hash = [];
  fragment.forEach(function (value, name) {
    hash.push(encodeURIComponent(name) + "=" + encodeURIComponent(value));
  });
  window.history.replaceState(
    null, "", window.location.pathname + (rest ? "?" + rest : "") + "#" + hash.join("&")
  );
})();
