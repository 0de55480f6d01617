// The dashboard at /app: who is signed in (GET /api/me), their role's pages, sign-in and
// sign-out. Each page is a real path (/app/payouts …) served as the same static HTML; this
// script picks the page from the path. The API key is sent once, to POST /api/sessions, and
// never kept: the session is an HttpOnly cookie the page cannot read.
import "./app.css";
import { h, put } from "./lib/dom.js";
import { api, get } from "./lib/api.js";
import { form, loading, alertLine, showError } from "./lib/ui.js";
import { adminHome } from "./pages/admin.js";
import { creatorHome, showcase } from "./pages/links.js";
import { brandHome, commissions } from "./pages/commissions.js";
import { payouts } from "./pages/payouts.js";
import { products, rates, codes } from "./pages/catalog.js";
import { live } from "./pages/live.js";
import { webhooks } from "./pages/webhooks.js";

/** Each role's pages: [path below /app, nav label, page]. */
const PAGES = {
  creator: [["", "Home", creatorHome], ["showcase", "Showcase", showcase], ["codes", "Codes", codes], ["commissions", "Commissions", commissions], ["payouts", "Payouts", payouts], ["live", "Live", live], ["webhooks", "Webhooks", webhooks]],
  brand: [["", "Orders", brandHome], ["products", "Products", products], ["rates", "Rates", rates], ["codes", "Codes", codes], ["commissions", "Commissions", commissions], ["payouts", "Payouts", payouts], ["webhooks", "Webhooks", webhooks]],
  admin: [["", "Brands & creators", adminHome]],
};

const root = document.getElementById("app");
const page = location.pathname.replace(/^\/app\/?/, "").replace(/\/$/, "");

function rendered() {
  performance.mark("ae:rendered");
}

async function start() {
  put(root, loading());
  try {
    const me = await get("/api/me");
    shell(me);
  } catch (err) {
    if (err.status === 401) signIn();
    else {
      const e = alertLine();
      showError(e, err);
      put(root, h("main", { class: "main" }, e));
    }
  }
  rendered();
}

function signIn() {
  document.title = "Sign in · affiliate-edge";
  const f = form({
    id: "sign-in",
    submit: "Sign in",
    fields: [{ name: "api_key", label: "API key", type: "password", required: true, autocomplete: "off", hint: "Your brand or creator key, or the admin token. It is exchanged for a 12-hour session and not stored in this browser." }],
    onSubmit: async (v, el) => {
      el.elements.api_key.value = "";
      await api("POST", "/api/sessions", { api_key: v.api_key });
      await start();
    },
  });
  put(root, h("main", { class: "main narrow", id: "main" }, h("h1", { class: "logo-big" }, "affiliate-edge"), h("section", { class: "card" }, h("h2", null, "Sign in"), f)));
  f.elements.api_key.focus();
}

function shell(me) {
  const pages = PAGES[me.role] ?? [];
  const current = pages.find(([p]) => p === page);
  document.title = `${current ? current[1] : "Not found"} · affiliate-edge`;
  const out = h("button", { type: "button", class: "secondary", id: "sign-out" }, "Sign out");
  const outError = h("span", { class: "error inline", role: "alert", hidden: true });
  out.addEventListener("click", async () => {
    out.disabled = true;
    try {
      await api("DELETE", "/api/sessions");
      signIn();
    } catch (err) {
      out.disabled = false;
      showError(outError, err);
    }
  });
  const nav = h("nav", { "aria-label": "Dashboard" }, h("ul", null, pages.map(([p, label]) =>
    h("li", null, h("a", { href: p ? `/app/${p}` : "/app", "aria-current": p === page ? "page" : null }, label)))));
  const body = current
    ? current[2](me)
    : h("p", { class: "empty" }, `There is no such page in the ${me.role} dashboard. `, h("a", { href: "/app" }, "Go home"));
  put(root,
    h("a", { class: "skip", href: "#main" }, "Skip to content"),
    h("header", { class: "top" },
      h("a", { class: "logo", href: "/app" }, "affiliate-edge"),
      h("span", { class: "who" }, h("span", { class: "role" }, me.role), " ", h("strong", { id: "who" }, me.name)), out, outError, nav),
    h("main", { class: "main", id: "main", tabindex: "-1" }, h("h1", null, current ? current[1] : "Not found"), body));
}

start();
