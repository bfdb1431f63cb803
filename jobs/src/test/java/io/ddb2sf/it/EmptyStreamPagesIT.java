package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.n;
import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ddb2sf.Json;
import io.ddb2sf.export.ExportSummary;
import java.sql.Connection;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Shards that hold runs of 20 empty pages before, between and after their records, a closed parent and its two open
 * children, as the real service may serve them: the export reads through every run, finishes the parent, reads the
 * children, and every change lands once. And reads refused because a third process reads the shard: they are retried
 * and the export completes.
 */
class EmptyStreamPagesIT {
    private static final int GAP = 20;

    @Test
    void shouldReadThroughEmptyPagesOnClosedAndOpenShardsAndLandEveryChange() throws Exception {
        // The production wait at an open shard's tip: the 20 empty pages before and after the open children's records
        // take 5 s to poll, longer than the short wait the other tests use.
        LocalStack stack = LocalStack.fromEnvironment().withOpenShardIdleWait("PT10S").inPastHour();
        LocalStack.TestTable t = stack.newTable("gaps", "hard");
        String table = t.name();
        Instant[] hour = stack.hour();

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

            // The closed parent holds the first 9 records in three pages; the open children the rest, even sort keys
            // in one (6 records, two pages), odd in the other (7 records, three pages).
            EmptyPagesStream[] view = new EmptyPagesStream[1];
            ExportSummary summary = t.exportThrough(real -> view[0] = new EmptyPagesStream(new SplitStream(real, 9,
                    r -> Integer.parseInt(r.dynamodb().keys().get("sk").n()) % 2 == 0), GAP), hour[0], hour[1]);

            assertThat(summary.rows()).isEqualTo(22);
            JsonNode to = manifest(s3, t.prefix(), hour[0]).path("source").path("to");
            assertThat(to.path("shard-parent").path("finished").asBoolean()).isTrue();
            assertThat(to.path("shard-child-a").path("lastSequence").isNull()).isFalse();
            assertThat(to.path("shard-child-b").path("lastSequence").isNull()).isFalse();

            // Every run of empty pages was served; the parent's last run was not needed: its last record carries the
            // EndingSequenceNumber DescribeStream gave, so the read ends there without asking for more pages.
            assertThat(view[0].served("shard-parent", EmptyPagesStream.Place.BEFORE)).isEqualTo(GAP);
            assertThat(view[0].served("shard-parent", EmptyPagesStream.Place.BETWEEN)).isEqualTo(GAP);
            assertThat(view[0].served("shard-parent", EmptyPagesStream.Place.AFTER)).isZero();
            for (String child : new String[] {"shard-child-a", "shard-child-b"}) {
                for (EmptyPagesStream.Place place : EmptyPagesStream.Place.values()) {
                    assertThat(view[0].served(child, place)).as(child + " " + place).isEqualTo(GAP);
                }
            }

            loadAndMerge(t.cli(), table, hour[0], hour[1]);
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, t.target()))).isEmpty();
                assertThat(Snapshots.count(c, t.target() + "_CHANGES")).isEqualTo(22);
            }
            ddb.deleteTable(b -> b.tableName(table)); // DynamoDB Local slows down as tables pile up
        }
    }

    @Test
    void shouldRetryReadsRefusedForAThirdReaderAndLandEveryChange() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("crowded", "hard");
        String table = t.name();
        Instant[] hour = stack.hour();

        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, table);
            Fixtures.bulkPut(ddb, table, "item", 50);

            CrowdedStream[] view = new CrowdedStream[1];
            ExportSummary summary = t.exportThrough(real -> view[0] = new CrowdedStream(real, Set.of(1, 2, 4)), hour[0], hour[1]);
            assertThat(view[0].refused.get()).isEqualTo(3);
            assertThat(summary.rows()).isEqualTo(50);

            loadAndMerge(t.cli(), table, hour[0], hour[1]);
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, t.target()))).isEmpty();
                assertThat(Snapshots.count(c, t.target() + "_CHANGES")).isEqualTo(50);
            }
            ddb.deleteTable(b -> b.tableName(table)); // DynamoDB Local slows down as tables pile up
        }
    }

    private static void loadAndMerge(Cli cli, String table, Instant start, Instant end) {
        for (String job : new String[] {"stage-validate", "copy-load", "merge-apply"}) {
            Cli.Result r = cli.run(job, table, start.toString(), end.toString());
            assertThat(r.exitCode()).as(r.stderr()).isZero();
        }
    }

    private static JsonNode manifest(S3Client s3, String prefix, Instant start) throws Exception {
        String hourPart = String.format("hour=%02d", start.atZone(java.time.ZoneOffset.UTC).getHour());
        String key = s3.listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(prefix + "/")).contents().stream()
                .map(o -> o.key()).filter(k -> k.contains(hourPart) && k.endsWith("_manifest.json")).findFirst().orElseThrow();
        return Json.mapper().readTree(s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(key)).asByteArray());
    }
}
