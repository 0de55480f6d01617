(function () {
  "use strict";
  var me = document.currentScript;
  var feed = me && me.getAttribute("data-feed");
  var list = document.getElementById("pins");
  var empty = document.getElementById("empty");
  var state = document.getElementById("state");
  var note = document.getElementById("note");
  var title = document.getElementById("title");
  if (!feed || !list) return;
  var handle = me.getAttribute("data-handle") || "";
  function web(u) { return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null; }
  function guard(img) {
    img.addEventListener("error", function () { img.hidden = true; });
    if (img.complete && !img.naturalWidth) img.hidden = true;
  }
  Array.prototype.forEach.call(list.querySelectorAll("img"), guard);
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function initial(t) {
    var m = String(t || "").match(/[\p{L}\p{N}]/u);
    return m ? m[0].toUpperCase() : "\u2022";
  }
  function card(p, latest) {
    var name = String(p.product.title);
    var li = el("li", "pin");
    var media = el("div", "media");
    var ph = el("span", "ph", initial(name));
    ph.setAttribute("aria-hidden", "true");
    media.appendChild(ph);
    var src = web(p.product.image_url);
    if (src) {
      var img = el("img");
      img.alt = "";
      img.loading = "lazy";
      img.decoding = "async";
      img.referrerPolicy = "no-referrer";
      guard(img);
      img.src = src;
      media.appendChild(img);
    }
    var info = el("div", "info");
    if (latest) info.appendChild(el("p", "tag", "Just pinned"));
    info.appendChild(el("h2", "name", name));
    info.appendChild(el("p", "price", p.price_display));
    if (p.deal && typeof p.deal.code === "string") {
      var d = el("p", "deal", "Code ");
      d.setAttribute("data-ends", String(p.deal.ends_at));
      d.appendChild(el("strong", null, p.deal.code));
      d.appendChild(document.createTextNode(" "));
      d.appendChild(el("span", "left", "live deal"));
      info.appendChild(d);
    }
    li.appendChild(media);
    li.appendChild(info);
    // A path on this origin, as the server renders it: the feed's absolute URL follows the
    // Host it was asked with, which a page that a cache may keep must not carry.
    var href = web(p.short_url) && new URL(p.short_url).pathname;
    if (href) {
      var a = el("a", "buy", "Buy now");
      a.href = href;
      a.rel = "nofollow noopener";
      a.target = "_blank";
      a.setAttribute("aria-label", "Buy " + name);
      li.appendChild(a);
    }
    return li;
  }
  var last = "";
  function render(v) {
    var sig = JSON.stringify([v.title, v.state, v.pins]);
    if (sig === last) return;
    last = sig;
    var live = v.state === "live";
    title.textContent = v.title;
    document.title = v.title + " \u00b7 @" + handle + (live ? " is live" : "");
    state.textContent = live ? "Live" : "Ended";
    state.className = live ? "state" : "state ended";
    note.hidden = live;
    var items = v.pins.map(function (p, i) { return card(p, live && i === 0); });
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (li) { list.appendChild(li); });
    empty.hidden = items.length > 0;
    countdown();
  }

  // Flash deals count down to their end and then leave the page (the buy link stops applying
  // the code at the same moment: the server checks the end on every click).
  function countdown() {
    Array.prototype.forEach.call(list.querySelectorAll(".deal[data-ends]"), function (d) {
      var left = Math.ceil((Date.parse(d.getAttribute("data-ends")) - Date.now()) / 1000);
      if (!(left > 0)) { d.parentNode.removeChild(d); return; }
      var h = Math.floor(left / 3600), m = Math.floor(left / 60) % 60, s = left % 60;
      var two = function (n) { return (n < 10 ? "0" : "") + n; };
      d.querySelector(".left").textContent = "ends in " + (h ? h + ":" + two(m) : m) + ":" + two(s);
    });
  }
  countdown();
  setInterval(countdown, 1000);

  // The show's video: the platform's embed in a frame (Twitch's needs this page's host as
  // `parent`), or an HLS playlist in a <video>, natively where the browser plays HLS, else
  // through hls.js (our own copy, /hls.js, loaded only then).
  var player = document.getElementById("player");
  var kind = player && player.getAttribute("data-kind");
  var src = player && web(player.getAttribute("data-src"));
  if (src && (kind === "youtube" || kind === "twitch")) {
    var frame = el("iframe");
    frame.title = "Live video";
    frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    frame.allowFullscreen = true;
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    frame.src = kind === "twitch" ? src + "&parent=" + encodeURIComponent(location.hostname) : src;
    player.appendChild(frame);
  } else if (src && kind === "hls") {
    var video = el("video");
    video.controls = video.muted = video.autoplay = video.playsInline = true;
    player.appendChild(video);
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
    } else {
      var lib = el("script");
      lib.src = "/hls.js";
      lib.addEventListener("load", function () {
        var Hls = window.Hls;
        if (!Hls || !Hls.isSupported()) return;
        var hls = new Hls({ enableWorker: false });
        hls.loadSource(src);
        hls.attachMedia(video);
      });
      document.head.appendChild(lib);
    }
  }
  // How many are watching (the feed's `viewers`: the open sockets of this show).
  var watching = el("p", "viewers");
  watching.hidden = true;
  watching.setAttribute("aria-live", "polite");
  state.parentNode.insertBefore(watching, state.nextSibling);
  function update(v) {
    render(v);
    if (typeof v.viewers === "number" && v.state === "live") {
      watching.textContent = v.viewers === 1 ? "1 watching" : v.viewers.toLocaleString() + " watching";
      watching.hidden = false;
    } else {
      watching.hidden = true;
    }
    // Marks the page as in sync with the feed (browser tests and monitors read it).
    document.documentElement.setAttribute("data-synced", "1");
    document.documentElement.setAttribute("data-via", socket ? "socket" : "poll");
  }

  // Pins pushed over a WebSocket while it is open; polling the feed every 4 s otherwise (no
  // WebSocket, or it failed: it is tried again with a growing delay).
  var socket = null;
  var socketFailures = 0;
  function connect() {
    if (typeof WebSocket !== "function") return;
    var u = new URL(feed + "/socket", location.href);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    var ws;
    try { ws = new WebSocket(u.href); } catch (e) { return; }
    var keepAlive = null;
    ws.addEventListener("open", function () {
      socket = ws;
      socketFailures = 0;
      keepAlive = setInterval(function () { try { ws.send("ping"); } catch (e) { /* closing */ } }, 30000);
      poll(); // what changed before the socket was open
    });
    ws.addEventListener("message", function (e) {
      if (e.data === "pong") return;
      try { update(JSON.parse(e.data)); } catch (x) { /* not a feed */ }
    });
    ws.addEventListener("close", function () {
      clearInterval(keepAlive);
      if (socket === ws) socket = null;
      socketFailures += 1;
      setTimeout(connect, Math.min(60000, 2000 * Math.pow(2, socketFailures)));
    });
  }

  var failures = 0;
  function later(ms) { setTimeout(tick, ms); }
  function poll() {
    return fetch(feed, { headers: { accept: "application/json" }, cache: "no-store", credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (v) { failures = 0; update(v); return v; });
  }
  function tick() {
    if (document.hidden || socket) { later(4000); return; }
    poll()
      .then(function (v) { later(v.state === "live" ? 4000 : 30000); })
      .catch(function () { failures += 1; later(Math.min(60000, 4000 * Math.pow(2, failures))); });
  }
  connect();
  later(4000);
})();
