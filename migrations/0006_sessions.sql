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
