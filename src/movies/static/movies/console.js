// The movies console (movies/console.html): rate with stars and favorite, the account's
// recommendations with their reasons, the cold start of a brand-new account, trending,
// and a filtered catalog search. Every call goes to the public API through core's
// console helpers (`window.Nexus`, core/console.js), so the request log shows it.
"use strict";
(function () {
  const N = window.Nexus;
  const el = N.el;
  const $ = (id) => document.getElementById(id);
  const RECOMMENDATIONS_PAGE = 10;
  const LIBRARY_PAGE = 50;
  const TRENDING_PAGE = 6;
  const MOVIE_LIST = "items movies";

  // The signed-in account's ratings and favorites by movie id, from the library lists'
  // pages: {id, score} and the favorite's id. Rating again and favoriting are upserts in
  // the API, so a movie beyond those pages is still handled right.
  const ratings = new Map();
  const favorites = new Map();
  const movies = new Map(); // id -> the movie as last shown, to repaint its controls
  let genres = [];
  let generation = 0; // bumps on every account switch: replies for the last account are dropped
  let coldToken = null; // the fresh account's access token (cold start), in memory only

  // ---- a movie and its controls --------------------------------------------------------
  function movieItem(movie, extra, options) {
    movies.set(movie.id, movie);
    const withControls = !(options && options.controls === false);
    return el("li", { class: "movie", dataset: { movie: movie.id } },
      el("div", { class: "movie-head" },
        el("strong", { class: "title" }, movie.title), " ",
        movie.year ? el("span", { class: "year" }, "(" + movie.year + ")") : null),
      el("div", { class: "row meta" },
        (movie.genres || []).map((genre) => el("button", {
          type: "button", class: "tag genre", title: "Search " + genre.name,
          onclick: () => searchGenre(genre.slug),
        }, genre.name)),
        el("span", { class: "hint" }, averageText(movie))),
      extra || null,
      withControls ? el("div", { class: "controls row", dataset: { controls: movie.id } }) : null,
      withControls ? el("p", { class: "message", role: "status" }) : null);
  }

  function averageText(movie) {
    if (!movie.rating_count) return "not rated yet";
    return `★ ${Number(movie.rating_avg).toFixed(1)} from ${movie.rating_count} rating${movie.rating_count === 1 ? "" : "s"}`
      + (movie.favorite_count ? ` · ${movie.favorite_count} favorite${movie.favorite_count === 1 ? "" : "s"}` : "");
  }

  function paintControls(box) {
    const movie = movies.get(Number(box.dataset.controls));
    if (!movie) return;
    if (!N.session.signedIn) {
      N.fill(box, el("span", { class: "hint" }, "Sign in to rate and favorite."));
      return;
    }
    const mine = ratings.get(movie.id);
    const score = mine ? Number(mine.score) : 0;
    const stars = el("span", { class: "stars", role: "group", "aria-label": "Your rating of " + movie.title });
    for (let n = 1; n <= 5; n += 1) {
      stars.append(el("button", {
        type: "button", class: "star", title: `Rate ${n} of 5`, "aria-label": `${n} star${n === 1 ? "" : "s"}`,
        "aria-pressed": String(score >= n), onclick: (event) => rate(movie, n, event.target),
      }, "★"));
    }
    const favorite = favorites.has(movie.id);
    N.fill(box,
      stars,
      el("span", { class: "mine" }, mine ? "Your rating: " + Number(mine.score).toFixed(1) : "Not rated by you"),
      el("button", {
        type: "button", class: "fav", "aria-pressed": String(favorite),
        title: favorite ? "Remove from your favorites" : "Add to your favorites",
        onclick: (event) => toggleFavorite(movie, event.target),
      }, favorite ? "♥ Favorite" : "♡ Favorite"));
  }

  function repaint(movieId) {
    const selector = movieId ? `[data-controls="${movieId}"]` : "[data-controls]";
    document.querySelectorAll(selector).forEach(paintControls);
  }

  function paintNew(root) {
    root.querySelectorAll("[data-controls]").forEach(paintControls);
  }

  function messageFor(node) {
    const item = node.closest("li");
    return item ? item.querySelector(".message") : null;
  }

  // The message line is looked up when the click lands: a repaint meanwhile (another
  // rating's answer) replaces the buttons, not the list item that holds the message.
  async function rate(movie, score, button) {
    const message = messageFor(button);
    button.disabled = true;
    const reply = await N.post("movies/ratings/", { movie: movie.id, score });
    button.disabled = false;
    if (reply.ok) {
      ratings.set(movie.id, { id: reply.body.id, score: reply.body.score });
      N.say(message, reply.status === 201 ? `Rated ${score} of 5.` : `Rating changed to ${score} of 5.`, "ok");
      changed(movie.id);
    } else {
      N.say(message, reply);
    }
  }

  async function toggleFavorite(movie, button) {
    const message = messageFor(button);
    button.disabled = true;
    const known = favorites.get(movie.id);
    const reply = known ? await N.del(`movies/favorites/${known}/`) : await N.post("movies/favorites/", { movie: movie.id });
    button.disabled = false;
    if (!reply.ok) {
      N.say(message, reply);
      return;
    }
    if (known) {
      favorites.delete(movie.id);
      N.say(message, "Removed from your favorites.", "ok");
    } else {
      favorites.set(movie.id, reply.body.id);
      N.say(message, reply.status === 201 ? "Added to your favorites." : "Already one of your favorites.", "ok");
    }
    changed(movie.id);
  }

  // A rating or a favorite changed: the controls everywhere, the library, and the
  // recommendations (the API recomputes them on the next request).
  function changed(movieId) {
    repaint(movieId);
    loadLibrary();
    loadRecommendations();
  }

  // ---- recommendations -------------------------------------------------------------
  function reasonLine(item) {
    return el("p", { class: "reason" },
      el("span", { class: "tag reason-" + item.reason_type, title: "reason_type: " + item.reason_type }, item.reason_type), " ",
      el("span", { class: "reason-text" }, item.reason),
      el("span", { class: "hint" }, " · score " + item.score));
  }

  function modelText(body) {
    return body.model_version === null || body.model_version === undefined
      ? "No model has been trained yet: the most rated movies first."
      : `Ranked by recommender model v${body.model_version}.`;
  }

  function loadRecommendations() {
    if (!N.session.signedIn) return;
    const genre = $("recommendations-form").elements.genre.value;
    const query = new URLSearchParams({ page_size: RECOMMENDATIONS_PAGE });
    if (genre) query.set("genre", genre);
    const target = $("recommendations-list");
    const mine = generation;
    N.list(target, "movies/recommendations/?" + query, (item) => movieItem(item.movie, reasonLine(item)), {
      class: MOVIE_LIST,
      empty: genre ? "Nothing left to recommend in this genre." : "Nothing left to recommend.",
      onPage: (body) => {
        if (mine !== generation) return;
        $("recommendations-meta").textContent = modelText(body);
        paintNew(target);
      },
    });
  }

  // ---- the catalog search ----------------------------------------------------------
  function searchGenre(slug) {
    const form = $("search-form");
    form.reset();
    form.elements.genre.value = slug;
    search();
    $("search").scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function describe(filters) {
    const parts = [];
    if (filters.search) parts.push(`title contains “${filters.search}”`);
    if (filters.genre) {
      const genre = genres.find((found) => found.slug === filters.genre);
      parts.push("genre " + (genre ? genre.name : filters.genre));
    }
    if (filters.year) parts.push("year " + filters.year);
    if (filters.year_min || filters.year_max) parts.push(`years ${filters.year_min || "…"}–${filters.year_max || "…"}`);
    return parts.length ? parts.join(", ") : "the whole catalog";
  }

  function search() {
    const filters = N.formData($("search-form"));
    const query = new URLSearchParams(filters);
    const target = $("search-results");
    const summary = $("search-summary");
    const what = describe(filters);
    N.say(summary, "Searching " + what + "…", "info");
    const list = N.list(target, "movies/movies/" + (query.toString() ? "?" + query : ""), (movie) => movieItem(movie), {
      class: MOVIE_LIST,
      empty: filters.search
        ? `No title contains “${filters.search}” with these filters. The catalog's search matches part of the title as typed (it does not correct spelling).`
        : "No movie matches these filters.",
      onPage: () => paintNew(target),
    });
    list.ready.then((reply) => {
      if (reply.ok) N.say(summary, `Catalog (GET /movies/movies/): ${what}.`, "info");
      else N.say(summary, reply);
    });
  }

  async function searchEndpoint() {
    const text = $("search-form").elements.search.value.trim();
    const summary = $("search-summary");
    if (!text) {
      N.say(summary, "Type some words of a title first: /search/ takes only ?q=.", "error");
      return;
    }
    const target = $("search-results");
    const list = N.list(target, "movies/search/?" + new URLSearchParams({ q: text }), searchResult, {
      class: MOVIE_LIST,
      empty: `Nothing found for “${text}”.`,
      onPage: (body) => {
        paintNew(target);
        const source = body.source === "tmdb" ? "TMDb answered" : "The MovieLens catalog answered";
        N.say(summary, [`GET /movies/search/: ${source}.`, body.notice || "", body.attribution || ""].join(" ").trim(), "info");
      },
    });
    list.ready.then((reply) => { if (!reply.ok) N.say(summary, reply); });
  }

  // /search/ and TMDb's trending answer TMDb's movies: a title, a year and the catalog's
  // id when it has been matched (no poster: this page loads nothing from other hosts).
  function tmdbItem(item) {
    return el("li", { class: "movie" },
      el("div", { class: "movie-head" }, el("strong", { class: "title" }, item.title), " ",
        item.year ? el("span", { class: "year" }, "(" + item.year + ")") : null),
      item.overview ? el("p", { class: "hint" }, item.overview) : null,
      el("p", { class: "hint" }, item.movie ? `In the catalog as movie #${item.movie}.` : "Not in the MovieLens catalog."));
  }

  function searchResult(item) {
    return "tmdb_id" in item && !("genres" in item) ? tmdbItem(item) : movieItem(item);
  }

  // ---- trending ----------------------------------------------------------------------
  function activityText(count) {
    return count === 1 ? "1 rating or favorite this week" : `${count} ratings and favorites this week`;
  }

  function loadTrending() {
    const source = $("trending-form").elements.source.value;
    const target = $("trending-list");
    const meta = $("trending-meta");
    const list = N.list(target, "movies/trending/?" + new URLSearchParams({ source, page_size: TRENDING_PAGE }), (item) => (
      "genres" in item
        ? movieItem(item, el("p", { class: "hint activity" }, activityText(item.recent_activity)))
        : tmdbItem(item)
    ), {
      class: MOVIE_LIST,
      onPage: (body) => {
        paintNew(target);
        const who = body.source === "tmdb" ? "TMDb's trending" : `Most rated or favorited on Nexus over the last ${body.window_days} days, topped up with the all-time most rated`;
        N.say(meta, [who + ".", body.notice || "", body.attribution || ""].join(" ").trim(), "info");
      },
    });
    list.ready.then((reply) => { if (!reply.ok) N.say(meta, reply); });
  }

  // ---- the library -------------------------------------------------------------------
  function loadLibrary() {
    if (!N.session.signedIn) return Promise.resolve();
    const mine = generation;
    const rated = N.list($("ratings-list"), `movies/ratings/?page_size=${LIBRARY_PAGE}`, (rating) => {
      if (mine === generation) ratings.set(rating.movie.id, { id: rating.id, score: rating.score });
      return el("li", { class: "row between" },
        el("span", {}, el("strong", {}, rating.movie.title), ` (${rating.movie.year}) `, el("span", { class: "score" }, "★ " + rating.score)),
        el("button", { type: "button", class: "link", onclick: () => forget(`movies/ratings/${rating.id}/`, rating.movie.id, ratings) }, "remove"));
    }, { class: "items compact", empty: "No ratings yet: rate a movie with the stars." });
    const kept = N.list($("favorites-list"), `movies/favorites/?page_size=${LIBRARY_PAGE}`, (favorite) => {
      if (mine === generation) favorites.set(favorite.movie.id, favorite.id);
      return el("li", { class: "row between" },
        el("span", {}, el("strong", {}, "♥ " + favorite.movie.title), ` (${favorite.movie.year})`),
        el("button", { type: "button", class: "link", onclick: () => forget(`movies/favorites/${favorite.id}/`, favorite.movie.id, favorites) }, "remove"));
    }, { class: "items compact", empty: "No favorites yet: press ♡ on a movie." });
    return Promise.all([rated.ready, kept.ready]).then(() => { if (mine === generation) repaint(); });
  }

  async function forget(path, movieId, map) {
    const reply = await N.del(path);
    if (reply.ok) {
      map.delete(movieId);
      changed(movieId);
    }
  }

  // ---- the cold start ----------------------------------------------------------------
  function freshName() {
    return "newcomer_" + N.key().replace(/-/g, "").slice(0, 10);
  }

  function asNewcomer(method, path, json) {
    return N.api(method, path, { json, auth: false, headers: { Authorization: "Bearer " + coldToken } });
  }

  function coldList(target, body) {
    const items = el("ul", { class: MOVIE_LIST });
    for (const item of body.results) items.append(movieItem(item.movie, reasonLine(item), { controls: false }));
    N.fill(target, el("p", { class: "hint" }, modelText(body)), items);
  }

  async function coldStart() {
    const button = $("cold-start-register");
    const message = $("cold-start-message");
    button.disabled = true;
    const username = freshName();
    N.say(message, "Registering " + username + "…", "info");
    const registered = await N.post("auth/register/", {
      username, email: username + "@example.com", password: N.key() + N.key(),
    }, { auth: false });
    button.disabled = false;
    if (!registered.ok) {
      N.say(message, registered);
      return;
    }
    coldToken = registered.body.access;
    $("cold-start-user").textContent = registered.body.user.username;
    const reply = await asNewcomer("GET", "movies/recommendations/?page_size=5");
    if (!reply.ok) {
      N.say(message, reply);
      return;
    }
    N.say(message, `${username} exists now, with no ratings, favorites or preferences. Its recommendations:`, "ok");
    coldList($("cold-start-list"), reply.body);
    $("cold-start-steered").replaceChildren();
    $("cold-start-result").hidden = false;
  }

  async function steer(event) {
    event.preventDefault();
    const chosen = [...event.target.querySelectorAll("input[name=genre]:checked")].map((box) => box.value);
    const target = $("cold-start-steered");
    if (!chosen.length) {
      N.fill(target, el("p", { class: "message", dataset: { kind: "error" } }, "Pick at least one genre."));
      return;
    }
    const saved = await asNewcomer("PUT", "movies/preferences/", { favorite_genres: chosen, disliked_genres: [] });
    if (!saved.ok) {
      N.fill(target, el("p", { class: "message", dataset: { kind: "error" } }, N.problemText(saved)));
      return;
    }
    const reply = await asNewcomer("GET", "movies/recommendations/?page_size=5");
    if (!reply.ok) {
      N.fill(target, el("p", { class: "message", dataset: { kind: "error" } }, N.problemText(reply)));
      return;
    }
    const names = saved.body.favorite_genres.map((genre) => genre.name).join(", ");
    const list = el("div");
    coldList(list, reply.body);
    N.fill(target, el("h3", {}, "With favorite genres: " + names), list);
  }

  // ---- genres, the session -------------------------------------------------------------
  async function loadGenres() {
    if (genres.length) return;
    const reply = await N.get("movies/genres/?page_size=100");
    if (!reply.ok) return;
    genres = reply.body.results.filter((genre) => genre.movie_count > 0);
    document.querySelectorAll("select.genre-select").forEach((select) => {
      for (const genre of genres) select.append(el("option", { value: genre.slug }, `${genre.name} (${genre.movie_count})`));
    });
    const boxes = $("cold-start-genre-boxes");
    for (const genre of genres) {
      boxes.append(el("label", { class: "choice" }, el("input", { type: "checkbox", name: "genre", value: genre.slug }), " " + genre.name));
    }
  }

  function showFor(session) {
    document.querySelectorAll("#console .signed-in-only").forEach((node) => { node.hidden = !session.signedIn; });
    document.querySelectorAll("#console .signed-out-only").forEach((node) => { node.hidden = session.signedIn; });
    document.querySelectorAll("#console .session-name").forEach((node) => { node.textContent = session.username || "nobody"; });
  }

  N.onSession(async (session) => {
    generation += 1;
    ratings.clear();
    favorites.clear();
    showFor(session);
    repaint();
    await loadGenres();
    if (session.signedIn) {
      await loadLibrary();
      loadRecommendations();
    }
  });

  $("recommendations-form").addEventListener("submit", (event) => { event.preventDefault(); loadRecommendations(); });
  $("recommendations-form").elements.genre.addEventListener("change", loadRecommendations);
  $("search-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  $("search-endpoint").addEventListener("click", searchEndpoint);
  $("trending-form").elements.source.addEventListener("change", loadTrending);
  $("cold-start-register").addEventListener("click", coldStart);
  $("cold-start-genres").addEventListener("submit", steer);
  loadTrending();
})();
