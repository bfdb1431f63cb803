package io.ddb2sf.dynamodb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Turns a DynamoDB item into two JSON documents that together lose nothing:
 *
 * <ul>
 *   <li>the <b>item</b>, natural JSON a user queries directly ({@code _ITEM:price::number}): maps are objects,
 *       lists and sets are arrays, binary is base64, numbers are JSON numbers when Snowflake keeps them exactly
 *       (see {@link #exactNumber}) and strings with the exact digits otherwise (DynamoDB allows 38 digits from
 *       1E-130 to 1E+125, which neither NUMBER(38,s) nor a double can hold);</li>
 *   <li>the <b>types</b>, the same shape with DynamoDB's type at every leaf ({@code "S"}, {@code "N"}, {@code "SS"},
 *       ...), a nested object for M and an array for L, so a set, a binary or a string-held number is never
 *       mistaken for something else.</li>
 * </ul>
 */
public final class ItemJson {
    /** Digits of an integer a VARIANT keeps as an exact fixed-point number; beyond them it would become a double. */
    private static final int MAX_EXACT_INTEGER_DIGITS = 38;
    /** Significant digits a double reproduces exactly (DBL_DIG). */
    private static final int MAX_EXACT_FRACTION_DIGITS = 15;
    /** Keeps plain-notation fractions short; 1E-30 and smaller become strings. */
    private static final int MAX_FRACTION_SCALE = 30;
    private static final JsonFactory FACTORY = new JsonFactory();

    private ItemJson() {}

    public record Documents(String item, String types) {}

    public static Documents of(Map<String, AttributeValue> item) {
        StringWriter itemOut = new StringWriter();
        StringWriter typesOut = new StringWriter();
        try (JsonGenerator values = FACTORY.createGenerator(itemOut);
             JsonGenerator types = FACTORY.createGenerator(typesOut)) {
            writeMap(item, values, types);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Documents(itemOut.toString(), typesOut.toString());
    }

    /**
     * The plain-notation number if every reader of the VARIANT keeps it exactly, else empty (the caller then writes
     * the exact text as a string). Integers up to 38 digits are exact as VARIANT fixed-point numbers; a number with a
     * fraction may be parsed as a double, which round-trips at most 15 significant digits.
     */
    public static java.util.Optional<String> exactNumber(String dynamoNumber) {
        if (isPlainExact(dynamoNumber)) {
            return java.util.Optional.of(dynamoNumber);
        }
        BigDecimal n = new BigDecimal(dynamoNumber).stripTrailingZeros();
        if (n.signum() == 0) {
            return java.util.Optional.of("0");
        }
        boolean integer = n.scale() <= 0;
        boolean fits = integer
                ? n.precision() - n.scale() <= MAX_EXACT_INTEGER_DIGITS
                : n.precision() <= MAX_EXACT_FRACTION_DIGITS && n.scale() <= MAX_FRACTION_SCALE;
        return fits ? java.util.Optional.of(n.toPlainString()) : java.util.Optional.empty();
    }

    /**
     * True when the text already is what the exact path gives: plain notation, no leading or trailing zeros, and
     * within the exact limits. DynamoDB hands most numbers over in that form, and this check costs no BigDecimal.
     */
    static boolean isPlainExact(String s) {
        int n = s.length();
        int i = !s.isEmpty() && s.charAt(0) == '-' ? 1 : 0;
        int intStart = i;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
        }
        int intDigits = i - intStart;
        if (intDigits == 0 || (s.charAt(intStart) == '0' && (intDigits > 1 || intStart > 0 && i == n))) {
            return false;
        }
        if (i == n) {
            return intDigits <= MAX_EXACT_INTEGER_DIGITS;
        }
        if (s.charAt(i) != '.') {
            return false;
        }
        int fracStart = ++i;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
        }
        if (i != n || fracStart == n || s.charAt(n - 1) == '0') {
            return false;
        }
        int scale = n - fracStart;
        int firstSignificant = intStart;
        if (s.charAt(intStart) == '0') {
            firstSignificant = fracStart;
            while (s.charAt(firstSignificant) == '0') {
                firstSignificant++;
            }
        }
        int significant = n - firstSignificant - (firstSignificant < fracStart ? 1 : 0);
        return significant <= MAX_EXACT_FRACTION_DIGITS && scale <= MAX_FRACTION_SCALE;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static void writeMap(Map<String, AttributeValue> map, JsonGenerator values, JsonGenerator types) throws IOException {
        values.writeStartObject();
        types.writeStartObject();
        // Sorted so the same item always gives the same bytes, whatever map the SDK handed us.
        String[] names = map.keySet().toArray(new String[0]);
        Arrays.sort(names);
        for (String name : names) {
            values.writeFieldName(name);
            types.writeFieldName(name);
            write(map.get(name), values, types);
        }
        values.writeEndObject();
        types.writeEndObject();
    }

    private static void write(AttributeValue v, JsonGenerator values, JsonGenerator types) throws IOException {
        switch (v.type()) {
            case S -> scalar(types, "S", () -> values.writeString(v.s()));
            case N -> scalar(types, "N", () -> writeNumber(v.n(), values));
            case B -> scalar(types, "B", () -> values.writeString(base64(v.b())));
            case BOOL -> scalar(types, "BOOL", () -> values.writeBoolean(v.bool()));
            case NUL -> scalar(types, "NULL", values::writeNull);
            case SS -> scalar(types, "SS", () -> array(values, v.ss(), values::writeString));
            case NS -> scalar(types, "NS", () -> array(values, v.ns(), n -> writeNumber(n, values)));
            case BS -> scalar(types, "BS", () -> array(values, v.bs(), b -> values.writeString(base64(b))));
            case M -> writeMap(v.m(), values, types);
            case L -> {
                values.writeStartArray();
                types.writeStartArray();
                for (AttributeValue element : v.l()) {
                    write(element, values, types);
                }
                values.writeEndArray();
                types.writeEndArray();
            }
            default -> throw new IllegalArgumentException("unknown DynamoDB attribute type in " + v);
        }
    }

    private static void writeNumber(String n, JsonGenerator values) throws IOException {
        var exact = exactNumber(n);
        if (exact.isPresent()) {
            values.writeNumber(exact.get());
        } else {
            values.writeString(n);
        }
    }

    private static String base64(SdkBytes b) {
        return Base64.getEncoder().encodeToString(b.asByteArrayUnsafe());
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }

    private static void scalar(JsonGenerator types, String type, IoAction writeValue) throws IOException {
        writeValue.run();
        types.writeString(type);
    }

    private static <T> void array(JsonGenerator values, List<T> elements, IoConsumer<T> writeElement) throws IOException {
        values.writeStartArray();
        for (T e : elements) {
            writeElement.accept(e);
        }
        values.writeEndArray();
    }
}
