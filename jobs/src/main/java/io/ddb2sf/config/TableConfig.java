package io.ddb2sf.config;

import java.util.ArrayList;
import java.util.List;

/**
 * One synced table.
 *
 * @param name          the DynamoDB table name, also the stage folder and CLI --table value
 * @param targetTable   the Snowflake analytics table; the landing table is targetTable + "_CHANGES"
 * @param keys          the key attributes, partition key first
 * @param columns       further attributes kept as typed columns
 * @param deleteMode    what a REMOVE does to the analytics row
 * @param keepOldImage  whether change rows carry the old image too
 */
public record TableConfig(
        String name,
        String targetTable,
        List<ColumnSpec> keys,
        List<ColumnSpec> columns,
        DeleteMode deleteMode,
        boolean keepOldImage) {

    public enum DeleteMode { HARD, SOFT }

    public TableConfig {
        keys = List.copyOf(keys);
        columns = List.copyOf(columns);
    }

    public String landingTable() {
        return targetTable + "_CHANGES";
    }

    /** Keys first, then the other typed columns: the order of typed columns everywhere. */
    public List<ColumnSpec> typedColumns() {
        List<ColumnSpec> all = new ArrayList<>(keys);
        all.addAll(columns);
        return List.copyOf(all);
    }
}
