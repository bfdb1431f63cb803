package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.JobException;
import io.ddb2sf.snowflake.Migrator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * {@code ddb2sf migrate}: the DAG's first task, safe to run concurrently with itself and with the jobs (which run
 * the same steps), and a failed migration is recorded as failed and completed by the next run.
 */
class MigrateIT {
    final LocalStack stack = LocalStack.fromEnvironment();

    @Test
    void shouldGiveOneSchemaWhenMigrationsRunTwiceAtOnce() throws Exception {
        Migrator shipped = Migrator.fromClasspath();
        // Two runs released together by a barrier usually overlap; retry on a fresh schema until the history shows
        // that both applied V001, so the test proves what it says.
        for (int attempt = 1; ; attempt++) {
            LocalStack.TestTable t = stack.newTable("migrate", "hard");
            CyclicBarrier together = new CyclicBarrier(2);
            List<CompletableFuture<List<String>>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try (Connection c = stack.snowflake(t.schema())) {
                        together.await();
                        return shipped.migrate(c);
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }));
            }
            for (var run : runs) {
                assertThat(run.get()).isNotNull();
            }
            try (Connection c = stack.snowflake(t.schema())) {
                List<String> history = history(c);
                boolean overlapped = history.stream().filter(h -> h.startsWith("1 ")).count() == 2;
                if (!overlapped && attempt < 12) {
                    continue;
                }
                assertThat(overlapped).as("the two runs overlapped (both applied V001): %s", history).isTrue();
                // Read as a set, the history holds every shipped version, each a success.
                assertThat(history.stream().map(h -> h.split(" ")[0]).distinct().count()).isEqualTo(shipped.migrations().size());
                assertThat(history).allMatch(h -> h.endsWith(" true"));
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
            return;
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
