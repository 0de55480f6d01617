-- Release 2: outgoing events. Endpoints of a brand or a creator; the outbox, one row per
-- event, written in the same D1 batch as the change it reports (so it is never sent for a
-- write that rolled back, never lost for one that committed); one row per delivery attempt.
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
