package io.ddb2sf.warmup;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.ddb2sf.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.snowflake.client.jdbc.internal.apache.arrow.memory.BufferAllocator;
import net.snowflake.client.jdbc.internal.apache.arrow.memory.RootAllocator;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.BaseIntVector;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.BigIntVector;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.BitVector;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.FieldVector;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.IntVector;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.VarCharVector;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.VectorSchemaRoot;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.complex.StructVector;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.ipc.ArrowStreamWriter;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.types.pojo.ArrowType;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.types.pojo.Field;
import net.snowflake.client.jdbc.internal.apache.arrow.vector.types.pojo.FieldType;

/**
 * A query's rows as Snowflake sends them to snowflake-jdbc, in the result format the session asked for: the
 * session parameter JDBC_QUERY_RESULT_FORMAT, JSON or ARROW, default ARROW ("Parameters",
 * https://docs.snowflake.com/en/sql-reference/parameters). The jobs ask for JSON (SnowflakeConnections): a
 * {@code rowset} of rows of strings (a BOOLEAN as 1 or 0, a TIMESTAMP_NTZ as epoch seconds with a 9-digit fraction).
 * ARROW is one base64 Arrow IPC stream ({@code rowsetBase64}) whose fields carry Snowflake's type in their metadata
 * ({@code logicalType}, {@code precision}, {@code scale}, {@code charLength}), as fakesnow's server writes them
 * (fakesnow/arrow.py), which answers in Arrow whatever the session asks: a FIXED column as a signed integer as
 * narrow as its values allow (the driver reads int8 to int64), a TIMESTAMP_NTZ of scale 9 as a struct of
 * {@code epoch} seconds and {@code fraction} nanoseconds.
 *
 * <p>Only for {@link LoopbackServices}; the Arrow stream is written with the Arrow library the driver carries.
 */
public record QueryRows(List<Column> columns, List<List<String>> rows) {
    /** A result column: {@code type} one of text, fixed, boolean, timestamp_ntz (Snowflake's rowtype names). */
    public record Column(String name, String type) {
        String rowtype() {
            String shape = switch (type) {
                case "text" -> "{\"name\":\"%s\",\"type\":\"text\",\"nullable\":true,\"precision\":null,\"scale\":null,\"length\":16777216,\"byteLength\":16777216}";
                case "fixed" -> "{\"name\":\"%s\",\"type\":\"fixed\",\"nullable\":true,\"precision\":38,\"scale\":0,\"length\":null,\"byteLength\":null}";
                case "boolean" -> "{\"name\":\"%s\",\"type\":\"boolean\",\"nullable\":true,\"precision\":null,\"scale\":null,\"length\":null,\"byteLength\":null}";
                case "timestamp_ntz" -> "{\"name\":\"%s\",\"type\":\"timestamp_ntz\",\"nullable\":true,\"precision\":0,\"scale\":9,\"length\":null,\"byteLength\":null}";
                default -> throw new IllegalArgumentException("no Arrow shape for " + type);
            };
            return shape.formatted(name);
        }
    }

