// The app's building blocks: forms that show the API's errors and a busy state, tables that
// page through the API's lists, copy buttons.
import { h, put, add } from "./dom.js";
import { get, withQuery } from "./api.js";

let seq = 0;
const uid = (p) => `${p}-${++seq}`;

/** A titled card. */
export function section(title, ...children) {
  const id = uid("s");
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

/** A visible error line (role=alert, so screen readers hear it too). */
export function alertLine() {
  return h("p", { class: "error", role: "alert", hidden: true });
}

export function showError(el, err) {
  put(el, err?.message ?? String(err));
  el.hidden = false;
}

/**
 * A form of labelled fields. `fields`: `{name, label, type?, required?, value?, options?,
 * hint?, placeholder?}` (`options` makes a select, type "checkboxes" a group of boxes).
 * `onSubmit(values, form)` may return a node to show under the form; what it throws is shown
 * as the error, and the submit button says it is working meanwhile.
 */
export function form({ fields, submit, onSubmit, inline = false, id }) {
  const error = alertLine();
  const result = h("div", { class: "result", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, submit);
  const el = h("form", { class: inline ? "form inline" : "form", novalidate: true, id }, fields.map(field), h("div", { class: "actions" }, button), error, result);
  el.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const values = {};
    for (const f of fields) {
      if (f.type === "checkboxes") values[f.name] = [...el.querySelectorAll(`input[name="${f.name}"]:checked`)].map((i) => i.value);
      else values[f.name] = el.elements[f.name].value.trim();
      if (f.required && (values[f.name] === "" || (Array.isArray(values[f.name]) && !values[f.name].length))) {
        showError(error, `${f.label} is required.`);
        el.elements[f.name]?.focus?.();
        return;
      }
    }
    button.disabled = true;
    el.setAttribute("aria-busy", "true");
    const label = button.textContent;
    button.textContent = "Working…";
    try {
      const shown = await onSubmit(values, el);
      put(result, shown ?? null);
    } catch (err) {
      showError(error, err);
    } finally {
      button.disabled = false;
      button.textContent = label;
      el.removeAttribute("aria-busy");
    }
  });
  return el;
}

function field(f) {
  const id = uid("f");
  const hint = f.hint ? h("small", { id: `${id}-hint`, class: "hint" }, f.hint) : null;
  if (f.type === "checkboxes") {
    return h("fieldset", { class: "field" }, h("legend", null, f.label),
      f.options.map(([value, text]) => h("label", { class: "check" }, h("input", { type: "checkbox", name: f.name, value, checked: f.value?.includes(value) }), text)), hint);
  }
  const common = { id, name: f.name, required: f.required, "aria-describedby": hint ? `${id}-hint` : null };
  const input = f.options
    ? h("select", common, f.options.map(([value, text]) => h("option", { value, selected: value === f.value }, text)))
    : h("input", { ...common, type: f.type ?? "text", value: f.value ?? null, placeholder: f.placeholder, autocomplete: f.autocomplete ?? "off", inputmode: f.inputmode, spellcheck: "false" });
  return h("div", { class: "field" }, h("label", { for: id }, f.label), input, hint);
}

/** A table of `rows` with `columns`: `[{label, cell: (row) => node | text}]`. */
export function table(columns, rows, empty = "Nothing here yet.") {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  return h("div", { class: "scroll" },
    h("table", null,
      h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col" }, c.label)))),
      h("tbody", null, rows.map((r) => h("tr", null, columns.map((c) => h("td", { "data-label": c.label }, c.cell(r))))))));
}

/**
 * One of the API's lists (`{items, next_cursor}`), as a table with a "Load more" button;
 * `decorate(items)` may fetch more per page before it is shown (stats of links, say).
 */
export function pagedTable(path, columns, { empty, params = {}, decorate } = {}) {
  const box = h("div", { class: "paged", "aria-busy": "true" }, loading());
  const rows = [];
  async function load(cursor) {
    const page = await get(withQuery(path, { ...params, cursor, limit: 50 }));
    const items = decorate ? await decorate(page.items) : page.items;
    rows.push(...items);
    const more = page.next_cursor
      ? h("button", { type: "button", class: "secondary", onclick: (ev) => { ev.target.disabled = true; ev.target.textContent = "Loading…"; load(page.next_cursor).catch(fail); } }, "Load more")
      : null;
    put(box, table(columns, rows, empty), more);
    box.removeAttribute("aria-busy");
  }
  function fail(err) {
    const e = alertLine();
    showError(e, err);
    add(box, e);
    box.removeAttribute("aria-busy");
  }
  load().catch((err) => { put(box); fail(err); });
  box.reload = () => { rows.length = 0; box.setAttribute("aria-busy", "true"); return load().catch(fail); };
  return box;
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

/** A read-only value with a Copy button (the clipboard, else the text selected to copy by hand). */
export function copyable(value, label = "Copy", name = "Value to copy") {
  const input = h("input", { type: "text", value, readonly: true, "aria-label": name, class: "copy-value", spellcheck: "false" });
  const button = h("button", { type: "button", class: "secondary copy" }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(value);
      button.textContent = "Copied";
    } catch {
      input.select();
      button.textContent = "Press Ctrl+C";
    }
    setTimeout(() => (button.textContent = label), 2000);
  });
  return h("div", { class: "copyable" }, input, button);
}

/** A small state badge. */
export function badge(text, kind = text) {
  return h("span", { class: `badge ${kind}` }, text);
}

/** A button that runs `action` (async) and shows an error beside it when it fails. */
export function actionButton(text, action, { kind = "secondary", confirmText } = {}) {
  const b = h("button", { type: "button", class: kind }, text);
  const err = h("span", { class: "error inline", role: "alert", hidden: true });
  b.addEventListener("click", async () => {
    if (confirmText && !window.confirm(confirmText)) return;
    b.disabled = true;
    err.hidden = true;
    try {
      await action();
    } catch (e) {
      showError(err, e);
    } finally {
      b.disabled = false;
    }
  });
  return h("span", { class: "action" }, b, err);
}
