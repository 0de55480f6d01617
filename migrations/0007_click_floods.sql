-- Release 2: click floods. A visitor's clicks on one link beyond 10 within a minute are
-- stored as bot clicks; the consumer counts the visitor's clicks of the minute before each
-- one through this index (human clicks with a visitor hash only).
CREATE INDEX IF NOT EXISTS clicks_flood ON clicks (link_id, visitor_hash, created_at) WHERE visitor_hash <> '';
