package io.ddb2sf.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.ItemJson;
import io.ddb2sf.dynamodb.TypedValues;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class ItemComparisonTest {
    private static final TableConfig TABLE = new TableConfig("t", "T", List.of(new ColumnSpec("id", "ID", ScalarType.S, 0)),
            List.of(new ColumnSpec("price", "PRICE", ScalarType.N, 2)), TableConfig.DeleteMode.HARD, false);
    private final ItemComparison comparison = new ItemComparison(TABLE);

    private static final Map<String, AttributeValue> ITEM = Map.of(
            "id", AttributeValue.fromS("a"),
            "price", AttributeValue.fromN("19.99"),
            "n38", AttributeValue.fromN("12345678901234567890123456789012345678"),
            "huge", AttributeValue.fromN("1E+125"),
            "tags", AttributeValue.fromSs(List.of("a", "b", "c")),
            "scores", AttributeValue.fromNs(List.of("1", "2.5")),
            "nested", AttributeValue.fromM(Map.of("list", AttributeValue.fromL(List.of(AttributeValue.fromN("1"),
                    AttributeValue.fromBool(true))))));

    /** The row merge-apply writes for the item. */
    private static ItemComparison.Row rowOf(Map<String, AttributeValue> item) {
        ItemJson.Documents d = ItemJson.of(item);
        List<Object> columns = new ArrayList<>(TypedValues.of(TABLE.typedColumns(), item, new TypedValues.Counter()));
        return new ItemComparison.Row(columns, d.item(), d.types(), false);
    }

    @Test
    void shouldFindTheRowOfAnItemEqual() {
        assertThat(comparison.difference(ITEM, rowOf(ITEM))).isEmpty();
    }

    @Test
    void shouldCompareNumbersByValueAndSetsAsSets() {
        ItemComparison.Row row = rowOf(ITEM);
        String item = row.item().replace("\"price\":19.99", "\"price\":19.990").replace("[\"a\",\"b\",\"c\"]", "[\"c\",\"a\",\"b\"]")
                .replace("[1,2.5]", "[2.50,1]");
        assertThat(item).isNotEqualTo(row.item());
        List<Object> columns = List.of("a", new BigDecimal("19.990"));
        assertThat(comparison.difference(ITEM, new ItemComparison.Row(columns, item, row.itemTypes(), false))).isEmpty();
    }

    @Test
    void shouldNameTheAttributeWhoseLastDigitChanged() {
        ItemComparison.Row row = rowOf(ITEM);
        String item = row.item().replace("12345678901234567890123456789012345678", "12345678901234567890123456789012345679");
        assertThat(comparison.difference(ITEM, new ItemComparison.Row(row.columns(), item, row.itemTypes(), false)))
                .hasValueSatisfying(d -> assertThat(d).startsWith("n38:").contains("12345678901234567890123456789012345679"));
    }

    @Test
    void shouldTellTypesMissingAttributesAndTypedColumnsApart() {
        ItemComparison.Row row = rowOf(ITEM);
        assertThat(comparison.difference(ITEM, new ItemComparison.Row(row.columns(), row.item(),
                row.itemTypes().replace("\"tags\":\"SS\"", "\"tags\":\"L\""), false))).hasValueSatisfying(d -> assertThat(d)
                .startsWith("tags: type SS"));
        assertThat(comparison.difference(ITEM, new ItemComparison.Row(row.columns(),
                row.item().replace("\"huge\":\"1E+125\",", ""), row.itemTypes().replace("\"huge\":\"N\",", ""), false)))
                .hasValue("huge: \"1E+125\" in DynamoDB, absent in Snowflake");
        assertThat(comparison.difference(ITEM, new ItemComparison.Row(List.of("a", new BigDecimal("19.98")), row.item(),
                row.itemTypes(), false))).hasValue("column PRICE: 19.99 in DynamoDB, 19.98 in Snowflake");
        assertThat(comparison.difference(ITEM, new ItemComparison.Row(row.columns(),
                row.item().replace("\"list\":[1,true]", "\"list\":[1,false]"), row.itemTypes(), false)))
                .hasValue("nested.list[1]: true in DynamoDB, false in Snowflake");
    }
}