    public QueryRows {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /** A query's answer: rowtype, the rows in JSON or Arrow, counts and the query statement type. */
    public String answer(String queryId, boolean arrow) {
        List<String> rowtype = columns.stream().map(Column::rowtype).toList();
        String rowset = arrow ? "\"rowsetBase64\":\"" + (rows.isEmpty() ? "" : base64()) + "\"" : "\"rowset\":" + jsonRowset();
        return """
                {"data":{"parameters":[{"name":"TIMEZONE","value":"Etc/UTC"}],"rowtype":[%s],%s,"total":%d,"returned":%d,
                 "queryId":"%s","statementTypeId":4096,"queryResultFormat":"%s",
                 "finalDatabaseName":"ANALYTICS","finalSchemaName":"DYNAMODB"},"success":true}"""
                .formatted(String.join(",", rowtype), rowset, rows.size(), rows.size(), queryId, arrow ? "arrow" : "json");
    }

    private String jsonRowset() {
        ArrayNode out = Json.mapper().createArrayNode();
        for (List<String> row : rows) {
            ArrayNode values = out.addArray();
            for (int i = 0; i < columns.size(); i++) {
                String v = row.get(i);
                values.add(v == null ? null : switch (columns.get(i).type()) {
                    case "boolean" -> Boolean.parseBoolean(v) ? "1" : "0";
                    case "timestamp_ntz" -> {
                        LocalDateTime t = LocalDateTime.parse(v);
                        yield t.toEpochSecond(ZoneOffset.UTC) + "." + String.format(Locale.ROOT, "%09d", t.getNano());
                    }
                    default -> v;
                });
            }
        }
        return out.toString();
    }

    private String base64() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BufferAllocator allocator = new RootAllocator()) {
            List<FieldVector> vectors = new ArrayList<>();
            try {
                for (int i = 0; i < columns.size(); i++) {
                    vectors.add(vector(columns.get(i), i, allocator));
                }
                List<Field> fields = vectors.stream().map(FieldVector::getField).toList();
                try (VectorSchemaRoot root = new VectorSchemaRoot(fields, vectors, rows.size());
                     ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
                    writer.start();
                    writer.writeBatch();
                    writer.end();
                }
            } finally {
                vectors.forEach(FieldVector::close);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    private FieldVector vector(Column column, int index, BufferAllocator allocator) {
        List<String> values = rows.stream().map(r -> r.get(index)).toList();
        String type = column.type().toUpperCase(Locale.ROOT);
        Map<String, String> meta = Map.of("logicalType", type, "precision", "38",
                "scale", column.type().equals("timestamp_ntz") ? "9" : "0",
                "charLength", column.type().equals("text") ? "16777216" : "0");
        FieldVector vector = switch (column.type()) {
            case "text" -> new VarCharVector(column.name(), new FieldType(true, ArrowType.Utf8.INSTANCE, null, meta), allocator);
            case "boolean" -> new BitVector(column.name(), new FieldType(true, ArrowType.Bool.INSTANCE, null, meta), allocator);
            case "fixed" -> new FieldType(true, new ArrowType.Int(width(values), true), null, meta)
                    .createNewSingleVector(column.name(), allocator, null);
            case "timestamp_ntz" -> new Field(column.name(), new FieldType(true, ArrowType.Struct.INSTANCE, null, meta), List.of(
                    new Field("epoch", FieldType.notNullable(new ArrowType.Int(64, true)), null),
                    new Field("fraction", FieldType.notNullable(new ArrowType.Int(32, true)), null))).createVector(allocator);
            default -> throw new IllegalArgumentException("no Arrow shape for " + column.type());
        };
        vector.setInitialCapacity(values.size());
        vector.allocateNew();
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (v == null) {
                vector.setNull(i);
                continue;
            }
            switch (vector) {
                case VarCharVector text -> text.setSafe(i, v.getBytes(StandardCharsets.UTF_8));
                case BitVector bool -> bool.setSafe(i, Boolean.parseBoolean(v) ? 1 : 0);
                case BaseIntVector fixed -> fixed.setWithPossibleTruncate(i, Long.parseLong(v));
                case StructVector ts -> {
                    LocalDateTime t = LocalDateTime.parse(v);
                    ts.getChild("epoch", BigIntVector.class).setSafe(i, t.toEpochSecond(ZoneOffset.UTC));
                    ts.getChild("fraction", IntVector.class).setSafe(i, t.getNano());
                    ts.setIndexDefined(i);
                }
                default -> throw new IllegalStateException("unexpected vector " + vector);
            }
        }
        vector.setValueCount(values.size());
        if (vector instanceof StructVector ts) {
            ts.getChildrenFromFields().forEach(child -> child.setValueCount(values.size()));
        }
        return vector;
    }

    /** The narrowest of int8..int64 that holds every value of the column. */
    private static int width(List<String> values) {
        long max = values.stream().filter(v -> v != null).mapToLong(v -> Math.abs(Long.parseLong(v))).max().orElse(0);
        return max <= Byte.MAX_VALUE ? 8 : max <= Short.MAX_VALUE ? 16 : max <= Integer.MAX_VALUE ? 32 : 64;
    }
}
