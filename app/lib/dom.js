// Elements are made here and only here, and every text goes in as a text node: nothing the
// API returns is ever parsed as HTML (no innerHTML anywhere in the app).

/** `h("a", {href, class, onclick}, "text", child…)`: an element; null/false props and children are skipped. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "href" || k === "src") el.setAttribute(k, safeUrl(v));
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  add(el, children);
  return el;
}

/** Appends children (nodes, strings, numbers, arrays of them) as nodes and text nodes. */
export function add(el, children) {
  for (const c of [children].flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces an element's children. */
export function put(el, ...children) {
  el.replaceChildren();
  return add(el, children);
}

/**
 * A URL safe to put in href/src: our own paths, or http(s) ones. Anything else (a
 * `javascript:` URL in a record, say) becomes "#", so a stored string can never run.
 */
export function safeUrl(url) {
  const s = String(url);
  if (s.startsWith("/") && !s.startsWith("//")) return s;
  try {
    const u = new URL(s);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : "#";
  } catch {
    return "#";
  }
}
