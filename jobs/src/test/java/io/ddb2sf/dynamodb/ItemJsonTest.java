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
}
