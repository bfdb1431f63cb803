-- <TABLE>: one row per live item (plus soft-deleted ones when the table keeps them), at its newest version.
CREATE TABLE IF NOT EXISTS {{target}} (
    "_KEY"         VARCHAR NOT NULL PRIMARY KEY,
{{#each columns}}    {{column}} {{type}},
{{/each}}    "_ITEM"        VARIANT,
    "_ITEM_TYPES"  VARIANT,
    "_VERSION_TS"  TIMESTAMP_NTZ NOT NULL,
    "_VERSION_SEQ" VARCHAR(40) NOT NULL,
    "_OP"          VARCHAR(8) NOT NULL,
    "_DELETED_AT"  TIMESTAMP_NTZ,
    "_TTL_DELETE"  BOOLEAN,
    "_PARTITION"   VARCHAR NOT NULL
)
