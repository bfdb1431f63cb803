package io.ddb2sf.it;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** Tables and items for the integration tests. */
public final class Fixtures {
    private Fixtures() {}

    /** The table config the tests use: pk S, sk N, and typed columns that fit and that do not fit. */
    public static String tableYaml(String table, String deletes) {
        return """
                - name: %s
                  keys:
                    - {attribute: pk, type: S}
                    - {attribute: sk, type: N}
                  columns:
                    - {attribute: price, type: N, scale: 2}
                    - {attribute: huge, type: N}
                    - {attribute: flag, type: BOOL}
                    - {attribute: blob, type: B}
                    - {attribute: "it's \\"quoted\\" name", column: QUOTED, type: S}
                  deletes: %s
                """.formatted(table, deletes);
    }

    public static void createTable(DynamoDbClient ddb, String table) {
        ddb.createTable(b -> b.tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        a -> a.attributeName("pk").attributeType(ScalarAttributeType.S),
                        a -> a.attributeName("sk").attributeType(ScalarAttributeType.N))
                .keySchema(k -> k.attributeName("pk").keyType("HASH"), k -> k.attributeName("sk").keyType("RANGE"))
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
    }

    /**
     * The current UTC hour, after waiting out its last two minutes: DynamoDB Local stamps stream records to the
     * minute, and a test's writes must all fall in one window.
     */
    public static Instant[] currentHour() throws InterruptedException {
        Instant now = Instant.now();
        Instant end = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        if (Duration.between(now, end).compareTo(Duration.ofMinutes(2)) < 0) {
            Thread.sleep(Duration.between(now, end).plusSeconds(2).toMillis());
            return currentHour();
        }
        return new Instant[] {end.minus(Duration.ofHours(1)), end};
    }

    public static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of("pk", s(pk), "sk", n(sk));
    }

    /** An item with every DynamoDB type and the awkward values DynamoDB allows. */
    public static Map<String, AttributeValue> everyType(String pk, String sk) {
        Map<String, AttributeValue> item = new HashMap<>(key(pk, sk));
        item.put("price", n("19.99"));
        item.put("huge", n("1E+125"));
        item.put("n38", n("12345678901234567890123456789012345678"));
        item.put("neg38", n("-0.0000000000000000000000000000000000001"));
        item.put("tiny", n("1E-130"));
        item.put("decimal", n("3.14159265358979323846264338327950288"));
        item.put("flag", AttributeValue.fromBool(true));
        item.put("nothing", AttributeValue.fromNul(true));
        item.put("blob", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, 1, 2, (byte) 0xff, 0x7f})));
        item.put("empty_string", s(""));
        item.put("empty_binary", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[0])));
        item.put("empty_list", AttributeValue.fromL(List.of()));
        item.put("empty_map", AttributeValue.fromM(Map.of()));
        item.put("tags", AttributeValue.fromSs(List.of("b", "a", "日本語")));
        item.put("scores", AttributeValue.fromNs(List.of("1", "2.5", "99999999999999999999999999999999999999", "1E+125")));
        item.put("blobs", AttributeValue.fromBs(List.of(SdkBytes.fromUtf8String("x"), SdkBytes.fromUtf8String("y"))));
        item.put("unicode", s("Zoë Ørsted 🚀 \"quotes\" 'single' \\back\\slash"));
        item.put("it's \"quoted\" name", s("quoted attribute"));
        item.put("with space", s("v"));
        item.put("a.b.c", s("dots"));
        item.put("select", s("keyword"));
        item.put("back\\slash", s("backslash name"));
        item.put("nested", AttributeValue.fromM(Map.of(
                "list", AttributeValue.fromL(List.of(n("1"), s("two"), AttributeValue.fromBool(false),
                        AttributeValue.fromNul(true), AttributeValue.fromM(Map.of("deep", n("1.000"))),
                        AttributeValue.fromSs(List.of("s")))),
                "map", AttributeValue.fromM(Map.of("x", s("y"))))));
        return item;
    }

    /** Maps nested {@code depth} levels deep; DynamoDB allows 32 levels counting the item itself. */
    public static Map<String, AttributeValue> deeplyNested(String pk, String sk, int depth) {
        AttributeValue v = s("bottom");
        for (int i = 0; i < depth; i++) {
            v = AttributeValue.fromM(Map.of("level" + i, v));
        }
        Map<String, AttributeValue> item = new HashMap<>(key(pk, sk));
        item.put("deep", v);
        return item;
    }

    /** An item close to DynamoDB's 400 KB limit. */
    public static Map<String, AttributeValue> large(String pk, String sk) {
        Map<String, AttributeValue> item = new HashMap<>(key(pk, sk));
        item.put("payload", s("x".repeat(390_000)));
        return item;
    }

    public static Map<String, AttributeValue> plain(String pk, String sk, int i) {
        Map<String, AttributeValue> item = new HashMap<>(key(pk, sk));
        item.put("price", n(new BigDecimal(i).movePointLeft(2).toPlainString()));
        item.put("flag", AttributeValue.fromBool(i % 2 == 0));
        item.put("label", s("item " + i));
        return item;
    }

    /** Writes {@code count} plain items ({@code prefix}-i, sk i) with BatchWriteItem on four threads. */
    public static void bulkPut(DynamoDbClient ddb, String table, String prefix, int count) throws InterruptedException {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int first = t;
            done.add(pool.submit(() -> {
                List<software.amazon.awssdk.services.dynamodb.model.WriteRequest> batch = new java.util.ArrayList<>();
                for (int i = first; i < count; i += 4) {
                    Map<String, AttributeValue> item = plain(prefix + "-" + i, String.valueOf(i), i);
                    batch.add(software.amazon.awssdk.services.dynamodb.model.WriteRequest.builder()
                            .putRequest(r -> r.item(item)).build());
                    if (batch.size() == 25 || i + 4 >= count) {
                        Map<String, List<software.amazon.awssdk.services.dynamodb.model.WriteRequest>> pending =
                                Map.of(table, List.copyOf(batch));
                        while (!pending.isEmpty()) {
                            var request = pending;
                            var response = ddb.batchWriteItem(b -> b.requestItems(request));
                            pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
                        }
                        batch.clear();
                    }
                }
            }));
        }
        pool.shutdown();
        for (var f : done) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError("bulk write failed", e.getCause());
            }
        }
    }

    public static void put(DynamoDbClient ddb, String table, Map<String, AttributeValue> item) {
        ddb.putItem(b -> b.tableName(table).item(item));
    }

    public static void update(DynamoDbClient ddb, String table, Map<String, AttributeValue> key, String expression,
                              Map<String, AttributeValue> values, Consumer<Map<String, String>> names) {
        Map<String, String> n = new HashMap<>();
        names.accept(n);
        ddb.updateItem(b -> {
            b.tableName(table).key(key).updateExpression(expression).expressionAttributeValues(values);
            if (!n.isEmpty()) {
                b.expressionAttributeNames(n);
            }
        });
    }

    public static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    public static AttributeValue n(String v) {
        return AttributeValue.fromN(v);
    }
}
