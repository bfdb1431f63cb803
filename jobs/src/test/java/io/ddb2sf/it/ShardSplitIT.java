package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.n;
import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ddb2sf.Json;
import io.ddb2sf.export.ExportSummary;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A shard that splits in the middle of a window: the export reads the parent to its end, then both children, and
 * carries the split into the checkpoint, so the next hour goes on from the children. Every item's changes cross the
 * split; the warehouse still ends equal to the table, with every change landed once.
 */
class ShardSplitIT {

    @Test
    void shouldReadTheParentThenItsChildrenAndKeepEveryItemsOrder() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("split", "hard");
        String table = t.name();
        Cli cli = t.cli();
        Instant[] hour = stack.hour();
        Instant h2 = hour[1].plus(Duration.ofHours(1));

        try (DynamoDbClient ddb = stack.dynamodb(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, table);
            for (int i = 0; i < 10; i++) {
                Fixtures.put(ddb, table, Fixtures.plain("k" + i, String.valueOf(i), i));              // records 1-10
            }
            for (int i = 0; i < 10; i++) {                                                           // records 11-20
                Fixtures.update(ddb, table, Fixtures.key("k" + i, String.valueOf(i)), "SET label = :l, price = :p",
                        Map.of(":l", s("second"), ":p", n(i + ".50")), names -> { });
            }
            ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("k0", "0")));                   // 21
            ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("k1", "1")));                   // 22
            for (int i = 2; i < 6; i++) {                                                            // 23-26
                Fixtures.update(ddb, table, Fixtures.key("k" + i, String.valueOf(i)), "SET label = :l",
                        Map.of(":l", s("third")), names -> { });
            }

            // The parent holds the inserts and the first five updates; the children the rest, split by key.
            ExportSummary first = t.exportThrough(ShardSplitIT::splitAfter15, hour[0], hour[1]);
            assertThat(first.rows()).isEqualTo(26);
            JsonNode to = manifest(s3, t.prefix(), "hour=" + hourOf(hour[0])).path("source").path("to");
            assertThat(to.path("shard-parent").path("finished").asBoolean()).isTrue();
            assertThat(to.path("shard-child-a").path("parent").asText()).isEqualTo("shard-parent");
            assertThat(to.path("shard-child-b").path("lastSequence").isNull()).isFalse();
            loadAndMerge(cli, table, hour[0], hour[1]);

            // The next hour starts from the children's positions, never from the parent again.
            Fixtures.update(ddb, table, Fixtures.key("k6", "6"), "SET label = :l", Map.of(":l", s("fourth")), names -> { });
            ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("k7", "7")));
            ExportSummary second = t.exportThrough(ShardSplitIT::splitAfter15, hour[1], h2);
            assertThat(second.rows()).isEqualTo(2);
            loadAndMerge(cli, table, hour[1], h2);

            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, t.target()))).isEmpty();
                assertThat(Snapshots.count(c, t.target() + "_CHANGES")).isEqualTo(28);
            }
            ddb.deleteTable(b -> b.tableName(table)); // DynamoDB Local slows down as tables pile up
        }
    }

    private static DynamoDbStreamsClient splitAfter15(DynamoDbStreamsClient real) {
        return new SplitStream(real, 15, r -> Math.floorMod(Snapshots.key(r.dynamodb().keys()).hashCode(), 2) == 0);
    }

    private static void loadAndMerge(Cli cli, String table, Instant start, Instant end) {
        for (String job : new String[] {"stage-validate", "copy-load", "merge-apply"}) {
            Cli.Result r = cli.run(job, table, start.toString(), end.toString());
            assertThat(r.exitCode()).as(r.stderr()).isZero();
        }
    }

    private static JsonNode manifest(S3Client s3, String prefix, String hourPart) throws Exception {
        String key = s3.listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(prefix + "/")).contents().stream()
                .map(o -> o.key()).filter(k -> k.contains(hourPart) && k.endsWith("_manifest.json")).findFirst().orElseThrow();
        return Json.mapper().readTree(s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(key)).asByteArray());
    }

    private static String hourOf(Instant start) {
        return String.format("%02d", start.atZone(java.time.ZoneOffset.UTC).getHour());
    }
}
