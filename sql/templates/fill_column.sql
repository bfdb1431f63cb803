-- Types a column of every analytics row from the row's _ITEM, as the export types it (the value is one of the
-- item_value_* expressions over s, the row). Every row is written, so a column re-added after a removal loses its stale values.
UPDATE {{target}} s SET {{column}} = {{value}}
