package io.ddb2sf.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.ddb2sf.config.ConfigLoader;
import io.ddb2sf.config.PipelineConfig;
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
 * Which Streams errors the wired SDK client retries itself, against an endpoint that answers every call with one
 * error. StreamReader retries LimitExceededException on its own; this shows the SDK does not retry it too (no nested
 * retries), while it does retry the throttling it recognises, up to aws.maxAttempts.
 */
class StreamsRetryTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();
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
            exchange.sendResponseHeaders(400, body.length);
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

    private void getRecords(int maxAttempts) throws Exception {
        Path file = dir.resolve("c.yaml");
        Files.writeString(file, """
                aws: {region: us-east-1, dynamodbEndpoint: "http://127.0.0.1:%d", maxAttempts: %d}
                stage: {bucket: b}
                snowflake: {account: xy1, user: U, password: p, database: D, schema: S}
                tables:
                  - name: orders
                    keys: [{attribute: id, type: S}]
                """.formatted(server.getAddress().getPort(), maxAttempts));
        PipelineConfig config = new ConfigLoader(Map.of()).load(file);
        DynamoDbStreamsClient[] wired = new DynamoDbStreamsClient[1];
        try (Wiring wiring = new Wiring(config, new PrintStream(PrintStream.nullOutputStream()), c -> wired[0] = c)) {
            wiring.exportJob();
            wired[0].getRecords(b -> b.shardIterator("iterator"));
        }
    }

    private static void restore(String property, String previous) {
        if (previous == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, previous);
        }
    }
}
