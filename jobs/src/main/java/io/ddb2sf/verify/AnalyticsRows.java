package io.ddb2sf.verify;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.snowflake.Sql;
import io.ddb2sf.snowflake.SqlTemplate;
import io.ddb2sf.snowflake.WarehouseTables;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** What verify reads of one table's analytics and landing tables, a page of keys at a time, over one session. */
final class AnalyticsRows {
    private final Connection c;
    private final TableConfig table;

    AnalyticsRows(Connection c, TableConfig table) {
        this.c = c;
        this.table = table;
    }

    /** The rows of the given keys, by _KEY. */
    Map<String, ItemComparison.Row> find(Collection<String> keys) throws SQLException {
        Map<String, ItemComparison.Row> rows = new HashMap<>();
        if (keys.isEmpty()) {
            return rows;
        }
        String sql = SqlTemplate.load("verify_rows").render(Map.of("target", Sql.ident(table.targetTable()),
                "columns", WarehouseTables.columnNames(table), "keys", placeholders(keys.size())));
        List<ColumnSpec> columns = table.typedColumns();
        try (PreparedStatement s = bind(sql, keys); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                List<Object> values = new ArrayList<>(columns.size());
                for (int i = 0; i < columns.size(); i++) {
                    values.add(column(rs, 2 + i, columns.get(i)));
                }
                int n = 2 + columns.size();
                rows.put(rs.getString(1), new ItemComparison.Row(values, rs.getString(n), rs.getString(n + 1), rs.getBoolean(n + 2)));
            }
        }
        return rows;
    }

    /** Which of the keys have a landed change of a partition that is not merged yet. */
    Set<String> unmergedInLanding(Collection<String> keys) throws SQLException {
        Set<String> waiting = new HashSet<>();
        if (keys.isEmpty()) {
            return waiting;
        }
        String sql = SqlTemplate.load("verify_unmerged_in_landing").render(Map.of("landing", Sql.ident(table.landingTable()),
                "keys", placeholders(keys.size())));
        try (PreparedStatement s = bind(sql, keys)) {
            s.setString(keys.size() + 1, table.name());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    waiting.add(rs.getString(1));
                }
            }
        }
        return waiting;
    }

    void startSeen() throws SQLException {
        try (var s = c.createStatement()) {
            s.execute(SqlTemplate.load("verify_create_seen").render());
        }
    }

    void seen(Collection<String> keys) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        String sql = SqlTemplate.load("verify_insert_seen").render(Map.of("more", placeholders(keys.size() - 1)));
        try (PreparedStatement s = bind(sql, keys)) {
            s.executeUpdate();
        }
    }

    /** Hands over every live row's _KEY that {@link #seen} was never given, streamed. */
    void unseen(Consumer<String> sink) throws SQLException {
        String sql = SqlTemplate.load("verify_unseen_rows").render(Map.of("target", Sql.ident(table.targetTable())));
        try (var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                sink.accept(rs.getString(1));
            }
        }
    }

    private PreparedStatement bind(String sql, Collection<String> keys) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        int i = 1;
        for (String k : keys) {
            s.setString(i++, k);
        }
        return s;
    }

    private static Object column(ResultSet rs, int index, ColumnSpec spec) throws SQLException {
        Object v = switch (spec.type()) {
            case S -> rs.getString(index);
            case N -> rs.getBigDecimal(index);
            case B -> rs.getBytes(index);
            case BOOL -> rs.getBoolean(index);
        };
        return rs.wasNull() ? null : v instanceof BigDecimal d ? d : v;
    }

    private static List<Map<String, Sql.Fragment>> placeholders(int n) {
        List<Map<String, Sql.Fragment>> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(Map.of());
        }
        return list;
    }
}
