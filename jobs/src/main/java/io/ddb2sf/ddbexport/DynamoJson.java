package io.ddb2sf.ddbexport;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB JSON, the export's DYNAMODB_JSON output format, read back into SDK attribute values: every value is an
 * object with one type key ({@code {"S": "..."}}, {@code {"N": "12.5"}}, {@code {"B": "<base64>"}}, {@code {"SS": [..]}},
 * {@code {"M": {..}}}, {@code {"L": [..]}}, {@code {"NULL": true}}, {@code {"BOOL": false}}), numbers as strings so no
 * digit is lost ("DynamoDB table export output format",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html).
 */
final class DynamoJson {
    private DynamoJson() {}

    static Map<String, AttributeValue> item(JsonNode map) {
        if (map == null || !map.isObject()) {
            throw new IllegalArgumentException("not a DynamoDB JSON item: " + abbreviate(map));
        }
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> out.put(e.getKey(), value(e.getValue())));
        return out;
    }

    static AttributeValue value(JsonNode v) {
        if (v == null || !v.isObject() || v.size() != 1) {
            throw new IllegalArgumentException("not a DynamoDB JSON value (one type key): " + abbreviate(v));
        }
        var field = v.fields().next();
        JsonNode x = field.getValue();
        return switch (field.getKey()) {
            case "S" -> AttributeValue.fromS(text(x));
            case "N" -> AttributeValue.fromN(text(x));
            case "B" -> AttributeValue.fromB(bytes(x));
            case "BOOL" -> AttributeValue.fromBool(x.asBoolean());
            case "NULL" -> AttributeValue.fromNul(true);
            case "SS" -> AttributeValue.fromSs(list(x, DynamoJson::text));
            case "NS" -> AttributeValue.fromNs(list(x, DynamoJson::text));
            case "BS" -> AttributeValue.fromBs(list(x, DynamoJson::bytes));
            case "M" -> AttributeValue.fromM(item(x));
            case "L" -> AttributeValue.fromL(list(x, DynamoJson::value));
            default -> throw new IllegalArgumentException("unknown DynamoDB JSON type '" + field.getKey() + "'");
        };
    }

    private static String text(JsonNode x) {
        if (!x.isTextual()) {
            throw new IllegalArgumentException("expected a JSON string, got " + abbreviate(x));
        }
        return x.textValue();
    }

    private static SdkBytes bytes(JsonNode x) {
        return SdkBytes.fromByteArray(Base64.getDecoder().decode(text(x)));
    }

    private static <T> List<T> list(JsonNode x, java.util.function.Function<JsonNode, T> element) {
        if (!x.isArray()) {
            throw new IllegalArgumentException("expected a JSON array, got " + abbreviate(x));
        }
        List<T> out = new ArrayList<>(x.size());
        x.forEach(e -> out.add(element.apply(e)));
        return out;
    }

    private static String abbreviate(JsonNode n) {
        String s = String.valueOf(n);
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
