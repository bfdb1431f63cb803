package io.ddb2sf.snowflake;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.TableConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The columns of a table's landing, analytics and tombstone tables as Snowflake lists them, read in one statement:
 * whether each exists (a table without columns does not) and, for the typed columns, their types. Every job that
 * works in the warehouse reads it once before it changes anything, so an hourly run spends one round trip here
 * instead of a CREATE ... IF NOT EXISTS per table and a listing per table.
 */
public record TableColumns(Map<String, Map<String, Column>> tables) {
    /** A column as Snowflake describes it: DATA_TYPE, and NUMERIC_SCALE for a NUMBER. */
    public record Column(String dataType, Integer scale) {
        boolean holds(ColumnSpec c) {
            return switch (c.type()) {
                case S -> dataType.equals("TEXT");
                case N -> dataType.equals("NUMBER") && scale != null && scale == c.scale();
                case B -> dataType.equals("BINARY");
                case BOOL -> dataType.equals("BOOLEAN");
            };
        }

        String describe() {
            return switch (dataType) {
                case "TEXT" -> "VARCHAR";
                case "NUMBER" -> "NUMBER(38," + scale + ")";
                default -> dataType;
            };
        }
    }

    /** Keeps the listing's order, in which a run reports the columns it finds. */
    public TableColumns {
        Map<String, Map<String, Column>> copy = new LinkedHashMap<>();
        tables.forEach((name, columns) -> copy.put(name, Collections.unmodifiableMap(new LinkedHashMap<>(columns))));
        tables = Collections.unmodifiableMap(copy);
    }

    /** Lists the columns of the table's landing, analytics and tombstone tables. */
    public static TableColumns list(Connection c, TableConfig table) throws SQLException {
        Map<String, Map<String, Column>> tables = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("table_columns").render())) {
            ps.setString(1, table.landingTable());
            ps.setString(2, table.targetTable());
            ps.setString(3, table.tombstoneTable());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int scale = rs.getInt(4);
                    Column column = new Column(rs.getString(3).toUpperCase(Locale.ROOT), rs.wasNull() ? null : scale);
                    tables.computeIfAbsent(rs.getString(1), t -> new LinkedHashMap<>()).put(rs.getString(2), column);
                }
            }
        }
        return new TableColumns(tables);
    }

    public boolean exists(String table) {
        return tables.containsKey(table);
    }

    /** The table's columns by name; empty when it does not exist. */
    public Map<String, Column> of(String table) {
        return tables.getOrDefault(table, Map.of());
    }
}
