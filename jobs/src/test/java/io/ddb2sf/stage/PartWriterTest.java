package io.ddb2sf.stage;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import io.ddb2sf.config.TableConfig;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartWriterTest {
    private static final TableConfig TABLE = new TableConfig("orders", "ORDERS",
            List.of(new ColumnSpec("pk", "PK", ScalarType.S, 0), new ColumnSpec("sk", "SK", ScalarType.N, 0)),
            List.of(new ColumnSpec("price", "PRICE", ScalarType.N, 2), new ColumnSpec("status", "STATUS", ScalarType.S, 0),
                    new ColumnSpec("flag", "FLAG", ScalarType.BOOL, 0), new ColumnSpec("blob", "BLOB", ScalarType.B, 0),
                    new ColumnSpec("tiny", "TINY", ScalarType.N, 30)),
            TableConfig.DeleteMode.HARD, true);
    private static final HourPartition PARTITION = new HourPartition(TABLE.name(), Instant.parse("2026-11-26T07:00:00Z"),
            Instant.parse("2026-11-26T08:00:00Z"));

    @TempDir
    Path tmp;

    /**
     * Parts are written without building Avro records; their bytes must stay those of the AvroParquetWriter that wrote
     * them before, so a rerun of an hour staged by an earlier build (format 1) writes the same objects.
     */
    @Test
    void shouldWriteTheBytesTheAvroWriterWroteForTheSameRows() throws Exception {
        ChangeRowSchema schema = new ChangeRowSchema(TABLE);
        List<ChangeRow> rows = randomRows(new Random(20261126), 5000, PARTITION.id());
        long rowGroupBytes = 256 << 10;
        byte[] actual = writePart(PartFormat.V1, rows, rowGroupBytes);

        Path reference = tmp.resolve("reference.parquet");
        try (ParquetWriter<GenericRecord> avro = avroWriter(reference, schema, rowGroupBytes)) {
            for (ChangeRow r : rows) {
                avro.write(PartWriter.toRecord(schema, r));
            }
        }
        byte[] expected = Files.readAllBytes(reference);
        assertThat(expected.length).as("several row groups").isGreaterThan(3 * (int) rowGroupBytes / 2);
        assertThat(StageStore.sha256(actual)).as("sha-256 of %,d bytes, the Avro writer's %,d", actual.length, expected.length)
                .isEqualTo(StageStore.sha256(expected));
    }

    @Test
    void shouldKeepDictionariesToTheColumnsThatRepeatInTheCurrentFormat() throws Exception {
        Path part = tmp.resolve("part.parquet");
        Files.write(part, writePart(PartFormat.CURRENT, randomRows(new Random(7), 2000, PARTITION.id()), 64 << 10));

        Set<String> dictionary = new TreeSet<>();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(part))) {
            assertThat(reader.getRowGroups()).as("several row groups").hasSizeGreaterThan(1);
            for (BlockMetaData group : reader.getRowGroups()) {
                for (ColumnChunkMetaData column : group.getColumns()) {
                    if (column.getEncodings().stream().anyMatch(Encoding::usesDictionary)) {
                        dictionary.add(column.getPath().toDotString());
                    }
                }
            }
        }
        // STATUS and _ITEM_TYPES repeat here too, and still have none: whether a typed column repeats is the data's
        // business, and snappy compresses the repeated type documents anyway.
        assertThat(dictionary).containsExactly("_OP", "_PARTITION");
    }

    /** The rows through PartWriter as one part; the stored object's bytes, checked against the sha-256 it reported. */
    private byte[] writePart(PartFormat format, List<ChangeRow> rows, long rowGroupBytes) throws Exception {
        InMemoryS3 s3 = new InMemoryS3();
        List<Manifest.FileEntry> parts;
        Path dir = Files.createTempDirectory(tmp, "parts");
        try (PartWriter writer = new PartWriter(new StageStore(s3, "stage"), new StageKeys("ddb2sf"), new ChangeRowSchema(TABLE),
                format, PARTITION, Long.MAX_VALUE, rowGroupBytes, dir)) {
            rows.forEach(r -> writer.write(r, ChangeRow.paddedSequence("1")));
            parts = writer.finish();
        }
        Map<String, byte[]> objects = s3.snapshot();
        assertThat(parts).hasSize(1);
        assertThat(objects).hasSize(1);
        byte[] stored = objects.values().iterator().next();
        assertThat(parts.get(0).sha256()).as("the sha-256 hashed while writing is the stored object's")
                .isEqualTo(StageStore.sha256(stored));
        return stored;
    }

    /** The writer PartWriter built before it wrote rows directly, with the same settings. */
    private static ParquetWriter<GenericRecord> avroWriter(Path file, ChangeRowSchema schema, long rowGroupBytes) throws Exception {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.set("parquet.avro.write-old-list-structure", "false");
        return AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withConf(conf)
                .withSchema(schema.avro())
                .withDataModel(GenericData.get())
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withDictionaryEncoding("_KEY", false)
                .withDictionaryEncoding("_SEQ", false)
                .withDictionaryEncoding("_ITEM", false)
                .withDictionaryEncoding("_OLD_ITEM", false)
                .withRowGroupSize(rowGroupBytes)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build();
    }

    /** Rows with every column present and absent, every op, non-ASCII text, decimals of every sign and size. */
    private static List<ChangeRow> randomRows(Random r, int n, String partition) {
        String[] ops = {"INSERT", "MODIFY", "REMOVE", "SNAPSHOT"};
        String sameSequence = "0".repeat(40);
        List<ChangeRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Object> typed = new ArrayList<>();
            typed.add(text(r));
            typed.add(new BigDecimal(BigInteger.valueOf(r.nextLong()), 0));
            typed.add(r.nextInt(5) == 0 ? null : new BigDecimal(new BigInteger(1 + r.nextInt(120), r).negate().add(BigInteger.valueOf(r.nextInt(1000))), 2));
            typed.add(r.nextInt(5) == 0 ? null : ops[r.nextInt(ops.length)]);
            typed.add(r.nextInt(3) == 0 ? null : r.nextBoolean());
            byte[] blob = new byte[r.nextInt(40)];
            r.nextBytes(blob);
            typed.add(r.nextInt(4) == 0 ? null : blob);
            typed.add(r.nextInt(2) == 0 ? null : new BigDecimal(BigInteger.valueOf(r.nextInt()), 30));
            String item = r.nextInt(10) == 0 ? null : "{\"pk\":" + text(r) + ",\"note\":\"" + text(r).repeat(1 + r.nextInt(30)) + "\"}";
            rows.add(new ChangeRow("[\"" + text(r) + "\",\"" + i + "\"]", typed, ops[r.nextInt(ops.length)],
                    Instant.ofEpochSecond(1_764_000_000L + r.nextInt(3600), r.nextInt(1_000_000) * 1000L),
                    r.nextBoolean() ? sameSequence : ChangeRow.paddedSequence(String.valueOf(1 + (r.nextLong() & Long.MAX_VALUE))),
                    r.nextInt(20) == 0, item, item == null ? null : "{\"pk\":\"S\",\"note\":\"S\"}",
                    r.nextInt(3) == 0 ? null : "{\"old\":" + r.nextInt() + "}", partition));
        }
        return rows;
    }

    private static String text(Random r) {
        StringBuilder b = new StringBuilder();
        for (int i = r.nextInt(16); i > 0; i--) {
            b.append(r.nextInt(4) == 0 ? (char) (0x80 + r.nextInt(0x3000)) : (char) ('a' + r.nextInt(26)));
        }
        return b.toString();
    }
}
