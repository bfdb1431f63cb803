-- A BOOL column's value from a row's item (see item_value_s.sql).
IFF(s."_ITEM_TYPES"[{{attribute}}]::VARCHAR = 'BOOL', s."_ITEM"[{{attribute}}]::BOOLEAN, NULL)
