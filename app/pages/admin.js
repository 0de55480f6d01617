// The admin's page: create brands and creators; their keys are shown once, with copy buttons.
import { h } from "../lib/dom.js";
import { post } from "../lib/api.js";
import { form, section, copyable } from "../lib/ui.js";
import { parsePercent } from "../lib/format.js";

const SCHEMES = [["shopify", "Shopify"], ["woocommerce", "WooCommerce"], ["stripe", "Stripe"], ["standard", "Standard Webhooks"], ["tiktok", "TikTok Shop"]];

function shownOnce(title, rows) {
  return h("div", { class: "once" },
    h("h3", null, title),
    h("p", { class: "warn" }, "Copy these now: the keys are shown only once and are stored hashed."),
    rows.map(([label, value]) => h("div", { class: "kv" }, h("span", { class: "k" }, label), copyable(value, `Copy`, label))));
}

export function adminHome() {
  const brand = form({
    id: "new-brand",
    submit: "Create brand",
    fields: [
      { name: "name", label: "Name", required: true },
      { name: "domains", label: "Store domains", required: true, placeholder: "shop.example, shop.example.com", hint: "The only hosts this brand's links may redirect to (and their subdomains), separated by commas." },
      { name: "currency", label: "Currency", required: true, value: "USD", hint: "ISO 4217, like USD or EUR." },
      { name: "rate", label: "Default commission (%)", required: true, value: "10", inputmode: "decimal" },
      { name: "window", label: "Attribution window (days)", value: "30", inputmode: "numeric" },
      { name: "hold", label: "Hold before approval (days)", value: "30", inputmode: "numeric" },
      { name: "scheme", label: "Store platform (webhook signatures)", options: SCHEMES, value: "shopify" },
      { name: "secret", label: "Webhook secret", hint: "The secret your store's platform issued. Leave empty to have one made." },
      { name: "app_key", label: "TikTok app key", hint: "Needed for TikTok Shop only." },
    ],
    onSubmit: async (v, el) => {
      const body = {
        name: v.name,
        domains: v.domains.split(/[\s,]+/).filter(Boolean),
        currency: v.currency.toUpperCase(),
        default_commission_bps: parsePercent(v.rate),
        webhook_scheme: v.scheme,
      };
      if (v.window) body.attribution_window_days = wholeNumber(v.window, "The attribution window");
      if (v.hold) body.hold_days = wholeNumber(v.hold, "The hold");
      if (v.secret) body.webhook_secret = v.secret;
      if (v.app_key) body.webhook_app_key = v.app_key;
      const b = await post("/api/brands", body);
      el.reset();
      return shownOnce(`Brand “${b.name}” created`, [["Brand id", b.id], ["API key", b.api_key], ["Webhook secret", b.webhook_secret], ["Webhook URL", b.webhook_url]]);
    },
  });
  const creator = form({
    id: "new-creator",
    submit: "Create creator",
    fields: [
      { name: "handle", label: "Handle", required: true, placeholder: "maya.makes" },
      { name: "email", label: "Email", type: "email", hint: "Optional. Orders placed with this email are held as self-referrals." },
    ],
    onSubmit: async (v, el) => {
      const body = { handle: v.handle };
      if (v.email) body.email = v.email;
      const c = await post("/api/creators", body);
      el.reset();
      return shownOnce(`Creator @${c.handle} created`, [["Creator id", c.id], ["API key", c.api_key]]);
    },
  });
  return [section("New brand", brand), section("New creator", creator)];
}

function wholeNumber(text, what) {
  if (!/^\d{1,4}$/.test(text)) throw new Error(`${what} is a whole number of days.`);
  return Number(text);
}
