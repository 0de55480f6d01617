// Payouts: the brand makes them from approved balances and marks them paid; the creator sees
// them, and either side downloads one as CSV.
import { h } from "../lib/dom.js";
import { post } from "../lib/api.js";
import { section, pagedTable, badge, form, table } from "../lib/ui.js";
import { money, parseMoney, when } from "../lib/format.js";
import { csv } from "./commissions.js";

const columns = (extra) => [
  { label: "Payout", cell: (p) => h("div", null, h("strong", null, p.id), h("div", { class: "muted small" }, when(p.created_at))) },
  { label: "Amount", cell: (p) => h("strong", null, money(p.amount)) },
  { label: "Entries", cell: (p) => String(p.entries) },
  { label: "State", cell: (p) => h("div", null, badge(p.state), p.paid_at ? h("div", { class: "muted small" }, `${when(p.paid_at)} · ${p.reference}`) : null) },
  extra,
  { label: "CSV", cell: (p) => h("a", { href: `/api/payouts/${encodeURIComponent(p.id)}?format=csv`, download: "" }, "CSV") },
];

export function payouts(me) {
  if (me.role === "creator") {
    return section("Payouts", pagedTable("/api/me/payouts", columns({ label: "Brand", cell: (p) => p.brand_id }), { empty: "No payouts yet." }));
  }
  const list = pagedTable("/api/payouts", columns({
    label: "Creator",
    cell: (p) => h("div", null, p.creator_id, p.state === "pending" ? form({
      inline: true,
      submit: "Mark paid",
      fields: [{ name: "reference", label: "Payment reference", required: true, placeholder: "bank transfer id" }],
      onSubmit: async (v) => {
        await post(`/api/payouts/${encodeURIComponent(p.id)}/paid`, { reference: v.reference });
        list.reload();
      },
    }) : null),
  }), { empty: "No payouts yet." });
  const make = form({
    id: "new-payout",
    inline: true,
    submit: "Create payouts",
    fields: [
      { name: "currency", label: "Currency", required: true, value: "USD" },
      { name: "minimum", label: "Minimum balance", value: "0.01", inputmode: "decimal", hint: "In that currency. Creators below it wait for the next run." },
    ],
    onSubmit: async (v) => {
      const body = { currency: v.currency.toUpperCase() };
      if (v.minimum) body.minimum = parseMoney(v.minimum, body.currency);
      const made = await post("/api/payouts", body);
      list.reload();
      return made.items.length
        ? table(columns(null).filter(Boolean).slice(0, 4), made.items)
        : h("p", { class: "empty" }, "No creator has an approved balance at or above the minimum.");
    },
  });
  return [section("Create payouts", h("p", { class: "muted" }, "One payout per creator whose approved, unpaid balance reaches the minimum."), make), section("Payouts", list)];
}

