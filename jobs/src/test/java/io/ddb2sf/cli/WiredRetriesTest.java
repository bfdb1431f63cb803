package io.ddb2sf.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.ddb2sf.JobException;
import io.ddb2sf.backfill.ReadBudget;
import io.ddb2sf.backfill.SegmentScan;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.dynamodb.RetryPolicy;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * How often the wired clients send one call, against an endpoint that answers every call with one error: no retry is
 * nested in another. StreamReader retries LimitExceededException on its own, and the SDK does not retry it too, while
 * it does retry the throttling it recognises, up to aws.maxAttempts. A throttled Scan page is retried by SegmentScan
 * alone (RetryPolicy.SCAN_PAGE calls, not aws.maxAttempts times as many); a server error on a Scan by the SDK.
 */
class WiredRetriesTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();
    private volatile int status = 400;
    private volatile String errorType;
    private String previousKey;
    private String previousSecret;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            calls.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + errorType
                    + "\",\"message\":\"refused\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        previousKey = System.setProperty("aws.accessKeyId", "local");
        previousSecret = System.setProperty("aws.secretAccessKey", "local");
    }

    @AfterEach
    void stop() {
        server.stop(0);
        restore("aws.accessKeyId", previousKey);
        restore("aws.secretAccessKey", previousSecret);
    }

    @Test
    void shouldLeaveLimitExceededToTheReaderSoRetriesAreNeverNested() throws Exception {
        errorType = "LimitExceededException";
        assertThatThrownBy(() -> getRecords(5)).isInstanceOf(LimitExceededException.class);
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void shouldRetryRecognisedThrottlingInTheSdkUpToMaxAttempts() throws Exception {
        errorType = "ThrottlingException";
        assertThatThrownBy(() -> getRecords(3)).isNotInstanceOf(LimitExceededException.class);
        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void shouldSendAThrottledPageAsOftenAsTheScanPolicySaysAndNoMore() throws Exception {
        status = 400;
        errorType = "ProvisionedThroughputExceededException";
        assertThatThrownBy(() -> scanOnePage(8)).isInstanceOf(JobException.class)
                .hasMessageContaining("after 12 throttled attempts");
        assertThat(calls.get()).as("calls for one throttled page").isEqualTo(RetryPolicy.SCAN_PAGE.attempts());
    }

    @Test
    void shouldLeaveServerErrorsToTheSdkUpToMaxAttempts() throws Exception {
        status = 500;
        errorType = "InternalServerError";
        assertThatThrownBy(() -> scanOnePage(3)).isInstanceOf(JobException.class);
        assertThat(calls.get()).isEqualTo(3);
    }

    private void scanOnePage(int maxAttempts) throws Exception {
        PipelineConfig config = config(maxAttempts);
        ReadBudget.Sleeper noWait = nanos -> { };
        try (Wiring wiring = new Wiring(config, new PrintStream(PrintStream.nullOutputStream()))) {
            SegmentScan scan = new SegmentScan(wiring.scans(), "orders", 1, 1,
                    new ReadBudget(1_000_000, System::nanoTime, noWait), noWait, "rerun");
            scan.scan(0, null, (items, next, cost) -> { });
        }
    }

    private void getRecords(int maxAttempts) throws Exception {
        PipelineConfig config = config(maxAttempts);
        DynamoDbStreamsClient[] wired = new DynamoDbStreamsClient[1];
        try (Wiring wiring = new Wiring(config, new PrintStream(PrintStream.nullOutputStream()), c -> wired[0] = c)) {
            wiring.exportJob(config.tables().get(0));
            wired[0].getRecords(b -> b.shardIterator("iterator"));
        }
    }

    private PipelineConfig config(int maxAttempts) throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, """
                aws: {region: us-east-1, dynamodbEndpoint: "http://127.0.0.1:%d", maxAttempts: %d}
                stage: {bucket: b}
                snowflake: {account: xy1, user: U, password: p, database: D, schema: S}
                tables:
                  - name: orders
                    keys: [{attribute: id, type: S}]
                """.formatted(server.getAddress().getPort(), maxAttempts));
        return new ConfigLoader(Map.of()).load(file);
    }

    private static void restore(String property, String previous) {
        if (previous == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, previous);
        }
    }
}
