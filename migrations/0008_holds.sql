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
