// The creator's live sessions: start one (with its stream), pin and unpin products while
// live (a pin may carry a flash deal: one of the creator's codes, for some minutes), change
// the stream, see the stats, open the viewers' page, end it.
import { h, put } from "../lib/dom.js";
import { get, post, api, withQuery } from "../lib/api.js";
import { section, pagedTable, badge, form, actionButton, loading, alertLine, showError, copyable } from "../lib/ui.js";
import { moneyList, when } from "../lib/format.js";

export function live() {
  const detail = h("div", { class: "detail", id: "live-detail" });
  const list = pagedTable("/api/live-sessions", [
    { label: "Session", cell: (s) => h("div", null, h("strong", null, s.title), h("div", { class: "muted small" }, when(s.created_at))) },
    { label: "State", cell: (s) => badge(s.state) },
    { label: "Viewer page", cell: (s) => h("a", { href: s.share_url, target: "_blank", rel: "noopener" }, "Open") },
    { label: "", cell: (s) => h("button", { type: "button", class: "secondary", onclick: () => manage(detail, s.id, list) }, s.state === "live" ? "Manage" : "Stats") },
  ], { empty: "No live sessions yet." });
  const start = form({
    id: "new-live",
    inline: true,
    submit: "Go live",
    fields: [
      { name: "title", label: "Title of the show", required: true, placeholder: "Friday drop" },
      { name: "stream_url", label: "Stream (optional)", placeholder: STREAM_HINT },
    ],
    onSubmit: async (v, el) => {
      const s = await post("/api/live-sessions", { title: v.title, stream_url: v.stream_url || null });
      el.reset();
      list.reload();
      manage(detail, s.id, list);
      return h("div", null, h("p", { class: "ok" }, "You are live. Share the viewer page:"), copyable(s.share_url, "Copy page link"));
    },
  });
  return [section("Start a live session", start), section("Sessions", list, detail)];
}

const STREAM_HINT = "YouTube or Twitch live URL, or an .m3u8";

/** The time `minutes` from now, as the API reads it. */
const minutesFromNow = (minutes) => new Date(Date.now() + minutes * 60_000).toISOString();

async function manage(box, id, list) {
  put(box, loading());
  try {
    // The pins come from the viewers' feed (the same JSON the viewer page reads).
    const [s, stats, codes] = await Promise.all([
      get(`/api/live/${id}`),
      get(`/api/live-sessions/${id}/stats`),
      get("/api/codes").catch(() => ({ items: [] })),
    ]);
    const refresh = () => manage(box, id, list);
    const pins = s.pins.length
      ? h("ul", { class: "plain pins" }, s.pins.map((p) => h("li", null, h("strong", null, p.product.title), ` · ${p.price_display} · `, h("span", { class: "muted small" }, `pinned ${when(p.pinned_at)}`), " ",
        p.deal ? h("span", { class: "badge ok" }, `deal ${p.deal.code} until ${when(p.deal.ends_at)}`) : null, " ",
        s.state === "live" ? actionButton("Unpin", async () => { await api("DELETE", `/api/live-sessions/${id}/pins/${p.product.id}`); refresh(); }) : null)))
      : h("p", { class: "empty" }, "Nothing pinned.");
    let pin = null;
    if (s.state === "live") {
      pin = form({
        id: "pin",
        inline: true,
        submit: "Pin",
        fields: [
          { name: "q", label: "Find a product", placeholder: "title or SKU" },
          { name: "product_id", label: "Product", required: true, options: [["", "Search first"]] },
          { name: "deal_code", label: "Flash deal", options: [["", "No deal"], ...codes.items.filter((c) => c.active).map((c) => [c.code, `Code ${c.code}`])] },
          { name: "deal_minutes", label: "Minutes", type: "number", value: "15", inputmode: "numeric" },
        ],
        onSubmit: async (v) => {
          const minutes = Number(v.deal_minutes);
          if (v.deal_code && !(minutes >= 1 && minutes <= 1440)) throw new Error("A deal runs 1 to 1,440 minutes.");
          const deal = v.deal_code ? { code: v.deal_code, ends_at: minutesFromNow(minutes) } : null;
          await post(`/api/live-sessions/${id}/pins`, { product_id: v.product_id, deal });
          refresh();
        },
      });
      // The choices follow the search box (the showcase's own search, 100 at most).
      const choices = pin.elements.product_id;
      let asked = 0;
      const find = async () => {
        const n = ++asked;
        const q = pin.elements.q.value.trim();
        const page = await get(withQuery("/api/showcase", { q, limit: 100 })).catch(() => ({ items: [] }));
        if (n !== asked) return;
        // A choice already made stays made when it is still among the results.
        const chosen = choices.value;
        put(choices, h("option", { value: "" }, page.items.length ? "Choose a product" : "No product matches"),
          page.items.map((p) => h("option", { value: p.id, selected: p.id === chosen }, `${p.title} (${p.sku})`)));
        pin.dataset.searched = q;
      };
      pin.elements.q.addEventListener("input", find);
      find();
    }
    const stream = form({
      id: "stream",
      inline: true,
      submit: "Save stream",
      fields: [{ name: "stream_url", label: "Stream", value: s.stream_url ?? "", placeholder: STREAM_HINT, hint: "Empty takes the video off the page." }],
      onSubmit: async (v) => {
        await api("PATCH", `/api/live-sessions/${id}`, { stream_url: v.stream_url || null });
        return h("p", { class: "ok" }, v.stream_url ? "The viewer page plays it." : "No video on the page.");
      },
    });
    put(box,
      h("h3", null, s.title, " ", badge(s.state)),
      h("dl", { class: "stats" },
        s.state === "live" ? h("div", null, h("dt", null, "Watching"), h("dd", { id: "watching" }, String(s.viewers ?? 0))) : null,
        h("div", null, h("dt", null, "Clicks"), h("dd", null, String(stats.clicks))),
        h("div", null, h("dt", null, "Orders"), h("dd", null, String(stats.orders))),
        h("div", null, h("dt", null, "GMV"), h("dd", null, moneyList(stats.gmv))),
        h("div", null, h("dt", null, "Commission"), h("dd", null, moneyList(stats.commission)))),
      h("p", null, h("a", { class: "button secondary", href: s.share_url, target: "_blank", rel: "noopener" }, "Open the viewer page")),
      stream, pin, pins,
      s.state === "live" ? actionButton("End session", async () => { await post(`/api/live-sessions/${id}/end`); list.reload(); refresh(); }, { kind: "danger", confirmText: "End this live session?" }) : null);
  } catch (err) {
    const e = alertLine();
    showError(e, err);
    put(box, e);
  }
}
