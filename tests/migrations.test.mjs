// Applying every file of migrations/ to an empty database gives exactly schema.sql's shape.
// Run by `npm test` (scripts/test.sh) before the worker starts: `node --test tests/`.
//
// Both databases are built the way wrangler builds them (local D1 under Miniflare, through
// wrangler's CLI), and their `sqlite_schema` rows (type, name, tbl_name, sql) are compared
// as SQLite stores them, nothing normalised: SQLite keeps each CREATE statement's text (minus
// a leading `IF NOT EXISTS`), so a column, constraint, index, collation or even a comment
// inside a statement that differs fails this test. That means schema.sql must read exactly as
// SQLite ends up storing the migrated shape (after an ALTER TABLE … ADD COLUMN, say, the new
// column's text at the end of the table's statement).
//
// Left out on both sides (by tbl_name, so their automatic indexes too): wrangler's own
// bookkeeping, `d1_migrations`, and `sqlite_sequence`, which SQLite creates only because
// d1_migrations has an AUTOINCREMENT key; and `_cf_*`, the tables of the storage underneath
// D1. Rows are sorted by (type, name) so that creation order is not part of the shape.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const wranglerJs = join(root, "node_modules", "wrangler", "bin", "wrangler.js");

const SHAPE = `SELECT type, name, tbl_name, sql FROM sqlite_schema
  WHERE tbl_name NOT IN ('d1_migrations', 'sqlite_sequence') AND tbl_name NOT LIKE '\\_cf\\_%' ESCAPE '\\'
  ORDER BY type, name`;

/** Runs wrangler (under this Node, which scripts/test.sh makes the one wrangler needs). */
function wrangler(args) {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [wranglerJs, ...args],
      {
        cwd: root,
        timeout: 120_000,
        maxBuffer: 64 << 20,
        env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      },
      (err, stdout, stderr) =>
        err ? reject(new Error(`wrangler ${args.join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin.end(); // never a prompt waiting for input
  });
}

/** The result rows of each statement of `sql`, run on the local D1 kept in `dir`. */
async function query(dir, sql) {
  const out = await wrangler(["d1", "execute", "DB", "--local", "--persist-to", dir, "--json", "--command", sql]);
  return JSON.parse(out).map((r) => r.results);
}

const migrate = (dir) => wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir]);
const executeFile = (dir, file) => wrangler(["d1", "execute", "DB", "--local", "--persist-to", dir, "--file", file]);

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), "affiliate-edge-schema-"));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const migrationFiles = async () => (await readdir(join(root, "migrations"))).filter((f) => f.endsWith(".sql")).sort();
const APPLIED = "SELECT name FROM d1_migrations ORDER BY id";

// The three databases are built side by side: each wrangler call is mostly start-up.
describe("migrations/ against schema.sql", { concurrency: true }, () => {
  let built;
  const expectedShape = () =>
    (built ??= (async () => {
      const dir = await tempDir();
      await executeFile(dir, "schema.sql");
      const [shape] = await query(dir, SHAPE);
      assert.ok(shape.length > 0, "schema.sql built nothing");
      return shape;
    })());
  expectedShape().catch(() => {}); // started now, beside the tests; they await it

  test("every migration applied to an empty database gives exactly schema.sql's shape", async () => {
    const dir = await tempDir();
    await migrate(dir);
    const [shape, applied] = await query(dir, `${SHAPE}; ${APPLIED}`);
    assert.deepEqual(applied.map((r) => r.name), await migrationFiles(), "wrangler applied other files than migrations/");
    assert.deepEqual(shape, await expectedShape(), "migrations/ and schema.sql disagree (actual: from migrations/, expected: schema.sql)");
  });

  test("a local state set up before migrations/ existed (0001 executed directly) upgrades to the same shape", async () => {
    const dir = await tempDir();
    const [first] = await migrationFiles();
    await executeFile(dir, join("migrations", first));
    await migrate(dir);
    const [shape, applied] = await query(dir, `${SHAPE}; ${APPLIED}`);
    assert.deepEqual(applied.map((r) => r.name), await migrationFiles());
    assert.deepEqual(shape, await expectedShape());
  });
  // The ledger's tables are rebuilt by 0003 (new CHECKs); D1 enforces foreign keys throughout,
  // so this proves the rebuild keeps every row and every reference of a database in use.
  test("a database holding orders and a ledger upgrades through 0003 with every row kept", async () => {
    const dir = await tempDir();
    const seed = join(dir, "seed.sql");
    await writeFile(
      seed,
      `INSERT INTO brands VALUES ('br_1','B','["shop.example"]','USD',1000,30,30,'aff_click','standard','s',NULL,'h',1);
       INSERT INTO creators VALUES ('cr_1','c',NULL,'hh',1);
       INSERT INTO products VALUES ('pr_1','br_1','s','t','https://shop.example/t',100,'USD',NULL,NULL,1,1,1);
       INSERT INTO links VALUES ('ln_1','abc','cr_1','br_1','pr_1',NULL,1,1);
       INSERT INTO clicks (id,link_id,code,creator_id,brand_id,product_id,rate_bps,created_at,device,visitor_hash,is_bot,is_unique)
         VALUES ('clk_1','ln_1','abc','cr_1','br_1','pr_1',1000,1,'mobile','v',0,1);
       INSERT INTO orders (id,brand_id,external_id,click_id,creator_id,link_code,currency,gmv,status,occurred_at,created_at)
         VALUES ('ord_1','br_1','o1','clk_1','cr_1','abc','USD',100,'attributed',1,1),
                ('ord_2','br_1','o2',NULL,NULL,NULL,'USD',100,'unattributed',1,1);
       INSERT INTO order_lines VALUES ('ord_1',0,'s','pr_1',1,100,0,1);
       INSERT INTO commissions VALUES ('cm_1','ord_1',0,'br_1','cr_1','abc',NULL,'s',1,1000,100,10,'USD','approved','commission',NULL,'',1,1);
       INSERT INTO commissions VALUES ('cm_2','ord_1',0,'br_1','cr_1','abc',NULL,'s',1,1000,-100,-10,'USD','reversed','clawback','cm_1','d1',NULL,2);
       CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE,
         applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);
       INSERT INTO d1_migrations (name) VALUES ('0001_initial.sql'), ('0002_click_queue.sql');`,
    );
    await executeFile(dir, join("migrations", "0001_initial.sql"));
    await executeFile(dir, join("migrations", "0002_click_queue.sql"));
    await executeFile(dir, seed);
    await migrate(dir);
    const [shape, orders, ledger, lines] = await query(
      dir,
      `${SHAPE}; SELECT id, method, status, click_id, code_id FROM orders ORDER BY id;
       SELECT id, parent_id, link_code, amount FROM commissions ORDER BY id;
       SELECT order_id, refunded_quantity FROM order_lines`,
    );
    assert.deepEqual(shape, await expectedShape());
    assert.deepEqual(orders, [
      { id: "ord_1", method: "click", status: "attributed", click_id: "clk_1", code_id: null },
      { id: "ord_2", method: "none", status: "unattributed", click_id: null, code_id: null },
    ]);
    assert.deepEqual(ledger, [
      { id: "cm_1", parent_id: null, link_code: "abc", amount: 10 },
      { id: "cm_2", parent_id: "cm_1", link_code: "abc", amount: -10 },
    ]);
    assert.deepEqual(lines, [{ order_id: "ord_1", refunded_quantity: 1 }]);
  });
});
