// The creator's home (earnings at a glance, links with their stats, clicks per day, QR) and
// the showcase, where a link is made.
import { h, put } from "../lib/dom.js";
import { get, post, api, withQuery } from "../lib/api.js";
import { section, pagedTable, loading, alertLine, showError, copyable, actionButton, badge, form } from "../lib/ui.js";
import { money, moneyList, percent } from "../lib/format.js";
import { clicksChart } from "../lib/chart.js";
import { qr } from "../lib/qr.js";

export function earningsCards() {
  const box = h("div", { class: "totals", "aria-busy": "true" }, loading());
  get("/api/me/earnings").then((e) => {
    box.removeAttribute("aria-busy");
    if (!e.totals.length) return put(box, h("p", { class: "empty" }, "No earnings yet: share a link from the showcase."));
    put(box, e.totals.map((t) => {
      const m = (amount) => money({ amount, currency: t.currency });
      return h("dl", { class: "total", "data-currency": t.currency },
        h("div", null, h("dt", null, "Approved"), h("dd", { class: "big" }, m(t.approved))),
        h("div", null, h("dt", null, "Pending"), h("dd", null, m(t.pending))),
        h("div", null, h("dt", null, "Paid"), h("dd", null, m(t.paid))),
        h("div", null, h("dt", null, "Reversed"), h("dd", null, m(t.reversed))),
        t.owed ? h("div", null, h("dt", null, "Owed back"), h("dd", null, m(t.owed))) : null);
    }));
  }, (err) => { const e = alertLine(); showError(e, err); put(box, e); });
  return box;
}

export function creatorHome() {
  const detail = h("div", { class: "detail", id: "link-detail" });
  const links = pagedTable("/api/links", [
    { label: "Link", cell: (l) => h("div", null, h("a", { href: l.short_url, target: "_blank", rel: "noopener" }, l.short_url), h("div", { class: "muted small" }, l.destination)) },
    { label: "State", cell: (l) => badge(l.active ? "active" : "disabled") },
    { label: "Clicks", cell: (l) => stat(l, (s) => `${s.clicks} (${s.unique_clicks} unique)`) },
    { label: "Orders", cell: (l) => stat(l, (s) => String(s.orders)) },
    { label: "Commission", cell: (l) => stat(l, (s) => moneyList(s.commission)) },
    { label: "", cell: (l) => h("div", { class: "row-actions" },
      h("button", { type: "button", class: "secondary", onclick: () => showLink(detail, l) }, "Chart & QR"),
      l.active ? actionButton("Disable", async () => { await api("DELETE", `/api/links/${encodeURIComponent(l.code)}`); links.reload(); }, { confirmText: "Disable this link? Visitors will get “gone”." }) : null) },
  ], {
    empty: "No links yet. Find a product in the showcase and make one.",
    decorate: async (items) => Promise.all(items.map(async (l) => ({ ...l, stats: await get(`/api/links/${encodeURIComponent(l.code)}/stats`).catch(() => null) }))),
  });
  return [section("Earnings", earningsCards(), h("p", null, h("a", { href: "/app/commissions" }, "See every commission and why it was attributed"))),
    section("Your links", links, detail)];
}

function stat(l, f) {
  return l.stats ? f(l.stats) : "–";
}

function showLink(box, l) {
  const to = new Date();
  const from = new Date(to.getTime() - 29 * 86400e3);
  put(box, h("h3", null, `Clicks per day · ${l.code}`), loading());
  get(withQuery(`/api/links/${encodeURIComponent(l.code)}/timeseries`, { interval: "day", from: from.toISOString(), to: to.toISOString() }))
    .then((series) => {
      put(box, h("h3", null, `Clicks per day · ${l.code}`), h("div", { class: "link-detail" }, clicksChart(series), h("div", null, copyable(l.short_url, "Copy link"), qr(l.short_url, { name: l.code }))));
      box.scrollIntoView({ block: "nearest" });
    }, (err) => { const e = alertLine(); showError(e, err); put(box, e); });
}

export function showcase() {
  const results = h("div", { class: "results", "aria-live": "polite" });
  const search = form({
    id: "showcase-search",
    inline: true,
    submit: "Search",
    fields: [
      { name: "q", label: "Search products", placeholder: "sneakers, serum…" },
      { name: "brand", label: "Brand id (optional)", placeholder: "br_…" },
    ],
    onSubmit: async (v) => {
      put(results, loading());
      const page = await get(withQuery("/api/showcase", { q: v.q, brand: v.brand, limit: 50 }));
      put(results, page.items.length ? h("ul", { class: "products" }, page.items.map(productCard)) : h("p", { class: "empty" }, "No product matches. Try another word."));
    },
  });
  queueMicrotask(() => search.requestSubmit());
  return section("Showcase: products you can share", h("p", { class: "muted" }, "Any product here can be shared: make a link, post it, and earn the commission shown on every order it brings."), search, results);
}

function productCard(p) {
  const make = form({
    inline: true,
    submit: "Make link",
    fields: [{ name: "alias", label: "Custom code (optional)", placeholder: "summer-drop" }],
    onSubmit: async (v) => {
      const body = { product_id: p.id };
      if (v.alias) body.alias = v.alias;
      const l = await post("/api/links", body);
      return h("div", { class: "new-link" }, h("p", null, "Your link is ready:"), copyable(l.short_url, "Copy link"), qr(l.short_url, { name: l.code }));
    },
  });
  return h("li", { class: "product" },
    h("div", { class: "media" }, p.image_url ? h("img", { src: p.image_url, alt: "", loading: "lazy", referrerpolicy: "no-referrer" }) : h("span", { class: "ph", "aria-hidden": "true" }, (p.title.trim()[0] ?? "?").toUpperCase())),
    h("div", { class: "info" },
      h("h3", { class: "title" }, p.title),
      h("p", null, h("strong", null, money(p.price)), " · ", h("span", { class: "rate" }, `${percent(p.commission_bps)} commission`)),
      h("p", { class: "muted small" }, `${p.sku} · ${p.brand_id}`)),
    make);
}
