package io.ddb2sf.stage;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.TableConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.conf.PlainParquetConfiguration;

/**
 * The Parquet schema of a table's change rows. Column names equal the landing table's, so COPY matches them by
 * name; the fingerprint is the sha-256 of the Parquet schema exactly as a file footer states it.
 *
 * <p>Every column's Parquet type is chosen for how Snowflake loads it with {@code USE_LOGICAL_TYPE = TRUE} and
 * {@code BINARY_AS_TEXT = FALSE} (copy_partition.sql; CREATE FILE FORMAT, Parquet options,
 * https://docs.snowflake.com/en/sql-reference/sql/create-file-format): text is BINARY annotated STRING; binary typed
 * columns are BINARY with no annotation, loaded as the bytes themselves; numbers are DECIMAL(38,s) on 16 bytes;
 * booleans BOOLEAN; {@code _EVENT_TS} is TIMESTAMP(MICROS, isAdjustedToUTC=false) holding the UTC wall-clock time,
 * which is what the TIMESTAMP_NTZ landing column stores (an isAdjustedToUTC=true column is an instant, meant for
 * TIMESTAMP_LTZ; Parquet logical types, https://parquet.apache.org/docs/file-format/types/logicaltypes/). ParquetLoadIT
 * reads a staged footer and checks each of these.
 */
public final class ChangeRowSchema {
    private final List<ColumnSpec> typedColumns;
    private final Schema avro;
    private final String fingerprint;

    public ChangeRowSchema(TableConfig table) {
        this.typedColumns = table.typedColumns();
        Map<Integer, Schema> decimals = new HashMap<>();
        SchemaBuilder.FieldAssembler<Schema> f = SchemaBuilder.record("ChangeRow").namespace("io.ddb2sf").fields()
                .requiredString("_KEY");
        for (ColumnSpec c : table.typedColumns()) {
            Schema type = switch (c.type()) {
                case S -> Schema.create(Schema.Type.STRING);
                case N -> decimals.computeIfAbsent(c.scale(), s -> LogicalTypes.decimal(38, s)
                        .addToSchema(Schema.createFixed("DECIMAL_38_" + s, null, "io.ddb2sf", 16)));
                case B -> Schema.create(Schema.Type.BYTES);
                case BOOL -> Schema.create(Schema.Type.BOOLEAN);
            };
            f = f.name(c.column()).type(Schema.createUnion(Schema.create(Schema.Type.NULL), type)).withDefault(null);
        }
        this.avro = f
                .requiredString("_OP")
                .name("_EVENT_TS").type(LogicalTypes.localTimestampMicros().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
                .requiredString("_SEQ")
                .requiredBoolean("_TTL_DELETE")
                .optionalString("_ITEM")
                .optionalString("_ITEM_TYPES")
                .optionalString("_OLD_ITEM")
                .requiredString("_PARTITION")
                .endRecord();
        String parquetSchema = new AvroSchemaConverter(new PlainParquetConfiguration()).convert(avro).toString();
        this.fingerprint = fingerprintOf(parquetSchema);
    }

    public static String fingerprintOf(String parquetSchemaText) {
        return StageStore.sha256(parquetSchemaText.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public Schema avro() {
        return avro;
    }

    public String fingerprint() {
        return fingerprint;
    }

    public List<ColumnSpec> typedColumns() {
        return typedColumns;
    }
}
