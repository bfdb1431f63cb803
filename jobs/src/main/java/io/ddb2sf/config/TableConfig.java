package io.ddb2sf.config;

import java.time.Duration;
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
 * @param landingRetention how long merged partitions keep their rows in the landing table before prune deletes them
 * @param source        where export-increment reads an hour's changes from
 * @param auto          {@code columns: auto}: further typed columns follow the data (null: only {@code columns})
 */
public record TableConfig(
        String name,
        String targetTable,
        List<ColumnSpec> keys,
        List<ColumnSpec> columns,
        DeleteMode deleteMode,
        boolean keepOldImage,
        Duration landingRetention,
        ChangeSource source,
        AutoColumns auto) {

    public enum DeleteMode { HARD, SOFT }

    /**
     * Where export-increment reads an hour's changes: the table's stream (the default), or a DynamoDB incremental
     * export of the hour (point-in-time recovery, no read capacity, no stream reader).
     */
    public enum ChangeSource {
        STREAM("stream"), INCREMENTAL_EXPORT("incremental-export");

        private final String configName;

        ChangeSource(String configName) {
            this.configName = configName;
        }

        /** The name in the config file, the manifest and the checkpoint. */
        public String configName() {
            return configName;
        }
    }

    /** The landing retention when the config names none: a month of hours to rerun without reloading from the stage. */
    public static final Duration DEFAULT_LANDING_RETENTION = Duration.ofDays(30);

    public TableConfig {
        keys = List.copyOf(keys);
        columns = List.copyOf(columns);
    }

    public TableConfig(String name, String targetTable, List<ColumnSpec> keys, List<ColumnSpec> columns, DeleteMode deleteMode,
                       boolean keepOldImage, Duration landingRetention, ChangeSource source) {
        this(name, targetTable, keys, columns, deleteMode, keepOldImage, landingRetention, source, null);
    }

    public TableConfig(String name, String targetTable, List<ColumnSpec> keys, List<ColumnSpec> columns, DeleteMode deleteMode,
                       boolean keepOldImage, Duration landingRetention) {
        this(name, targetTable, keys, columns, deleteMode, keepOldImage, landingRetention, ChangeSource.STREAM);
    }

    public TableConfig(String name, String targetTable, List<ColumnSpec> keys, List<ColumnSpec> columns, DeleteMode deleteMode,
                       boolean keepOldImage) {
        this(name, targetTable, keys, columns, deleteMode, keepOldImage, DEFAULT_LANDING_RETENTION);
    }

    /** The same table with these typed columns besides its keys (automatic columns resolved from their record). */
    public TableConfig withColumns(List<ColumnSpec> typed) {
        return new TableConfig(name, targetTable, keys, typed, deleteMode, keepOldImage, landingRetention, source, auto);
    }

    public String landingTable() {
        return targetTable + "_CHANGES";
    }

    /** The version of every hard-deleted key, kept by merge-apply so it never reads the landing table's history. */
    public String tombstoneTable() {
        return targetTable + "_TOMBSTONES";
    }

    /** Keys first, then the other typed columns: the order of typed columns everywhere. */
    public List<ColumnSpec> typedColumns() {
        List<ColumnSpec> all = new ArrayList<>(keys);
        all.addAll(columns);
        return List.copyOf(all);
    }
}
