// Bench-only: KV, D1 and the CLICKS queue answered from memory inside the worker's isolate,
// so that the redirect comparison measures the workers (Rust or JS) rather than Miniflare's
// local KV, D1 and queue simulators, which on 2 cores serve only a few hundred operations per
// second and would cap both sides alike. Both sides get the same stubs through
// `withMemoryBindings(worker)`:
// - KV: the real namespace behind a read cache (a text `get` is answered from a Map after
//   the first read; writes go through and drop the cached key).
// - D1: a statement answered as the real database answers it for the bench's seeded link
//   (one row written); nothing is stored. Since commit 6ce5b32 the redirect itself makes no
//   D1 call (its click goes to the queue); the stub stays for the D1-path variant.
// - Queue (CLICKS): `send`/`sendBatch` count the messages and resolve at once, in constant
//   time; nothing is delivered (the in-memory mode measures the producer, not the consumer).

class D1PreparedStatement {
  constructor(sql, args = []) {
    this.sql = sql;
    this.args = args;
  }
  bind(...args) {
    return new D1PreparedStatement(this.sql, args);
  }
  #row() {
    if (this.sql.includes("AS targeted_product")) return { targeted_product: null, targeted_all: null, product: 1250, brand_default: 1000 };
    if (this.sql.includes("AS seen")) return { seen: 1 };
    return null;
  }
  async first(column) {
    const row = this.#row();
    return column ? (row ? row[column] : null) : row;
  }
  async all() {
    const row = this.#row();
    return { success: true, results: row ? [row] : [], meta: { changes: row ? 0 : 1 } };
  }
  async run() {
    return this.all();
  }
  async raw() {
    const row = this.#row();
    return row ? [Object.values(row)] : [];
  }
}

class D1Database {
  prepare(sql) {
    return new D1PreparedStatement(sql);
  }
  async batch(statements) {
    return Promise.all(statements.map((s) => s.all()));
  }
}

class KVNamespace {
  #real;
  #cache = new Map();
  constructor(real) {
    this.#real = real;
  }
  get(key, options) {
    const type = typeof options === "string" ? options : options?.type ?? "text";
    if (type !== "text") return this.#real.get(key, options);
    const hit = this.#cache.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    return this.#real.get(key, "text").then((v) => {
      if (v !== null) this.#cache.set(key, v);
      return v;
    });
  }
  getWithMetadata(key, options) {
    return this.#real.getWithMetadata(key, options);
  }
  put(key, value, options) {
    this.#cache.delete(key);
    return this.#real.put(key, value, options);
  }
  delete(key) {
    this.#cache.delete(key);
    return this.#real.delete(key);
  }
  list(options) {
    return this.#real.list(options);
  }
}

class Queue {
  messages = 0;
  send() {
    this.messages++;
    return Promise.resolve();
  }
  sendBatch(messages) {
    this.messages += messages.length;
    return Promise.resolve();
  }
}

const db = new D1Database();
const queue = new Queue();
const envs = new WeakMap();

export function withMemoryBindings(worker) {
  return {
    fetch(request, env, ctx) {
      let e = envs.get(env);
      if (!e) envs.set(env, (e = { ...env, DB: db, LINKS: new KVNamespace(env.LINKS), CLICKS: queue }));
      return worker.fetch(request, e, ctx);
    },
  };
}

// KV alone from memory (the same read cache), D1 and the queue the real local ones, events
// of both kinds passed on: for the ingest comparison, where the local KV simulator's reads
// would otherwise cap every redirect (and so both click paths) alike.
const kvEnvs = new WeakMap();
export function withMemoryKV(worker) {
  return {
    fetch(request, env, ctx) {
      let e = kvEnvs.get(env);
      if (!e) kvEnvs.set(env, (e = { ...env, LINKS: new KVNamespace(env.LINKS) }));
      return worker.fetch(request, e, ctx);
    },
    queue(batch, env, ctx) {
      return worker.queue(batch, env, ctx);
    },
  };
}
