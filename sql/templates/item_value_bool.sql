-- A BOOL column's value from a row's item (see item_value_s.sql).
IFF({{row}}."_ITEM_TYPES"[{{attribute}}]::VARCHAR = 'BOOL', {{row}}."_ITEM"[{{attribute}}]::BOOLEAN, NULL)
