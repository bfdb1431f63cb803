package io.ddb2sf.dynamodb;

import io.ddb2sf.config.ColumnSpec;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Typed column values and the exact key text of an item. */
public final class TypedValues {
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
        // Written by hand like ItemJson (a Jackson generator per record cost a buffer allocation each); the bytes are
        // what Jackson's generator gave (TypedValuesTest compares the two on random keys).
        StringBuilder out = new StringBuilder(64).append('[');
        for (int i = 0; i < keys.size(); i++) {
            ColumnSpec k = keys.get(i);
            AttributeValue v = item.get(k.attribute());
            if (v == null) {
                throw new IllegalArgumentException("key attribute '" + k.attribute() + "' missing from " + item.keySet());
            }
            if (i > 0) {
                out.append(',');
            }
            if (v.s() != null) {
                ItemJson.string(v.s(), out);
            } else if (v.n() != null) {
                String n = v.n();
                ItemJson.string(ItemJson.isPlainExact(n) ? n : new BigDecimal(n).stripTrailingZeros().toPlainString(), out);
            } else if (v.b() != null) {
                out.append('"').append(Base64.getEncoder().encodeToString(v.b().asByteArrayUnsafe())).append('"');
            } else {
                throw new IllegalArgumentException("key attribute '" + k.attribute() + "' is not S, N or B: " + v);
            }
        }
        return out.append(']').toString();
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
