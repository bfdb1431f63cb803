-- verify of a whole table: one page of scanned keys. Binds: the keys' _KEY texts, one per row.
INSERT INTO "DDB2SF_VERIFY_SEEN" ("_KEY") VALUES (?){{#each more}}, (?){{/each}}
