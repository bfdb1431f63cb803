-- An S column's value from a row's item: the string, or NULL when the attribute is absent or of another type
-- (_ITEM_TYPES holds DynamoDB's type of every attribute, dynamodb/ItemJson). As dynamodb/TypedValues types it.
-- In every item_value_* template the row is aliased s: the MERGE's source row (merge_partition.sql), the analytics
-- row in fill_column.sql and count_fill_misfits.sql.
IFF(s."_ITEM_TYPES"[{{attribute}}]::VARCHAR = 'S', s."_ITEM"[{{attribute}}]::VARCHAR, NULL)
