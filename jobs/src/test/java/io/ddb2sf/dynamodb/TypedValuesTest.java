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
}
