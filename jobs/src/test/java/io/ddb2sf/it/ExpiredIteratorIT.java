package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.export.ExportSummary;
import java.sql.Connection;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Shard iterators that expire while the export reads (the first one, and two between pages of 1,000 records): each
 * is renewed from the last sequence number handed over, so every change lands exactly once.
 */
class ExpiredIteratorIT {

    @Test
    void shouldRenewExpiredIteratorsFromTheLastSequenceAndLoseOrDoubleNothing() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("expiry", "hard");
        String table = t.name();
        Cli cli = t.cli();
        Instant[] hour = stack.hour();

        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, table);
            Fixtures.bulkPut(ddb, table, "item", 2_100);

            ExpiringStream[] view = new ExpiringStream[1];
            ExportSummary summary = t.exportThrough(real -> view[0] = new ExpiringStream(real, Set.of(1, 3, 5)),
                    hour[0], hour[1]);
            assertThat(view[0].expired.get()).isEqualTo(3);
            assertThat(summary.rows()).isEqualTo(2_100);

            for (String job : new String[] {"stage-validate", "copy-load", "merge-apply"}) {
                Cli.Result r = cli.run(job, table, hour[0].toString(), hour[1].toString());
                assertThat(r.exitCode()).as(r.stderr()).isZero();
            }
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, t.target()))).isEmpty();
                assertThat(Snapshots.count(c, t.target() + "_CHANGES")).isEqualTo(2_100);
            }
            ddb.deleteTable(b -> b.tableName(table)); // DynamoDB Local slows down as tables pile up
        }
    }
}
