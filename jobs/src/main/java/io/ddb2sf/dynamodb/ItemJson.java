package io.ddb2sf.dynamodb;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Base64;
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

    /** A builder grown past this many chars (by a large item, up to 400 KB) is dropped after it rather than kept. */
    private static final int MAX_KEPT_CAPACITY = 64 << 10;
    private static final ThreadLocal<StringBuilder[]> BUILDERS =
            ThreadLocal.withInitial(() -> new StringBuilder[] {new StringBuilder(1024), new StringBuilder(256)});

    private ItemJson() {}

    public record Documents(String item, String types) {}

    public static Documents of(Map<String, AttributeValue> item) {
        // Written by hand into two builders: a JsonGenerator pair per item (and its buffer recycling) cost as much as
        // the Parquet writer itself. The bytes are Jackson's (ItemJsonTest compares the two on random items).
        // The builders are the thread's own, reused from item to item, so they do not grow again for every item.
        StringBuilder[] builders = BUILDERS.get();
        StringBuilder values = builders[0];
        StringBuilder types = builders[1];
        values.setLength(0);
        types.setLength(0);
        writeMap(item, values, types);
        Documents documents = new Documents(values.toString(), types.toString());
        if (values.capacity() > MAX_KEPT_CAPACITY) {
            builders[0] = new StringBuilder(1024);
            builders[1] = new StringBuilder(256);
        }
        return documents;
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

    private static void writeMap(Map<String, AttributeValue> map, StringBuilder values, StringBuilder types) {
        values.append('{');
        types.append('{');
        // Sorted so the same item always gives the same bytes, whatever map the SDK handed us.
        Attributes sorted = Attributes.sorted(map);
        for (int i = 0; i < sorted.size; i++) {
            if (i > 0) {
                values.append(',');
                types.append(',');
            }
            // The name's JSON text is escaped once and copied into the types document.
            int nameStart = values.length();
            string(sorted.names[i], values).append(':');
            types.append(values, nameStart, values.length());
            write(sorted.values[i], values, types);
        }
        values.append('}');
        types.append('}');
    }

    /**
     * A map's names and values in name order. Read with {@code forEach}, which the SDK's unmodifiable map hands to
     * its backing map (its entry set's {@code toArray} wraps every entry in a new object), and sorted by insertion,
     * which for an item's few attributes beats a general sort and costs one pass when they come in order already.
     * A map of many attributes (an untrusted item may hold thousands) is sorted as a whole instead.
     */
    private static final class Attributes {
        private static final int INSERTION_LIMIT = 32;

        private final String[] names;
        private final AttributeValue[] values;
        private int size;

        private Attributes(int capacity) {
            names = new String[capacity];
            values = new AttributeValue[capacity];
        }

        static Attributes sorted(Map<String, AttributeValue> map) {
            Attributes a = new Attributes(map.size());
            if (map.size() <= INSERTION_LIMIT) {
                map.forEach(a::insert);
                return a;
            }
            @SuppressWarnings("unchecked")
            Map.Entry<String, AttributeValue>[] entries = map.entrySet().toArray(new Map.Entry[0]);
            Arrays.sort(entries, Map.Entry.comparingByKey());
            for (Map.Entry<String, AttributeValue> e : entries) {
                a.names[a.size] = e.getKey();
                a.values[a.size++] = e.getValue();
            }
            return a;
        }

        private void insert(String name, AttributeValue value) {
            int i = size++;
            while (i > 0 && names[i - 1].compareTo(name) > 0) {
                names[i] = names[i - 1];
                values[i] = values[i - 1];
                i--;
            }
            names[i] = name;
            values[i] = value;
        }
    }

    private static void write(AttributeValue v, StringBuilder values, StringBuilder types) {
        switch (v.type()) {
            case S -> {
                string(v.s(), values);
                types.append("\"S\"");
            }
            case N -> {
                number(v.n(), values);
                types.append("\"N\"");
            }
            case B -> {
                base64(v.b(), values);
                types.append("\"B\"");
            }
            case BOOL -> {
                values.append(v.bool() ? "true" : "false");
                types.append("\"BOOL\"");
            }
            case NUL -> {
                values.append("null");
                types.append("\"NULL\"");
            }
            case SS -> {
                values.append('[');
                for (int i = 0; i < v.ss().size(); i++) {
                    string(v.ss().get(i), i > 0 ? values.append(',') : values);
                }
                values.append(']');
                types.append("\"SS\"");
            }
            case NS -> {
                values.append('[');
                for (int i = 0; i < v.ns().size(); i++) {
                    number(v.ns().get(i), i > 0 ? values.append(',') : values);
                }
                values.append(']');
                types.append("\"NS\"");
            }
            case BS -> {
                values.append('[');
                for (int i = 0; i < v.bs().size(); i++) {
                    base64(v.bs().get(i), i > 0 ? values.append(',') : values);
                }
                values.append(']');
                types.append("\"BS\"");
            }
            case M -> writeMap(v.m(), values, types);
            case L -> {
                values.append('[');
                types.append('[');
                for (int i = 0; i < v.l().size(); i++) {
                    if (i > 0) {
                        values.append(',');
                        types.append(',');
                    }
                    write(v.l().get(i), values, types);
                }
                values.append(']');
                types.append(']');
            }
            default -> throw new IllegalArgumentException("unknown DynamoDB attribute type in " + v);
        }
    }

    private static void number(String n, StringBuilder values) {
        if (isPlainExact(n)) {
            values.append(n);
            return;
        }
        var exact = exactNumber(n);
        if (exact.isPresent()) {
            values.append(exact.get());
        } else {
            string(n, values);
        }
    }

    private static void base64(SdkBytes b, StringBuilder values) {
        values.append('"').append(Base64.getEncoder().encodeToString(b.asByteArrayUnsafe())).append('"');
    }

    private static boolean isPlain(char c) {
        return c >= 0x20 && c != '"' && c != '\\';
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * A JSON string as Jackson writes it by default: quote and backslash escaped, the control characters below
     * U+0020 as their short escape where JSON has one and as a six-character 'backslash u 00XX' escape otherwise,
     * everything else as is.
     */
    static StringBuilder string(String s, StringBuilder out) {
        int first = 0;
        while (first < s.length() && isPlain(s.charAt(first))) {
            first++;
        }
        if (first == s.length()) {
            // Most strings need no escape: appended whole, which copies arrays instead of going char by char.
            return out.append('"').append(s).append('"');
        }
        out.append('"');
        int clean = 0;
        for (int i = first; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isPlain(c)) {
                continue;
            }
            out.append(s, clean, i);
            clean = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.append(s, clean, s.length()).append('"');
    }
}
