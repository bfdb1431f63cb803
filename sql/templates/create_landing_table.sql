-- <TABLE>_CHANGES: one row per change, append-only; columns match the Parquet change rows by name.
CREATE TABLE IF NOT EXISTS {{landing}} (
    "_KEY"        VARCHAR NOT NULL,
{{#each columns}}    {{column}} {{type}},
{{/each}}    "_OP"         VARCHAR(8) NOT NULL,
    "_EVENT_TS"   TIMESTAMP_NTZ NOT NULL,
    "_SEQ"        VARCHAR(40) NOT NULL,
    "_TTL_DELETE" BOOLEAN NOT NULL,
    "_ITEM"       VARCHAR,
    "_ITEM_TYPES" VARCHAR,
    "_OLD_ITEM"   VARCHAR,
    "_PARTITION"  VARCHAR NOT NULL
)
