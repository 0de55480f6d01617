// What was earned and why: the brand's orders (its home), commissions for both sides with
// their attribution, CSV exports, and the brand's decision on held commissions.
import { h } from "../lib/dom.js";
import { post } from "../lib/api.js";
import { section, pagedTable, badge, actionButton } from "../lib/ui.js";
import { money, percent, when } from "../lib/format.js";

function attribution(a) {
  if (!a) return "–";
  const how = a.method === "click" ? `Click ${a.click_id ?? ""}` : a.method === "code" ? `Code ${a.code ?? ""}` : "Not attributed";
  return h("div", { class: "attribution" }, h("strong", null, how), h("div", { class: "muted small" }, a.reason));
}

export function brandHome() {
  return section("Orders", h("p", { class: "muted" }, "Every order your store confirmed by webhook, and which rule attributed it."),
    pagedTable("/api/orders", [
      { label: "Order", cell: (o) => h("div", null, h("strong", null, o.order_id), h("div", { class: "muted small" }, when(o.occurred_at))) },
      { label: "State", cell: (o) => badge(o.state) },
      { label: "GMV", cell: (o) => money(o.gmv) },
      { label: "Commission", cell: (o) => money(o.commission) },
      { label: "Creator", cell: (o) => o.creator_id ?? "–" },
      { label: "Attribution", cell: (o) => attribution(o.attribution) },
    ], { empty: "No orders yet. Point your store's order webhook at the URL the admin gave you." }));
}

const commissionColumns = (decide) => [
  { label: "When", cell: (c) => when(c.created_at) },
  { label: "Order", cell: (c) => h("div", null, c.order_id, h("div", { class: "muted small" }, `${c.sku} × ${c.quantity}`)) },
  { label: "Amount", cell: (c) => h("div", null, h("strong", null, money(c.amount)), h("div", { class: "muted small" }, `${percent(c.rate_bps)} of ${money(c.base)}`)) },
  { label: "State", cell: (c) => h("div", null, badge(c.state), c.kind !== "commission" ? badge(c.kind, "kind") : null, c.reason ? h("div", { class: "muted small" }, c.reason.replace(/_/g, " ")) : null) },
  { label: "Attribution", cell: (c) => attribution(c.attribution) },
  decide ? { label: "", cell: decide } : { label: "Brand", cell: (c) => c.brand_id },
];

export function commissions(me) {
  if (me.role === "creator") {
    return section("Commissions", csv("/api/me/commissions?format=csv"), pagedTable("/api/me/commissions", commissionColumns(null), { empty: "No commissions yet." }));
  }
  const table = pagedTable("/api/commissions", commissionColumns((c) =>
    c.state === "held"
      ? h("div", { class: "row-actions" },
        actionButton("Release", async () => { await post(`/api/commissions/${c.id}/release`); table.reload(); }),
        actionButton("Reject", async () => { await post(`/api/commissions/${c.id}/reject`); table.reload(); }, { kind: "danger", confirmText: "Reject this commission? It will be reversed." }))
      : h("span", { class: "muted small" }, c.creator_id)), { empty: "No commissions yet." });
  return section("Commissions", h("p", { class: "muted" }, "Held commissions (self-referrals) wait for your decision; the others approve after the hold."), csv("/api/commissions?format=csv"), table);
}

export function csv(href) {
  return h("p", null, h("a", { class: "button secondary", href, download: "" }, "Download CSV"));
}
