-- A reload replaces the partition's landing rows instead of adding to them.
DELETE FROM {{landing}} WHERE "_PARTITION" = ?
