// The social console (social/console.html): compose a post, read the home feed (each
// entry says how it reached the feed: fanned out at write, or merged at read from a
// much-followed account), like, comment and share, who to follow, and a profile card
// with follow, mute and block. Everything goes over GraphQL at /graphql/ through the
// shell's `Nexus.post`, so each call shows in the request log.
"use strict";
(function () {
  const { el, fill, say } = Nexus;
  const $ = (id) => document.getElementById(id);
  const FEED_SIZE = 20;

  const ORIGINS = {
    FANNED_OUT: {
      label: "fanned out at write",
      css: "origin-fanned",
      title: "Pushed into this feed when it was posted or shared (fan-out on write).",
    },
    MERGED_AT_READ: {
      label: "merged at read (celebrity)",
      css: "origin-merged",
      title: "From a much-followed account: never fanned out, merged in as the feed is read.",
    },
  };

  const USER = "username firstName lastName bio followerCount followingCount postCount "
    + "viewerFollows viewerMutes viewerBlocks";
  const POST = "id content createdAt likeCount commentCount shareCount viewerHasLiked "
    + "author { username }";
  const FEED = `query ConsoleFeed($first: Int, $after: String) {
  feed(first: $first, after: $after) {
    edges { origin sharedAt sharedBy { username } node { ${POST} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
  const WHO = `query ConsoleWhoToFollow { whoToFollow(first: 6) { ${USER} } }`;
  const PROFILE = `query ConsoleProfile($username: String!) {
  user(username: $username) {
    ${USER}
    posts(first: 3) { edges { node { id content createdAt likeCount commentCount shareCount } } }
  }
}`;
  const CREATE_POST = `mutation ConsoleCreatePost($content: String!) {
  createPost(content: $content) { post { id } }
}`;
  const LIKE = `mutation ConsoleLike($id: ID!) {
  likePost(postId: $id) { post { id likeCount viewerHasLiked } }
}`;
  const UNLIKE = `mutation ConsoleUnlike($id: ID!) {
  unlikePost(postId: $id) { post { id likeCount viewerHasLiked } }
}`;
  const SHARE = `mutation ConsoleShare($id: ID!) { sharePost(postId: $id) { post { id shareCount } } }`;
  const COMMENTS = `query ConsoleComments($id: ID!) {
  comments(postId: $id, first: 20) { edges { node { id text createdAt author { username } } } }
}`;
  const COMMENT = `mutation ConsoleComment($id: ID!, $text: String!) {
  createComment(postId: $id, text: $text) { comment { id text createdAt author { username } } }
}`;
  // follow / mute / block and their undoing: [field when off, field when on, the flag].
  const RELATIONS = {
    follow: { on: "followUser", off: "unfollowUser", flag: "viewerFollows", labels: ["Follow", "Unfollow"] },
    mute: { on: "muteUser", off: "unmuteUser", flag: "viewerMutes", labels: ["Mute", "Unmute"] },
    block: { on: "blockUser", off: "unblockUser", flag: "viewerBlocks", labels: ["Block", "Unblock"] },
  };
  function relationDocument(field) {
    const name = "Console" + field[0].toUpperCase() + field.slice(1);
    return `mutation ${name}($username: String!) { ${field}(username: $username) { user { ${USER} } } }`;
  }

  let generation = 0; // bumped on every account change: replies for an older one are dropped
  let feedCursor = null;
  let profileName = null;

  // ---- GraphQL through the shell --------------------------------------------------
  // Resolves to {data, error}: error is the errors' codes and messages (a GraphQL
  // refusal answers 200 with `errors`), or the problem's text for a non-2xx reply.
  async function graphql(query, variables) {
    const reply = await Nexus.post("/graphql/", { query, variables: variables || {} });
    const body = reply.body && typeof reply.body === "object" ? reply.body : {};
    const errors = Array.isArray(body.errors) ? body.errors : [];
    if (reply.ok && !errors.length) return { data: body.data, error: null };
    const text = errors.length
      ? errors.map((e) => `${(e.extensions && e.extensions.code) || "ERROR"}: ${e.message}`).join(" ")
      : Nexus.problemText(reply);
    return { data: body.data || null, error: text };
  }

  function signedIn() {
    return Nexus.session.signedIn;
  }

  function plural(count, one, many) {
    return `${count} ${count === 1 ? one : many || one + "s"}`;
  }

  function userLink(username) {
    return el("button", { type: "button", class: "link author", onclick: () => openProfile(username) }, "@" + username);
  }

  // ---- compose ------------------------------------------------------------------------
  async function compose(event) {
    event.preventDefault();
    const form = event.target;
    const content = form.elements.content.value.trim();
    if (!content) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const { data, error } = await graphql(CREATE_POST, { content });
    button.disabled = false;
    if (error) return say($("compose-message"), error, "error");
    form.reset();
    say($("compose-message"), `Posted (post ${data.createPost.post.id}): it heads your feed below.`, "ok");
    loadFeed(true);
    if (profileName === Nexus.session.username) loadProfile(profileName);
  }

  // ---- the home feed ------------------------------------------------------------------
  async function loadFeed(reset) {
    const gen = generation;
    const more = $("feed-more");
    more.disabled = true;
    const { data, error } = await graphql(FEED, { first: FEED_SIZE, after: reset ? null : feedCursor });
    more.disabled = false;
    if (gen !== generation) return;
    if (error) return say($("feed-message"), error, "error");
    const list = $("feed");
    if (reset) list.replaceChildren();
    for (const edge of data.feed.edges) list.append(feedItem(edge));
    feedCursor = data.feed.pageInfo.endCursor;
    more.hidden = !data.feed.pageInfo.hasNextPage;
    const origins = Array.from(list.querySelectorAll(":scope > li"), (li) => li.dataset.origin);
    const merged = origins.filter((origin) => origin === "MERGED_AT_READ").length;
    say($("feed-message"), origins.length
      ? `${plural(origins.length, "entry", "entries")}: ${origins.length - merged} fanned out at write, ${merged} merged at read.`
      : "Your feed is empty: follow someone from “Who to follow”.", "info");
  }

  function feedItem(edge) {
    const post = edge.node;
    const origin = ORIGINS[edge.origin] || { label: String(edge.origin).toLowerCase(), css: "", title: "" };
    const status = el("p", { class: "message", role: "status" });
    const like = el("button", { type: "button", class: "chip like" });
    const comments = el("button", { type: "button", class: "chip", "aria-expanded": "false" });
    const share = el("button", { type: "button", class: "chip share" });
    const thread = el("div", { class: "comments", hidden: true });
    function counts() {
      like.textContent = `${post.viewerHasLiked ? "Liked" : "Like"} (${post.likeCount})`;
      like.setAttribute("aria-pressed", String(post.viewerHasLiked));
      comments.textContent = `Comments (${post.commentCount})`;
      share.textContent = `${post.shared ? "Shared" : "Share"} (${post.shareCount})`;
      share.setAttribute("aria-pressed", String(Boolean(post.shared)));
    }
    counts();
    like.addEventListener("click", async () => {
      like.disabled = true;
      const { data, error } = await graphql(post.viewerHasLiked ? UNLIKE : LIKE, { id: post.id });
      like.disabled = false;
      if (error) return say(status, error, "error");
      Object.assign(post, (data.likePost || data.unlikePost).post);
      say(status, "");
      counts();
    });
    share.addEventListener("click", async () => {
      share.disabled = true;
      const { data, error } = await graphql(SHARE, { id: post.id });
      share.disabled = false;
      if (error) return say(status, error, "error");
      Object.assign(post, data.sharePost.post, { shared: true });
      say(status, "Shared: it goes into your followers' feeds.", "ok");
      counts();
    });
    comments.addEventListener("click", () => toggleThread(post, thread, comments, counts));
    return el("li", { class: "post", dataset: { postId: post.id, origin: edge.origin } },
      el("div", { class: "row meta" },
        userLink(post.author.username),
        el("time", { datetime: post.createdAt }, Nexus.when(post.createdAt)),
        el("span", { class: `tag origin ${origin.css}`, title: origin.title }, origin.label),
        edge.sharedBy ? el("span", { class: "shared" }, "shared by ", userLink(edge.sharedBy.username),
          " · ", Nexus.when(edge.sharedAt)) : null),
      el("p", { class: "content" }, post.content),
      el("div", { class: "row actions" }, like, comments, share),
      status,
      thread);
  }

  async function toggleThread(post, thread, button, counts) {
    const open = thread.hidden;
    thread.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (!open || thread.dataset.loaded) return;
    thread.dataset.loaded = "yes";
    const items = el("ul", { class: "comment-list" });
    const status = el("p", { class: "message", role: "status" });
    const input = el("input", { name: "text", maxlength: 2000, required: true, "aria-label": "Your comment", placeholder: "Write a comment" });
    const form = el("form", { class: "comment-form" }, input,
      el("button", { type: "submit", class: "button secondary" }, "Comment"));
    fill(thread, items, form, status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      const { data, error } = await graphql(COMMENT, { id: post.id, text });
      if (error) return say(status, error, "error");
      input.value = "";
      items.append(commentItem(data.createComment.comment));
      post.commentCount += 1; // the comment the API just created
      counts();
      say(status, "");
    });
    const { data, error } = await graphql(COMMENTS, { id: post.id });
    if (error) return say(status, error, "error");
    for (const edge of data.comments.edges) items.append(commentItem(edge.node));
    if (!data.comments.edges.length) say(status, "No comments yet.", "info");
  }

  function commentItem(comment) {
    return el("li", {}, userLink(comment.author.username), " ", el("span", {}, comment.text));
  }

  // ---- who to follow ----------------------------------------------------------------------
  async function loadWho() {
    const gen = generation;
    const { data, error } = await graphql(WHO);
    if (gen !== generation) return;
    if (error) return say($("who-message"), error, "error");
    fill($("who"), data.whoToFollow.map(whoItem));
    say($("who-message"), data.whoToFollow.length ? "" : "Nobody left to suggest.", "info");
  }

  function whoItem(user) {
    const button = relationButton("follow", user, (updated) => {
      note.textContent = followerLine(updated);
    });
    const note = el("span", { class: "hint" }, followerLine(user));
    return el("li", { dataset: { username: user.username } },
      el("div", { class: "who-name" }, userLink(user.username), " ", note),
      button);
  }

  function followerLine(user) {
    return `${plural(user.followerCount, "follower")} · ${plural(user.postCount, "post")}`;
  }

  // A toggle for one relation with `user`: its label follows the API's answer.
  function relationButton(kind, user, after) {
    const relation = RELATIONS[kind];
    const button = el("button", { type: "button", class: `button secondary relation ${kind}` });
    const label = () => {
      button.textContent = relation.labels[user[relation.flag] ? 1 : 0];
      button.setAttribute("aria-pressed", String(Boolean(user[relation.flag])));
    };
    label();
    button.addEventListener("click", async () => {
      const field = user[relation.flag] ? relation.off : relation.on;
      // Found now: the card may be drawn again (and this button gone) before the reply.
      const message = button.closest("section").querySelector(":scope > .message");
      button.disabled = true;
      const { data, error } = await graphql(relationDocument(field), { username: user.username });
      button.disabled = false;
      if (error) return say(message, error, "error");
      Object.assign(user, data[field].user);
      label();
      say(message, relationMessage(field, user.username), "ok");
      if (after) after(user);
      relationChanged(user.username);
    });
    return button;
  }

  function relationMessage(field, username) {
    return {
      followUser: `You follow @${username}: their recent posts join your feed.`,
      unfollowUser: `You no longer follow @${username}.`,
      muteUser: `@${username} is muted: their posts and shares leave your feed (they are not told).`,
      unmuteUser: `@${username} is no longer muted.`,
      blockUser: `@${username} is blocked: follows both ways ended, neither sees the other's posts.`,
      unblockUser: `@${username} is no longer blocked.`,
    }[field];
  }

  // A follow, mute or block changes the feed and the counts: read them again.
  function relationChanged(username) {
    loadFeed(true);
    if (profileName === username || profileName === Nexus.session.username) loadProfile(profileName);
  }

  // ---- the profile card ---------------------------------------------------------------
  function openProfile(username) {
    loadProfile(username);
    $("profile-panel").scrollIntoView({ block: "nearest" });
  }

  async function loadProfile(username) {
    if (!signedIn()) return;
    const gen = generation;
    profileName = username;
    const { data, error } = await graphql(PROFILE, { username });
    if (gen !== generation || profileName !== username) return;
    if (error) return say($("profile-message"), error, "error");
    if (!data.user) {
      fill($("profile"));
      return say($("profile-message"), `No account named “${username}”.`, "error");
    }
    say($("profile-message"), "");
    fill($("profile"), profileCard(data.user));
  }

  function profileCard(user) {
    const mine = user.username === Nexus.session.username;
    const name = [user.firstName, user.lastName].filter(Boolean).join(" ");
    const counts = el("dl", { class: "counts" },
      count("Posts", user.postCount), count("Followers", user.followerCount), count("Following", user.followingCount));
    let actions;
    if (mine) {
      actions = el("p", { class: "hint" }, "This is you: others see these counts on your profile.");
    } else if (user.viewerBlocks) {
      actions = el("div", {}, el("p", { class: "hint" },
        "You block this account: neither of you sees the other's posts, and following waits for an unblock."),
      relationButton("block", user));
    } else {
      actions = el("div", { class: "row" }, ["follow", "mute", "block"].map((kind) => relationButton(kind, user)));
    }
    const posts = user.posts.edges.map(({ node }) => el("li", {},
      el("p", { class: "content" }, node.content),
      el("span", { class: "hint" }, `${Nexus.when(node.createdAt)} · ${plural(node.likeCount, "like")} · `
        + `${plural(node.commentCount, "comment")} · ${plural(node.shareCount, "share")}`)));
    return el("article", { class: "profile-card", dataset: { username: user.username } },
      el("h3", {}, "@" + user.username, name ? el("span", { class: "hint" }, " " + name) : null),
      user.bio ? el("p", { class: "bio" }, user.bio) : null,
      counts,
      actions,
      el("h4", {}, "Recent posts"),
      posts.length ? el("ul", { class: "items recent" }, posts) : el("p", { class: "hint" }, "No posts yet."));
  }

  function count(label, value) {
    return el("div", { class: "count" }, el("dt", {}, label), el("dd", {}, String(value)));
  }

  // ---- the session --------------------------------------------------------------------
  Nexus.onSession((session) => {
    generation += 1;
    feedCursor = null;
    const on = session.signedIn;
    $("compose").hidden = !on;
    $("compose-hint").hidden = on;
    $("feed-refresh").hidden = !on;
    $("who-refresh").hidden = !on;
    $("profile-mine").hidden = !on;
    $("profile-open").hidden = !on;
    say($("compose-message"), "");
    for (const id of ["feed", "who", "profile"]) fill($(id));
    $("feed-more").hidden = true;
    if (!on) {
      say($("feed-message"), "Sign in (a demo account above) to read your home feed.", "info");
      say($("who-message"), "Suggestions are for a signed-in account.", "info");
      say($("profile-message"), "Sign in to open profiles.", "info");
      return;
    }
    say($("feed-message"), "Loading…", "info");
    loadFeed(true);
    loadWho();
    loadProfile(session.username);
  });

  $("compose").addEventListener("submit", compose);
  $("feed-refresh").addEventListener("click", () => loadFeed(true));
  $("feed-more").addEventListener("click", () => loadFeed(false));
  $("who-refresh").addEventListener("click", loadWho);
  $("profile-mine").addEventListener("click", () => openProfile(Nexus.session.username));
  $("profile-open").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = event.target.elements.username.value.trim().replace(/^@/, "");
    if (name) openProfile(name);
  });
})();
