package io.ddb2sf.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.Json;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.dynamodb.StreamReader;
import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.CheckpointStore;
import io.ddb2sf.stage.InMemoryS3;
import io.ddb2sf.stage.ManifestStore;
import io.ddb2sf.stage.StageKeys;
import io.ddb2sf.stage.StageStore;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/** The backfill's summary counts the values that did not fit their typed column, as the export's does. */
class BackfillMisfitsTest {
    @TempDir
    Path dir;

    @Test
    void shouldReportValuesThatDoNotFitTheirTypedColumn() throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, """
                aws: {region: eu-west-1}
                stage: {bucket: bucket, prefix: stage}
                snowflake: {account: xy1, user: U, password: p, database: D, schema: S}
                tables:
                  - name: orders
                    keys: [{attribute: id, type: S}]
                    columns: [{attribute: total, type: N, scale: 2}, {attribute: note, type: S}]
                """);
        PipelineConfig config = new ConfigLoader(Map.of()).load(file);
        List<Map<String, AttributeValue>> items = List.of(
                Map.of("id", AttributeValue.fromS("fits"), "total", AttributeValue.fromN("1.25"), "note", AttributeValue.fromS("x")),
                Map.of("id", AttributeValue.fromS("scale"), "total", AttributeValue.fromN("1.005")),
                Map.of("id", AttributeValue.fromS("type"), "note", AttributeValue.fromN("7")));
        DynamoDbClient source = new DynamoDbClient() {
            @Override
            public DescribeTableResponse describeTable(Consumer<DescribeTableRequest.Builder> request) {
                return DescribeTableResponse.builder().table(t -> t.tableName("orders").itemCount(3L)
                        .keySchema(k -> k.attributeName("id").keyType("HASH"))
                        .attributeDefinitions(a -> a.attributeName("id").attributeType("S"))).build();
            }

            @Override
            public ScanResponse scan(Consumer<ScanRequest.Builder> request) {
                return ScanResponse.builder().items(items).count(items.size())
                        .consumedCapacity(c -> c.capacityUnits(0.5)).build();
            }

            @Override
            public String serviceName() {
                return "dynamodb";
            }

            @Override
            public void close() {}
        };
        StageStore store = new StageStore(new InMemoryS3(), "bucket");
        StageKeys keys = new StageKeys("stage");
        BackfillJob job = new BackfillJob(config.table("orders"), config.stage(), config.aws().streamTimestampPrecision(), source, new StreamReader(source, (DynamoDbStreamsClient) null), store,
                new ManifestStore(store, keys, Json.mapper()), new CheckpointStore(store, keys, Json.mapper()), Json.mapper(),
                Clock.systemUTC(), new PrintStream(OutputStream.nullOutputStream()));
        BackfillSummary summary = job.run(new BackfillJob.Plan(new BackfillPartition("orders", Instant.now()), List.of(0), 1, 1,
                OptionalDouble.of(100), 0.25, false), nanos -> { });
        assertThat(summary.items()).isEqualTo(3);
        assertThat(summary.misfits()).as("1.005 in NUMBER(38,2), a number in a VARCHAR column").isEqualTo(2);
        assertThat(Json.mapper().writeValueAsString(summary)).contains("\"misfits\":2");
    }
}
