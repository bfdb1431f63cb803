package io.ddb2sf.it;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the tests of typed columns compare: a typed value against the export's typing, and the tables' column types. */
final class TypedColumns {
    private TypedColumns() {}

    /**
     * Whether a warehouse value equals the export's typing of it: binary by content, numbers exactly (a number the export
     * kept as text, beyond a double's digits, equal to the warehouse's NUMBER).
     */
    static boolean same(Object want, Object got) {
        if (want == null || got == null) {
            return want == got;
        }
        if (want instanceof byte[] w) {
            return got instanceof byte[] g && Arrays.equals(w, g);
        }
        if (want instanceof BigDecimal w) {
            return got instanceof BigDecimal g && w.equals(g);
        }
        if (want instanceof String w && got instanceof BigDecimal g) {
            return new BigDecimal(w).equals(g);
        }
        return want.equals(got);
    }

    static String show(Object o) {
        return o instanceof byte[] b ? Arrays.toString(b) : String.valueOf(o);
    }

    /**
     * The column types of the analytics table (by column name) and of its landing table ("landing." + name), as
     * "NUMBER(scale)" or the type's name; every text type as "TEXT".
     */
    static Map<String, String> columnTypes(Connection c, LocalStack.TestTable t) throws Exception {
        Map<String, String> types = new TreeMap<>();
        for (String table : List.of(t.target(), t.target() + "_CHANGES")) {
            try (PreparedStatement ps = c.prepareStatement("SELECT \"COLUMN_NAME\", \"DATA_TYPE\", \"NUMERIC_SCALE\" FROM"
                    + " INFORMATION_SCHEMA.COLUMNS WHERE \"TABLE_SCHEMA\" = ? AND \"TABLE_NAME\" = ?")) {
                ps.setString(1, t.schema());
                ps.setString(2, table);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String type = rs.getString(2) + (rs.getObject(3) == null ? "" : "(" + rs.getInt(3) + ")");
                        types.put(table.equals(t.target()) ? rs.getString(1) : "landing." + rs.getString(1), type);
                    }
                }
            }
        }
        types.replaceAll((k, v) -> v.startsWith("TEXT") ? "TEXT" : v);
        return types;
    }
}
