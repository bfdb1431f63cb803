package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.stage.BackfillPartition;
import java.sql.Connection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * A snapshot never loses to a change it already contains. With AWS's stream stamps (to the second), a change streamed
 * a second before the scan began loses to the snapshot, which holds a newer state no stream carries (an update made
 * while nothing streamed); a change streamed after the scan began still wins over it.
 */
class SnapshotVersionIT {

    @Test
    void shouldKeepTheSnapshotsNewerStateOverAStreamChangeMadeBeforeTheScan() throws Exception {
        // The stream is shown in a past hour, and the scan's id is moved back by the same minutes (stack.past), so the
        // changes and the snapshot keep their real order to the second.
        LocalStack stack = LocalStack.fromEnvironment().withAwsStreamTimestamps().inPastHour();
        LocalStack.TestTable t = stack.newTable("version", "hard");
        Instant[] hour = stack.hour();
        // When each change was made, by its label, to the second, as AWS stamps it; labels without one never streamed.
        Map<String, Instant> made = new ConcurrentHashMap<>();
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            write(ddb, t, "k", "k streamed", made);
            write(ddb, t, "m", "m streamed", made);
            Fixtures.update(ddb, t.name(), Fixtures.key("k", "1"), "SET label = :l",
                    Map.of(":l", Fixtures.s("k while nothing streamed")), n -> { });
            Thread.sleep(1_100); // the scan starts in a later second than the streamed changes

            String id = new BackfillPartition(t.name(), stack.past(Instant.now())).snapshotId();
            for (List<String> job : List.of(
                    List.of("backfill", "--table", t.name(), "--backfill", id, "--total-segments", "1", "--rcu-budget", "1000"),
                    List.of("stage-validate", "--table", t.name(), "--backfill", id),
                    List.of("copy-load", "--table", t.name(), "--backfill", id),
                    List.of("merge-apply", "--table", t.name(), "--backfill", id))) {
                List<String> args = new java.util.ArrayList<>(job);
                args.addAll(List.of("--config", t.cli().config().toString()));
                Cli.Result r = t.cli().exec(args);
                assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            }
            Thread.sleep(1_100);
            write(ddb, t, "m", "m after the scan began", made);

            t.exportThrough(real -> new RestampedStream(real, r -> Optional.ofNullable(made.get(label(r))).map(stack::past)), hour[0], hour[1]);
            for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
                Cli.Result r = t.cli().run(job, t.name(), hour[0].toString(), hour[1].toString());
                assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            }
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.rows(c, "SELECT \"PK\", \"_ITEM\":label::VARCHAR FROM \"" + t.target() + "\" ORDER BY 1")
                        .values()).containsExactly("k\u0001k while nothing streamed\u0001", "m\u0001m after the scan began\u0001");
                assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target()))).isEmpty();
            }
            ddb.deleteTable(b -> b.tableName(t.name()));
        }
    }

    private static void write(DynamoDbClient ddb, LocalStack.TestTable t, String pk, String label, Map<String, Instant> made) {
        Map<String, AttributeValue> item = new java.util.HashMap<>(Fixtures.plain(pk, "1", 1));
        item.put("label", Fixtures.s(label));
        Fixtures.put(ddb, t.name(), item);
        made.put(label, Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    private static String label(Record r) {
        var image = r.dynamodb().hasNewImage() ? r.dynamodb().newImage() : r.dynamodb().oldImage();
        return image.get("label").s();
    }
}
