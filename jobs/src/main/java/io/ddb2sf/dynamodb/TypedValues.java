package io.ddb2sf.dynamodb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ddb2sf.config.ColumnSpec;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Typed column values and the exact key text of an item. */
public final class TypedValues {
    private static final JsonFactory FACTORY = new JsonFactory();

    private TypedValues() {}

    /**
     * The value of each typed column, or null where the attribute is absent, has another type, or does not fit the
     * column (a number with more than 38 digits or more decimals than the column's scale): the exact value is
     * always in _ITEM, so a typed column is a convenience that never rounds.
     */
    public static List<Object> of(List<ColumnSpec> columns, Map<String, AttributeValue> item, Counter misfits) {
        List<Object> values = new ArrayList<>(columns.size());
        for (ColumnSpec c : columns) {
            AttributeValue v = item.get(c.attribute());
            Object typed = v == null ? null : convert(c, v);
            if (v != null && typed == null) {
                misfits.increment();
            }
            values.add(typed);
        }
        return values;
    }

    private static Object convert(ColumnSpec c, AttributeValue v) {
        return switch (c.type()) {
            case S -> v.s();
            case B -> v.b() == null ? null : v.b().asByteArray();
            case BOOL -> v.bool();
            case N -> {
                if (v.n() == null) {
                    yield null;
                }
                BigDecimal n = new BigDecimal(v.n());
                try {
                    BigDecimal scaled = n.setScale(c.scale(), RoundingMode.UNNECESSARY);
                    yield scaled.precision() <= 38 ? scaled : null;
                } catch (ArithmeticException tooManyDecimals) {
                    yield null;
                }
            }
        };
    }

    /**
     * The item's identity as text: a JSON array of its key values in key order (numbers in plain notation without
     * trailing zeros, binary as base64), so any two images of one item give the same text.
     */
    public static String keyText(List<ColumnSpec> keys, Map<String, AttributeValue> item) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartArray();
            for (ColumnSpec k : keys) {
                AttributeValue v = item.get(k.attribute());
                if (v == null) {
                    throw new IllegalArgumentException("key attribute '" + k.attribute() + "' missing from " + item.keySet());
                }
                if (v.s() != null) {
                    g.writeString(v.s());
                } else if (v.n() != null) {
                    String n = v.n();
                    g.writeString(ItemJson.isPlainExact(n) ? n : new BigDecimal(n).stripTrailingZeros().toPlainString());
                } else if (v.b() != null) {
                    g.writeString(Base64.getEncoder().encodeToString(v.b().asByteArrayUnsafe()));
                } else {
                    throw new IllegalArgumentException("key attribute '" + k.attribute() + "' is not S, N or B: " + v);
                }
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Counts values that did not fit their typed column. */
    public static final class Counter {
        private long count;

        public void increment() {
            count++;
        }

        public long count() {
            return count;
        }
    }
}
