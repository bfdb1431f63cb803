package io.ddb2sf.bench;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.export.StreamChangeRows;
import io.ddb2sf.stage.ChangeRowSchema;
import io.ddb2sf.stage.PartFormat;
import io.ddb2sf.stage.PartWriter;
import io.ddb2sf.stage.HourPartition;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import software.amazon.awssdk.services.dynamodb.model.Record;

/**
 * Snappy against zstd for the staged Parquet parts: the same change rows (recorded once from DynamoDB Local as
 * ConversionBench records them, items of about 1 KB with 17 attributes) written with the part writer's settings
 * (the encodings of a {@link PartFormat}, by default the current one; 32 MB row groups) under each codec, alternating;
 * prints per round the CPU time of the write on this thread (rows/s) and the file's size, then the medians.
 * Usage: CodecBench DYNAMODB_ENDPOINT [ITEMS] [ROUNDS] [FORMAT_VERSION]
 */
public final class CodecBench {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static final CompressionCodecName[] CODECS = {CompressionCodecName.SNAPPY, CompressionCodecName.ZSTD};

    private CodecBench() {}

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        int items = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        PartFormat format = args.length > 3 ? PartFormat.of(Integer.parseInt(args[3])) : PartFormat.CURRENT;
        List<Record> records = ConversionBench.record(endpoint, items);
        TableConfig table = new TableConfig("bench_convert", "BENCH_CONVERT",
                List.of(new ColumnSpec("pk", "PK", ScalarType.S, 0), new ColumnSpec("sk", "SK", ScalarType.N, 0)),
                List.of(new ColumnSpec("price", "PRICE", ScalarType.N, 2), new ColumnSpec("status", "STATUS", ScalarType.S, 0),
                        new ColumnSpec("flag", "FLAG", ScalarType.BOOL, 0), new ColumnSpec("blob", "BLOB", ScalarType.B, 0)),
                TableConfig.DeleteMode.HARD, false);
        ChangeRowSchema schema = new ChangeRowSchema(table);
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        HourPartition p = new HourPartition(table.name(), hour, hour.plus(1, ChronoUnit.HOURS));
        List<GenericRecord> avro = new ArrayList<>(records.size());
        TypedValues.Counter misfits = new TypedValues.Counter();
        for (Record r : records) {
            avro.add(PartWriter.toRecord(schema, StreamChangeRows.of(table, p.id(), r, misfits)));
        }
        long streamBytes = records.stream().mapToLong(r -> r.dynamodb().sizeBytes()).sum();
        Path tmp = Files.createTempDirectory("ddb2sf-codec-");
        System.out.printf("%,d change rows from stream records of %,d bytes on average, part format %d, %d rounds"
                + " (codecs alternate)%n", avro.size(), streamBytes / avro.size(), format.version(), rounds);
        System.out.printf("%-6s %-16s %-14s %-16s %-14s %-12s %-10s%n", "round", "snappy rows/s", "snappy MB",
                "zstd rows/s", "zstd MB", "cpu zstd/sn", "size zstd/sn");
        List<Double> cpuRatios = new ArrayList<>();
        List<Double> sizeRatios = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            long[] cpu = new long[2];
            long[] size = new long[2];
            for (int c = 0; c < CODECS.length; c++) {
                Path file = tmp.resolve("part.parquet");
                cpu[c] = write(avro, schema, format, CODECS[c], file);
                size[c] = Files.size(file);
                Files.delete(file);
            }
            double cpuRatio = (double) cpu[1] / cpu[0];
            double sizeRatio = (double) size[1] / size[0];
            String label = round == 0 ? "warm" : String.valueOf(round);
            System.out.printf("%-6s %-16s %-14.2f %-16s %-14.2f %-12.2f %-10.2f%n", label, rate(avro, cpu[0]), size[0] / 1e6,
                    rate(avro, cpu[1]), size[1] / 1e6, cpuRatio, sizeRatio);
            if (round > 0) {
                cpuRatios.add(cpuRatio);
                sizeRatios.add(sizeRatio);
            }
        }
        cpuRatios.sort(Double::compare);
        sizeRatios.sort(Double::compare);
        System.out.printf("median CPU zstd / snappy: %.2f; median size zstd / snappy: %.2f%n",
                cpuRatios.get(cpuRatios.size() / 2), sizeRatios.get(sizeRatios.size() / 2));
    }

    /** CPU nanoseconds of this thread to write the records with PartWriter's settings under {@code codec}. */
    private static long write(List<GenericRecord> avro, ChangeRowSchema schema, PartFormat format, CompressionCodecName codec,
                              Path file) throws Exception {
        long began = CPU.getCurrentThreadCpuTime();
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.set("parquet.avro.write-old-list-structure", "false");
        try (ParquetWriter<GenericRecord> w = format.encodings(AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file)))
                .withConf(conf).withSchema(schema.avro()).withCompressionCodec(codec)
                .withRowGroupSize(32L << 20).withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            for (GenericRecord g : avro) {
                w.write(g);
            }
        }
        return CPU.getCurrentThreadCpuTime() - began;
    }

    private static String rate(List<GenericRecord> avro, long cpuNanos) {
        return String.format("%,.0f", avro.size() / (cpuNanos / 1e9));
    }
}
