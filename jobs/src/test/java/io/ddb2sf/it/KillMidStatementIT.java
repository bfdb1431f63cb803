package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * copy-load and merge-apply killed (SIGKILL) again and again at different moments: while migrating, deleting, in the
 * middle of COPY or MERGE, before or after the ledger row. Each is one transaction with its ledger row, so a kill
 * leaves nothing half done; the final rerun gives the state of a clean run, with no landing row twice.
 */
class KillMidStatementIT {
    private static final long[] KILL_AFTER_MS = {700, 1_200, 1_800, 2_500, 3_500, 5_000};

    @Test
    void shouldConvergeAfterLoadsAndMergesKilledAtAnyMoment() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment();
        LocalStack.TestTable t = stack.newTable("kill", "hard");
        String table = t.name();
        Cli cli = t.cli();
        Instant[] hour = Fixtures.currentHour();
        String start = hour[0].toString();
        String end = hour[1].toString();

        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, table);
            Fixtures.bulkPut(ddb, table, "item", 2_000);
            for (int i = 0; i < 100; i++) {
                int k = i;
                ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("item-" + k, String.valueOf(k))));
            }
            for (String job : new String[] {"export-increment", "stage-validate"}) {
                assertOk(cli.run(job, table, start, end));
            }

            for (String job : new String[] {"copy-load", "merge-apply"}) {
                for (long delay : KILL_AFTER_MS) {
                    Process p = cli.start(List.of(job, "--table", table, "--start", start, "--end", end,
                            "--config", cli.config().toString()));
                    Thread.sleep(delay);
                    p.destroyForcibly().waitFor();
                }
                assertOk(cli.run(job, table, start, end));
            }

            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, t.target()))).isEmpty();
                assertThat(Snapshots.count(c, t.target() + "_CHANGES")).isEqualTo(2_100);
            }
            ddb.deleteTable(b -> b.tableName(table)); // DynamoDB Local slows down as tables pile up
        }
    }

    private static void assertOk(Cli.Result r) {
        assertThat(r.exitCode()).as(r.stderr()).isZero();
    }
}
