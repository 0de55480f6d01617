-- affiliate-edge: the whole shape of the database (D1 / SQLite), in one file for a reader.
-- Not what builds databases: `npm run dev`, `npm test` and `npm run deploy` build and upgrade
-- them with the files in migrations/ (`wrangler d1 migrations apply`). Only the benchmark
-- (bench/run.mjs) loads this file, into its throw-away D1.
-- Every change to the shape is a new migration plus the same change here; `npm test`
-- (tests/migrations.test.mjs) fails when applying every migration to an empty database does
-- not give exactly this file's shape.
-- Money is INTEGER minor units; times are INTEGER epoch milliseconds; ids are prefixed text.
-- Constraints make wrong states impossible: UNIQUE for idempotency, CHECK for states and
-- ranges, foreign keys for tenancy (D1 enforces foreign keys).


CREATE TABLE IF NOT EXISTS brands (
  id                       TEXT PRIMARY KEY CHECK (id LIKE 'br\_%' ESCAPE '\'),
  name                     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  domains                  TEXT NOT NULL,            -- JSON array of lowercase hostnames
  currency                 TEXT NOT NULL CHECK (length(currency) = 3),
  default_commission_bps   INTEGER NOT NULL CHECK (default_commission_bps BETWEEN 0 AND 10000),
  attribution_window_days  INTEGER NOT NULL CHECK (attribution_window_days BETWEEN 1 AND 365),
  hold_days                INTEGER NOT NULL CHECK (hold_days BETWEEN 0 AND 365),
  click_param              TEXT NOT NULL,
  webhook_scheme           TEXT NOT NULL
                             CHECK (webhook_scheme IN ('shopify','woocommerce','stripe','standard','tiktok')),
  webhook_secret           TEXT NOT NULL,            -- needed in clear to verify HMACs
  webhook_app_key          TEXT,
  api_key_hash             TEXT NOT NULL UNIQUE,     -- SHA-256 hex; the key itself is never stored
  created_at               INTEGER NOT NULL,
  CHECK (webhook_scheme <> 'tiktok' OR webhook_app_key IS NOT NULL)
);

CREATE TABLE IF NOT EXISTS creators (
  id            TEXT PRIMARY KEY CHECK (id LIKE 'cr\_%' ESCAPE '\'),
  handle        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  email         TEXT,
  api_key_hash  TEXT NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS products (
  id              TEXT PRIMARY KEY CHECK (id LIKE 'pr\_%' ESCAPE '\'),
  brand_id        TEXT NOT NULL REFERENCES brands(id),
  sku             TEXT NOT NULL CHECK (length(sku) BETWEEN 1 AND 200),
  title           TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  url             TEXT NOT NULL,
  price_amount    INTEGER NOT NULL CHECK (price_amount >= 0),
  price_currency  TEXT NOT NULL CHECK (length(price_currency) = 3),
  commission_bps  INTEGER CHECK (commission_bps BETWEEN 0 AND 10000),
  image_url       TEXT,
  active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (brand_id, sku)
);
CREATE INDEX IF NOT EXISTS products_showcase ON products (active, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS products_brand ON products (brand_id, created_at DESC, id DESC);

-- A targeted rate: one creator, all of a brand's products ('' scope) or one product.
CREATE TABLE IF NOT EXISTS collaborations (
  brand_id        TEXT NOT NULL REFERENCES brands(id),
  creator_id      TEXT NOT NULL REFERENCES creators(id),
  product_id      TEXT REFERENCES products(id),
  scope           TEXT NOT NULL,                     -- product_id, or '' for all products
  commission_bps  INTEGER NOT NULL CHECK (commission_bps BETWEEN 0 AND 10000),
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (brand_id, creator_id, scope),
  CHECK (scope = COALESCE(product_id, ''))
);

CREATE TABLE IF NOT EXISTS live_sessions (
  id          TEXT PRIMARY KEY CHECK (id LIKE 'ls\_%' ESCAPE '\'),
  creator_id  TEXT NOT NULL REFERENCES creators(id),
  title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  starts_at   INTEGER,
  state       TEXT NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'ended')),
  created_at  INTEGER NOT NULL,
  ended_at    INTEGER, stream_url TEXT CHECK (stream_url LIKE 'https://%' AND length(stream_url) <= 2048),
  CHECK ((state = 'ended') = (ended_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS live_sessions_creator ON live_sessions (creator_id, created_at DESC);

CREATE TABLE IF NOT EXISTS links (
  id               TEXT PRIMARY KEY CHECK (id LIKE 'ln\_%' ESCAPE '\'),
  code             TEXT NOT NULL UNIQUE,             -- case-sensitive (BINARY collation)
  creator_id       TEXT NOT NULL REFERENCES creators(id),
  brand_id         TEXT NOT NULL REFERENCES brands(id),
  product_id       TEXT NOT NULL REFERENCES products(id),
  live_session_id  TEXT REFERENCES live_sessions(id),
  active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS links_creator ON links (creator_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS links_product ON links (product_id);
-- One tracked link per product in a live session: pinning again reuses it.
CREATE UNIQUE INDEX IF NOT EXISTS links_live_product ON links (live_session_id, product_id)
  WHERE live_session_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS live_pins (
  live_session_id  TEXT NOT NULL REFERENCES live_sessions(id),
  product_id       TEXT NOT NULL REFERENCES products(id),
  link_id          TEXT NOT NULL REFERENCES links(id),
  pinned_at        INTEGER NOT NULL,
  PRIMARY KEY (live_session_id, product_id)
);

CREATE TABLE IF NOT EXISTS clicks (
  id               TEXT PRIMARY KEY CHECK (id LIKE 'clk\_%' ESCAPE '\'),
  link_id          TEXT NOT NULL REFERENCES links(id),
  code             TEXT NOT NULL,
  creator_id       TEXT NOT NULL REFERENCES creators(id),
  brand_id         TEXT NOT NULL REFERENCES brands(id),
  product_id       TEXT NOT NULL REFERENCES products(id),
  live_session_id  TEXT REFERENCES live_sessions(id),
  rate_bps         INTEGER NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000), -- the rate lock
  created_at       INTEGER NOT NULL,
  country          TEXT,
  device           TEXT NOT NULL,
  referrer_host    TEXT,
  visitor_hash     TEXT NOT NULL,                    -- salted SHA-256 of IP + UA; never the IP
  is_bot           INTEGER NOT NULL CHECK (is_bot IN (0, 1)),
  is_unique        INTEGER NOT NULL CHECK (is_unique IN (0, 1)), ingest TEXT,
  CHECK (NOT (is_bot = 1 AND is_unique = 1))
);

-- Every accepted webhook delivery, once: the idempotency key of the scheme.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  brand_id     TEXT NOT NULL REFERENCES brands(id),
  delivery_id  TEXT NOT NULL,
  order_id     TEXT NOT NULL,                        -- the brand's order id
  kind         TEXT NOT NULL CHECK (kind IN ('paid', 'refunded', 'cancelled')),
  received_at  INTEGER NOT NULL,
  PRIMARY KEY (brand_id, delivery_id)
);

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

-- Rebuilt by migrations/0003_creator_codes.sql (hence the quoted names SQLite keeps): an order
-- is attributed by a click, by a creator's code, or not at all, and keeps why.
CREATE TABLE IF NOT EXISTS "orders" (
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
CREATE INDEX IF NOT EXISTS orders_brand ON orders (brand_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS orders_live ON orders (live_session_id) WHERE live_session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_click ON orders (click_id) WHERE click_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_link ON orders (link_code) WHERE link_code IS NOT NULL;

CREATE TABLE IF NOT EXISTS "order_lines" (
  order_id           TEXT NOT NULL REFERENCES "orders"(id),
  line_no            INTEGER NOT NULL CHECK (line_no >= 0),
  sku                TEXT NOT NULL,
  product_id         TEXT REFERENCES products(id),  -- NULL: not one of the brand's skus
  quantity           INTEGER NOT NULL CHECK (quantity >= 0),
  unit_price         INTEGER NOT NULL CHECK (unit_price >= 0),
  discount           INTEGER NOT NULL CHECK (discount >= 0),
  refunded_quantity  INTEGER NOT NULL DEFAULT 0 CHECK (refunded_quantity BETWEEN 0 AND quantity),
  PRIMARY KEY (order_id, line_no)
);

-- The commission ledger. Approved entries are never edited: take-backs after approval are
-- new negative `clawback` entries. A `reversal`/`clawback` names the entry it takes from.
CREATE TABLE IF NOT EXISTS "commissions" (
  id               TEXT PRIMARY KEY CHECK (id LIKE 'cm\_%' ESCAPE '\'),
  order_id         TEXT NOT NULL REFERENCES "orders"(id),
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
  parent_id        TEXT REFERENCES "commissions"(id),
  event_key        TEXT NOT NULL,                    -- '' for the commission, else the delivery id
  approve_after    INTEGER,
  created_at       INTEGER NOT NULL,
  FOREIGN KEY (order_id, line_no) REFERENCES "order_lines"(order_id, line_no),
  UNIQUE (order_id, line_no, kind, event_key),
  CHECK ((kind = 'commission') = (parent_id IS NULL)),
  CHECK (kind <> 'commission' OR (amount >= 0 AND event_key = '' AND approve_after IS NOT NULL)),
  CHECK (kind = 'commission' OR (amount <= 0 AND state = 'reversed'))
);
CREATE INDEX IF NOT EXISTS commissions_creator ON commissions (creator_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS commissions_brand ON commissions (brand_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS commissions_due ON commissions (approve_after) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS commissions_parent ON commissions (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS commissions_live ON commissions (live_session_id) WHERE live_session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS commissions_link ON commissions (link_code, created_at);

-- Release 2 (migrations/0002_click_queue.sql). `clicks.ingest` (above, where ALTER TABLE
-- put it): which consumer run stored the click; NULL for a placeholder an order wrote before
-- its click left the queue.
CREATE INDEX IF NOT EXISTS clicks_ingest ON clicks (ingest);
CREATE INDEX IF NOT EXISTS clicks_age ON clicks (created_at);
-- Flood detection: a visitor's clicks of the minute before each new one (migration 0007).
CREATE INDEX IF NOT EXISTS clicks_flood ON clicks (link_id, visitor_hash, created_at) WHERE visitor_hash <> '';

-- A visitor is unique once per link and clock hour: the first click that claims the row.
CREATE TABLE IF NOT EXISTS click_visitors (
  link_id       TEXT NOT NULL,
  visitor_hash  TEXT NOT NULL CHECK (visitor_hash <> ''),
  hour          INTEGER NOT NULL,                    -- epoch ms of the hour's start
  click_id      TEXT NOT NULL,
  PRIMARY KEY (link_id, visitor_hash, hour)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS click_visitors_hour ON click_visitors (hour);

-- Per link and hour: what link stats, live-session stats and timeseries read.
CREATE TABLE IF NOT EXISTS link_hourly (
  link_id        TEXT NOT NULL REFERENCES links(id),
  hour           INTEGER NOT NULL,
  clicks         INTEGER NOT NULL CHECK (clicks >= 0),        -- human clicks
  unique_clicks  INTEGER NOT NULL CHECK (unique_clicks BETWEEN 0 AND clicks),
  bot_clicks     INTEGER NOT NULL CHECK (bot_clicks >= 0),
  PRIMARY KEY (link_id, hour)
) WITHOUT ROWID;

-- Per link and dimension value: human clicks by country, device and referrer host ('' unknown).
CREATE TABLE IF NOT EXISTS link_dims (
  link_id  TEXT NOT NULL REFERENCES links(id),
  dim      TEXT NOT NULL CHECK (dim IN ('country', 'device', 'referrer')),
  key      TEXT NOT NULL,
  clicks   INTEGER NOT NULL CHECK (clicks >= 0),
  PRIMARY KEY (link_id, dim, key)
) WITHOUT ROWID;

-- Every rate as it changed, so an order's rate lock is the one in force at its click's
-- time. Levels: creator_id '' is an open rate; scope '' is all products (with creator '',
-- the brand default). commission_bps NULL: no rate at that level from then on.
CREATE TABLE IF NOT EXISTS rate_versions (
  brand_id        TEXT NOT NULL REFERENCES brands(id),
  creator_id      TEXT NOT NULL,
  scope           TEXT NOT NULL,
  effective_from  INTEGER NOT NULL,
  commission_bps  INTEGER CHECK (commission_bps BETWEEN 0 AND 10000),
  PRIMARY KEY (brand_id, creator_id, scope, effective_from),
  CHECK (creator_id <> '' OR scope <> '' OR commission_bps IS NOT NULL)
) WITHOUT ROWID;

-- Release 2 (migrations/0004_payouts.sql): payouts. A brand pays a creator's approved net
-- balance in one currency; each ledger entry is in at most one payout (payout_entries' primary
-- key), and only in a payout of its own brand, creator and currency (the composite foreign keys).
CREATE TABLE IF NOT EXISTS payouts (
  id          TEXT PRIMARY KEY CHECK (id LIKE 'po\_%' ESCAPE '\'),
  brand_id    TEXT NOT NULL REFERENCES brands(id),
  creator_id  TEXT NOT NULL REFERENCES creators(id),
  currency    TEXT NOT NULL CHECK (length(currency) = 3),
  amount      INTEGER NOT NULL CHECK (amount > 0),
  entries     INTEGER NOT NULL CHECK (entries > 0),
  state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'paid')),
  reference   TEXT CHECK (length(reference) BETWEEN 1 AND 200),
  created_at  INTEGER NOT NULL,
  paid_at     INTEGER,
  UNIQUE (id, brand_id, creator_id, currency),
  CHECK ((state = 'paid') = (reference IS NOT NULL AND paid_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS payouts_brand ON payouts (brand_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS payouts_creator ON payouts (creator_id, created_at DESC, id DESC);

-- The parent key payout_entries names an entry by, with its owners and currency.
CREATE UNIQUE INDEX IF NOT EXISTS commissions_owner ON commissions (id, brand_id, creator_id, currency);

CREATE TABLE IF NOT EXISTS payout_entries (
  entry_id    TEXT PRIMARY KEY,
  payout_id   TEXT NOT NULL,
  brand_id    TEXT NOT NULL,
  creator_id  TEXT NOT NULL,
  currency    TEXT NOT NULL,
  FOREIGN KEY (entry_id, brand_id, creator_id, currency) REFERENCES commissions (id, brand_id, creator_id, currency),
  FOREIGN KEY (payout_id, brand_id, creator_id, currency) REFERENCES payouts (id, brand_id, creator_id, currency)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS payout_entries_payout ON payout_entries (payout_id);

-- Release 2 (migrations/0005_events.sql): outgoing events. Endpoints of a brand or a creator;
-- the outbox, one row per event, written in the same D1 batch as the change it reports (so it
-- is never sent for a write that rolled back, never lost for one that committed); one row per
-- delivery attempt.
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id             TEXT PRIMARY KEY CHECK (id LIKE 'we\_%' ESCAPE '\'),
  brand_id       TEXT REFERENCES brands(id),
  creator_id     TEXT REFERENCES creators(id),
  url            TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  events         TEXT NOT NULL,                  -- '*' (all), or ' type type … ' space-delimited
  secret         TEXT NOT NULL CHECK (secret LIKE 'whsec\_%' ESCAPE '\'),
  active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  failed_streak  INTEGER NOT NULL DEFAULT 0 CHECK (failed_streak >= 0),  -- events failed in a row
  created_at     INTEGER NOT NULL,
  CHECK ((brand_id IS NULL) <> (creator_id IS NULL))
);
CREATE INDEX IF NOT EXISTS webhook_endpoints_brand ON webhook_endpoints (brand_id, created_at DESC, id DESC)
  WHERE brand_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS webhook_endpoints_creator ON webhook_endpoints (creator_id, created_at DESC, id DESC)
  WHERE creator_id IS NOT NULL;

-- An event's id is its type's and its record's (`evt_cc_` + a commission's id, …), so one
-- change reports once however often it is replayed; a ping's is random.
CREATE TABLE IF NOT EXISTS events (
  id           TEXT PRIMARY KEY CHECK (id LIKE 'evt\_%' ESCAPE '\'),
  type         TEXT NOT NULL CHECK (type IN ('order.attributed', 'commission.created', 'commission.approved',
                 'commission.reversed', 'payout.created', 'payout.paid', 'ping')),
  brand_id     TEXT,                             -- its brand's endpoints get it
  creator_id   TEXT,                             -- and this creator's (commissions, payouts)
  endpoint_id  TEXT REFERENCES webhook_endpoints(id),  -- a ping: only this endpoint
  subject_id   TEXT NOT NULL,                    -- the record `data` shows
  body         TEXT,                             -- the JSON sent, fixed at the first attempt
  created_at   INTEGER NOT NULL,
  enqueued_at  INTEGER,                          -- handed to the EVENTS queue
  done_at      INTEGER                           -- delivered, or given up, everywhere
);
CREATE INDEX IF NOT EXISTS events_unsent ON events (created_at) WHERE done_at IS NULL;

CREATE TABLE IF NOT EXISTS event_deliveries (
  id           TEXT PRIMARY KEY CHECK (id LIKE 'dl\_%' ESCAPE '\'),
  event_id     TEXT NOT NULL REFERENCES events(id),
  endpoint_id  TEXT NOT NULL REFERENCES webhook_endpoints(id),
  attempt      INTEGER NOT NULL CHECK (attempt >= 1),
  status_code  INTEGER,                          -- NULL: no answer within 10 s, or no connection
  ok           INTEGER NOT NULL CHECK (ok IN (0, 1)),
  created_at   INTEGER NOT NULL,
  UNIQUE (event_id, endpoint_id, attempt)
);
CREATE INDEX IF NOT EXISTS event_deliveries_endpoint ON event_deliveries (endpoint_id, created_at DESC, id DESC);

-- Release 2: dashboard sign-ins (POST /api/sessions). A session is the SHA-256 of its
-- cookie's token, never the token; it names the admin, or the brand's or creator's key it
-- was made from (by that key's hash, so it ends with the key).
CREATE TABLE IF NOT EXISTS sessions (
  token_hash        TEXT PRIMARY KEY CHECK (length(token_hash) = 64),
  role              TEXT NOT NULL CHECK (role IN ('admin', 'brand', 'creator')),
  brand_key_hash    TEXT REFERENCES brands(api_key_hash),
  creator_key_hash  TEXT REFERENCES creators(api_key_hash),
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL CHECK (expires_at > created_at),
  CHECK ((brand_key_hash IS NOT NULL) = (role = 'brand') AND (creator_key_hash IS NOT NULL) = (role = 'creator'))
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);

-- Release 2: self-referral holds. A commission whose order's customer email is its creator's
-- own is held: it stays `pending` in the ledger, and the approval job passes it by while its
-- hold is `held`; the brand releases it (its hold days count from then) or rejects it
-- (a `reversal` takes it back). One hold per entry, decided once.
CREATE TABLE IF NOT EXISTS commission_holds (
  entry_id    TEXT PRIMARY KEY REFERENCES commissions(id),
  reason      TEXT NOT NULL CHECK (reason IN ('self_referral')),
  state       TEXT NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'released', 'rejected')),
  created_at  INTEGER NOT NULL,
  decided_at  INTEGER,
  CHECK ((state = 'held') = (decided_at IS NULL))
) WITHOUT ROWID;

-- Release 2: live shows (migrations/0009_live_shows.sql): the pins' flash deals, kept after
-- they end so that an order carrying the code is matched to the deal of its time.
CREATE UNIQUE INDEX IF NOT EXISTS live_sessions_owner ON live_sessions (id, creator_id);
CREATE UNIQUE INDEX IF NOT EXISTS products_owner ON products (id, brand_id);
CREATE UNIQUE INDEX IF NOT EXISTS creator_codes_owner ON creator_codes (id, brand_id, creator_id);
CREATE TABLE IF NOT EXISTS live_deals (
  live_session_id  TEXT NOT NULL,
  creator_id       TEXT NOT NULL,
  product_id       TEXT NOT NULL,
  brand_id         TEXT NOT NULL,
  code_id          TEXT NOT NULL,
  starts_at        INTEGER NOT NULL,                 -- the pin's pinned_at
  ends_at          INTEGER NOT NULL,
  PRIMARY KEY (live_session_id, product_id, starts_at),
  FOREIGN KEY (live_session_id, creator_id) REFERENCES live_sessions (id, creator_id),
  FOREIGN KEY (product_id, brand_id) REFERENCES products (id, brand_id),
  FOREIGN KEY (code_id, brand_id, creator_id) REFERENCES creator_codes (id, brand_id, creator_id),
  CHECK (ends_at > starts_at AND ends_at <= starts_at + 86400000)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS live_deals_code ON live_deals (code_id, starts_at);
