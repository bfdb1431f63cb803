package io.ddb2sf.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.dynamodb.ItemJson;
import io.ddb2sf.dynamodb.TypedValues;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Compares a DynamoDB item with its analytics row exactly: the row's _ITEM_TYPES must be the item's types, every value
 * must be the item's (numbers by value, so 1.5 and the 1.50 a VARIANT may print are equal but a changed last digit of
 * a 38-digit number is not; string-held numbers against JSON numbers by value too; sets as sets, whatever order they
 * were written in), and every typed column must hold what the backfill and the export would write for the item.
 */
public final class ItemComparison {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    private final TableConfig table;

    public ItemComparison(TableConfig table) {
        this.table = table;
    }

    /** An analytics row as verify reads it: typed column values in {@link TableConfig#typedColumns()} order. */
    public record Row(List<Object> columns, String item, String itemTypes, boolean deleted) {}

    /** What differs, as a short sentence naming the first differing attribute or column; empty when equal. */
    public Optional<String> difference(Map<String, AttributeValue> source, Row row) {
        ItemJson.Documents expected = ItemJson.of(source);
        JsonNode expectedTypes = parse(expected.types());
        JsonNode actualTypes = parse(row.itemTypes());
        JsonNode expectedItem = parse(expected.item());
        JsonNode actualItem = parse(row.item());
        Iterator<String> names = union(expectedTypes, actualTypes).iterator();
        while (names.hasNext()) {
            String name = names.next();
            Optional<String> d = differs(name, expectedTypes.get(name), expectedItem.get(name), actualTypes.get(name),
                    actualItem == null ? null : actualItem.get(name));
            if (d.isPresent()) {
                return d;
            }
        }
        List<ColumnSpec> columns = table.typedColumns();
        List<Object> typed = TypedValues.of(columns, source, new TypedValues.Counter());
        for (int i = 0; i < columns.size(); i++) {
            if (!sameColumnValue(typed.get(i), row.columns().get(i))) {
                return Optional.of("column " + columns.get(i).column() + ": " + show(typed.get(i)) + " in DynamoDB, "
                        + show(row.columns().get(i)) + " in Snowflake");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> differs(String path, JsonNode eType, JsonNode eValue, JsonNode aType, JsonNode aValue) {
        if (eType == null) {
            return Optional.of(path + ": absent in DynamoDB, " + cut(aValue) + " in Snowflake");
        }
        if (aType == null) {
            return Optional.of(path + ": " + cut(eValue) + " in DynamoDB, absent in Snowflake");
        }
        if (eType.isObject() != aType.isObject() || eType.isArray() != aType.isArray()
                || eType.isTextual() && !eType.equals(aType)) {
            return Optional.of(path + ": type " + typeName(eType) + " in DynamoDB, " + typeName(aType) + " in Snowflake");
        }
        if (eType.isObject()) {
            for (String name : union(eType, aType)) {
                Optional<String> d = differs(path + "." + name, eType.get(name), eValue.get(name), aType.get(name),
                        aValue == null ? null : aValue.get(name));
                if (d.isPresent()) {
                    return d;
                }
            }
            return Optional.empty();
        }
        if (eType.isArray()) {
            if (eType.size() != aType.size() || aValue == null || eValue.size() != aValue.size()) {
                return Optional.of(path + ": a list of " + eType.size() + " in DynamoDB, of " + aType.size() + " in Snowflake");
            }
            for (int i = 0; i < eType.size(); i++) {
                Optional<String> d = differs(path + "[" + i + "]", eType.get(i), eValue.get(i), aType.get(i), aValue.get(i));
                if (d.isPresent()) {
                    return d;
                }
            }
            return Optional.empty();
        }
        boolean same = switch (eType.asText()) {
            case "N" -> sameNumber(eValue, aValue);
            case "NS" -> numberSet(eValue).equals(numberSet(aValue));
            case "SS", "BS" -> textSet(eValue).equals(textSet(aValue));
            default -> eValue.equals(aValue);
        };
        return same ? Optional.empty()
                : Optional.of(path + ": " + cut(eValue) + " in DynamoDB, " + cut(aValue) + " in Snowflake");
    }

    private static boolean sameNumber(JsonNode e, JsonNode a) {
        BigDecimal x = number(e);
        BigDecimal y = number(a);
        return x != null && y != null && x.compareTo(y) == 0;
    }

    /** A number as ItemJson writes it: a JSON number, or a string with the exact digits. */
    private static BigDecimal number(JsonNode n) {
        if (n == null || !(n.isNumber() || n.isTextual())) {
            return null;
        }
        try {
            return n.isNumber() ? n.decimalValue() : new BigDecimal(n.asText());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Set<BigDecimal> numberSet(JsonNode array) {
        Set<BigDecimal> out = new HashSet<>();
        if (array != null && array.isArray()) {
            array.forEach(n -> {
                BigDecimal d = number(n);
                out.add(d == null ? null : d.stripTrailingZeros());
            });
        }
        return out;
    }

    private static Set<String> textSet(JsonNode array) {
        Set<String> out = new HashSet<>();
        if (array != null && array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    private static boolean sameColumnValue(Object expected, Object actual) {
        if (expected == null || actual == null) {
            return expected == actual;
        }
        if (expected instanceof BigDecimal e) {
            return actual instanceof BigDecimal a && e.compareTo(a) == 0;
        }
        if (expected instanceof byte[] e) {
            return actual instanceof byte[] a && Arrays.equals(e, a);
        }
        return expected.equals(actual);
    }

    private static Set<String> union(JsonNode a, JsonNode b) {
        Set<String> names = new java.util.TreeSet<>();
        if (a != null) {
            a.fieldNames().forEachRemaining(names::add);
        }
        if (b != null) {
            b.fieldNames().forEachRemaining(names::add);
        }
        return names;
    }

    private static String typeName(JsonNode type) {
        return type.isObject() ? "M" : type.isArray() ? "L" : type.asText();
    }

    private static String show(Object v) {
        return v instanceof byte[] b ? java.util.Base64.getEncoder().encodeToString(b)
                : v instanceof BigDecimal d ? d.toPlainString() : String.valueOf(v);
    }

    private static String cut(JsonNode v) {
        String s = String.valueOf(v);
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + cut(new com.fasterxml.jackson.databind.node.TextNode(json)), e);
        }
    }
}
