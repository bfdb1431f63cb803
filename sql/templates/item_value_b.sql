-- A B column's value from a row's item: _ITEM holds binary as standard base64 (see item_value_s.sql).
-- TRY_BASE64_DECODE_BINARY: https://docs.snowflake.com/en/sql-reference/functions/try_base64_decode_binary
IFF(s."_ITEM_TYPES"[{{attribute}}]::VARCHAR = 'B', TRY_BASE64_DECODE_BINARY(s."_ITEM"[{{attribute}}]::VARCHAR), NULL)
