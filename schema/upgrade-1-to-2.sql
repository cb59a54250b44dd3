-- pyde1-store: upgrade a pyDE1 schema-1 database to schema 2.
-- pyDE1 added the connecting device's id and name to connectivity_change.
ALTER TABLE connectivity_change ADD COLUMN id TEXT;
ALTER TABLE connectivity_change ADD COLUMN name TEXT;
PRAGMA user_version = 2;
