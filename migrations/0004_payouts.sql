-- Release 2: payouts. A brand pays a creator's approved net balance in one currency; each
-- ledger entry is in at most one payout (payout_entries' primary key), and only in a payout
-- of its own brand, creator and currency (the composite foreign keys).
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
