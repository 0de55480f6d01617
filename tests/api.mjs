// The one API client of the browser and socket tests: a JSON call to the running worker
// (`AE_BASE_URL`, which `npm test` sets) with a bearer key; answers the status and the body.
export async function api(method, path, key, body) {
  const r = await fetch(process.env.AE_BASE_URL + path, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
