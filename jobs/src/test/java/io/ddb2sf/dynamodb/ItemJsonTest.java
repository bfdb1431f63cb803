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
}
