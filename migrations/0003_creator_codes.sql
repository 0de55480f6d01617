-- 0003: creator codes, and every order's attribution decision kept with its reason (release 2).
-- schema.sql holds the same shape in one file; tests/migrations.test.mjs checks they agree.
-- An order may now be attributed by a code (no click, no link), so the CHECKs of `orders`
-- and `commissions.link_code NOT NULL` change, and SQLite changes those only by rebuilding the
-- table. D1 always enforces foreign keys, and a rename rewrites the references to the renamed
-- table, so the ledger's three tables are rebuilt together: new tables that reference each
-- other, every row copied, the old ones dropped children first (nothing references a row
-- when it goes), and the new ones renamed into place. Foreign keys are checked at the end.
PRAGMA defer_foreign_keys = true;

CREATE TABLE IF NOT EXISTS creator_codes (
  id          TEXT PRIMARY KEY CHECK (id LIKE 'dc\_%' ESCAPE '\'),
  brand_id    TEXT NOT NULL REFERENCES brands(id),
  creator_id  TEXT NOT NULL REFERENCES creators(id),
  code        TEXT NOT NULL COLLATE NOCASE CHECK (length(code) BETWEEN 3 AND 32),
  active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at  INTEGER NOT NULL,
  -- Never handed to another creator: a deactivated code keeps its row.
  UNIQUE (brand_id, code)
);
CREATE INDEX IF NOT EXISTS creator_codes_creator ON creator_codes (creator_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS creator_codes_brand ON creator_codes (brand_id, created_at DESC, id DESC);

CREATE TABLE orders_new (
  id               TEXT PRIMARY KEY CHECK (id LIKE 'ord\_%' ESCAPE '\'),
  brand_id         TEXT NOT NULL REFERENCES brands(id),
  external_id      TEXT NOT NULL,                    -- the brand's own order id
  click_id         TEXT REFERENCES clicks(id),       -- set only when a click attributed it
  code_id          TEXT REFERENCES creator_codes(id), -- set only when a code attributed it
  creator_id       TEXT REFERENCES creators(id),
  link_code        TEXT,
  live_session_id  TEXT REFERENCES live_sessions(id),
  currency         TEXT NOT NULL CHECK (length(currency) = 3),
  gmv              INTEGER NOT NULL CHECK (gmv >= 0),
  status           TEXT NOT NULL CHECK (status IN ('attributed', 'unattributed')),
  state            TEXT NOT NULL DEFAULT 'paid' CHECK (state IN ('paid', 'refunded', 'cancelled')),
  occurred_at      INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  method           TEXT NOT NULL CHECK (method IN ('click', 'code', 'none')),
  reason           TEXT NOT NULL,                    -- the decision as a sentence
  UNIQUE (brand_id, external_id),
  CHECK ((status = 'attributed') = (method <> 'none')),
  CHECK ((status = 'attributed') = (creator_id IS NOT NULL)),
  CHECK ((method = 'click') = (click_id IS NOT NULL AND link_code IS NOT NULL)),
  CHECK ((method = 'code') = (code_id IS NOT NULL))
);

INSERT INTO orders_new (id, brand_id, external_id, click_id, code_id, creator_id, link_code, live_session_id,
  currency, gmv, status, state, occurred_at, created_at, method, reason)
SELECT id, brand_id, external_id, click_id, NULL, creator_id, link_code, live_session_id, currency, gmv, status,
  state, occurred_at, created_at, CASE status WHEN 'attributed' THEN 'click' ELSE 'none' END,
  CASE status WHEN 'attributed' THEN 'a human click on this brand''s link, within the window'
    ELSE 'no genuine click of this brand within the window (decided before reasons were kept)' END
FROM orders;
CREATE TABLE order_lines_new (
  order_id           TEXT NOT NULL REFERENCES orders_new(id),
  line_no            INTEGER NOT NULL CHECK (line_no >= 0),
  sku                TEXT NOT NULL,
  product_id         TEXT REFERENCES products(id),  -- NULL: not one of the brand's skus
  quantity           INTEGER NOT NULL CHECK (quantity >= 0),
  unit_price         INTEGER NOT NULL CHECK (unit_price >= 0),
  discount           INTEGER NOT NULL CHECK (discount >= 0),
  refunded_quantity  INTEGER NOT NULL DEFAULT 0 CHECK (refunded_quantity BETWEEN 0 AND quantity),
  PRIMARY KEY (order_id, line_no)
);
INSERT INTO order_lines_new SELECT order_id, line_no, sku, product_id, quantity, unit_price, discount,
  refunded_quantity FROM order_lines;
CREATE TABLE commissions_new (
  id               TEXT PRIMARY KEY CHECK (id LIKE 'cm\_%' ESCAPE '\'),
  order_id         TEXT NOT NULL REFERENCES orders_new(id),
  line_no          INTEGER NOT NULL,
  brand_id         TEXT NOT NULL REFERENCES brands(id),
  creator_id       TEXT NOT NULL REFERENCES creators(id),
  link_code        TEXT,                             -- NULL: the order was attributed by a code
  live_session_id  TEXT REFERENCES live_sessions(id),
  sku              TEXT NOT NULL,
  quantity         INTEGER NOT NULL,
  rate_bps         INTEGER NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
  base             INTEGER NOT NULL,
  amount           INTEGER NOT NULL,
  currency         TEXT NOT NULL CHECK (length(currency) = 3),
  state            TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'reversed', 'paid')),
  kind             TEXT NOT NULL CHECK (kind IN ('commission', 'reversal', 'clawback')),
  parent_id        TEXT REFERENCES commissions_new(id),
  event_key        TEXT NOT NULL,                    -- '' for the commission, else the delivery id
  approve_after    INTEGER,
  created_at       INTEGER NOT NULL,
  FOREIGN KEY (order_id, line_no) REFERENCES order_lines_new(order_id, line_no),
  UNIQUE (order_id, line_no, kind, event_key),
  CHECK ((kind = 'commission') = (parent_id IS NULL)),
  CHECK (kind <> 'commission' OR (amount >= 0 AND event_key = '' AND approve_after IS NOT NULL)),
  CHECK (kind = 'commission' OR (amount <= 0 AND state = 'reversed'))
);

INSERT INTO commissions_new SELECT id, order_id, line_no, brand_id, creator_id, link_code, live_session_id, sku,
  quantity, rate_bps, base, amount, currency, state, kind, parent_id, event_key, approve_after, created_at
FROM commissions ORDER BY rowid;

DROP TABLE commissions;
DROP TABLE order_lines;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
ALTER TABLE order_lines_new RENAME TO order_lines;
ALTER TABLE commissions_new RENAME TO commissions;
CREATE INDEX IF NOT EXISTS orders_brand ON orders (brand_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS orders_live ON orders (live_session_id) WHERE live_session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_click ON orders (click_id) WHERE click_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_link ON orders (link_code) WHERE link_code IS NOT NULL;

CREATE INDEX IF NOT EXISTS commissions_creator ON commissions (creator_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS commissions_brand ON commissions (brand_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS commissions_due ON commissions (approve_after) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS commissions_parent ON commissions (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS commissions_live ON commissions (live_session_id) WHERE live_session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS commissions_link ON commissions (link_code, created_at);
