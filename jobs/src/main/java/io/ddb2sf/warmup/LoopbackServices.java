package io.ddb2sf.warmup;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.databind.JsonNode;
import io.ddb2sf.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * Just enough of DynamoDB, DynamoDB Streams and S3 on a loopback port for one export of one hour and its
 * validation: a table with a stream of one open shard whose records are given, and an in-memory bucket (path-style
 * PUT with If-None-Match/If-Match, GET, ListObjectsV2, DELETE); and Snowflake's login and statement endpoints,
 * where every login succeeds, a query gets the rows its caller gives for it or none, in the result format the
 * session asked for ({@link QueryRows}), and every other statement succeeds, so copy-load runs to its COPY and
 * merge-apply through its whole transaction (key-pair JWT login, statements, binds, result rows, commit). It
 * only serves the training run of the start-up cache ({@link Warmup}), which needs the jobs' real client code paths
 * without a network or services; it is not a test double and checks nothing.
 */
public final class LoopbackServices implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, String> dynamodbAnswers;
    private final NavigableMap<String, byte[]> objects = new ConcurrentSkipListMap<>();
    private final AtomicInteger statements = new AtomicInteger();
    private final Function<String, QueryRows> queryRows;
    private final AtomicInteger arrowQueries = new AtomicInteger();
    private static final String JSON_SESSION = "warmup-json";
    private static final String ARROW_SESSION = "warmup-arrow";

    /**
     * {@code dynamodbAnswers}: the JSON answer for each X-Amz-Target operation name (DescribeTable, GetRecords...);
     * {@code queryRows}: the rows of a Snowflake query, given its SQL text, or null for no rows.
     */
    public LoopbackServices(Map<String, String> dynamodbAnswers, Function<String, QueryRows> queryRows) throws IOException {
        this.dynamodbAnswers = Map.copyOf(dynamodbAnswers);
        this.queryRows = queryRows;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        // Snowflake's REST endpoints as snowflake-jdbc calls them (the shapes fakesnow's server answers with): every
        // login succeeds, every statement succeeds.
        // The session token names the result format the login asked for (JDBC_QUERY_RESULT_FORMAT, default ARROW).
        server.createContext("/session/v1/login-request", x -> {
            try (x) {
                String format = "JSON".equalsIgnoreCase(statementRequest(x).path("data").path("SESSION_PARAMETERS")
                        .path("JDBC_QUERY_RESULT_FORMAT").asText("ARROW")) ? JSON_SESSION : ARROW_SESSION;
                reply(x, 200, "application/json", """
                        {"data":{"token":"%s","masterToken":"warmup","validityInSeconds":3600,"masterValidityInSeconds":14400,
                         "parameters":[{"name":"AUTOCOMMIT","value":true},{"name":"CLIENT_STAGE_ARRAY_BINDING_THRESHOLD","value":0}],
                         "sessionInfo":{"databaseName":"ANALYTICS","schemaName":"DYNAMODB"}},"success":true}""".formatted(format));
            }
        });
        server.createContext("/queries/v1/query-request", x -> {
            try (x) {
                statements.incrementAndGet();
                String answer;
                try {
                    JsonNode request = statementRequest(x);
                    String sql = request.path("sqlText").asText("");
                    QueryRows rows = queryRows.apply(sql);
                    boolean arrow = String.valueOf(x.getRequestHeaders().getFirst("Authorization")).contains(ARROW_SESSION);
                    if (arrow) {
                        arrowQueries.incrementAndGet();
                    }
                    answer = statementAnswer(sql, rows, arrow);
                } catch (RuntimeException | IOException e) {
                    // A statement error, not an HTTP one: snowflake-jdbc retries those, for minutes.
                    answer = "{\"data\":null,\"code\":\"000603\",\"message\":\"warmup: " + e + "\",\"success\":false}";
                }
                reply(x, 200, "application/json", answer);
            }
        });
        server.createContext("/session", x -> answer(x, "{\"data\":null,\"success\":true}"));
        server.createContext("/telemetry/send", x -> answer(x, "{\"data\":null,\"success\":true}"));
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            byte[] body = readBody(x);
            String target = x.getRequestHeaders().getFirst("X-Amz-Target");
            if (target != null) {
                String answer = dynamodbAnswers.get(target.substring(target.indexOf('.') + 1));
                if (answer == null) {
                    reply(x, 400, "application/x-amz-json-1.0", "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
                            + "\"message\":\"not served here: " + target + "\"}");
                } else {
                    reply(x, 200, "application/x-amz-json-1.0", answer);
                }
                return;
            }
            s3(x, body);
        }
    }

    /** Path-style S3: /bucket/key. */
    private void s3(HttpExchange x, byte[] body) throws IOException {
        String path = x.getRequestURI().getRawPath();
        int slash = path.indexOf('/', 1);
        String key = slash < 0 ? "" : URLDecoder.decode(path.substring(slash + 1), StandardCharsets.UTF_8);
        Map<String, String> query = query(x.getRequestURI().getRawQuery());
        switch (x.getRequestMethod()) {
            case "PUT" -> {
                byte[] old = objects.get(key);
                String ifNoneMatch = x.getRequestHeaders().getFirst("If-None-Match");
                String ifMatch = x.getRequestHeaders().getFirst("If-Match");
                if ((ifNoneMatch != null && old != null) || (ifMatch != null && (old == null || !etag(old).equals(ifMatch)))) {
                    reply(x, 412, "application/xml", error("PreconditionFailed"));
                    return;
                }
                byte[] data = "aws-chunked".equals(x.getRequestHeaders().getFirst("Content-Encoding")) ? unchunk(body) : body;
                objects.put(key, data);
                x.getResponseHeaders().set("ETag", etag(data));
                reply(x, 200, "application/xml", "");
            }
            case "GET" -> {
                if (query.containsKey("list-type")) {
                    reply(x, 200, "application/xml", list(query.getOrDefault("prefix", ""), query.get("delimiter"),
                            query.getOrDefault("start-after", "")));
                    return;
                }
                byte[] data = objects.get(key);
                if (data == null) {
                    reply(x, 404, "application/xml", error("NoSuchKey"));
                    return;
                }
                x.getResponseHeaders().set("ETag", etag(data));
                x.getResponseHeaders().set("Content-Type", "application/octet-stream");
                x.sendResponseHeaders(200, data.length);
                x.getResponseBody().write(data);
            }
            case "DELETE" -> {
                objects.remove(key);
                x.sendResponseHeaders(204, -1);
            }
            default -> reply(x, 405, "application/xml", error("MethodNotAllowed"));
        }
    }

    private String list(String prefix, String delimiter, String startAfter) {
        StringBuilder contents = new StringBuilder();
        TreeSet<String> folders = new TreeSet<>();
        int count = 0;
        for (var e : objects.tailMap(prefix, true).entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(prefix)) {
                break;
            }
            if (key.compareTo(startAfter) <= 0) {
                continue;
            }
            int cut = delimiter == null ? -1 : key.indexOf(delimiter, prefix.length());
            if (cut >= 0) {
                folders.add(key.substring(0, cut + delimiter.length()));
                continue;
            }
            count++;
            contents.append("<Contents><Key>").append(xml(key)).append("</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>")
                    .append(xml(etag(e.getValue()))).append("</ETag><Size>").append(e.getValue().length)
                    .append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
        }
        StringBuilder common = new StringBuilder();
        folders.forEach(f -> common.append("<CommonPrefixes><Prefix>").append(xml(f)).append("</Prefix></CommonPrefixes>"));
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<Name>warmup</Name><Prefix>" + xml(prefix) + "</Prefix><KeyCount>" + (count + folders.size())
                + "</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>" + contents + common + "</ListBucketResult>";
    }

    /** The payload of an aws-chunked body (hex size[;extensions] CRLF data CRLF ... 0 CRLF trailers CRLF). */
    private static byte[] unchunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (true) {
            int eol = indexOfCrlf(body, at);
            String header = new String(body, at, eol - at, StandardCharsets.US_ASCII);
            int size = Integer.parseInt(header.split(";", 2)[0].trim(), 16);
            at = eol + 2;
            if (size == 0) {
                return out.toByteArray();
            }
            out.write(body, at, size);
            at += size + 2;
        }
    }

    private static int indexOfCrlf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        throw new IllegalArgumentException("malformed aws-chunked body");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String part : raw.split("&")) {
                String[] kv = part.split("=", 2);
                q.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), kv.length < 2 ? "" : URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private static String etag(byte[] data) {
        try {
            return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data)) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String error(String code) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + code + "</Message></Error>";
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** snowflake-jdbc's statement request (JSON, gzipped or not): sqlText, bindings. */
    private static JsonNode statementRequest(HttpExchange x) throws IOException {
        byte[] body = readBody(x);
        if ("gzip".equalsIgnoreCase(x.getRequestHeaders().getFirst("Content-Encoding"))) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                body = in.readAllBytes();
            }
        }
        return Json.mapper().readTree(body);
    }

    /**
     * The given rows or none for a query; zero rows changed for DML (JSON, as fakesnow's server does); success for the rest (DDL, transactions, COPY), each with the
     * statement type snowflake-jdbc checks before it reads the result (a query's 0x1000, DML 0x3100-0x3400, DDL 0x6000).
     */
    private static String statementAnswer(String sql, QueryRows rows, boolean arrow) {
        if (rows != null) {
            return rows.answer("01warmup-0000-0000-0000-000000000001", arrow);
        }
        String verb = sql.replaceAll("(?s)^(\\s|--[^\\n]*\\n|/\\*.*?\\*/)*", "").split("\\s+", 2)[0].toUpperCase(java.util.Locale.ROOT);
        int type;
        String rowtype;
        String rowset;
        switch (verb) {
            case "SELECT", "WITH", "SHOW", "DESC", "DESCRIBE", "CALL" -> {
                return new QueryRows(List.of(), List.of()).answer("01warmup-0000-0000-0000-000000000000", arrow);
            }
            case "INSERT", "UPDATE", "DELETE", "MERGE" -> {
                type = switch (verb) {
                    case "INSERT" -> 0x3100;
                    case "UPDATE" -> 0x3200;
                    case "DELETE" -> 0x3300;
                    default -> 0x3400;
                };
                rowtype = "[{\"name\":\"number of rows changed\",\"type\":\"fixed\",\"nullable\":false,\"precision\":19,\"scale\":0,\"length\":null,\"byteLength\":null}]";
                rowset = "[[\"0\"]]";
            }
            default -> {
                type = 0x6000;
                rowtype = "[{\"name\":\"status\",\"type\":\"text\",\"nullable\":true,\"precision\":null,\"scale\":null,\"length\":16777216,\"byteLength\":16777216}]";
                rowset = "[[\"Statement executed successfully.\"]]";
            }
        }
        return """
                {"data":{"parameters":[{"name":"TIMEZONE","value":"Etc/UTC"}],"rowtype":%s,"rowset":%s,"total":%d,"returned":%d,
                 "queryId":"01warmup-0000-0000-0000-000000000000","statementTypeId":%d,"queryResultFormat":"json",
                 "finalDatabaseName":"ANALYTICS","finalSchemaName":"DYNAMODB"},"success":true}"""
                .formatted(rowtype, rowset, 1, 1, type);
    }

    private static void answer(HttpExchange x, String json) throws IOException {
        try (x) {
            readBody(x);
            reply(x, 200, "application/json", json);
        }
    }

    /** How many statements were run here in sessions that asked for Arrow results. */
    public int arrowStatements() {
        return arrowQueries.get();
    }

    /** How many Snowflake statements were run here. */
    public int statements() {
        return statements.get();
    }

    private static byte[] readBody(HttpExchange x) throws IOException {
        try (InputStream in = x.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    private static void reply(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            x.getResponseBody().write(bytes);
        }
    }

    /** The keys stored, for the training run's own check that the export wrote its partition. */
    public TreeMap<String, Integer> objectSizes() {
        TreeMap<String, Integer> sizes = new TreeMap<>();
        objects.forEach((k, v) -> sizes.put(k, v.length));
        return sizes;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
