-- verify: which of the given keys have a landed change newer than their analytics row (or no row at all): loaded but
-- not merged yet, so in flight rather than drift. Binds: the keys' _KEY texts.
SELECT DISTINCT c."_KEY"
FROM {{landing}} c
LEFT JOIN {{target}} t ON t."_KEY" = c."_KEY"
WHERE c."_KEY" IN (NULL{{#each keys}}, ?{{/each}})
  AND (t."_KEY" IS NULL OR c."_EVENT_TS" > t."_VERSION_TS"
       OR (c."_EVENT_TS" = t."_VERSION_TS" AND c."_SEQ" > t."_VERSION_SEQ"))
