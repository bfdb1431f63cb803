-- Rows whose item has the attribute but whose value does not fit the column (its typed value is NULL): the fill's misfits,
-- counted like the export's (a value of another DynamoDB type, a number that needs more digits or decimals).
SELECT COUNT_IF(s."_ITEM_TYPES"[{{attribute}}] IS NOT NULL AND ({{value}}) IS NULL), COUNT(*) FROM {{target}} s
