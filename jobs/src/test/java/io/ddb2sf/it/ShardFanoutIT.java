package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ddb2sf.Json;
import io.ddb2sf.export.ExportSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A stream of 16 shards, as a table with many partitions has, where one lineage (a closed parent and its open child)
 * holds every change and 14 open shards are idle: the export checks the open shards' tips at the same time, not one
 * after the other, so the idle shards cost about one tip check; every shard's changes land in the shard's order, the
 * parent's before its child's; and a rerun of the hour writes the same bytes.
 */
class ShardFanoutIT {
    private static final int SHARDS = 16;

    @Test
    void shouldCheckIdleShardsTipsAtOnceAndLandEveryShardsChangesInOrder() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("fanout", "hard");
        String table = t.name();
        Instant[] hour = stack.hour();

        try (DynamoDbClient ddb = stack.dynamodb(); S3Client s3 = stack.s3()) {
            Fixtures.createTable(ddb, table);
            for (int i = 0; i < 30; i++) {
                Fixtures.put(ddb, table, Fixtures.plain("k" + i, String.valueOf(i), i));              // records 1-30
            }
            for (int i = 0; i < 15; i++) {                                                           // 31-45
                Fixtures.update(ddb, table, Fixtures.key("k" + i, String.valueOf(i)), "SET label = :l",
                        Map.of(":l", s("second")), names -> { });
            }
            for (int i = 10; i < 15; i++) {                                                          // 46-50
                int k = i;
                ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("k" + k, String.valueOf(k))));
            }

            // Every item's later changes cross the split: its insert is in the parent, its update or delete in the child.
            FannedStream[] view = new FannedStream[1];
            ExportSummary summary = t.exportThrough(real -> view[0] = new FannedStream(real, SHARDS, 30), hour[0], hour[1]);
            assertThat(summary.rows()).isEqualTo(50);

            // The 15 open shards (the child with the changes and 14 idle ones) were polled at their tips at the same
            // time: one instant lies inside every tip check.
            Map<String, FannedStream.TipCheck> tips = view[0].tipChecks();
            assertThat(tips).hasSize(SHARDS - 1).doesNotContainKey(FannedStream.PARENT);
            long lastStart = tips.values().stream().mapToLong(FannedStream.TipCheck::firstEmptyPage).max().orElseThrow();
            long firstEnd = tips.values().stream().mapToLong(FannedStream.TipCheck::lastEmptyPage).min().orElseThrow();
            assertThat(lastStart).as("the last tip check began before the first one ended: %s", tips).isLessThan(firstEnd);

            // The staged rows: the parent's records in its order, then its child's in its order; nothing else.
            Map<String, List<Record>> shards = view[0].shards();
            List<String> staged = stagedSequences(s3, t.prefix(), hour[0]);
            List<String> expected = new ArrayList<>();
            shards.get(FannedStream.PARENT).forEach(r -> expected.add(r.dynamodb().sequenceNumber()));
            shards.get(FannedStream.CHILD).forEach(r -> expected.add(r.dynamodb().sequenceNumber()));
            assertThat(staged).hasSize(50).containsExactlyElementsOf(expected.stream().map(ShardFanoutIT::padded).toList());

            JsonNode to = manifest(s3, t.prefix(), hour[0]).path("source").path("to");
            assertThat(to.size()).isEqualTo(SHARDS);
            assertThat(to.path(FannedStream.PARENT).path("finished").asBoolean()).isTrue();
            assertThat(to.path(FannedStream.CHILD).path("lastSequence").asText()).isEqualTo(expected.get(49));
            assertThat(to.path("shard-02-child").path("parent").asText()).isEqualTo(FannedStream.PARENT);

            // A rerun reads the recorded positions again and writes the same objects, byte for byte.
            Map<String, String> first = objects(s3, t.prefix(), hour[0]);
            ExportSummary rerun = t.exportThrough(real -> new FannedStream(real, SHARDS, 30), hour[0], hour[1]);
            assertThat(rerun.mode()).isEqualTo("rerun");
            assertThat(objects(s3, t.prefix(), hour[0])).isEqualTo(first);

            for (String job : new String[] {"stage-validate", "copy-load", "merge-apply"}) {
                Cli.Result r = t.cli().run(job, table, hour[0].toString(), hour[1].toString());
                assertThat(r.exitCode()).as(r.stderr()).isZero();
            }
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, t.target()))).isEmpty();
                assertThat(Snapshots.count(c, t.target() + "_CHANGES")).isEqualTo(50);
            }
            ddb.deleteTable(b -> b.tableName(table)); // DynamoDB Local slows down as tables pile up
        }
    }

    /** The _SEQ of every staged row, part after part in the manifest's order. */
    private static List<String> stagedSequences(S3Client s3, String prefix, Instant start) throws Exception {
        List<String> seqs = new ArrayList<>();
        for (JsonNode f : manifest(s3, prefix, start).path("files")) {
            Path local = Files.createTempFile("ddb2sf-fanout-", ".parquet");
            try {
                Files.write(local, s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(f.path("key").asText())).asByteArray());
                try (ParquetReader<GenericRecord> reader = AvroParquetReader.<GenericRecord>builder(new LocalInputFile(local),
                        new PlainParquetConfiguration()).build()) {
                    for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
                        seqs.add(r.get("_SEQ").toString());
                    }
                }
            } finally {
                Files.deleteIfExists(local);
            }
        }
        return seqs;
    }

    private static String padded(String sequence) {
        return "0".repeat(40 - sequence.length()) + sequence;
    }

    private static Map<String, String> objects(S3Client s3, String prefix, Instant start) {
        String hourPart = String.format("hour=%02d/", start.atZone(java.time.ZoneOffset.UTC).getHour());
        Map<String, String> found = new TreeMap<>();
        s3.listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(prefix + "/")).contents().stream()
                .filter(o -> o.key().contains(hourPart)).forEach(o -> found.put(o.key(), o.eTag()));
        return found;
    }

    private static JsonNode manifest(S3Client s3, String prefix, Instant start) throws Exception {
        String hourPart = String.format("hour=%02d", start.atZone(java.time.ZoneOffset.UTC).getHour());
        String key = s3.listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(prefix + "/")).contents().stream()
                .map(o -> o.key()).filter(k -> k.contains(hourPart) && k.endsWith("_manifest.json")).findFirst().orElseThrow();
        return Json.mapper().readTree(s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(key)).asByteArray());
    }
}
