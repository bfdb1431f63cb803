package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.Json;
import io.ddb2sf.backfill.BackfillJob;
import io.ddb2sf.backfill.BackfillSummary;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The backfill's read budget, measured the way DynamoDB bills it: the ConsumedCapacity of every real Scan page,
 * averaged over every 10-second window after the first, stays within the budget plus 10 %.
 */
class BackfillBudgetIT {

    @Test
    void shouldStayWithinTheReadBudgetOverEveryTenSecondWindow() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment();
        LocalStack.TestTable t = stack.newTable("budget", "hard");
        double budget = 10;
        List<double[]> pages = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        try (DynamoDbClient real = stack.dynamodb(); var s3 = stack.s3()) {
            Fixtures.createTable(real, t.name());
            for (int i = 0; i < 3000; i++) {
                Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item =
                        new java.util.HashMap<>(Fixtures.plain("b-" + i, String.valueOf(i), i));
                item.put("payload", Fixtures.s("y".repeat(600)));
                Fixtures.put(real, t.name(), item);
            }
            DynamoDbClient recording = new DynamoDbClient() {
                @Override
                public ScanResponse scan(Consumer<ScanRequest.Builder> request) {
                    ScanResponse page = real.scan(request);
                    pages.add(new double[] {(System.nanoTime() - t0) / 1e9, page.consumedCapacity().capacityUnits()});
                    return page;
                }

                @Override
                public DescribeTableResponse describeTable(Consumer<DescribeTableRequest.Builder> request) {
                    return real.describeTable(request);
                }

                @Override
                public String serviceName() {
                    return "dynamodb";
                }

                @Override
                public void close() {}
            };
            PipelineConfig config = new ConfigLoader(Map.of()).load(t.cli().config());
            StageStore store = new StageStore(s3, LocalStack.BUCKET);
            StageKeys keys = new StageKeys(t.prefix());
            BackfillJob job = new BackfillJob(config.table(t.name()), config.stage(), config.aws().streamTimestampPrecision(), recording, new StreamReader(recording, (DynamoDbStreamsClient) null),
                    store, new ManifestStore(store, keys, Json.mapper()), new CheckpointStore(store, keys, Json.mapper()),
                    Json.mapper(), Clock.systemUTC(), new PrintStream(OutputStream.nullOutputStream()));
            BackfillSummary summary = job.run(new BackfillJob.Plan(new BackfillPartition(t.name(), Instant.now()),
                    List.of(0, 1, 2, 3), 4, 4, OptionalDouble.of(budget), 0.25, false),
                    nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
            assertThat(summary.items()).isEqualTo(3000);
        }
        double end = pages.stream().mapToDouble(p -> p[0]).max().orElseThrow();
        double start = pages.stream().mapToDouble(p -> p[0]).min().orElseThrow();
        assertThat(end - start).as("the scan must run long enough to measure").isGreaterThan(20);
        for (double from = start + 10; from + 10 <= end; from += 0.5) {
            double f = from;
            double used = pages.stream().filter(p -> p[0] >= f && p[0] < f + 10).mapToDouble(p -> p[1]).sum();
            assertThat(used / 10).as("RCU/s in the window starting %.1f s", from).isLessThanOrEqualTo(budget * 1.10);
        }
    }
}
