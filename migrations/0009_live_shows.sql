-- Release 2: live shows. A session may carry the stream its page plays (checked by
-- domain::stream before it is stored), and a pin may carry a flash deal: one of the
-- session creator's codes for the product's brand, until an end at most 24 h after the pin.
-- Deals are kept after they end: an order that carries the code is matched to the deal
-- running at the order's time. The composite keys make a deal with another creator's or
-- another brand's code impossible.
ALTER TABLE live_sessions ADD COLUMN stream_url TEXT CHECK (stream_url LIKE 'https://%' AND length(stream_url) <= 2048);
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
