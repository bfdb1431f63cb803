-- How many rows a partition has in the landing table (a snapshot must be whole before it may act as a full refresh).
-- Binds: 1 = partition id.
SELECT COUNT(*) FROM {{landing}} WHERE "_PARTITION" = ?
