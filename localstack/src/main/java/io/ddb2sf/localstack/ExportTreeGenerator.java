package io.ddb2sf.localstack;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Stands in for DynamoDB's export to S3, which DynamoDB Local lacks: writes the export tree of a DynamoDB Local table
 * into the local S3 with {@link ExportTreeWriter}, from the table's real contents (a consistent Scan) for a full
 * export, or from its stream for an incremental one (per item, its last change in the window: Keys, the image at the
 * window's end as NewImage, the image at its start as OldImage, the last write's time as WriteTimestampMicros; an item
 * inserted and deleted inside the window gives no line, as the guide says of incremental exports).
 */
public final class ExportTreeGenerator {
    private final DynamoDbClient dynamodb;
    private final DynamoDbStreamsClient streams;
    private final S3Client s3;

    public ExportTreeGenerator(DynamoDbClient dynamodb, DynamoDbStreamsClient streams, S3Client s3) {
        this.dynamodb = dynamodb;
        this.streams = streams;
        this.s3 = s3;
    }

    /** Writes a full export of {@code table} as of now; returns where it went (its ARN and manifest folder). */
    public ExportTreeWriter.Target full(String table, String bucket, String exportPrefix, Instant exportTime, int files) {
        TableDescription d = dynamodb.describeTable(b -> b.tableName(table)).table();
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        // Pages of 1,000 items: DynamoDB Local answers InternalFailure to an unlimited (1 MB) page of a table of a
        // million items. The pages come in the same order, so the tree is the same.
        dynamodb.scanPaginator(b -> b.tableName(table).consistentRead(true).limit(1000)).items().forEach(items::add);
        ExportTreeWriter.Target t = new ExportTreeWriter.Target(d.tableArn(), bucket, exportPrefix,
                ExportTreeWriter.exportId(exportTime, table + "/full"));
        upload(bucket, ExportTreeWriter.full(t, exportTime, items, keyNames(d), files));
        return t;
    }

    /** Writes an incremental export of {@code table} for [from, to) from its stream, in the given view. */
    public ExportTreeWriter.Target incremental(String table, String bucket, String exportPrefix, Instant from, Instant to,
                                               String view, int files) {
        TableDescription d = dynamodb.describeTable(b -> b.tableName(table)).table();
        List<ExportTreeWriter.Change> changes = lastChanges(streamRecords(d.latestStreamArn()), keyNames(d), from, to);
        ExportTreeWriter.Target t = new ExportTreeWriter.Target(d.tableArn(), bucket, exportPrefix,
                ExportTreeWriter.exportId(to, table + "/" + from + "/" + view));
        upload(bucket, ExportTreeWriter.incremental(t, from, to, view, changes, keyNames(d), files));
        return t;
    }

    /**
     * Per item, its changes with ApproximateCreationDateTime in [from, to) folded into one: NewImage from the last (none
     * when it is a REMOVE), OldImage from the first (none when it is an INSERT), the last one's time; nothing for an item
     * that neither existed before nor after the window. Records are taken in stream order (by sequence number).
     */
    public static List<ExportTreeWriter.Change> lastChanges(List<Record> records, List<String> keyNames, Instant from, Instant to) {
        Map<String, List<Record>> byKey = new LinkedHashMap<>();
        records.stream()
                .filter(r -> !r.dynamodb().approximateCreationDateTime().isBefore(from)
                        && r.dynamodb().approximateCreationDateTime().isBefore(to))
                .sorted(Comparator.comparing(r -> new java.math.BigInteger(r.dynamodb().sequenceNumber())))
                .forEach(r -> byKey.computeIfAbsent(keyOf(r.dynamodb().keys(), keyNames), k -> new ArrayList<>()).add(r));
        List<ExportTreeWriter.Change> out = new ArrayList<>();
        for (List<Record> rs : byKey.values()) {
            Record first = rs.get(0);
            Record last = rs.get(rs.size() - 1);
            var newImage = "REMOVE".equals(last.eventNameAsString()) ? null : last.dynamodb().newImage();
            var oldImage = "INSERT".equals(first.eventNameAsString()) ? null : first.dynamodb().oldImage();
            if (newImage == null && oldImage == null) {
                continue;
            }
            Instant at = last.dynamodb().approximateCreationDateTime();
            out.add(new ExportTreeWriter.Change(last.dynamodb().keys(), newImage, oldImage,
                    at.getEpochSecond() * 1_000_000L + at.getNano() / 1000));
        }
        return out;
    }

    private List<Record> streamRecords(String streamArn) {
        if (streamArn == null) {
            throw new IllegalStateException("the table has no stream; an incremental export is generated from it");
        }
        List<Record> out = new ArrayList<>();
        List<Shard> shards = new ArrayList<>();
        String start = null;
        do {
            String after = start;
            var d = streams.describeStream(b -> b.streamArn(streamArn).exclusiveStartShardId(after)).streamDescription();
            shards.addAll(d.shards());
            start = d.lastEvaluatedShardId();
        } while (start != null);
        for (Shard shard : shards) {
            String it = streams.getShardIterator(b -> b.streamArn(streamArn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            // An open shard hands out empty pages forever; stop at the first empty page after its records.
            while (it != null) {
                String current = it;
                var page = streams.getRecords(b -> b.shardIterator(current));
                out.addAll(page.records());
                if (page.records().isEmpty()) {
                    break;
                }
                it = page.nextShardIterator();
            }
        }
        return out;
    }

    private void upload(String bucket, Map<String, byte[]> objects) {
        objects.forEach((key, bytes) -> s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes)));
    }

    private static List<String> keyNames(TableDescription d) {
        return d.keySchema().stream().map(KeySchemaElement::attributeName).toList();
    }

    private static String keyOf(Map<String, AttributeValue> keys, List<String> keyNames) {
        StringBuilder k = new StringBuilder();
        for (String name : keyNames) {
            k.append(keys.get(name)).append('\u0000');
        }
        return k.toString();
    }
}
