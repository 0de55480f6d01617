// Webhook endpoints (brand or creator): add one (its secret shown once), send a test, see
// the deliveries, remove it.
import { h, put } from "../lib/dom.js";
import { post, api } from "../lib/api.js";
import { section, pagedTable, badge, form, actionButton, copyable } from "../lib/ui.js";
import { when } from "../lib/format.js";

const TYPES = ["order.attributed", "commission.created", "commission.approved", "commission.reversed", "payout.created", "payout.paid"];

export function webhooks() {
  const detail = h("div", { class: "detail", id: "deliveries" });
  const list = pagedTable("/api/webhook-endpoints", [
    { label: "URL", cell: (e) => h("div", null, h("code", null, e.url), h("div", { class: "muted small" }, e.events.join(", "))) },
    { label: "State", cell: (e) => badge(e.active ? "active" : "inactive") },
    { label: "", cell: (e) => h("div", { class: "row-actions" },
      actionButton("Send test", async () => { await post(`/api/webhook-endpoints/${e.id}/test`); deliveries(detail, e); }),
      h("button", { type: "button", class: "secondary", onclick: () => deliveries(detail, e) }, "Deliveries"),
      actionButton("Remove", async () => { await api("DELETE", `/api/webhook-endpoints/${e.id}`); list.reload(); put(detail); }, { kind: "danger", confirmText: "Remove this endpoint?" })) },
  ], { empty: "No endpoints yet." });
  const create = form({
    id: "new-endpoint",
    submit: "Add endpoint",
    fields: [
      { name: "url", label: "Endpoint URL", required: true, type: "url", placeholder: "https://example.com/hooks/affiliate" },
      { name: "events", label: "Events (none checked: all)", type: "checkboxes", options: TYPES.map((t) => [t, t]) },
    ],
    onSubmit: async (v, el) => {
      const body = { url: v.url };
      if (v.events.length) body.events = v.events;
      const e = await post("/api/webhook-endpoints", body);
      el.reset();
      list.reload();
      return h("div", { class: "once" }, h("p", { class: "warn" }, "The signing secret is shown only once (Standard Webhooks):"), copyable(e.secret, "Copy secret"));
    },
  });
  return [section("Add a webhook endpoint", create), section("Endpoints", list, detail)];
}

function deliveries(box, e) {
  put(box, h("h3", null, "Deliveries to ", h("code", null, e.url)), pagedTable(`/api/webhook-endpoints/${e.id}/deliveries`, [
    { label: "When", cell: (d) => when(d.created_at) },
    { label: "Event", cell: (d) => h("div", null, d.type, h("div", { class: "muted small" }, d.event_id)) },
    { label: "Attempt", cell: (d) => String(d.attempt) },
    { label: "Answer", cell: (d) => h("div", null, badge(d.ok ? "ok" : "failed"), ` ${d.status_code ?? "no answer"}`) },
  ], { empty: "Nothing sent yet." }));
}
