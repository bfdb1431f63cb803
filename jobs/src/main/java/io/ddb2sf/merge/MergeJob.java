package io.ddb2sf.merge;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.snowflake.ConnectionFactory;
import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.snowflake.Migrator;
import io.ddb2sf.snowflake.SchemaChanges;
import io.ddb2sf.snowflake.Sql;
import io.ddb2sf.snowflake.SqlTemplate;
import io.ddb2sf.snowflake.TableColumns;
import io.ddb2sf.snowflake.Tombstones;
import io.ddb2sf.snowflake.Transaction;
import io.ddb2sf.snowflake.WarehouseTables;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.Partition;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * merge-apply: MERGE the newest change of each key the partition touched into the analytics table, remember its hard
 * deletes in the tombstone table, and record it in the ledger, all in one transaction. Needs only the warehouse: the
 * partition's landed rows are the input; the analytics table and the tombstones are all it reads besides them, so its
 * cost does not grow with the landing table's history.
 */
public final class MergeJob {
    /** How a version instant is bound: UTC wall time, as TIMESTAMP_NTZ columns hold it. */
    private static final DateTimeFormatter VERSION_TEXT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final TableConfig table;
    private final Duration streamTimestampPrecision;
    private final ConnectionFactory warehouse;
    private final Migrator migrator;
    private final Ledger ledger;
    private final Clock clock;
    private final PrintStream log;
    private final UnaryOperator<TableConfig> current;

    /**
     * @param streamTimestampPrecision aws.streamTimestampPrecision: dates the rows of a backfill
     * @param current the table with its columns as recorded now ({@code columns: auto}; SchemaChanges reads it)
     */
    public MergeJob(TableConfig table, Duration streamTimestampPrecision, ConnectionFactory warehouse, Migrator migrator,
                    Ledger ledger, Clock clock, PrintStream log, UnaryOperator<TableConfig> current) {
        this.current = current;
        this.table = table;
        this.streamTimestampPrecision = streamTimestampPrecision;
        this.warehouse = warehouse;
        this.migrator = migrator;
        this.ledger = ledger;
        this.clock = clock;
        this.log = log;
    }

    public MergeSummary run(Partition p) {
        Instant began = clock.instant();
        p.requireTable(table);
        try (Connection c = warehouse.open()) {
            migrator.migrate(c);
            TableColumns listed = TableColumns.list(c, this.table);
            // The MERGE writes the columns SchemaChanges found current, which may be more than this job started with.
            SchemaChanges schemaChanges = new SchemaChanges(log, current);
            SchemaChanges.Applied applied = schemaChanges.applied(c, this.table, listed, "merge-apply " + p.id());
            TableConfig table = applied.table();
            SchemaChanges.Report columns = applied.report();
            Ledger.Steps steps = ledger.steps(c, table.name(), p.id());
            Ledger.Entry loaded = steps.of(Ledger.Step.LOAD)
                    .orElseThrow(() -> new JobException(ErrorCode.NOT_LOADED, "partition " + p
                            + " is not loaded yet; run copy-load for it, then merge-apply"));
            var merged = steps.of(Ledger.Step.MERGE);
            if (merged.isPresent() && merged.get().manifestSha256().equals(loaded.manifestSha256())) {
                log.printf("merge %s: already merged; nothing to do%n", p);
                return new MergeSummary("merge-apply", p.id(), true, loaded.rows(), 0, 0, 0, 0, 0, millis(began), columns);
            }
            var pruned = steps.of(Ledger.Step.PRUNE);
            if (pruned.isPresent() && pruned.get().manifestSha256().equals(loaded.manifestSha256())) {
                throw new JobException(ErrorCode.LANDING_PRUNED, "partition " + p + " was merged and its landing rows"
                        + " pruned (older than the table's landingRetention, " + table.landingRetention() + "), and its"
                        + " merge record is gone; run copy-load for it (it reloads the rows from the stage, whose files"
                        + " must still be there), then merge-apply");
            }
            if (!listed.exists(table.tombstoneTable())) {
                // DDL commits an open transaction, so before the merge's begins.
                Tombstones.ensure(c, table);
            }
            long[] counts = Transaction.run(c, "merge " + p, Transaction.Name.of(Ledger.Step.MERGE, table.name(), p.id()), log, tx -> {
                Tombstones.seedOnce(tx, table, log);
                long refreshed = p instanceof BackfillPartition b ? fullRefresh(tx, table, b, loaded.rows()) : 0;
                long misfits = misfits(tx, table, p);
                long[] n = merge(tx, table, p);
                n[3] = refreshed;
                n[4] = misfits;
                if (table.auto() != null) {
                    List<String> meanwhile = schemaChanges.addedMeanwhile(tx, table);
                    if (!meanwhile.isEmpty()) {
                        throw new JobException(ErrorCode.WAREHOUSE_FAILED, "columns " + meanwhile + " of "
                                + table.targetTable() + " were added by another run while " + p + " was merged, which"
                                + " did not write them; nothing of this merge was committed: rerun merge-apply");
                    }
                }
                bury(tx, table, p);
                ledger.record(tx, table.name(), p.id(), Ledger.Step.MERGE, loaded.manifestSha256(), loaded.rows(), 0);
                return n;
            });
            log.printf("merge %s: %,d inserted, %,d updated, %,d deleted (%,d keys the snapshot lacks); %,d values typed"
                    + " from _ITEM did not fit their column%n", p, counts[0], counts[1], counts[2], counts[3], counts[4]);
            return new MergeSummary("merge-apply", p.id(), false, loaded.rows(), counts[0], counts[1], counts[2], counts[3],
                    counts[4], millis(began), columns);
        } catch (SQLException e) {
            throw Transaction.failed("merge " + p, e);
        }
    }

