// The one way the app talks to the worker: same-origin fetch with the session cookie (the
// browser sends `Origin` on every write, which the worker checks), JSON in and out, and the
// API's error `message` carried to the page.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  let r;
  try {
    r = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", "The server could not be reached. Check your connection and try again.");
  }
  if (r.status === 204) return null;
  const text = await r.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: the status says it */
  }
  // A session that ended while a page was open (12 h, or signed out elsewhere): the page
  // starts again, which shows the sign-in form.
  if (r.status === 401 && path !== "/api/sessions" && path !== "/api/me" && document.getElementById("sign-out")) {
    location.reload();
  }
  if (!r.ok) {
    throw new ApiError(r.status, data?.error?.code ?? `http_${r.status}`, data?.error?.message ?? `The server answered ${r.status}.`);
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body = {}) => api("POST", path, body);

/** `/api/x` + `{a: 1, b: ""}` → `/api/x?a=1` (empty values left out). */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
