package io.ddb2sf.load;

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
import io.ddb2sf.snowflake.Transaction;
import io.ddb2sf.snowflake.WarehouseTables;
import io.ddb2sf.stage.Manifest;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.Partition;
import io.ddb2sf.stage.StageKeys;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * copy-load: COPY exactly the manifest's files into the landing table. The partition's earlier landing rows are
 * deleted, the files copied, the counts checked and the ledger written in one transaction, so a rerun or a crash at
 * any point never loads a row twice.
 */
public final class LoadJob {
    /** Snowflake accepts at most 1,000 files in one COPY's FILES list. */
    static final int FILES_PER_COPY = 1000;

    private final TableConfig table;
    private final WarehouseTables tables;
    private final ManifestStore manifests;
    private final StageKeys keys;
    private final ConnectionFactory warehouse;
    private final Migrator migrator;
    private final Ledger ledger;
    private final Clock clock;
    private final PrintStream log;
    private final UnaryOperator<TableConfig> current;

    /** @param current the table with its columns as recorded now ({@code columns: auto}; SchemaChanges reads it) */
    public LoadJob(TableConfig table, StageKeys keys, ManifestStore manifests, WarehouseTables tables,
                   ConnectionFactory warehouse, Migrator migrator, Ledger ledger, Clock clock, PrintStream log,
                   UnaryOperator<TableConfig> current) {
        this.current = current;
        this.table = table;
        this.tables = tables;
        this.manifests = manifests;
        this.keys = keys;
        this.warehouse = warehouse;
        this.migrator = migrator;
        this.ledger = ledger;
        this.clock = clock;
        this.log = log;
    }

    public LoadSummary run(Partition p) {
        Instant began = clock.instant();
        p.requireTable(table);
        ManifestStore.Raw raw = manifests.require(p);
        Manifest m = raw.manifest();
        try (Connection c = warehouse.open()) {
            List<String> migrated = migrator.migrate(c);
            TableColumns listed = tables.ensure(c, table);
            SchemaChanges.Report columns = new SchemaChanges(log, current).apply(c, table, listed, "copy-load " + p.id());
            Ledger.Steps steps = ledger.steps(c, table.name(), p.id());
            var done = steps.of(Ledger.Step.LOAD);
            // A pruned partition stays loaded and merged in the ledger but has no landing rows: a copy-load of it
            // loads them again from the stage (and forgets the merge, so merge-apply applies them again, changing
            // nothing that is already newer).
            boolean pruned = steps.of(Ledger.Step.PRUNE).filter(e -> e.manifestSha256().equals(raw.sha256())).isPresent();
            if (done.isPresent() && done.get().manifestSha256().equals(raw.sha256()) && !pruned) {
                log.printf("load %s: already loaded (%,d rows); nothing to do%n", p, done.get().rows());
                return summary(p, true, m, 0, migrated, began, columns);
            }
            if (!m.files().isEmpty()) {
                // DDL commits an open transaction, so the stage is made (if need be) before the load's begins.
                tables.ensureStage(c);
            }
            int statements = Transaction.run(c, "load " + p, Transaction.Name.of(Ledger.Step.LOAD, table.name(), p.id()), log,
                    tx -> load(tx, p, raw));
            return summary(p, false, m, statements, migrated, began, columns);
        } catch (SQLException e) {
            throw Transaction.failed("load " + p, e);
        }
    }

    private int load(Connection c, Partition p, ManifestStore.Raw raw) throws SQLException {
        Manifest m = raw.manifest();
        try (PreparedStatement del = c.prepareStatement(SqlTemplate.load("delete_landing_partition")
                .render(Map.of("landing", Sql.ident(table.landingTable()))))) {
            del.setString(1, p.id());
            int removed = del.executeUpdate();
            if (removed > 0) {
                log.printf("load %s: replacing %,d landing rows of an earlier load%n", p, removed);
            }
        }
        Map<String, Long> expected = new HashMap<>();
        m.files().forEach(f -> expected.put(keys.relativeToStage(f.key()), f.rows()));
        List<String> files = List.copyOf(expected.keySet()).stream().sorted().toList();
        int statements = 0;
        long loaded = 0;
        for (int from = 0; from < files.size(); from += FILES_PER_COPY) {
            List<String> batch = files.subList(from, Math.min(files.size(), from + FILES_PER_COPY));
            String copy = SqlTemplate.load("copy_partition").render(Map.of(
                    "landing", Sql.ident(table.landingTable()),
                    "stage", tables.stage(),
                    "files", new Sql.LiteralList(batch)));
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(copy)) {
                while (rs.next()) {
                    String file = rs.getString("file");
                    String status = rs.getString("status");
                    long rows = rs.getLong("rows_loaded");
                    String relative = expected.keySet().stream().filter(file::endsWith).findFirst().orElse(null);
                    if (relative == null || !"LOADED".equalsIgnoreCase(status) || rows != expected.get(relative)) {
                        throw new JobException(ErrorCode.LOAD_MISMATCH, "COPY of " + p + " reported " + file + " " + status
                                + " with " + rows + " rows; the manifest expects " + expected.get(relative)
                                + " rows. Nothing was committed; run stage-validate for this partition, then rerun copy-load");
                    }
                    loaded += rows;
                }
            }
            statements++;
            log.printf("load %s: %d/%d files copied%n", p, Math.min(files.size(), from + FILES_PER_COPY), files.size());
        }
        if (loaded != m.totals().rows()) {
            throw new JobException(ErrorCode.LOAD_MISMATCH, "COPY of " + p + " loaded " + loaded + " rows, the manifest"
                    + " lists " + m.totals().rows() + ". Nothing was committed; run stage-validate, then rerun copy-load");
        }
        ledger.clear(c, table.name(), p.id());
        ledger.record(c, table.name(), p.id(), Ledger.Step.LOAD, raw.sha256(), loaded, files.size());
        return statements;
    }

    private LoadSummary summary(Partition p, boolean already, Manifest m, int statements, List<String> migrated, Instant began,
                                SchemaChanges.Report columns) {
        return new LoadSummary("copy-load", p.id(), already, m.totals().files(), m.totals().rows(), m.totals().bytes(),
                statements, migrated, Duration.between(began, clock.instant()).toMillis(), columns);
    }
}
