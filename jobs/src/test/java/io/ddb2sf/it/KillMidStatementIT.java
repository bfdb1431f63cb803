package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * copy-load and merge-apply killed (SIGKILL) inside their transactions, at named points the warehouse log shows:
 * after the load's DELETE, after its COPY, after a MERGE that updated and deleted thousands of existing rows. Each
 * kill leaves a detached transaction holding its locks, as on Snowflake; the rerun aborts it and succeeds at once,
 * with every change landed once. A merge of another hour that touches the same rows waits for the dead merge's
 * lock (it does not fail) and goes on once the rerun has aborted it.
 */
class KillMidStatementIT {
    private static final Duration AT_ONCE = Duration.ofSeconds(90);
    private static final int ITEMS = 2_000;
    private static final int UPDATED = 1_500;
    private static final int DELETED = 300;
    private static final int UPDATED_AGAIN = 200;

    /** Where a kill landed: the statement it followed, its session and the transaction open there. */
    record Kill(String phase, long session, long transaction, String name) {}

    private final LocalStack stack = LocalStack.fromEnvironment().inPastHour();
    private final WarehouseLog warehouse = WarehouseLog.fromEnvironment();

    @Test
    void shouldRerunAtOnceAfterLoadsAndMergesKilledInsideTheirTransactions() throws Exception {
        LocalStack.TestTable t = stack.newTable("kill", "hard");
        String table = t.name();
        String landing = t.target() + "_CHANGES";
        Cli cli = t.cli();
        Instant[] hour = stack.hour();
        String h1 = hour[0].toString();
        String h2 = hour[1].toString();
        String h3 = hour[1].plus(Duration.ofHours(1)).toString();
        String h4 = hour[1].plus(Duration.ofHours(2)).toString();

        try (DynamoDbClient ddb = stack.dynamodb(); Connection c = stack.snowflake(t.schema())) {
            Fixtures.createTable(ddb, table);
            Fixtures.bulkPut(ddb, table, "item", ITEMS);
            for (String job : new String[] {"export-increment", "stage-validate", "copy-load", "merge-apply"}) {
                assertOk(cli.run(job, table, h1, h2));
            }
            // The next hour updates and deletes thousands of the rows the analytics table already holds.
            IntStream.range(0, UPDATED).parallel().forEach(i -> Fixtures.update(ddb, table, Fixtures.key("item-" + i, String.valueOf(i)),
                    "SET label = :l", Map.of(":l", Fixtures.s("second version " + i)), names -> { }));
            IntStream.range(UPDATED, UPDATED + DELETED).parallel().forEach(i ->
                    ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("item-" + i, String.valueOf(i)))));
            for (String job : new String[] {"export-increment", "stage-validate"}) {
                assertOk(cli.run(job, table, h2, h3));
            }

            // copy-load killed after its DELETE, then (the next run) after its COPY: each time inside its transaction.
            Kill afterDelete = killAfter(cli, "copy-load", table, h2, h3, "delete", "DELETE FROM \"" + escape(landing) + "\"");
            assertDetached(c, afterDelete);
            Kill afterCopy = killAfter(cli, "copy-load", table, h2, h3, "copy", "COPY INTO \"" + escape(landing) + "\"");
            assertDetached(c, afterCopy);
            assertThat(running(c)).as("the second run aborted the first one's transaction")
                    .noneMatch(r -> r.get("id").equals(String.valueOf(afterDelete.transaction())));

            Cli.Result load = cli.exec(args("copy-load", cli, table, h2, h3), AT_ONCE);
            assertOk(load);
            assertThat(load.stderr()).contains("aborted transaction " + afterCopy.transaction());
            assertThat(afterCopy.name()).startsWith("DDB2SF_LOAD_").isEqualTo(afterDelete.name());

            // merge-apply killed right after its MERGE (1,500 rows updated, 300 deleted), before COMMIT.
            Kill afterMerge = killAfter(cli, "merge-apply", table, h2, h3, "merge", "MERGE INTO \"" + escape(t.target()) + "\"");
            assertDetached(c, afterMerge);
            assertThat(afterMerge.name()).startsWith("DDB2SF_MERGE_");

            // Another hour changes some of the same rows; its merge waits for the dead merge's lock instead of failing.
            IntStream.range(0, UPDATED_AGAIN).parallel().forEach(i -> Fixtures.update(ddb, table, Fixtures.key("item-" + i, String.valueOf(i)),
                    "SET label = :l", Map.of(":l", Fixtures.s("third version " + i)), names -> { }));
            for (String job : new String[] {"export-increment", "stage-validate", "copy-load"}) {
                assertOk(cli.run(job, table, h3, h4));
            }
            long before = warehouse.last();
            CompletableFuture<Cli.Result> otherHour = CompletableFuture.supplyAsync(
                    () -> cli.exec(args("merge-apply", cli, table, h3, h4), Duration.ofMinutes(3)));
            JsonNode waiting = warehouse.await(before, e -> e.get("event").asText().equals("waiting")
                    && e.get("holderTransaction").asLong() == afterMerge.transaction(), null, Duration.ofSeconds(60));
            assertThat(waiting.get("sql").asText()).contains("MERGE INTO");
            Thread.sleep(2_000);
            assertThat(otherHour).as("the other hour's merge still waits for the lock").isNotDone();

