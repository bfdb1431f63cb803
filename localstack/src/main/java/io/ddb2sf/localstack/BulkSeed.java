package io.ddb2sf.localstack;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Fills a table {@code bench_items} (pk S, stream on) with N items of about 200 bytes, with BatchWriteItem on four
 * threads, for the backfill benchmark. Usage: BulkSeed ENDPOINT N
 */
public final class BulkSeed {
    private BulkSeed() {}

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        int n = Integer.parseInt(args[1]);
        try (DynamoDbClient ddb = DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build()) {
            try {
                ddb.deleteTable(b -> b.tableName("bench_items"));
            } catch (ResourceNotFoundException fresh) {
                // first run
            }
            ddb.createTable(b -> b.tableName("bench_items")
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S))
                    .keySchema(k -> k.attributeName("pk").keyType("HASH"))
                    // No stream: a backfill only scans, and DynamoDB Local writes every stream record to its database,
                    // which halves the seeding speed.
                    .provisionedThroughput(p -> p.readCapacityUnits(40_000L).writeCapacityUnits(40_000L)));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            int threads = 4;
            for (int t = 0; t < threads; t++) {
                int first = t;
                pool.submit(() -> {
                    List<WriteRequest> batch = new ArrayList<>();
                    for (int i = first; i < n; i += threads) {
                        Map<String, AttributeValue> item = Map.of(
                                "pk", AttributeValue.fromS(String.format("item-%09d", i)),
                                "amount", AttributeValue.fromN(i + ".25"),
                                "status", AttributeValue.fromS(i % 2 == 0 ? "OPEN" : "CLOSED"),
                                "payload", AttributeValue.fromS("x".repeat(120) + i));
                        batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
                        if (batch.size() == 25) {
                            write(ddb, batch);
                            batch.clear();
                        }
                    }
                    if (!batch.isEmpty()) {
                        write(ddb, batch);
                    }
                    return null;
                });
            }
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.HOURS);
            System.err.printf("bench_items: %,d items%n", n);
        }
    }

    private static void write(DynamoDbClient ddb, List<WriteRequest> batch) {
        Map<String, List<WriteRequest>> pending = Map.of("bench_items", List.copyOf(batch));
        while (!pending.isEmpty()) {
            Map<String, List<WriteRequest>> request = pending;
            BatchWriteItemResponse r = ddb.batchWriteItem(b -> b.requestItems(request));
            pending = r.hasUnprocessedItems() ? r.unprocessedItems() : Map.of();
        }
    }
}
