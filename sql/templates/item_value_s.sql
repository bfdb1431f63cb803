-- An S column's value from a row's item: the string, or NULL when the attribute is absent or of another type
-- (_ITEM_TYPES holds DynamoDB's type of every attribute, dynamodb/ItemJson). As dynamodb/TypedValues types it.
IFF({{row}}."_ITEM_TYPES"[{{attribute}}]::VARCHAR = 'S', {{row}}."_ITEM"[{{attribute}}]::VARCHAR, NULL)
