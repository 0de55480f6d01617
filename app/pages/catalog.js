// The brand's catalog: products (create, edit, withdraw), collaboration rates, and creator
// codes (which the creator sees too, read-only).
import { h, put } from "../lib/dom.js";
import { get, post, api } from "../lib/api.js";
import { section, pagedTable, badge, form, actionButton } from "../lib/ui.js";
import { money, decimal, parseMoney, percent, parsePercent, when } from "../lib/format.js";

/** A product's fields from the form; on an edit (`patch`) an emptied rate or image is cleared. */
function productBody(v, currency, patch = false) {
  const body = { title: v.title, url: v.url, price: { amount: parseMoney(v.price, currency), currency } };
  if (v.sku !== undefined) body.sku = v.sku;
  if (v.rate || patch) body.commission_bps = v.rate ? parsePercent(v.rate) : null;
  if (v.image_url || patch) body.image_url = v.image_url || null;
  return body;
}

export function products() {
  const list = pagedTable("/api/products", [
    { label: "Product", cell: (p) => h("div", { class: "product-cell" }, h("strong", { class: "title" }, p.title), h("div", { class: "muted small" }, `${p.sku} · ${p.id}`), h("a", { class: "small", href: p.url, target: "_blank", rel: "noopener" }, p.url)) },
    { label: "Price", cell: (p) => money(p.price) },
    { label: "Commission", cell: (p) => (p.commission_bps == null ? "brand default" : percent(p.commission_bps)) },
    { label: "State", cell: (p) => badge(p.active ? "active" : "withdrawn") },
    { label: "", cell: (p) => h("div", { class: "row-actions" }, editButton(p, list),
      actionButton(p.active ? "Withdraw" : "Showcase again", async () => { await api("PATCH", `/api/products/${p.id}`, { active: !p.active }); list.reload(); })) },
  ], { empty: "No products yet: add the first one above." });
  const create = form({
    id: "new-product",
    submit: "Add product",
    fields: [
      { name: "sku", label: "SKU", required: true, hint: "As your store's orders name it." },
      { name: "title", label: "Title", required: true },
      { name: "url", label: "Product page URL", required: true, type: "url", placeholder: "https://shop.example/products/…" },
      { name: "price", label: "Price", required: true, inputmode: "decimal", placeholder: "19.99" },
      { name: "currency", label: "Currency", required: true, value: "USD" },
      { name: "rate", label: "Commission (%)", inputmode: "decimal", hint: "Empty: the brand's default rate." },
      { name: "image_url", label: "Image URL", type: "url" },
    ],
    onSubmit: async (v, el) => {
      const p = await post("/api/products", productBody(v, v.currency.toUpperCase()));
      el.reset();
      list.reload();
      return h("p", { class: "ok" }, `Added “${p.title}”. It is in the showcase now.`);
    },
  });
  return [section("Add a product", create), section("Products", list)];
}

function editButton(p, list) {
  const box = h("div", { class: "edit" });
  const button = h("button", { type: "button", class: "secondary", "aria-expanded": "false" }, "Edit");
  button.addEventListener("click", () => {
    if (box.firstChild) { put(box); button.setAttribute("aria-expanded", "false"); return; }
    button.setAttribute("aria-expanded", "true");
    put(box, form({
      submit: "Save",
      fields: [
        { name: "title", label: "Title", required: true, value: p.title },
        { name: "url", label: "Product page URL", required: true, type: "url", value: p.url },
        { name: "price", label: `Price (${p.price.currency})`, required: true, value: decimal(p.price.amount, p.price.currency), inputmode: "decimal" },
        { name: "rate", label: "Commission (%)", value: p.commission_bps == null ? "" : percent(p.commission_bps).replace(" %", ""), inputmode: "decimal" },
        { name: "image_url", label: "Image URL", type: "url", value: p.image_url ?? "" },
      ],
      onSubmit: async (v) => {
        await api("PATCH", `/api/products/${p.id}`, productBody(v, p.price.currency, true));
        list.reload();
      },
    }));
    box.querySelector("input")?.focus();
  });
  return h("div", null, button, box);
}

export function rates() {
  const done = h("ul", { class: "plain", "aria-live": "polite" });
  const productOptions = [["", "All products"]];
  const set = form({
    id: "set-rate",
    submit: "Set rate",
    fields: [
      { name: "creator_id", label: "Creator id", required: true, placeholder: "cr_…" },
      { name: "rate", label: "Commission (%)", required: true, inputmode: "decimal" },
      { name: "product_id", label: "Product", options: productOptions },
    ],
    onSubmit: async (v) => {
      const body = { commission_bps: parsePercent(v.rate) };
      if (v.product_id) body.product_id = v.product_id;
      const c = await api("PUT", `/api/collaborations/${encodeURIComponent(v.creator_id)}`, body);
      done.prepend(h("li", null, `${c.creator_id}: ${percent(c.commission_bps)} on ${c.product_id ?? "all products"}`));
      return h("p", { class: "ok" }, "Saved. It applies to that creator's next clicks.");
    },
  });
  // The product choices, once they are known.
  get("/api/products?limit=100").then((page) => {
    const select = set.elements.product_id;
    for (const p of page.items) select.append(h("option", { value: p.id }, `${p.title} (${p.sku})`));
  }, () => {});
  return section("Collaboration rates",
    h("p", { class: "muted" }, "A targeted rate for one creator beats the open rate (even when lower); one for a product beats one for all products. Setting it again replaces it."),
    set, h("h3", null, "Set in this visit"), done);
}

export function codes(me) {
  const columns = [
    { label: "Code", cell: (c) => h("strong", { class: "code" }, c.code) },
    { label: me.role === "brand" ? "Creator" : "Brand", cell: (c) => (me.role === "brand" ? c.creator_id : c.brand_id) },
    { label: "State", cell: (c) => badge(c.active ? "active" : "inactive") },
    { label: "Since", cell: (c) => when(c.created_at) },
  ];
  if (me.role === "creator") {
    return section("Your discount codes", h("p", { class: "muted" }, "Orders that use one of these codes earn you the commission, even without a click."), pagedTable("/api/codes", columns, { empty: "No codes yet: a brand registers them for you." }));
  }
  const list = pagedTable("/api/codes", [...columns, { label: "", cell: (c) => (c.active ? actionButton("Deactivate", async () => { await api("DELETE", `/api/codes/${c.id}`); list.reload(); }, { confirmText: `Deactivate ${c.code}? It is never given to another creator.` }) : null) }], { empty: "No codes yet." });
  const create = form({
    id: "new-code",
    submit: "Register code",
    fields: [
      { name: "creator_id", label: "Creator id", required: true, placeholder: "cr_…" },
      { name: "code", label: "Discount code", required: true, placeholder: "MAYA15", hint: "The code as it exists in your store: 3–32 letters, digits, _ or -." },
    ],
    onSubmit: async (v, el) => {
      const c = await post("/api/codes", { creator_id: v.creator_id, code: v.code });
      el.reset();
      list.reload();
      return h("p", { class: "ok" }, `${c.code} now attributes orders to ${c.creator_id}.`);
    },
  });
  return [section("Register a creator's code", create), section("Codes", list)];
}
