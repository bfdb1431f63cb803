package io.ddb2sf.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * DynamoDB Local's endpoint as the jobs see it when a test's changes must fall in one whole hour that has already
 * ended, whatever the wall clock says. Every call goes through to DynamoDB Local unchanged, except that a GetRecords
 * answer has each record's ApproximateCreationDateTime moved back by a fixed whole number of minutes: a record made
 * {@code t} after this view was opened is stamped {@code start() + t}. A test that makes its changes within 59
 * minutes of opening it therefore finds them all in {@code [start(), end())}, an hour that ended before the test
 * began, and never waits for the wall-clock hour to turn. Only the stamps move: records, sequence numbers, images,
 * iterators and shards are DynamoDB Local's own.
 *
 * <p>An HTTP view rather than a {@link StreamView}, so that the jar, run as its own process by {@link Cli}, sees it
 * too: the jobs' config points their DynamoDB endpoint here ({@link LocalStack#inPastHour}).
 *
 * <p>A backfill's snapshot is versioned by its id, by default the job's own clock (the real time), so moving only the
 * stream's stamps back would reorder changes against it. Tests that mix the two run their backfills with
 * {@code --backfill} at {@link #shown} of the real start, moved back by the same whole minutes (so truncation to the
 * stream's precision agrees too), and both keep their real order. Not for a backfill that makes a table's first
 * checkpoint: its hour is the one the job's own clock is in.
 */
final class PastHour implements AutoCloseable {
    /** DynamoDB Local writes it as epoch seconds with three decimals, e.g. {@code 1795677480.000}. */
    private static final Pattern STAMP = Pattern.compile("(\"ApproximateCreationDateTime\":)(\\d+)(\\.\\d+)?");
    /** Headers the JDK client sets itself, or that no longer hold once the body changed. */
    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "content-length", "expect", "upgrade",
            "transfer-encoding", "accept-encoding", "x-amz-crc32", "date");

    private final URI dynamodb;
    private final Instant start;
    private final long shiftSeconds;
    private final HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private PastHour(URI dynamodb, Instant opened) throws IOException {
        this.dynamodb = dynamodb;
        Instant base = opened.truncatedTo(ChronoUnit.MINUTES);
        this.start = base.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
        this.shiftSeconds = Duration.between(base, start).toSeconds();
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "past-hour-endpoint");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::forward);
        server.start();
    }

    /** Opens the view over DynamoDB Local at {@code dynamodb}; its hour is the one before the current one. */
    static PastHour open(URI dynamodb) {
        try {
            return new PastHour(dynamodb, Instant.now());
        } catch (IOException e) {
            throw new AssertionError("cannot open a local port for the past-hour view", e);
        }
    }

    /** The endpoint to give the jobs. */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    Instant start() {
        return start;
    }

    Instant end() {
        return start.plus(Duration.ofHours(1));
    }

    /** Where this view shows a moment of the real clock: {@code real} moved back by the same whole minutes as the stamps. */
    Instant shown(Instant real) {
        return real.plusSeconds(shiftSeconds);
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(dynamodb.resolve(exchange.getRequestURI()))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase())) {
                    values.forEach(v -> request.header(name, v));
                }
            });
            HttpResponse<byte[]> answer = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] out = answer.body();
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (answer.statusCode() == 200 && "DynamoDBStreams_20120810.GetRecords".equals(target)) {
                out = restamp(new String(out, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            }
            answer.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
            });
            // "DynamoDB responses can include a X-Amz-Crc32 header with the CRC32 checksum value of the response body"
            // and an SDK validates it when present (AWS SDK for Go v2, service/dynamodb/internal/customizations,
            // https://pkg.go.dev/github.com/aws/aws-sdk-go-v2/service/dynamodb/internal/customizations; the Java SDK
            // does the same): give the checksum of the body actually sent.
            CRC32 crc = new CRC32();
            crc.update(out);
            exchange.getResponseHeaders().set("x-amz-crc32", Long.toString(crc.getValue()));
            exchange.sendResponseHeaders(answer.statusCode(), out.length == 0 ? -1 : out.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private String restamp(String json) {
        Matcher m = STAMP.matcher(json);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            long shifted = Long.parseLong(m.group(2)) + shiftSeconds;
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + shifted + (m.group(3) == null ? "" : m.group(3))));
        }
        m.appendTail(out);
        return out.toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
