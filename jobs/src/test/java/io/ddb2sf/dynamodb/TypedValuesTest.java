package io.ddb2sf.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class TypedValuesTest {
    private static final List<ColumnSpec> COLUMNS = List.of(
            new ColumnSpec("price", "PRICE", ScalarType.N, 2),
            new ColumnSpec("name", "NAME", ScalarType.S, 0),
            new ColumnSpec("ok", "OK", ScalarType.BOOL, 0));

    @Test
    void shouldFillColumnsThatFitAndLeaveTheRestNull() {
        TypedValues.Counter misfits = new TypedValues.Counter();
        List<Object> v = TypedValues.of(COLUMNS, Map.of(
                "price", AttributeValue.fromN("1.5"),
                "name", AttributeValue.fromN("7"),
                "ok", AttributeValue.fromBool(true)), misfits);
        assertThat(v).isEqualTo(Arrays.asList(new BigDecimal("1.50"), null, true));
        assertThat(misfits.count()).as("a number in a string column").isEqualTo(1);
    }

    @Test
    void shouldNeverRoundANumberIntoItsColumn() {
        TypedValues.Counter misfits = new TypedValues.Counter();
        assertThat(TypedValues.of(COLUMNS, Map.of("price", AttributeValue.fromN("1.005")), misfits).get(0)).isNull();
        assertThat(TypedValues.of(COLUMNS, Map.of("price", AttributeValue.fromN("1E+125")), misfits).get(0)).isNull();
        assertThat(misfits.count()).isEqualTo(2);
    }

    @Test
    void shouldGiveOneKeyTextForEveryImageOfAnItem() {
        List<ColumnSpec> keys = List.of(new ColumnSpec("pk", "PK", ScalarType.S, 0), new ColumnSpec("sk", "SK", ScalarType.N, 0));
        String a = TypedValues.keyText(keys, Map.of("pk", AttributeValue.fromS("a\"b"), "sk", AttributeValue.fromN("1.50")));
        String b = TypedValues.keyText(keys, Map.of("sk", AttributeValue.fromN("1.5"), "pk", AttributeValue.fromS("a\"b"),
                "other", AttributeValue.fromS("x")));
        assertThat(a).isEqualTo(b).isEqualTo("[\"a\\\"b\",\"1.5\"]");
    }
    /** The key text is written by hand for speed; its bytes must stay what Jackson's generator gave for the same key. */
    @Test
    void shouldWriteExactlyTheKeyTextJacksonWroteForRandomKeys() throws Exception {
        List<ColumnSpec> keys = List.of(new ColumnSpec("pk", "PK", ScalarType.S, 0), new ColumnSpec("sk", "SK", ScalarType.N, 0),
                new ColumnSpec("bk", "BK", ScalarType.B, 0));
        java.util.Random r = new java.util.Random(20261126);
        String[] numbers = {"0", "-7", "19.990", "1E+125", "1E-130", "0.000001", "12345678901234567890123456789012345678",
                "3.14159265358979323846", "-0.5", "100", "1.50"};
        for (int i = 0; i < 3000; i++) {
            StringBuilder text = new StringBuilder();
            for (int c = r.nextInt(12); c > 0; c--) {
                switch (r.nextInt(4)) {
                    case 0 -> text.append((char) r.nextInt(0x80));
                    case 1 -> text.append("\"\\/".charAt(r.nextInt(3)));
                    case 2 -> text.append((char) (0x80 + r.nextInt(0x3000)));
                    default -> text.append(r.nextBoolean() ? '\uD83D' : "\uD83D\uDE00");
                }
            }
            byte[] bytes = new byte[r.nextInt(20)];
            r.nextBytes(bytes);
            String n = r.nextBoolean() ? numbers[r.nextInt(numbers.length)] : r.nextLong() % 100000 + (r.nextBoolean() ? ".25" : "");
            Map<String, AttributeValue> item = Map.of("pk", AttributeValue.fromS(text.toString()), "sk", AttributeValue.fromN(n),
                    "bk", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromByteArray(bytes)));
            assertThat(TypedValues.keyText(keys, item)).as("key %d", i).isEqualTo(jacksonKeyText(keys, item));
        }
    }

    /** keyText as it was written with a Jackson generator. */
    private static String jacksonKeyText(List<ColumnSpec> keys, Map<String, AttributeValue> item) throws java.io.IOException {
        java.io.StringWriter out = new java.io.StringWriter();
        try (var g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(out)) {
            g.writeStartArray();
            for (ColumnSpec k : keys) {
                AttributeValue v = item.get(k.attribute());
                if (v.s() != null) {
                    g.writeString(v.s());
                } else if (v.n() != null) {
                    g.writeString(new BigDecimal(v.n()).stripTrailingZeros().toPlainString());
                } else {
                    g.writeString(java.util.Base64.getEncoder().encodeToString(v.b().asByteArray()));
                }
            }
            g.writeEndArray();
        }
        return out.toString();
    }
}
