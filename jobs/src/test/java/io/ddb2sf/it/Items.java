package io.ddb2sf.it;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Compares items as a user would: a DynamoDB item and a warehouse row are equal when every attribute has the same
 * DynamoDB type and the same value (numbers compared exactly, sets as sets).
 */
public final class Items {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    private Items() {}

    /** A DynamoDB item as plain, comparable values: "TYPE:value" leaves, maps and lists. */
    public static Object canonical(Map<String, AttributeValue> item) {
        Map<String, Object> out = new TreeMap<>();
        item.forEach((k, v) -> out.put(k, canonical(v)));
        return out;
    }

    private static Object canonical(AttributeValue v) {
        return switch (v.type()) {
            case S -> "S:" + v.s();
            case N -> "N:" + number(v.n());
            case B -> "B:" + Base64.getEncoder().encodeToString(v.b().asByteArray());
            case BOOL -> "BOOL:" + v.bool();
            case NUL -> "NULL";
            case SS -> "SS:" + sorted(v.ss());
            case NS -> "NS:" + sorted(v.ns().stream().map(Items::number).toList());
            case BS -> "BS:" + sorted(v.bs().stream().map(b -> Base64.getEncoder().encodeToString(b.asByteArray())).toList());
            case M -> canonical(v.m());
            case L -> v.l().stream().map(Items::canonical).toList();
            default -> throw new IllegalArgumentException(v.toString());
        };
    }

    /** A warehouse row's _ITEM and _ITEM_TYPES read back into the same comparable shape. */
    public static Object fromWarehouse(String itemJson, String typesJson) {
        try {
            return decode(JSON.readTree(itemJson), JSON.readTree(typesJson));
        } catch (IOException e) {
            throw new AssertionError("_ITEM or _ITEM_TYPES is not JSON: " + itemJson + " / " + typesJson, e);
        }
    }

    private static Object decode(JsonNode value, JsonNode type) {
        if (type.isObject()) {
            Map<String, Object> out = new TreeMap<>();
            for (Iterator<String> it = type.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                out.put(k, decode(value.get(k), type.get(k)));
            }
            if (value.size() != type.size()) {
                throw new AssertionError("item and types differ in shape: " + value + " / " + type);
            }
            return out;
        }
        if (type.isArray()) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < type.size(); i++) {
                out.add(decode(value.get(i), type.get(i)));
            }
            return out;
        }
        return switch (type.asText()) {
            case "S" -> "S:" + value.textValue();
            case "N" -> "N:" + number(value.isNumber() ? value.decimalValue().toString() : value.textValue());
            case "B" -> "B:" + value.textValue();
            case "BOOL" -> "BOOL:" + value.booleanValue();
            case "NULL" -> "NULL";
            case "SS", "BS" -> type.asText() + ":" + sorted(texts(value, false));
            case "NS" -> "NS:" + sorted(texts(value, true));
            default -> throw new AssertionError("unknown type " + type);
        };
    }

    private static List<String> texts(JsonNode array, boolean numbers) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(numbers ? number(e.isNumber() ? e.decimalValue().toString() : e.textValue()) : e.textValue()));
        return out;
    }

    private static String number(String n) {
        BigDecimal d = new BigDecimal(n).stripTrailingZeros();
        return d.signum() == 0 ? "0" : d.toString();
    }

    private static List<String> sorted(List<String> values) {
        return values.stream().sorted().toList();
    }
}
