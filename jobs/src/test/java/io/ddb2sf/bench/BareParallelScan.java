package io.ddb2sf.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * The bare baseline of bench/backfill-cpu: a parallel Scan that only reads. It scans TABLE on SEGMENTS segments with
 * THREADS threads and pages of LIMIT items, as the backfill does, and prints the number of items read. It converts,
 * writes and uploads nothing. Usage: BareParallelScan DYNAMODB_ENDPOINT TABLE SEGMENTS THREADS LIMIT
 */
public final class BareParallelScan {
    private BareParallelScan() {}

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        String table = args[1];
        int segments = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int limit = Integer.parseInt(args[4]);
        long read = 0;
        try (DynamoDbClient ddb = DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Long>> parts = new ArrayList<>();
            for (int s = 0; s < segments; s++) {
                int segment = s;
                parts.add(pool.submit(() -> {
                    long items = 0;
                    Map<String, AttributeValue> start = null;
                    do {
                        Map<String, AttributeValue> from = start;
                        ScanResponse page = ddb.scan(b -> b.tableName(table).segment(segment).totalSegments(segments)
                                .exclusiveStartKey(from).limit(limit));
                        items += page.count();
                        start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
                    } while (start != null);
                    return items;
                }));
            }
            for (Future<Long> f : parts) {
                read += f.get();
            }
            pool.shutdown();
        }
        System.out.println(read);
    }
}