    /**
     * A complete snapshot is a full refresh: lands a REMOVE, at the snapshot's version, for every live key it lacks that
     * is older than it, so the MERGE that follows deletes (or marks) them. Only a whole snapshot may do this: a backfill
     * has a manifest only once every segment is done, and its landed rows must be exactly the manifest's.
     *
     * @return the deletes landed
     */
    private long fullRefresh(Connection c, TableConfig table, BackfillPartition p, long manifestRows) throws SQLException {
        try (PreparedStatement count = c.prepareStatement(SqlTemplate.load("count_landing_partition").render(Map.of(
                "landing", Sql.ident(table.landingTable()))))) {
            count.setString(1, p.id());
            try (ResultSet rs = count.executeQuery()) {
                long landed = rs.next() ? rs.getLong(1) : -1;
                if (landed != manifestRows) {
                    throw new JobException(ErrorCode.LOAD_MISMATCH, "backfill " + p + " has " + landed + " landed rows but"
                            + " its manifest lists " + manifestRows + ", so it cannot act as a full refresh; rerun copy-load"
                            + " --backfill " + p.snapshotId() + ", then merge-apply");
                }
            }
        }
        String version = VERSION_TEXT.format(p.version(streamTimestampPrecision));
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("insert_full_refresh_removes").render(Map.of(
                "target", Sql.ident(table.targetTable()),
                "landing", Sql.ident(table.landingTable()),
                "columns", WarehouseTables.columnNames(table))))) {
            ps.setString(1, version);
            ps.setString(2, p.fullRefreshId());
            ps.setString(3, version);
            ps.setString(4, p.id());
            ps.setString(5, p.fullRefreshId());
            ps.setBoolean(6, false);
            long deleted = ps.executeUpdate();
            if (table.deleteMode() == TableConfig.DeleteMode.SOFT) {
                // Rows already marked deleted move up to the snapshot's version too (not counted: nothing new is deleted).
                ps.setBoolean(6, true);
                ps.executeUpdate();
                recordKeptVersions(c, table, p);
            }
            return deleted;
        }
    }

    /**
     * Soft-delete tables: remembers, for each key the full refresh marks deleted, the version of the state the row
     * keeps, so a stream REMOVE of the key newer than that state, merged later, replaces it (merge_partition.sql).
     */
    private void recordKeptVersions(Connection c, TableConfig table, BackfillPartition p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("record_kept_versions").render(Map.of(
                "tombstones", Sql.ident(table.tombstoneTable()),
                "landing", Sql.ident(table.landingTable()),
                "target", Sql.ident(table.targetTable()))))) {
            ps.setString(1, p.fullRefreshId());
            ps.execute();
        }
    }

    /**
     * Hard-delete tables: records the partition's hard deletes in the tombstone table, so no later merge needs the
     * landing rows that hold them (an older change merged afterwards must not bring the key back, even after prune
     * deleted those rows). Soft-delete tables keep their deleted rows, version included, which guard the keys
     * themselves; there a stream REMOVE that replaced a full refresh's kept state becomes the key's kept version.
     */
    private void bury(Connection c, TableConfig table, Partition p) throws SQLException {
        boolean hard = table.deleteMode() == TableConfig.DeleteMode.HARD;
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("merge_tombstones").render(Map.of(
                "tombstones", Sql.ident(table.tombstoneTable()),
                "landing", Sql.ident(table.landingTable()))))) {
            ps.setBoolean(1, hard);
            ps.setBoolean(2, hard);
            ps.setString(3, p.id());
            ps.setString(4, hard && p instanceof BackfillPartition b ? b.fullRefreshId() : p.id());
            ps.execute();
        }
    }

    /**
     * The values the MERGE types from _ITEM (rows staged before their column existed, or whose value did not fit) that
     * do not fit their column either, so they stay NULL in it: counted like the export's and the fill's misfits.
     */
    private long misfits(Connection c, TableConfig table, Partition p) throws SQLException {
        if (table.columns().isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("count_merge_misfits").render(Map.of(
                "landing", Sql.ident(table.landingTable()),
                "columns", SchemaChanges.misfitColumns(table))))) {
            ps.setString(1, p.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** Runs the MERGE; returns rows inserted, updated, deleted as Snowflake reports them (and slots for the caller). */
    private long[] merge(Connection c, TableConfig table, Partition p) throws SQLException {
        String sql = SqlTemplate.load("merge_partition").render(Map.of(
                "target", Sql.ident(table.targetTable()),
                "landing", Sql.ident(table.landingTable()),
                "tombstones", Sql.ident(table.tombstoneTable()),
                "columns", SchemaChanges.mergeColumns(table)));
        long[] counts = new long[5];
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, table.deleteMode().name());
            ps.setString(2, p.id());
            ps.setString(3, p instanceof BackfillPartition b ? b.fullRefreshId() : p.id());
            // Snowflake answers a MERGE with one row: number of rows inserted / updated / deleted.
            {
                try (ResultSet rs = ps.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    if (rs.next()) {
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            String label = md.getColumnLabel(i).toLowerCase(Locale.ROOT);
                            int slot = label.contains("inserted") ? 0 : label.contains("updated") ? 1 : label.contains("deleted") ? 2 : -1;
                            if (slot >= 0) {
                                counts[slot] = rs.getLong(i);
                            }
                        }
                    }
                }
            }
        }
        return counts;
    }

    private long millis(Instant began) {
        return Duration.between(began, clock.instant()).toMillis();
    }
}
