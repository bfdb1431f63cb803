package io.ddb2sf.snowflake;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.TableConfig;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Brings a table's typed columns in line with its config before copy-load, merge-apply or migrate works on it, and
 * records every change in {@code DDB2SF_COLUMN_CHANGES}.
 *
 * <ul>
 *   <li>A column the config adds (or adds back) is added to the landing and analytics tables, and every analytics row
 *       gets its value from the row's _ITEM, typed exactly as the export types it (the {@code item_value_*} templates
 *       mirror dynamodb/TypedValues): no DynamoDB read, and a value that does not fit is NULL and counted.</li>
 *   <li>A column the config no longer names stays, values and all, and is no longer written (REMOVED). Dropping it is
 *       the user's statement (README, "Changing columns"); the next run records it as DROPPED.</li>
 *   <li>A column whose type the config changes is refused before anything changes: Snowflake cannot change a column
 *       to another type in place without rewriting it, and a half-converted column is worse than an error.</li>
 * </ul>
 *
 * <p>Snowflake commits every DDL statement on its own, so the ALTERs cannot share the fill's transaction
 * (https://docs.snowflake.com/en/sql-reference/transactions#ddl). Each step is therefore idempotent and recorded
 * before or with its effect: ADDED is written before the ALTERs, the fill and its FILLED record commit together. A run
 * that dies in between leaves the column ADDED and not FILLED, and the next run fills it. Two runs that overlap both
 * fill; the fill is a function of _ITEM alone, so they agree. The MERGE takes a typed value from _ITEM whenever the
 * landing row has none (a partition staged before the column existed), so no order of reruns writes NULL over a value.
 */
public final class SchemaChanges {
    /** ddb2sf's own columns of the landing and analytics tables; every other column is a typed column. */
    private static final Set<String> OWN_COLUMNS = Set.of("_KEY", "_OP", "_EVENT_TS", "_SEQ", "_TTL_DELETE", "_ITEM",
            "_ITEM_TYPES", "_OLD_ITEM", "_PARTITION", "_VERSION_TS", "_VERSION_SEQ", "_DELETED_AT");

    public enum Change { BASELINE, ADDED, FILLED, REMOVED, DROPPED }

    /**
     * What a run changed, for its summary line.
     *
     * @param changes     one line per change, e.g. {@code "ORDERS.PRICE added NUMBER(38,2)"}
     * @param filledRows  analytics rows the fills typed from _ITEM
     * @param fillMisfits values of those rows that did not fit their column (left NULL, exact in _ITEM)
     */
    public record Report(List<String> changes, long filledRows, long fillMisfits) {
        public static final Report NONE = new Report(List.of(), 0, 0);

        public Report {
            changes = List.copyOf(changes);
        }

        public Report plus(Report other) {
            List<String> all = new ArrayList<>(changes);
            all.addAll(other.changes);
            return new Report(all, filledRows + other.filledRows, fillMisfits + other.fillMisfits);
        }
    }

    /** The table a run applied, with the columns it found current, and what it changed. */
    public record Applied(TableConfig table, Report report) {}

    private final PrintStream log;
    private final UnaryOperator<TableConfig> current;

    /**
     * @param current the table with its columns as recorded now, for tables whose columns grow while jobs run
     *                ({@code columns: auto}: its record in the stage, which other pods add to); read after the
     *                tables' columns are listed
     */
    public SchemaChanges(PrintStream log, UnaryOperator<TableConfig> current) {
        this.log = log;
        this.current = current;
    }

    /**
     * Applies the config's typed columns to the table's landing and analytics tables (made by
     * {@link WarehouseTables#ensure} beforehand; nothing is done while they do not exist).
     *
     * @param listed the tables' columns, listed by the caller just before (a {@code columns: auto} table's record is
     *               read after it)
     * @param run    who asks, recorded with each change: the job and its partition, or {@code migrate}
     */
    public Report apply(Connection c, TableConfig table, TableColumns listed, String run) throws SQLException {
        return applied(c, table, listed, run).report();
    }

    /**
     * {@link #apply}, and the table with the columns it applied, for the statements that follow (the MERGE).
     *
     * <p>A {@code columns: auto} table is read again from its record after Snowflake's columns are listed: a run
     * adds an automatic column to Snowflake only after the record holds it, so every automatic column in the listing
     * is in what is read then (S3 reads are strongly consistent after a write, "Amazon S3 data consistency model",
     * https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel). A column another pod
     * added after this job started is thus applied and written, never taken for one the config removed.
     */
    public Applied applied(Connection c, TableConfig given, TableColumns listed, String run) throws SQLException {
        Map<String, TableColumns.Column> target = listed.of(given.targetTable());
        Map<String, TableColumns.Column> landing = listed.of(given.landingTable());
        TableConfig table = current.apply(given);
        if (target.isEmpty() || landing.isEmpty()) {
            return new Applied(table, Report.NONE);
        }
        for (ColumnSpec col : table.typedColumns()) {
            refuseTypeChange(table, table.targetTable(), target.get(col.column()), col);
            refuseTypeChange(table, table.landingTable(), landing.get(col.column()), col);
        }
        Map<String, Change> last = lastChanges(c, table.targetTable());
        List<String> changes = new ArrayList<>();
        List<ColumnSpec> toFill = new ArrayList<>();
        for (ColumnSpec col : table.columns()) {
            Change was = last.get(col.column());
            boolean present = target.containsKey(col.column());
            if (present && was == null) {
                record(c, table, col.column(), col, Change.BASELINE, null, null, run);
            } else if (!present || was == Change.ADDED || was == Change.REMOVED || was == Change.DROPPED) {
                if (was != Change.ADDED) {
                    record(c, table, col.column(), col, Change.ADDED, null, null, run);
                }
                toFill.add(col);
            }
        }
        for (ColumnSpec col : table.columns()) {
            if (!landing.containsKey(col.column())) {
                addColumn(c, table.landingTable(), col);
            }
            if (!target.containsKey(col.column())) {
                addColumn(c, table.targetTable(), col);
                changes.add(table.targetTable() + "." + col.column() + " added " + col.sqlType());
            }
        }
        long[] filled = {0, 0};
        if (!toFill.isEmpty()) {
            filled = Transaction.run(c, "fill the new columns of " + table.targetTable(),
                    Transaction.Name.of("COLUMNS", table.targetTable(), "fill"), log, tx -> fill(tx, table, toFill, run));
            for (ColumnSpec col : toFill) {
                changes.add(table.targetTable() + "." + col.column() + " filled from _ITEM");
            }
        }
        Set<String> configured = table.typedColumns().stream().map(ColumnSpec::column).collect(Collectors.toSet());
        for (String name : target.keySet()) {
            if (!OWN_COLUMNS.contains(name) && !configured.contains(name) && last.get(name) != Change.REMOVED) {
                record(c, table, name, null, Change.REMOVED, null, null, run);
                changes.add(table.targetTable() + "." + name + " removed from the config: kept, no longer written");
                log.printf("columns %s: %s is no longer in the config; it stays with its values and is no longer"
                        + " written (README, \"Changing columns\", says how to drop it)%n", table.targetTable(), name);
            }
        }
        for (Map.Entry<String, Change> e : last.entrySet()) {
            if (e.getValue() == Change.REMOVED && !target.containsKey(e.getKey()) && !configured.contains(e.getKey())) {
                record(c, table, e.getKey(), null, Change.DROPPED, null, null, run);
                changes.add(table.targetTable() + "." + e.getKey() + " dropped");
            }
        }
        if (!changes.isEmpty()) {
            log.printf("columns %s: %s (%,d rows filled, %,d values did not fit their column)%n", table.targetTable(),
                    changes, filled[0], filled[1]);
        }
        return new Applied(table, new Report(changes, filled[0], filled[1]));
    }

    /**
     * The typed columns of the analytics table that its record holds now but {@code merged} does not write: columns
     * another run recorded and added (and filled) after this run read the record. Read inside the MERGE's transaction,
     * after the MERGE: a column added before this listing may have been filled before the MERGE changed rows, which
     * would keep the fill's value, so the caller rolls back. A column added after it is filled by the statement that
     * follows its ALTER, over every row; under read committed isolation that statement sees what was committed before
     * it began ("Transactions", https://docs.snowflake.com/en/sql-reference/transactions), so only a fill that begins
     * between this listing and this commit can miss this merge's rows (README, "Automatic columns", known limits).
     */
    public List<String> addedMeanwhile(Connection c, TableConfig merged) throws SQLException {
        Map<String, TableColumns.Column> target = TableColumns.list(c, merged).of(merged.targetTable());
        Set<String> written = merged.typedColumns().stream().map(ColumnSpec::column).collect(Collectors.toSet());
        return current.apply(merged).typedColumns().stream().map(ColumnSpec::column)
                .filter(col -> target.containsKey(col) && !written.contains(col)).toList();
    }

    /**
     * The typed columns as the MERGE template takes them: {@code column}, and {@code from_item}, the column's value
     * from the source row's item, for landing rows whose files predate the column.
     */
    public static List<Map<String, Sql.Fragment>> mergeColumns(TableConfig table) {
        return table.typedColumns().stream()
                .map(c -> Map.<String, Sql.Fragment>of("column", Sql.ident(c.column()), "from_item", itemValue(c)))
                .toList();
    }

    /**
     * The typed columns other than the keys (a key is in every row's files) as count_merge_misfits.sql takes them:
     * {@code column}, {@code attribute} and {@code from_item} (as {@link #mergeColumns}).
     */
    public static List<Map<String, Sql.Fragment>> misfitColumns(TableConfig table) {
        return table.columns().stream()
                .map(c -> Map.<String, Sql.Fragment>of("column", Sql.ident(c.column()),
                        "attribute", Sql.literal(c.attribute()), "from_item", itemValue(c)))
                .toList();
    }

    /** The column's value from the item of the row aliased {@code s}, typed as dynamodb/TypedValues types it. */
    static Sql.Expr itemValue(ColumnSpec c) {
        Map<String, Sql.Fragment> values = new HashMap<>();
        values.put("attribute", Sql.literal(c.attribute()));
        String template = switch (c.type()) {
            case S -> "item_value_s";
            case B -> "item_value_b";
            case BOOL -> "item_value_bool";
            case N -> {
                values.put("fits", Sql.literal(fitsPattern(c.scale())));
                values.put("type", new Sql.Type(c.sqlType()));
                yield "item_value_n";
            }
        };
        String sql = SqlTemplate.load(template).render(values).lines()
                .filter(l -> !l.stripLeading().startsWith("--"))
                .collect(Collectors.joining(" "))
                .strip();
        return new Sql.Expr("(" + sql + ")");
    }

    /**
     * The plain-notation numbers that fit NUMBER(38, scale) exactly: at most 38 - scale integer digits and at most
     * {@code scale} decimals, leading and trailing zeros aside (TypedValues: setScale without rounding, precision at
     * most 38).
     */
    static String fitsPattern(int scale) {
        String integer = "(0*[1-9][0-9]{0," + (38 - scale - 1) + "}|0*)";
        String fraction = scale == 0 ? "([.]0*)?" : "([.][0-9]{0," + scale + "}0*)?";
        return "^-?" + integer + fraction + "$";
    }

    private long[] fill(Connection c, TableConfig table, List<ColumnSpec> cols, String run) throws SQLException {
        long rows = 0;
        long misfits = 0;
        for (ColumnSpec col : cols) {
            Sql.Expr value = itemValue(col);
            long colMisfits;
            long colRows;
            try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("count_fill_misfits").render(Map.of(
                    "target", Sql.ident(table.targetTable()), "value", value, "attribute", Sql.literal(col.attribute()))))) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    colMisfits = rs.getLong(1);
                    colRows = rs.getLong(2);
                }
            }
            try (Statement s = c.createStatement()) {
                s.executeUpdate(SqlTemplate.load("fill_column").render(Map.of(
                        "target", Sql.ident(table.targetTable()), "column", Sql.ident(col.column()), "value", value)));
            }
            record(c, table, col.column(), col, Change.FILLED, colRows, colMisfits, run);
            rows += colRows;
            misfits += colMisfits;
        }
        return new long[] {rows, misfits};
    }

    private void refuseTypeChange(TableConfig table, String in, TableColumns.Column existing, ColumnSpec col) {
        if (existing != null && !existing.holds(col)) {
            throw new JobException(ErrorCode.COLUMN_TYPE_CHANGED, "column " + col.column() + " of " + in + " is "
                    + existing.describe() + " in Snowflake but the config makes it " + col.sqlType() + "; ddb2sf never"
                    + " changes a column's type in place: keep the old type, give the attribute a new column name (it is"
                    + " added and filled from _ITEM), or drop " + col.column() + " from " + table.targetTable() + " and "
                    + table.landingTable() + " (README, \"Changing columns\") to have it added back with the new type");
        }
    }

    private void addColumn(Connection c, String tableName, ColumnSpec col) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(SqlTemplate.load("add_column").render(Map.of(
                    "table", Sql.ident(tableName), "column", Sql.ident(col.column()), "type", new Sql.Type(col.sqlType()))));
        }
    }

    /** Each column's last recorded change; a tie in time goes to the later step (ADDED, then FILLED). */
    private static Map<String, Change> lastChanges(Connection c, String targetTable) throws SQLException {
        Map<String, Change> last = new HashMap<>();
        Map<String, Timestamp> at = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("column_changes_list").render())) {
            ps.setString(1, targetTable);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = rs.getString(1);
                    Change change = Change.valueOf(rs.getString(3));
                    Timestamp when = rs.getTimestamp(4);
                    Timestamp before = at.get(column);
                    if (before == null || when.after(before) || (when.equals(before) && change.ordinal() > last.get(column).ordinal())) {
                        last.put(column, change);
                        at.put(column, when);
                    }
                }
            }
        }
        return last;
    }

    private static void record(Connection c, TableConfig table, String column, ColumnSpec spec, Change change, Long rows,
                               Long misfits, String run) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("column_changes_record").render())) {
            ps.setString(1, table.targetTable());
            ps.setString(2, column);
            setText(ps, 3, spec == null ? null : spec.attribute());
            setText(ps, 4, spec == null ? null : spec.sqlType());
            ps.setString(5, change.name());
            setLong(ps, 6, rows);
            setLong(ps, 7, misfits);
            ps.setString(8, run);
            ps.executeUpdate();
        }
    }

    private static void setText(PreparedStatement ps, int i, String v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, v);
        }
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.NUMERIC);
        } else {
            ps.setLong(i, v);
        }
    }
}
