package io.ddb2sf.bench;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.TypedValues;
import io.ddb2sf.export.StreamChangeRows;
import io.ddb2sf.stage.ChangeRow;
import io.ddb2sf.stage.ChangeRowSchema;
import io.ddb2sf.stage.PartFormat;
import io.ddb2sf.stage.PartWriter;
import io.ddb2sf.stage.HourPartition;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * Change-row conversion against the bare Parquet writer, in CPU time on one core. The stream pages are recorded
 * once from DynamoDB Local (items of about 1 KB with 17 attributes of every type), then replayed from memory, so
 * the source is not in the loop. Each round times ddb2sf (stream record → change row → Parquet part, as the export
 * does it, upload left out) and the bare baseline (the same final Avro records through a bare AvroParquetWriter
 * with default settings), alternating the two; it prints both and their ratio per round, and the median ratio.
 * Usage: ConversionBench DYNAMODB_ENDPOINT [ITEMS] [ROUNDS] [WARM_UP_ROUNDS]
 */
public final class ConversionBench {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private ConversionBench() {}

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        int items = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        int warm = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        List<Record> records = record(endpoint, items);
        TableConfig table = new TableConfig("bench_convert", "BENCH_CONVERT",
                List.of(new ColumnSpec("pk", "PK", ScalarType.S, 0), new ColumnSpec("sk", "SK", ScalarType.N, 0)),
                List.of(new ColumnSpec("price", "PRICE", ScalarType.N, 2), new ColumnSpec("status", "STATUS", ScalarType.S, 0),
                        new ColumnSpec("flag", "FLAG", ScalarType.BOOL, 0), new ColumnSpec("blob", "BLOB", ScalarType.B, 0)),
                TableConfig.DeleteMode.HARD, false);
        ChangeRowSchema schema = new ChangeRowSchema(table);
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        HourPartition partition = new HourPartition(table.name(), hour, hour.plus(1, ChronoUnit.HOURS));
        Path tmp = Files.createTempDirectory("ddb2sf-bench-");
        long bytes = records.stream().mapToLong(r -> r.dynamodb().sizeBytes()).sum();
        System.out.printf("%,d stream records of %,d bytes on average, %d rounds (ddb2sf and bare alternate)%n",
                records.size(), bytes / records.size(), rounds);
        System.out.printf("(%d warm-up rounds first, not counted: the conversion has more code for the JIT to compile"
                + " than the bare writer, and its rate settles after them)%n", warm);
        System.out.printf("%-6s %-16s %-16s %-8s%n", "round", "ddb2sf rows/s", "bare rows/s", "ratio");
        List<Double> ratios = new ArrayList<>();
        for (int round = 1 - warm; round <= rounds; round++) {
            long ddb2sf = ddb2sf(records, table, schema, partition, tmp);
            long bare = bare(records, table, schema, partition, tmp);
            double ratio = (double) ddb2sf / bare;
            if (round <= 0) {
                System.out.printf("%-6s %-16s %-16s %-8s%n", "warm", rate(records, ddb2sf), rate(records, bare), String.format("%.2f", ratio));
                continue;
            }
            ratios.add(ratio);
            System.out.printf("%-6d %-16s %-16s %-8.2f%n", round, rate(records, ddb2sf), rate(records, bare), ratio);
        }
        ratios.sort(Double::compare);
        System.out.printf("median ratio ddb2sf / bare writer: %.2f (target <= 1.43)%n", ratios.get(ratios.size() / 2));
    }

    /** CPU nanoseconds of this thread to turn every record into a change row and write it to a local part. */
    private static long ddb2sf(List<Record> records, TableConfig table, ChangeRowSchema schema, HourPartition p, Path tmp) throws Exception {
        StageStore discard = new StageStore(discardingS3(), "bench");
        long began = CPU.getCurrentThreadCpuTime();
        TypedValues.Counter misfits = new TypedValues.Counter();
        String partitionId = p.id();
        try (PartWriter writer = new PartWriter(discard, new StageKeys("bench"), schema, PartFormat.CURRENT, p, Long.MAX_VALUE, 32L << 20, tmp)) {
            for (Record r : records) {
                writer.write(StreamChangeRows.of(table, partitionId, r, misfits), r.dynamodb().sequenceNumber());
            }
            writer.finish();
        }
        return CPU.getCurrentThreadCpuTime() - began;
    }

    /** CPU nanoseconds of this thread to write the same final Avro records with a bare AvroParquetWriter. */
    private static long bare(List<Record> records, TableConfig table, ChangeRowSchema schema, HourPartition p, Path tmp) throws Exception {
        List<GenericRecord> avro = new ArrayList<>(records.size());
        TypedValues.Counter misfits = new TypedValues.Counter();
        for (Record r : records) {
            avro.add(PartWriter.toRecord(schema, StreamChangeRows.of(table, p.id(), r, misfits)));
        }
        Path file = tmp.resolve("bare.parquet");
        long began = CPU.getCurrentThreadCpuTime();
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        conf.set("parquet.avro.write-old-list-structure", "false");
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withConf(conf).withSchema(schema.avro()).withCompressionCodec(CompressionCodecName.SNAPPY)
                .withRowGroupSize(32L << 20).withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            for (GenericRecord g : avro) {
                w.write(g);
            }
        }
        long cpu = CPU.getCurrentThreadCpuTime() - began;
        Files.delete(file);
        return cpu;
    }

    private static String rate(List<Record> records, long cpuNanos) {
        return String.format("%,.0f", records.size() / (cpuNanos / 1e9));
    }

    /** The stage's S3 client for the benchmark: accepts every upload and keeps nothing. */
    private static S3Client discardingS3() {
        return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "putObject" -> PutObjectResponse.builder().build();
                    case "close" -> null;
                    case "serviceName" -> "s3";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    /** Writes the items to a fresh table with a stream and reads the stream's pages back once. */
    static List<Record> record(URI endpoint, int n) throws InterruptedException {
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        try (DynamoDbClient ddb = DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(creds).build();
             DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                     .credentialsProvider(creds).build()) {
            try {
                ddb.deleteTable(b -> b.tableName("bench_convert"));
            } catch (ResourceNotFoundException fresh) {
                // first run
            }
            ddb.createTable(b -> b.tableName("bench_convert")
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType("S"), a -> a.attributeName("sk").attributeType("N"))
                    .keySchema(k -> k.attributeName("pk").keyType("HASH"), k -> k.attributeName("sk").keyType("RANGE"))
                    .billingMode("PAY_PER_REQUEST")
                    .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
            Random random = new Random(42);
            List<Map<String, AttributeValue>> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                batch.add(item(i, random));
                if (batch.size() == 25 || i == n - 1) {
                    var writes = batch.stream().map(it -> software.amazon.awssdk.services.dynamodb.model.WriteRequest.builder()
                            .putRequest(pr -> pr.item(it)).build()).toList();
                    var left = ddb.batchWriteItem(b -> b.requestItems(Map.of("bench_convert", writes))).unprocessedItems();
                    if (!left.isEmpty()) {
                        throw new IllegalStateException("DynamoDB Local left items unprocessed");
                    }
                    batch.clear();
                }
            }
            String arn = ddb.describeTable(b -> b.tableName("bench_convert")).table().latestStreamArn();
            List<Record> out = new ArrayList<>(n);
            for (var shard : streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards()) {
                String it = streams.getShardIterator(b -> b.streamArn(arn).shardId(shard.shardId())
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
                while (it != null && out.size() < n) {
                    String current = it;
                    GetRecordsResponse page = streams.getRecords(b -> b.shardIterator(current).limit(1000));
                    out.addAll(page.records());
                    it = page.records().isEmpty() ? null : page.nextShardIterator();
                }
            }
            ddb.deleteTable(b -> b.tableName("bench_convert"));
            return out;
        }
    }

    /** About 1 KB and 17 attributes of every DynamoDB type. */
    private static Map<String, AttributeValue> item(int i, Random r) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("pk", AttributeValue.fromS(String.format("customer-%06d", i / 10)));
        m.put("sk", AttributeValue.fromN(String.valueOf(1_700_000_000_000L + i)));
        m.put("price", AttributeValue.fromN(String.format("%d.%02d", r.nextInt(100_000), r.nextInt(100))));
        m.put("status", AttributeValue.fromS(List.of("OPEN", "PAID", "SHIPPED", "CANCELLED").get(r.nextInt(4))));
        m.put("flag", AttributeValue.fromBool(r.nextBoolean()));
        byte[] blob = new byte[48];
        r.nextBytes(blob);
        m.put("blob", AttributeValue.fromB(SdkBytes.fromByteArray(blob)));
        m.put("qty", AttributeValue.fromN(String.valueOf(r.nextInt(1000))));
        m.put("ratio", AttributeValue.fromN("0." + (100_000 + r.nextInt(900_000))));
        m.put("big", AttributeValue.fromN("1234567890123456789012345678901234567" + r.nextInt(10)));
        m.put("email", AttributeValue.fromS("user" + i + "@example.com"));
        m.put("note", AttributeValue.fromS(randomText(r, 420)));
        m.put("tags", AttributeValue.fromSs(List.of("tag-" + r.nextInt(50), "tag-" + (50 + r.nextInt(50)), "tag-x")));
        m.put("scores", AttributeValue.fromNs(List.of(String.valueOf(r.nextInt(100)), "1.5", "-3")));
        m.put("address", AttributeValue.fromM(Map.of("city", AttributeValue.fromS("City " + r.nextInt(500)),
                "zip", AttributeValue.fromS(String.format("%05d", r.nextInt(100_000))),
                "geo", AttributeValue.fromM(Map.of("lat", AttributeValue.fromN("52." + r.nextInt(1_000_000)),
                        "lon", AttributeValue.fromN("13." + r.nextInt(1_000_000)))))));
        m.put("lines", AttributeValue.fromL(List.of(AttributeValue.fromS("sku-" + r.nextInt(9999)),
                AttributeValue.fromN(String.valueOf(r.nextInt(20))), AttributeValue.fromBool(true),
                AttributeValue.fromM(Map.of("sku", AttributeValue.fromS("sku-" + r.nextInt(9999)), "n", AttributeValue.fromN("2"))))));
        m.put("gift", AttributeValue.fromNul(true));
        m.put("comment", AttributeValue.fromS(randomText(r, 160)));
        return m;
    }

    private static String randomText(Random r, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(i % 7 == 6 ? ' ' : (char) ('a' + r.nextInt(26)));
        }
        return s.toString();
    }
}
