package io.ddb2sf.it;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Random DynamoDB items and attribute values of every type, from a seeded {@link Random}: the same seed gives the
 * same items. Values reach DynamoDB's limits (38 significant digits, 1E-130 to 1E+125, empty strings and binaries,
 * nested lists and maps) and the typed columns of {@link Fixtures#tableYaml} get values that fit and that do not.
 */
final class RandomItems {
    /** Attribute names, including the test config's typed columns and names that are awkward in SQL and JSON paths. */
    static final List<String> NAMES = List.of("price", "huge", "flag", "blob", "it's \"quoted\" name", "label", "a.b.c",
            "with space", "select", "naïve 名前", "back\\slash", "nested", "list", "payload");
    /** Only ever a number (ADD adds to it). */
    static final String COUNTER = "counter";
    /** Only ever a string set (ADD adds to it). */
    static final String TAGS = "tags";

    private static final List<String> NUMBERS = List.of("0", "1", "-1", "19.99", "0.01", "-0.5", "1E-130", "-1E-130",
            "1E+125", "9.9999999999999999999999999999999999999E+125", "12345678901234567890123456789012345678",
            "-0.0000000000000000000000000000000000001", "3.14159265358979323846264338327950288", "9223372036854775807",
            "100", "1.5");
    private static final List<String> STRINGS = List.of("", "x", "Zoë Ørsted", "🚀 emoji", "\"double\" 'single'",
            "back\\slash", "line\nbreak", "tab\there", "日本語", "null", "true", "{\"json\": 1}", "<b>html</b>");

    private final Random random;

    RandomItems(Random random) {
        this.random = random;
    }

    /** A whole item for the key: a random selection of attributes of random types. */
    Map<String, AttributeValue> item(Map<String, AttributeValue> key) {
        Map<String, AttributeValue> item = new HashMap<>(key);
        int attributes = 1 + random.nextInt(6);
        for (int i = 0; i < attributes; i++) {
            String name = pick(NAMES);
            item.put(name, valueFor(name));
        }
        if (random.nextInt(3) == 0) {
            item.put(COUNTER, AttributeValue.fromN(count()));
        }
        if (random.nextInt(3) == 0) {
            item.put(TAGS, AttributeValue.fromSs(stringSet()));
        }
        return item;
    }

    /**
     * A value for a top-level attribute. The typed column HUGE is NUMBER(38,0), which the local Snowflake (fakesnow on
     * DuckDB) stores as a 64-bit integer, so it gets no whole numbers of 19 to 38 digits there (real Snowflake holds
     * them; see the README's local stack notes); values that fit no NUMBER(38,0), like 1E+125, it still gets.
     */
    AttributeValue valueFor(String name) {
        AttributeValue v = value(0);
        if (name.equals("huge") && v.n() != null) {
            BigDecimal d = new BigDecimal(v.n());
            boolean wholeOver64Bits = d.stripTrailingZeros().scale() <= 0 && d.abs().compareTo(new BigDecimal(Long.MAX_VALUE)) > 0
                    && d.precision() - d.scale() <= 38;
            if (wholeOver64Bits) {
                return AttributeValue.fromN("1E+125");
            }
        }
        return v;
    }

    /** Any type, nested at most three levels deep. */
    AttributeValue value(int depth) {
        int kinds = depth >= 3 ? 9 : 11;
        return switch (random.nextInt(kinds)) {
            case 0 -> AttributeValue.fromS(string());
            case 1 -> AttributeValue.fromN(number());
            case 2 -> AttributeValue.fromB(bytes());
            case 3 -> AttributeValue.fromBool(random.nextBoolean());
            case 4 -> AttributeValue.fromNul(true);
            case 5 -> AttributeValue.fromSs(stringSet());
            case 6 -> AttributeValue.fromNs(numberSet());
            case 7 -> AttributeValue.fromBs(bytesSet());
            case 8 -> AttributeValue.fromS("s" + random.nextInt(1000));
            case 9 -> {
                List<AttributeValue> list = new ArrayList<>();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    list.add(value(depth + 1));
                }
                yield AttributeValue.fromL(list);
            }
            default -> {
                Map<String, AttributeValue> map = new LinkedHashMap<>();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    map.put(pick(NAMES), value(depth + 1));
                }
                yield AttributeValue.fromM(map);
            }
        };
    }

    String number() {
        return random.nextInt(3) == 0 ? pick(NUMBERS)
                : new BigDecimal(random.nextLong() % 1_000_000_000L).movePointLeft(random.nextInt(6)).toPlainString();
    }

    /** A whole number small enough that adding to it stays within DynamoDB's 38 digits. */
    String count() {
        return String.valueOf(random.nextInt(2_000_001) - 1_000_000);
    }

    String string() {
        return random.nextBoolean() ? pick(STRINGS) : "v" + random.nextInt(100_000);
    }

    SdkBytes bytes() {
        byte[] b = new byte[random.nextInt(12)];
        random.nextBytes(b);
        return SdkBytes.fromByteArray(b);
    }

    List<String> stringSet() {
        Set<String> out = new LinkedHashSet<>();
        int n = 1 + random.nextInt(4);
        while (out.size() < n) {
            out.add(random.nextBoolean() ? pick(STRINGS) + random.nextInt(10) : "t" + random.nextInt(50));
        }
        return List.copyOf(out);
    }

    /** Distinct as numbers: DynamoDB refuses a set holding 1 and 1.0. */
    List<String> numberSet() {
        Map<BigDecimal, String> out = new LinkedHashMap<>();
        int n = 1 + random.nextInt(4);
        while (out.size() < n) {
            String v = number();
            out.putIfAbsent(new BigDecimal(v).stripTrailingZeros(), v);
        }
        return List.copyOf(out.values());
    }

    List<SdkBytes> bytesSet() {
        Map<String, SdkBytes> out = new LinkedHashMap<>();
        int n = 1 + random.nextInt(3);
        while (out.size() < n) {
            byte[] b = new byte[1 + random.nextInt(8)];
            random.nextBytes(b);
            out.putIfAbsent(java.util.HexFormat.of().formatHex(b), SdkBytes.fromByteArray(b));
        }
        return List.copyOf(out.values());
    }

    <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }
}
