package io.ddb2sf.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ItemJsonTest {

    @Test
    void shouldKeepIntegersUpTo38DigitsAsJsonNumbers() {
        assertThat(ItemJson.exactNumber("12345678901234567890123456789012345678")).contains("12345678901234567890123456789012345678");
        assertThat(ItemJson.exactNumber("-5")).contains("-5");
        assertThat(ItemJson.exactNumber("1E+3")).contains("1000");
        assertThat(ItemJson.exactNumber("0.000")).contains("0");
    }

    @Test
    void shouldTurnNumbersNoReaderKeepsExactlyIntoStrings() {
        assertThat(ItemJson.exactNumber("1E+125")).isEmpty();
        assertThat(ItemJson.exactNumber("1E-130")).isEmpty();
        assertThat(ItemJson.exactNumber("123456789012345678901234567890123456789")).isEmpty();
        assertThat(ItemJson.exactNumber("3.14159265358979323846")).as("more digits than a double keeps").isEmpty();
    }

    @Test
    void shouldKeepShortFractionsAsNumbers() {
        assertThat(ItemJson.exactNumber("19.990")).contains("19.99");
        assertThat(ItemJson.exactNumber("-0.5")).contains("-0.5");
    }

    @Test
    void shouldWriteNaturalJsonAndTheTypesBesideIt() {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("z", AttributeValue.fromS("last"));
        item.put("b", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {1, 2})));
        item.put("tags", AttributeValue.fromSs(List.of("x", "y")));
        item.put("nums", AttributeValue.fromNs(List.of("1", "1E+125")));
        item.put("m", AttributeValue.fromM(Map.of("l", AttributeValue.fromL(List.of(AttributeValue.fromNul(true),
                AttributeValue.fromBool(false))))));
        item.put("we\"ird name", AttributeValue.fromN("2.5"));

        ItemJson.Documents d = ItemJson.of(item);

        assertThat(d.item()).isEqualTo("{\"b\":\"AQI=\",\"m\":{\"l\":[null,false]},\"nums\":[1,\"1E+125\"],"
                + "\"tags\":[\"x\",\"y\"],\"we\\\"ird name\":2.5,\"z\":\"last\"}");
        assertThat(d.types()).isEqualTo("{\"b\":\"B\",\"m\":{\"l\":[\"NULL\",\"BOOL\"]},\"nums\":\"NS\","
                + "\"tags\":\"SS\",\"we\\\"ird name\":\"N\",\"z\":\"S\"}");
    }

    @Test
    void shouldGiveTheSameBytesForTheSameItemWhateverTheMapOrder() {
        Map<String, AttributeValue> a = new LinkedHashMap<>();
        a.put("x", AttributeValue.fromS("1"));
        a.put("y", AttributeValue.fromS("2"));
        Map<String, AttributeValue> b = new LinkedHashMap<>();
        b.put("y", AttributeValue.fromS("2"));
        b.put("x", AttributeValue.fromS("1"));
        assertThat(ItemJson.of(a)).isEqualTo(ItemJson.of(b));
    }

    @Test
    void shouldGiveTheSameTextOnTheFastPathAsTheExactPath() {
        java.util.Random random = new java.util.Random(7);
        List<String> fixed = List.of("0", "-0", "00", "0.0", "0.5", "-0.5", "00.5", "1.", ".5", "-", "1000", "-1000", "1.50",
                "0.000000000000000000000000000001", "0.0000000000000000000000000000001", "123456789012345",
                "1234567.12345678", "1234567.123456789", "12345678901234567890123456789012345678",
                "123456789012345678901234567890123456789", "1E+3", "1e3", "-12.0", "5.25");
        List<String> numbers = new java.util.ArrayList<>(fixed);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder n = new StringBuilder(random.nextBoolean() ? "-" : "");
            int digits = 1 + random.nextInt(random.nextBoolean() ? 5 : 40);
            for (int d = 0; d < digits; d++) {
                n.append((char) ('0' + random.nextInt(10)));
            }
            if (random.nextBoolean()) {
                n.append('.');
                int fraction = 1 + random.nextInt(random.nextBoolean() ? 4 : 35);
                for (int d = 0; d < fraction; d++) {
                    n.append((char) ('0' + random.nextInt(10)));
                }
            }
            numbers.add(n.toString());
        }
        for (String n : numbers) {
            if (ItemJson.isPlainExact(n)) {
                java.math.BigDecimal exact = new java.math.BigDecimal(n).stripTrailingZeros();
                assertThat(exact.signum() == 0 ? "0" : exact.toPlainString()).as(n).isEqualTo(n);
                assertThat(exact.scale() <= 0 ? exact.precision() - exact.scale() <= 38
                        : exact.precision() <= 15 && exact.scale() <= 30).as(n).isTrue();
            }
        }
        assertThat(numbers.stream().filter(ItemJson::isPlainExact).count()).as("the fast path is taken").isGreaterThan(5_000);
    }

    /** The writer is hand-made for speed; its bytes must stay what Jackson's generator gives for the same item. */
    @Test
    void shouldWriteExactlyWhatJacksonWritesForRandomItems() throws Exception {
        java.util.Random random = new java.util.Random(20261126);
        for (int i = 0; i < 3000; i++) {
            Map<String, AttributeValue> item = randomMap(random, 0);
            ItemJson.Documents d = ItemJson.of(item);
            ItemJson.Documents expected = JacksonReference.of(item);
            assertThat(d.item()).as("item %d", i).isEqualTo(expected.item());
            assertThat(d.types()).as("types %d", i).isEqualTo(expected.types());
        }
    }

    private static Map<String, AttributeValue> randomMap(java.util.Random r, int depth) {
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        // One top-level map in eight has more attributes than the writer sorts by insertion.
        int n = depth > 0 ? r.nextInt(4) : r.nextInt(8) == 0 ? 33 + r.nextInt(48) : 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) {
            m.put(randomText(r), randomValue(r, depth));
        }
        return m;
    }

    private static AttributeValue randomValue(java.util.Random r, int depth) {
        int kind = r.nextInt(depth < 3 ? 10 : 8);
        return switch (kind) {
            case 0 -> AttributeValue.fromS(randomText(r));
            case 1 -> AttributeValue.fromN(randomNumber(r));
            case 2 -> AttributeValue.fromB(SdkBytes.fromByteArray(randomBytes(r)));
            case 3 -> AttributeValue.fromBool(r.nextBoolean());
            case 4 -> AttributeValue.fromNul(true);
            case 5 -> AttributeValue.fromSs(List.of(randomText(r), randomText(r) + "x"));
            case 6 -> AttributeValue.fromNs(List.of(randomNumber(r), randomNumber(r)));
            case 7 -> AttributeValue.fromBs(List.of(SdkBytes.fromByteArray(randomBytes(r))));
            case 8 -> AttributeValue.fromM(randomMap(r, depth + 1));
            default -> AttributeValue.fromL(List.of(randomValue(r, depth + 1), randomValue(r, depth + 1)));
        };
    }

    /** Every ASCII character (controls, quotes, backslashes), some non-ASCII, and lone surrogates. */
    private static String randomText(java.util.Random r) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(4)) {
                case 0 -> b.append((char) r.nextInt(0x80));
                case 1 -> b.append("\"\\/".charAt(r.nextInt(3)));
                case 2 -> b.append((char) (0x80 + r.nextInt(0x3000)));
                default -> b.append(r.nextBoolean() ? '\uD83D' : "\uD83D\uDE00");
            }
        }
        return b.toString();
    }

    private static String randomNumber(java.util.Random r) {
        String[] shapes = {"0", "-7", "19.990", "1E+125", "1E-130", "0.000001", "12345678901234567890123456789012345678",
                "123456789012345678901234567890123456789", "3.14159265358979323846", "-0.5", "100"};
        return r.nextBoolean() ? shapes[r.nextInt(shapes.length)] : String.valueOf(r.nextLong() % 100000) + (r.nextBoolean() ? ".25" : "");
    }

    private static byte[] randomBytes(java.util.Random r) {
        byte[] bytes = new byte[r.nextInt(20)];
        r.nextBytes(bytes);
        return bytes;
    }

    /** The writer ItemJson had before it wrote JSON by hand: Jackson generators, default escaping. */
    private static final class JacksonReference {
        private static final com.fasterxml.jackson.core.JsonFactory FACTORY = new com.fasterxml.jackson.core.JsonFactory();

        static ItemJson.Documents of(Map<String, AttributeValue> item) throws java.io.IOException {
            java.io.StringWriter v = new java.io.StringWriter();
            java.io.StringWriter t = new java.io.StringWriter();
            try (var values = FACTORY.createGenerator(v); var types = FACTORY.createGenerator(t)) {
                map(item, values, types);
            }
            return new ItemJson.Documents(v.toString(), t.toString());
        }

        private static void map(Map<String, AttributeValue> m, com.fasterxml.jackson.core.JsonGenerator values,
                                com.fasterxml.jackson.core.JsonGenerator types) throws java.io.IOException {
            values.writeStartObject();
            types.writeStartObject();
            for (String name : new java.util.TreeSet<>(m.keySet())) {
                values.writeFieldName(name);
                types.writeFieldName(name);
                value(m.get(name), values, types);
            }
            values.writeEndObject();
            types.writeEndObject();
        }

        private static void value(AttributeValue a, com.fasterxml.jackson.core.JsonGenerator values,
                                  com.fasterxml.jackson.core.JsonGenerator types) throws java.io.IOException {
            java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
            switch (a.type()) {
                case S -> { values.writeString(a.s()); types.writeString("S"); }
                case N -> { number(a.n(), values); types.writeString("N"); }
                case B -> { values.writeString(b64.encodeToString(a.b().asByteArray())); types.writeString("B"); }
                case BOOL -> { values.writeBoolean(a.bool()); types.writeString("BOOL"); }
                case NUL -> { values.writeNull(); types.writeString("NULL"); }
                case SS -> { values.writeStartArray(); for (String x : a.ss()) values.writeString(x); values.writeEndArray(); types.writeString("SS"); }
                case NS -> { values.writeStartArray(); for (String x : a.ns()) number(x, values); values.writeEndArray(); types.writeString("NS"); }
                case BS -> { values.writeStartArray(); for (SdkBytes x : a.bs()) values.writeString(b64.encodeToString(x.asByteArray())); values.writeEndArray(); types.writeString("BS"); }
                case M -> map(a.m(), values, types);
                case L -> {
                    values.writeStartArray();
                    types.writeStartArray();
                    for (AttributeValue e : a.l()) {
                        value(e, values, types);
                    }
                    values.writeEndArray();
                    types.writeEndArray();
                }
                default -> throw new IllegalArgumentException(a.toString());
            }
        }

        private static void number(String n, com.fasterxml.jackson.core.JsonGenerator values) throws java.io.IOException {
            var exact = ItemJson.exactNumber(n);
            if (exact.isPresent()) {
                values.writeNumber(exact.get());
            } else {
                values.writeString(n);
            }
        }
    }
}
