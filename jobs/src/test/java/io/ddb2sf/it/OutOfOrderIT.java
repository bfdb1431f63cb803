package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.n;
import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Two partitions merged newest first, then the older one, then the older one forced again: the newest version of
 * every item wins each time (DESIGN invariant 3).
 */
class OutOfOrderIT {

    @Test
    void shouldConvergeOnTheSourceWhateverOrderPartitionsAreMergedIn() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("order", "hard");
        String table = t.name();
        String schema = t.schema();
        Cli cli = t.cli();
        Instant[] hour = stack.hour();
        String h1 = hour[0].toString();
        String h2 = hour[1].toString();
        String h3 = hour[1].plus(Duration.ofHours(1)).toString();

        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, table);
            for (int i = 0; i < 10; i++) {
                Fixtures.put(ddb, table, Fixtures.plain("k" + i, String.valueOf(i), i));
            }
            ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("k9", "9")));
            for (String job : new String[] {"export-increment", "stage-validate", "copy-load"}) {
                assertOk(cli.run(job, table, h1, h2));
            }

            // The next partition's changes: they land in the next window (their records follow the checkpoint).
            for (int i = 0; i < 5; i++) {
                Fixtures.update(ddb, table, Fixtures.key("k" + i, String.valueOf(i)), "SET label = :l, price = :p",
                        Map.of(":l", s("second version"), ":p", n("99.99")), names -> { });
            }
            ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("k5", "5")));
            Fixtures.put(ddb, table, Fixtures.plain("k9", "9", 999));
            for (String job : new String[] {"export-increment", "stage-validate", "copy-load"}) {
                assertOk(cli.run(job, table, h2, h3));
            }

            assertOk(cli.run("merge-apply", table, h2, h3));
            assertOk(cli.run("merge-apply", table, h1, h2));
            try (Connection c = stack.snowflake(schema)) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, table.toUpperCase()))).isEmpty();

                // An operator forces the old partition's merge again (its ledger row removed): still nothing older wins.
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM \"DDB2SF_LEDGER\" WHERE \"TABLE_NAME\" = ? AND \"STEP\" = 'MERGE'")) {
                    ps.setString(1, table);
                    ps.executeUpdate();
                }
                Cli.Result again = cli.run("merge-apply", table, h1, h2);
                assertOk(again);
                assertThat(again.summary().get("alreadyMerged").asBoolean()).isFalse();
                assertThat(again.summary().get("inserted").asLong() + again.summary().get("updated").asLong()
                        + again.summary().get("deleted").asLong()).isZero();
                assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, table.toUpperCase()))).isEmpty();
            }
        }
    }

    private static void assertOk(Cli.Result r) {
        assertThat(r.exitCode()).as(r.stderr()).isZero();
    }
}
