-- 0002: clicks through a queue, stats from roll-ups, rates as versions (release 2).
-- schema.sql holds the same shape in one file; tests/migrations.test.mjs checks they agree.

-- Which consumer run stored a click (NULL: a placeholder an order wrote before its click
-- left the queue). Roll-ups count exactly the rows of their own run.
ALTER TABLE clicks ADD COLUMN ingest TEXT;
CREATE INDEX IF NOT EXISTS clicks_ingest ON clicks (ingest);
-- Stats read roll-ups and uniqueness is claimed in click_visitors: release 1's indexes for
-- counting raw clicks would only cost writes (D1 bills every index entry).
DROP INDEX IF EXISTS clicks_link;
DROP INDEX IF EXISTS clicks_visitor;
DROP INDEX IF EXISTS clicks_live;
CREATE INDEX IF NOT EXISTS clicks_age ON clicks (created_at);

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

CREATE INDEX IF NOT EXISTS orders_link ON orders (link_code) WHERE link_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS commissions_link ON commissions (link_code, created_at);

-- What a release-1 database already holds: its rates as versions since the beginning, its
-- clicks rolled up.
INSERT OR IGNORE INTO rate_versions (brand_id, creator_id, scope, effective_from, commission_bps)
  SELECT id, '', '', 0, default_commission_bps FROM brands;
INSERT OR IGNORE INTO rate_versions (brand_id, creator_id, scope, effective_from, commission_bps)
  SELECT brand_id, '', id, 0, commission_bps FROM products WHERE commission_bps IS NOT NULL;
INSERT OR IGNORE INTO rate_versions (brand_id, creator_id, scope, effective_from, commission_bps)
  SELECT brand_id, creator_id, scope, 0, commission_bps FROM collaborations;
UPDATE clicks SET ingest = 'release-1';
INSERT OR IGNORE INTO click_visitors (link_id, visitor_hash, hour, click_id)
  SELECT link_id, visitor_hash, created_at - created_at % 3600000, MIN(id) FROM clicks
  WHERE is_unique = 1 AND visitor_hash <> '' GROUP BY 1, 2, 3;
INSERT INTO link_hourly (link_id, hour, clicks, unique_clicks, bot_clicks)
  SELECT link_id, created_at - created_at % 3600000, SUM(is_bot = 0), SUM(is_unique), SUM(is_bot)
  FROM clicks GROUP BY 1, 2;
INSERT INTO link_dims (link_id, dim, key, clicks)
  SELECT link_id, 'country', COALESCE(country, ''), COUNT(*) FROM clicks WHERE is_bot = 0 GROUP BY 1, 3;
INSERT INTO link_dims (link_id, dim, key, clicks)
  SELECT link_id, 'device', device, COUNT(*) FROM clicks WHERE is_bot = 0 GROUP BY 1, 3;
INSERT INTO link_dims (link_id, dim, key, clicks)
  SELECT link_id, 'referrer', COALESCE(referrer_host, ''), COUNT(*) FROM clicks WHERE is_bot = 0 GROUP BY 1, 3;