            Cli.Result merge = cli.exec(args("merge-apply", cli, table, h2, h3), AT_ONCE);
            assertOk(merge);
            assertThat(merge.stderr()).contains("aborted transaction " + afterMerge.transaction());
            assertOk(otherHour.get(3, TimeUnit.MINUTES));

            assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, t.target()))).isEmpty();
            assertThat(Snapshots.count(c, landing)).as("every change landed once")
                    .isEqualTo(ITEMS + UPDATED + DELETED + UPDATED_AGAIN);
            assertThat(running(c)).as("no transaction of this table is left open")
                    .noneMatch(r -> List.of(afterDelete.name(), afterMerge.name()).contains(r.get("name")));
            ddb.deleteTable(b -> b.tableName(table)); // DynamoDB Local slows down as tables pile up
        }
    }

    @Test
    void shouldFailTheOlderOfTwoLiveRunsOfOnePartitionCleanlyWhenTheNewerAbortsIt() throws Exception {
        LocalStack.TestTable t = stack.newTable("live", "hard");
        String table = t.name();
        String landing = t.target() + "_CHANGES";
        Cli cli = t.cli();
        Instant[] hour = stack.hour();
        String start = hour[0].toString();
        String end = hour[1].toString();
        try (DynamoDbClient ddb = stack.dynamodb(); Connection c = stack.snowflake(t.schema())) {
            Fixtures.createTable(ddb, table);
            Fixtures.bulkPut(ddb, table, "item", 50);
            for (String job : new String[] {"export-increment", "stage-validate"}) {
                assertOk(cli.run(job, table, start, end));
            }
            // The older run is alive but stopped right after its DELETE, inside its transaction.
            long after = warehouse.last();
            long hold = warehouse.hold("DELETE FROM \"" + escape(landing) + "\"", Duration.ofMinutes(2));
            CompletableFuture<Cli.Result> older = CompletableFuture.supplyAsync(
                    () -> cli.exec(args("copy-load", cli, table, start, end), Duration.ofMinutes(3)));
            JsonNode held = warehouse.await(after, e -> e.get("event").asText().equals("held")
                    && e.get("hold").asLong() == hold, null, Duration.ofMinutes(2));

            Cli.Result newer = cli.exec(args("copy-load", cli, table, start, end), AT_ONCE);
            assertOk(newer);
            assertThat(newer.stderr()).contains("aborted transaction " + held.get("transaction").asLong());
            warehouse.release(hold);
            Cli.Result old = older.get(3, TimeUnit.MINUTES);
            assertThat(old.exitCode()).as(old.stderr()).isEqualTo(1);
            assertThat(old.error()).contains("DDB2SF-2000", "aborted", "nothing of this step was committed");

            assertThat(Snapshots.count(c, landing)).as("each change landed once").isEqualTo(50);
            assertOk(cli.run("merge-apply", table, start, end));
            assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, t.target()))).isEmpty();
            ddb.deleteTable(b -> b.tableName(table));
        }
    }

    /** Starts the job, lets the warehouse hold it right after the statement {@code regex} matches, and kills it there. */
    private Kill killAfter(Cli cli, String job, String table, String start, String end, String phase, String regex)
            throws Exception {
        long after = warehouse.last();
        long hold = warehouse.hold(regex, Duration.ofMinutes(2));
        Process p = cli.start(args(job, cli, table, start, end));
        try {
            JsonNode held = warehouse.await(after, e -> e.get("event").asText().equals("held")
                    && e.get("hold").asLong() == hold, p, Duration.ofMinutes(2));
            p.destroyForcibly().waitFor();
            assertThat(held.get("transaction").isNull()).as("the %s kill landed inside a transaction: %s", phase, held).isFalse();
            return new Kill(phase, held.get("session").asLong(), held.get("transaction").asLong(), held.get("name").asText());
        } finally {
            p.destroyForcibly().waitFor();
            warehouse.release(hold);
        }
    }

    /** The killed run's transaction is still running in its (now dead) session: detached, holding its locks. */
    private static void assertDetached(Connection c, Kill kill) throws SQLException {
        assertThat(running(c)).as("SHOW TRANSACTIONS after the %s kill", kill.phase()).anySatisfy(r -> {
            assertThat(r.get("id")).isEqualTo(String.valueOf(kill.transaction()));
            assertThat(r.get("session")).isEqualTo(String.valueOf(kill.session()));
            assertThat(r.get("name")).isEqualTo(kill.name());
        });
    }

    private static List<Map<String, String>> running(Connection c) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW TRANSACTIONS")) {
            while (rs.next()) {
                rows.add(Map.of("id", rs.getString("id"), "session", rs.getString("session"), "name", rs.getString("name")));
            }
        }
        return rows;
    }

    private static List<String> args(String job, Cli cli, String table, String start, String end) {
        return List.of(job, "--table", table, "--start", start, "--end", end, "--config", cli.config().toString());
    }

    /** A regular-expression literal for a name (the server's patterns are Python's, without \Q...\E). */
    private static String escape(String name) {
        return name.replaceAll("([^A-Za-z0-9_])", "\\\\$1");
    }

    private static void assertOk(Cli.Result r) {
        assertThat(r.exitCode()).as(r.stderr()).isZero();
    }
}
