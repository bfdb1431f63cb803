package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ddb2sf.JobException;
import io.ddb2sf.snowflake.Migrator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ddb2sf migrate}: the DAG's first task, safe to run concurrently with itself and with the jobs (which run
 * the same steps), and a failed migration is recorded as failed and completed by the next run.
 */
class MigrateIT {
    /** The first statement of sql/V001__create_ledger.sql, whatever its wording. */
    private static final String FIRST_STATEMENT_OF_V001 = "CREATE\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?\"DDB2SF_LEDGER\"";

    final LocalStack stack = LocalStack.fromEnvironment();
    final WarehouseLog warehouse = WarehouseLog.fromEnvironment();

    @Test
    void shouldGiveOneSchemaWhenMigrationsRunTwiceAtOnce() throws Exception {
        Migrator shipped = Migrator.fromClasspath();
        List<String> scripts = shipped.migrations().stream().map(Migrator.Migration::script).toList();
        LocalStack.TestTable t = stack.newTable("migrate", "hard");
        // Run A is held by the local Snowflake right after the first statement of V001, before it records anything;
        // run B starts only then, and A is released only once B has finished. So the two runs overlap every time,
        // and both find V001 (and every later file) not yet applied. There is no lock to wait on (every DDL statement
        // commits in Snowflake, see Migrator): what makes the overlap safe is that every statement is idempotent and
        // the history is read as a set, and that is what this checks.
        // Each run on its own thread: on a two-core machine the JDK's shared async pool has one worker, which the held
        // run would occupy, so a second run queued behind it would never start and the hold would never be released.
        ExecutorService runs = Executors.newFixedThreadPool(2);
        long mark = warehouse.last();
        long hold = warehouse.hold(FIRST_STATEMENT_OF_V001, Duration.ofSeconds(120));
        Future<List<String>> a = runs.submit(() -> migrate(shipped, t));
        JsonNode held = warehouse.await(mark, e -> "held".equals(e.path("event").asText())
                && e.path("hold").asLong() == hold, null, Duration.ofSeconds(60));
        long sessionA = held.get("session").asLong();
        List<String> b;
        try {
            b = runs.submit(() -> migrate(shipped, t)).get(60, TimeUnit.SECONDS);
        } finally {
            warehouse.release(hold);
        }
        assertThat(a.get(60, TimeUnit.SECONDS)).as("run A, held after V001's first statement").isEqualTo(scripts);
        runs.shutdown();
        assertThat(b).as("run B, started while A was held").isEqualTo(scripts);

        // Seen in the server's statement log: B applied and recorded every file while A stood inside V001.
        List<JsonNode> after = new ArrayList<>();
        warehouse.entries(held.get("seq").asLong()).forEach(after::add);
        long resumedA = after.stream().filter(e -> e.path("session").asLong() == sessionA).mapToLong(e -> e.get("seq").asLong())
                .min().orElseThrow();
        List<JsonNode> recordedByB = after.stream().filter(e -> e.path("session").asLong() != sessionA
                && "done".equals(e.path("event").asText()) && e.path("sql").asText().startsWith("INSERT INTO \"DDB2SF_SCHEMA_HISTORY\"")).toList();
        assertThat(recordedByB).as("B's history rows, written while A was held").hasSize(scripts.size())
                .allMatch(e -> e.get("seq").asLong() < resumedA);

        try (Connection c = stack.snowflake(t.schema())) {
            List<String> history = history(c);
            // Each file applied by both runs, each attempt a success; read as a set, every shipped version once.
            assertThat(history).hasSize(2 * scripts.size()).allMatch(h -> h.endsWith(" true"));
            assertThat(history.stream().map(h -> h.split(" ")[0]).distinct().count()).isEqualTo(scripts.size());
        }
        // The command then finds every migration applied, and creates the configured table's tables.
        Cli.Result r = t.cli().exec(List.of("migrate", "--config", t.cli().config().toString()));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.summary().get("migrationsApplied").size()).isZero();
        assertThat(r.summary().get("tables").toString()).contains(t.name());
        try (Connection c = stack.snowflake(t.schema())) {
            assertThat(Snapshots.count(c, t.target())).isZero();
            assertThat(Snapshots.count(c, t.target() + "_CHANGES")).isZero();
        }
    }

    private List<String> migrate(Migrator migrator, LocalStack.TestTable t) throws Exception {
        try (Connection c = stack.snowflake(t.schema())) {
            return migrator.migrate(c);
        }
    }

    @Test
    void shouldRecordAFailedMigrationAndCompleteItOnTheNextRun() throws Exception {
        LocalStack.TestTable t = stack.newTable("migfail", "hard");
        Migrator.Migration first = new Migrator.Migration(1, "V001__a.sql", "CREATE TABLE IF NOT EXISTS \"A\" (\"X\" INT)");
        Migrator broken = new Migrator(List.of(first, new Migrator.Migration(2, "V002__b.sql",
                "CREATE TABLE IF NOT EXISTS \"B\" (\"X\" INT);\nCREATE TABLE IF NOT EXISTS \"C\" (\"X\" NOSUCHTYPE)")));
        Migrator fixed = new Migrator(List.of(first, new Migrator.Migration(2, "V002__b.sql",
                "CREATE TABLE IF NOT EXISTS \"B\" (\"X\" INT);\nCREATE TABLE IF NOT EXISTS \"C\" (\"X\" INT)")));
        try (Connection c = stack.snowflake(t.schema())) {
            assertThatThrownBy(() -> broken.migrate(c)).isInstanceOf(JobException.class)
                    .hasMessageContaining("sql/V002__b.sql failed at statement 2 of 2", "rerun ddb2sf migrate");
            assertThat(history(c)).containsExactly("1 V001__a.sql true", "2 V002__b.sql false");
            assertThat(fixed.migrate(c)).containsExactly("V002__b.sql");
            assertThat(history(c)).containsExactly("1 V001__a.sql true", "2 V002__b.sql false", "2 V002__b.sql true");
            assertThat(fixed.migrate(c)).isEmpty();
        }
    }

    @Test
    void shouldSendOnlyTheHistorysSelectWhenEveryMigrationIsRecorded() throws Exception {
        LocalStack.TestTable t = stack.newTable("migsteady", "hard");
        Migrator shipped = Migrator.fromClasspath();
        assertThat(migrate(shipped, t)).hasSize(shipped.migrations().size());
        long mark = warehouse.last();
        assertThat(migrate(shipped, t)).isEmpty();
        // Seen in the server's statement log: the second run read the history once and changed nothing.
        List<String> sent = new ArrayList<>();
        warehouse.entries(mark).forEach(e -> {
            if ("run".equals(e.path("event").asText())) {
                sent.add(e.path("sql").asText());
            }
        });
        assertThat(sent).hasSize(1).allMatch(sql -> sql.startsWith("SELECT \"VERSION\", \"SCRIPT\", \"CHECKSUM\""));
    }

    @Test
    void shouldUpgradeAHistoryTableWithoutItsLaterColumnsAndGoOn() throws Exception {
        LocalStack.TestTable t = stack.newTable("migold", "hard");
        Migrator.Migration first = new Migrator.Migration(1, "V001__a.sql", "CREATE TABLE IF NOT EXISTS \"A\" (\"X\" INT)");
        Migrator.Migration second = new Migrator.Migration(2, "V002__b.sql", "CREATE TABLE IF NOT EXISTS \"B\" (\"X\" INT)");
        try (Connection c = stack.snowflake(t.schema())) {
            assertThat(new Migrator(List.of(first)).migrate(c)).containsExactly("V001__a.sql");
            // The history table as the first ddb2sf versions made it: no SUCCESS, no ERROR.
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE \"DDB2SF_SCHEMA_HISTORY\" DROP COLUMN \"ERROR\"");
                s.execute("ALTER TABLE \"DDB2SF_SCHEMA_HISTORY\" DROP COLUMN \"SUCCESS\"");
            }
            assertThat(new Migrator(List.of(first, second)).migrate(c)).containsExactly("V002__b.sql");
            assertThat(history(c)).containsExactly("1 V001__a.sql false", "2 V002__b.sql true");
            assertThat(new Migrator(List.of(first, second)).migrate(c)).isEmpty();
        }
    }

    /** "version script success" per recorded attempt, in version order, failures before successes. */
    private static List<String> history(Connection c) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT \"VERSION\", \"SCRIPT\", \"SUCCESS\""
                + " FROM \"DDB2SF_SCHEMA_HISTORY\" ORDER BY \"VERSION\", \"SUCCESS\"")) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + " " + rs.getString(2) + " " + rs.getBoolean(3));
            }
        }
        return rows;
    }
}
