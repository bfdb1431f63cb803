package io.ddb2sf.prune;

import io.ddb2sf.config.TableConfig;
import io.ddb2sf.snowflake.ConnectionFactory;
import io.ddb2sf.snowflake.Ledger;
import io.ddb2sf.snowflake.Migrator;
import io.ddb2sf.snowflake.Sql;
import io.ddb2sf.snowflake.SqlTemplate;
import io.ddb2sf.snowflake.Tombstones;
import io.ddb2sf.snowflake.Transaction;
import io.ddb2sf.snowflake.WarehouseTables;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * prune: deletes the landing rows of the partitions merged longer ago than the table's retention, and records each
 * as PRUNE in the ledger, in one named transaction. merge-apply never reads a merged partition's rows again (the
 * hard deletes they held live on in the tombstones), so the analytics table does not depend on them; they only
 * spare a rerun its reload. A rerun of a pruned partition: merge-apply finds it merged and does nothing; copy-load
 * loads its rows again from the stage (its files must still be there) and forgets the merge, and merge-apply then
 * applies them again, changing nothing that is already newer.
 */
public final class PruneJob {
    /** HourPartition ids per DELETE: a statement's IN list stays small. */
    private static final int IDS_PER_DELETE = 1000;

    private final TableConfig table;
    private final WarehouseTables tables;
    private final ConnectionFactory warehouse;
    private final Migrator migrator;
    private final Ledger ledger;
    private final Clock clock;
    private final PrintStream log;

    public PruneJob(TableConfig table, WarehouseTables tables, ConnectionFactory warehouse, Migrator migrator, Ledger ledger, Clock clock,
                    PrintStream log) {
        this.table = table;
        this.tables = tables;
        this.warehouse = warehouse;
        this.migrator = migrator;
        this.ledger = ledger;
        this.clock = clock;
        this.log = log;
    }

    private record Merged(String partition, String manifestSha256, long rows) {}

    public PruneSummary run() {
        Instant began = clock.instant();
        String what = "prune " + table.name();
        try (Connection c = warehouse.open()) {
            migrator.migrate(c);
            tables.ensure(c, table);
            long[] deleted = new long[1];
            List<String> pruned = Transaction.run(c, what, Transaction.Name.of(Ledger.Step.PRUNE, table.name(), "landing"),
                    log, tx -> {
                        // Before any landing row goes: a deployment that predates the tombstones has its hard deletes
                        // only in those rows.
                        Tombstones.seedOnce(tx, table, log);
                        List<Merged> due = due(tx, table);
                        deleted[0] = delete(tx, table, due);
                        for (Merged m : due) {
                            ledger.record(tx, table.name(), m.partition(), Ledger.Step.PRUNE, m.manifestSha256(), m.rows(), 0);
                        }
                        return due.stream().map(Merged::partition).toList();
                    });
            log.printf("prune %s: %,d landing rows of %d merged partition(s) older than %s deleted%n", table.name(),
                    deleted[0], pruned.size(), table.landingRetention());
            return new PruneSummary("prune", table.name(), table.landingRetention().toString(), pruned, deleted[0],
                    Duration.between(began, clock.instant()).toMillis());
        } catch (SQLException e) {
            throw Transaction.failed(what, e);
        }
    }

    /** Read inside the transaction, so a partition reloaded meanwhile is either listed with its new records or not. */
    private List<Merged> due(Connection c, TableConfig table) throws SQLException {
        List<Merged> due = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("prune_candidates").render())) {
            ps.setString(1, table.name());
            ps.setLong(2, -table.landingRetention().toSeconds());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(new Merged(rs.getString(1), rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return due;
    }

    private long delete(Connection c, TableConfig table, List<Merged> due) throws SQLException {
        List<String> ids = new ArrayList<>();
        for (Merged m : due) {
            ids.add(m.partition());
            // A backfill's full-refresh deletes sit in a partition of their own; its hard deletes are in the tombstones.
            ids.add(m.partition() + "/full-refresh");
        }
        long deleted = 0;
        for (int from = 0; from < ids.size(); from += IDS_PER_DELETE) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + IDS_PER_DELETE));
            try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("prune_landing").render(Map.of(
                    "landing", Sql.ident(table.landingTable()), "partitions", new Sql.LiteralList(batch))))) {
                deleted += ps.executeUpdate();
            }
        }
        return deleted;
    }
}
