-- verify: the analytics rows of one page of scanned keys (soft-deleted ones too, so verify can tell them apart).
-- Binds: the keys' _KEY texts, one per placeholder (the leading NULL matches nothing and keeps the list valid).
SELECT "_KEY", {{#each columns}}{{column}}, {{/each}}"_ITEM", "_ITEM_TYPES", "_DELETED_AT" IS NOT NULL AS "_IS_DELETED"
FROM {{target}}
WHERE "_KEY" IN (NULL{{#each keys}}, ?{{/each}})
