package io.ddb2sf.stage;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Writes change rows straight into Parquet's record consumer, the way parquet-avro's {@code AvroWriteSupport} writes
 * the Avro record of a row ({@link PartWriter#toRecord}), without building that record: the same schema, values and
 * footer (the Avro schema under {@code parquet.avro.schema}, writer model "avro"), so a part has the bytes it had when
 * it was written through {@code AvroParquetWriter} (PartWriterTest compares the two). Building a record per row and
 * Avro's per-field type dispatch cost about as much as the column writers themselves.
 */
final class ChangeRowWriteSupport extends WriteSupport<ChangeRow> {
    private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

    private final ChangeRowSchema schema;
    private final MessageType parquet;
    private final String[] names;
    /** Per typed column: its fixed Avro schema if it is a decimal, else null. */
    private final Schema[] decimals;
    private RecordConsumer out;
    // Strings that repeat from row to row (the same instance): encoded once.
    private final Binary[] lastBinary = new Binary[3];
    private final String[] lastString = new String[3];

    ChangeRowWriteSupport(ChangeRowSchema schema, ParquetConfiguration conf) {
        this.schema = schema;
        this.parquet = new AvroSchemaConverter(conf).convert(schema.avro());
        List<Schema.Field> fields = schema.avro().getFields();
        this.names = fields.stream().map(Schema.Field::name).toArray(String[]::new);
        this.decimals = new Schema[schema.typedColumns().size()];
        for (int c = 0; c < decimals.length; c++) {
            Schema type = fields.get(1 + c).schema().getTypes().get(1);
            decimals[c] = type.getType() == Schema.Type.FIXED ? type : null;
        }
    }

    @Override
    public String getName() {
        return "avro";
    }

    @Override
    public WriteContext init(Configuration configuration) {
        return context();
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
        return context();
    }

    private WriteContext context() {
        Map<String, String> extra = new HashMap<>();
        extra.put("parquet.avro.schema", schema.avro().toString());
        return new WriteContext(parquet, extra);
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.out = recordConsumer;
    }

    @Override
    public void write(ChangeRow row) {
        out.startMessage();
        int i = 0;
        binary(i++, utf8(row.key()));
        List<Object> typed = row.typed();
        for (int c = 0; c < typed.size(); c++, i++) {
            Object v = typed.get(c);
            if (v == null) {
                continue;
            }
            out.startField(names[i], i);
            if (v instanceof BigDecimal d) {
                LogicalType decimal = decimals[c].getLogicalType();
                out.addBinary(Binary.fromReusedByteArray(DECIMALS.toFixed(d, decimals[c], decimal).bytes()));
            } else if (v instanceof byte[] b) {
                out.addBinary(Binary.fromReusedByteArray(b));
            } else if (v instanceof Boolean b) {
                out.addBoolean(b);
            } else {
                out.addBinary(utf8((String) v));
            }
            out.endField(names[i], i);
        }
        binary(i++, repeated(0, row.op()));
        out.startField(names[i], i);
        out.addLong(ChronoUnit.MICROS.between(Instant.EPOCH, row.eventTime()));
        out.endField(names[i], i++);
        binary(i++, repeated(1, row.sequence()));
        out.startField(names[i], i);
        out.addBoolean(row.ttlDelete());
        out.endField(names[i], i++);
        optional(i++, row.item());
        optional(i++, row.itemTypes());
        optional(i++, row.oldItem());
        binary(i, repeated(2, row.partition()));
        out.endMessage();
    }

    private void optional(int field, String value) {
        if (value != null) {
            binary(field, utf8(value));
        }
    }

    private void binary(int field, Binary value) {
        out.startField(names[field], field);
        out.addBinary(value);
        out.endField(names[field], field);
    }

    /**
     * The string's UTF-8 bytes, as {@code Binary.fromString} encodes them, but held in an array: the statistics and
     * dictionary compare and hash every value, and on a byte array that costs a fraction of what it costs through
     * the byte buffer {@code fromString} wraps them in.
     */
    private static Binary utf8(String value) {
        return Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes of a string that is often the very instance of the previous row (op, sequence, partition). */
    private Binary repeated(int slot, String value) {
        if (value != lastString[slot]) {
            lastString[slot] = value;
            lastBinary[slot] = utf8(value);
        }
        return lastBinary[slot];
    }
}
