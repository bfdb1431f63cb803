package io.ddb2sf.migrate;

import io.ddb2sf.config.TableConfig;
import io.ddb2sf.snowflake.ConnectionFactory;
import io.ddb2sf.snowflake.Migrator;
import io.ddb2sf.snowflake.SchemaChanges;
import io.ddb2sf.snowflake.TableColumns;
import io.ddb2sf.snowflake.Transaction;
import io.ddb2sf.snowflake.WarehouseTables;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * migrate: applies the sql/ migrations and creates the configured tables' landing, analytics and tombstone tables.
 * The hourly and backfill DAGs run it before copy-load (beside the export, which needs no Snowflake); copy-load,
 * merge-apply and prune still apply missing migrations themselves, and then find nothing to do.
 */
public final class MigrateJob {
    private final List<TableConfig> chosen;
    private final WarehouseTables tables;
    private final ConnectionFactory warehouse;
    private final Migrator migrator;
    private final Clock clock;
    private final PrintStream log;
    private final UnaryOperator<TableConfig> current;

    /**
     * @param chosen  the tables whose landing, analytics and tombstone tables it creates
     * @param current a table with its columns as recorded now ({@code columns: auto}; SchemaChanges reads it)
     */
    public MigrateJob(List<TableConfig> chosen, WarehouseTables tables, ConnectionFactory warehouse, Migrator migrator,
                      Clock clock, PrintStream log, UnaryOperator<TableConfig> current) {
        this.current = current;
        this.chosen = List.copyOf(chosen);
        this.tables = tables;
        this.warehouse = warehouse;
        this.migrator = migrator;
        this.clock = clock;
        this.log = log;
    }

    /** Migrates, then creates the chosen tables. */
    public MigrateSummary run() {
        Instant began = clock.instant();
        try (Connection c = warehouse.open()) {
            List<String> applied = migrator.migrate(c);
            log.printf("migrate: %s%n", applied.isEmpty() ? "every sql/ migration was already applied" : "applied " + applied);
            SchemaChanges.Report columns = SchemaChanges.Report.NONE;
            if (!chosen.isEmpty()) {
                tables.ensureStage(c);
            }
            for (TableConfig table : chosen) {
                TableColumns listed = tables.ensure(c, table);
                columns = columns.plus(new SchemaChanges(log, current).apply(c, table, listed, "migrate"));
            }
            List<String> names = chosen.stream().map(TableConfig::name).toList();
            log.printf("migrate: stage and tables of %s in place%n", names);
            return new MigrateSummary("migrate", applied, names, Duration.between(began, clock.instant()).toMillis(), columns);
        } catch (SQLException e) {
            throw Transaction.failed("migrate", e);
        }
    }
}
