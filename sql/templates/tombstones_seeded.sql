-- Whether a tombstone table was seeded from its landing table. Binds: 1 = tombstone table name.
SELECT COUNT(*) FROM "DDB2SF_TOMBSTONE_SEEDS" WHERE "TOMBSTONE_TABLE" = ?
