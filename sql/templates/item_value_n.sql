-- An N column's value from a row's item, exactly as dynamodb/TypedValues types it: the number when it fits
-- NUMBER(38, scale) without rounding, else NULL. _ITEM holds a number as a JSON number when a VARIANT keeps it exactly,
-- else as a string of its exact digits (dynamodb/ItemJson); either way ::VARCHAR gives its plain digits. {{fits}} is a
-- pattern of the numbers that fit: at most 38 - scale integer digits (leading zeros aside), at most scale decimals
-- (trailing zeros aside). A cast alone would round (Numeric data types:
-- https://docs.snowflake.com/en/sql-reference/data-types-numeric), so the pattern decides and TRY_CAST only converts
-- (https://docs.snowflake.com/en/sql-reference/functions/try_cast). A string-held number in exponent notation is not matched
-- and counts as a misfit (DynamoDB Local returns plain digits, 1E+125 as 126 of them; JSON numbers in _ITEM are plain).
IFF(s."_ITEM_TYPES"[{{attribute}}]::VARCHAR = 'N' AND REGEXP_LIKE(s."_ITEM"[{{attribute}}]::VARCHAR, {{fits}}),
    TRY_CAST(s."_ITEM"[{{attribute}}]::VARCHAR AS {{type}}), NULL)
