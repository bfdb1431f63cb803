-- The values a partition's MERGE types from _ITEM that do not fit their column: landing rows of the partition whose
-- typed column is NULL (its files did not have the column, or the export found the value did not fit), whose item
-- holds the attribute, and whose value from the item (the item_value_* templates, as merge_partition.sql takes it) is
-- NULL too, so the MERGE leaves the column NULL and the value stays exact in _ITEM only. Counted per landing row, as
-- the export counts its change rows; a value the export already counted is counted here again. Rows whose every
-- typed column holds a value are left out before their JSON is parsed: they cannot count.
-- Binds: 1 = partition id.
SELECT 0{{#each columns}} + COUNT_IF(s.{{column}} IS NULL AND s."_ITEM_TYPES"[{{attribute}}] IS NOT NULL AND ({{from_item}}) IS NULL){{/each}}
FROM (
    SELECT {{#each columns}}c.{{column}}, {{/each}}PARSE_JSON(c."_ITEM") AS "_ITEM", PARSE_JSON(c."_ITEM_TYPES") AS "_ITEM_TYPES"
    FROM {{landing}} c
    WHERE c."_PARTITION" = ? AND c."_ITEM" IS NOT NULL
      AND (FALSE{{#each columns}} OR c.{{column}} IS NULL{{/each}})
) s
