-- Deletes the landing rows of merged partitions older than the table's retention (at most 1,000 partition ids per
-- statement; a backfill's ids include its full-refresh deletes). Their hard deletes live on in <TABLE>_TOMBSTONES.
DELETE FROM {{landing}} WHERE "_PARTITION" IN ({{partitions}})
