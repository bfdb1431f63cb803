package io.ddb2sf.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local Snowflake's statement log and hold hook (scripts/fakesnow_server.py): which statement each session ran,
 * in which transaction, and a way to stop a client right after a chosen statement, to kill it at a named point.
 */
public final class WarehouseLog {
    private static final Pattern PORT = Pattern.compile("jdbc:snowflake://([^/?]+)");
    private final URI base;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private WarehouseLog(URI base) {
        this.base = base;
    }

    public static WarehouseLog fromEnvironment() {
        Matcher m = PORT.matcher(System.getenv("DDB2SF_SNOWFLAKE_URL"));
        if (!m.find()) {
            throw new AssertionError("DDB2SF_SNOWFLAKE_URL names no host:port");
        }
        return new WarehouseLog(URI.create("http://" + m.group(1)));
    }

    /** The sequence number of the last entry so far; later waits look only after it. */
    public long last() {
        long last = 0;
        for (JsonNode e : entries(0)) {
            last = Math.max(last, e.get("seq").asLong());
        }
        return last;
    }

    public JsonNode entries(long after) {
        return send(HttpRequest.newBuilder(base.resolve("/ddb2sf/statements?after=" + after)).GET()).get("statements");
    }

    /** Asks the server to hold its answer to the next statement matching {@code regex}, once it has run. */
    public long hold(String regex, Duration atMost) {
        return post("/ddb2sf/hold", Map.of("match", regex, "seconds", atMost.toSeconds())).get("hold").asLong();
    }

    public void release(long hold) {
        post("/ddb2sf/release", Map.of("hold", hold));
    }

    /** Waits for the first entry after {@code after} that {@code matches}, while {@code alive} holds. */
    public JsonNode await(long after, Predicate<JsonNode> matches, Process alive, Duration atMost) throws InterruptedException {
        Instant deadline = Instant.now().plus(atMost);
        while (Instant.now().isBefore(deadline)) {
            for (JsonNode e : entries(after)) {
                if (matches.test(e)) {
                    return e;
                }
            }
            if (alive != null && !alive.isAlive()) {
                throw new AssertionError("the job ended (exit " + alive.exitValue() + ") before the awaited statement");
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no such statement in the warehouse log within " + atMost);
    }

    private JsonNode post(String path, Object body) {
        try {
            return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body))));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> r = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("the local Snowflake's log is not reachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
