package io.ddb2sf.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.config.AutoColumns;
import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.ColumnSpec.ScalarType;
import io.ddb2sf.config.TableConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The automatic columns of a {@code columns: auto} table: one versioned JSON record per table in the stage
 * ({@code <prefix>/<table>/_columns.json}), the only place every job and pod takes them from. It only grows: an
 * export proposes the attributes it saw that have no column yet, with a conditional put on the version it read; a
 * writer that lost the race rereads and adds what is still missing, so two exports never make two versions that
 * disagree, and a column once named keeps its name and type.
 *
 * <p>Rules (README, "Automatic columns"):
 * <ul>
 *   <li>Only top-level attributes of type S, N, B or BOOL become columns; the key attributes are columns already.</li>
 *   <li>The type is the first one seen (in the partition's row order); values of another type in later items stay in
 *       _ITEM only and count as misfits, like a declared column's. An N column's scale is the most decimals of the
 *       values seen in the export that adds it (at most 37).</li>
 *   <li>Name: the attribute upper-cased, every character other than A-Z, 0-9 and _ replaced by _, {@code A_} in front
 *       when it does not start with a letter, {@code _} after a Snowflake reserved word, then {@code _2}, {@code _3}...
 *       while the name is taken (so {@code price} and {@code Price} become PRICE and PRICE_2, in sorted attribute
 *       order within one version).</li>
 * </ul>
 */
public final class ColumnsRecord {
    public static final int FORMAT_VERSION = 1;
    private static final int MAX_ATTEMPTS = 20;
    private static final int MAX_NAME = 200;
    /**
     * Snowflake's reserved keywords, which a query can only name quoted ("Reserved & limited keywords",
     * https://docs.snowflake.com/en/sql-reference/reserved-keywords).
     */
    static final Set<String> RESERVED = Set.of("ACCOUNT", "ALL", "ALTER", "AND", "ANY", "AS", "BETWEEN", "BY", "CASE",
            "CAST", "CHECK", "COLUMN", "CONNECT", "CONNECTION", "CONSTRAINT", "CREATE", "CROSS", "CURRENT",
            "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER", "DATABASE", "DELETE", "DISTINCT", "DROP",
            "ELSE", "EXISTS", "FALSE", "FOLLOWING", "FOR", "FROM", "FULL", "GRANT", "GROUP", "GSCLUSTER", "HAVING",
            "ILIKE", "IN", "INCREMENT", "INNER", "INSERT", "INTERSECT", "INTO", "IS", "ISSUE", "JOIN", "LATERAL", "LEFT",
            "LIKE", "LOCALTIME", "LOCALTIMESTAMP", "MINUS", "NATURAL", "NOT", "NULL", "OF", "ON", "OR", "ORDER",
            "ORGANIZATION", "QUALIFY", "REGEXP", "REVOKE", "RIGHT", "RLIKE", "ROW", "ROWS", "SAMPLE", "SCHEMA", "SELECT",
            "SET", "SOME", "START", "TABLE", "TABLESAMPLE", "THEN", "TO", "TRIGGER", "TRUE", "TRY_CAST", "UNION",
            "UNIQUE", "UPDATE", "USING", "VALUES", "VIEW", "WHEN", "WHENEVER", "WHERE", "WITH");
    private static final String REMEDY = "delete it only together with the table's automatic columns in Snowflake, or"
            + " restore the previous object version";

    /** One automatic column; {@code since} is the record version that added it. */
    public record Column(String attribute, String column, ScalarType type, int scale, int since) {
        ColumnSpec spec() {
            return new ColumnSpec(attribute, column, type, scale);
        }
    }

    /** The stored record. */
    public record Columns(int formatVersion, String table, int version, List<Column> columns) {
        public Columns {
            columns = List.copyOf(columns);
        }
    }

    /** A table with its automatic columns resolved, and the record version they come from (0: none yet). */
    public record Resolved(TableConfig table, int version) {}

    private final JsonStore json;
    private final StageKeys keys;
    private final PrintStream log;
    private final Runnable betweenReadAndWrite;

    public ColumnsRecord(JsonStore json, StageKeys keys, PrintStream log) {
        this(json, keys, log, () -> {});
    }

    /** With {@code betweenReadAndWrite} run after each read of a proposal, before its conditional put (tests). */
    public ColumnsRecord(JsonStore json, StageKeys keys, PrintStream log, Runnable betweenReadAndWrite) {
        this.json = json;
        this.keys = keys;
        this.log = log;
        this.betweenReadAndWrite = betweenReadAndWrite;
    }

    /**
     * The table with its declared columns followed by its automatic ones; unchanged for a table without auto. A table
     * resolved before may be passed again: the columns it already has are kept, the ones recorded since are added.
     */
    public Resolved resolve(TableConfig table) {
        if (table.auto() == null) {
            return new Resolved(table, 0);
        }
        Columns current = read(table).map(JsonStore.Stored::value).orElse(empty(table));
        return new Resolved(with(table, current.columns()), current.version());
    }

    /**
     * The table with the automatic columns of record version {@code version} (0: none), which a partition written with
     * that version was written with: the record only grows, so they are the columns added by version {@code version}
     * or before. {@code table} is the table as configured.
     */
    public Resolved resolveAt(TableConfig table, int version) {
        if (table.auto() == null) {
            return new Resolved(table, 0);
        }
        Columns current = version == 0 ? empty(table) : read(table).map(JsonStore.Stored::value).orElse(empty(table));
        if (current.version() < version) {
            throw new JobException(ErrorCode.STAGE_INVALID, "the columns record " + keys.columnsRecord(table.name())
                    + " is at version " + current.version() + " but a partition was written with version " + version
                    + "; " + REMEDY);
        }
        return new Resolved(with(table, current.columns().stream().filter(c -> c.since() <= version).toList()), version);
    }

    private static TableConfig with(TableConfig table, List<Column> automatic) {
        List<ColumnSpec> typed = new ArrayList<>(table.columns());
        Set<String> present = new HashSet<>();
        typed.forEach(c -> present.add(c.column()));
        automatic.stream().filter(c -> !present.contains(c.column())).forEach(c -> typed.add(c.spec()));
        return table.withColumns(typed);
    }

    /**
     * Adds a column for every attribute in {@code seen} that has none (within the table's include/exclude/limit) and
     * returns the record version that holds them all; writes nothing when none is new.
     */
    public int propose(TableConfig table, Discovery seen) {
        if (table.auto() == null) {
            return 0;
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<JsonStore.Stored<Columns>> stored = read(table);
            Columns current = stored.map(JsonStore.Stored::value).orElse(empty(table));
            betweenReadAndWrite.run();
            Columns next = plus(table, current, seen);
            if (next == current) {
                return current.version();
            }
            // If-Match on the ETag read (If-None-Match: * for the first version): S3 refuses the write with 412, or 409
            // for a concurrent one, when another writer got there first ("How to prevent object overwrites with
            // conditional writes", https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
            if (json.writeIfUnchanged(keys.columnsRecord(table.name()), next, stored.map(JsonStore.Stored::etag))) {
                log.printf("columns of %s: version %d adds %s%n", table.name(), next.version(),
                        next.columns().subList(current.columns().size(), next.columns().size()).stream()
                                .map(c -> c.attribute() + " -> " + c.column() + " " + c.spec().sqlType()).toList());
                return next.version();
            }
            log.printf("columns of %s: version %d was written by another run meanwhile; rereading%n", table.name(),
                    current.version() + 1);
        }
        throw new JobException(ErrorCode.STAGE_FAILED, "could not record the automatic columns of " + table.name()
                + " after " + MAX_ATTEMPTS + " conflicting writes; rerun the partition");
    }

    private Optional<JsonStore.Stored<Columns>> read(TableConfig table) {
        return json.read(keys.columnsRecord(table.name()), Columns.class, "columns record", REMEDY);
    }

    private static Columns empty(TableConfig table) {
        return new Columns(FORMAT_VERSION, table.name(), 0, List.of());
    }

    /** {@code current} plus a column for each new admitted attribute, or {@code current} itself when there is none. */
    static Columns plus(TableConfig table, Columns current, Discovery seen) {
        AutoColumns auto = table.auto();
        Set<String> known = new HashSet<>();
        Set<String> taken = new HashSet<>();
        for (ColumnSpec c : table.keys()) {
            known.add(c.attribute());
            taken.add(c.column());
        }
        for (ColumnSpec c : table.columns()) {
            known.add(c.attribute());
            taken.add(c.column());
        }
        for (Column c : current.columns()) {
            known.add(c.attribute());
            taken.add(c.column());
        }
        List<Column> all = new ArrayList<>(current.columns());
        int version = current.version() + 1;
        for (Map.Entry<String, Discovery.Seen> e : seen.attributes().entrySet()) {
            String attribute = e.getKey();
            if (known.contains(attribute) || !auto.admits(attribute) || all.size() >= auto.limit()) {
                continue;
            }
            String column = columnName(attribute, taken);
            taken.add(column);
            all.add(new Column(attribute, column, e.getValue().type, Math.min(e.getValue().scale, 37), version));
        }
        return all.size() == current.columns().size() ? current
                : new Columns(FORMAT_VERSION, table.name(), version, all);
    }

    /** The column name of an attribute, given the names already taken (upper case). */
    public static String columnName(String attribute, Set<String> taken) {
        String base = attribute.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
        if (base.isEmpty() || base.charAt(0) < 'A' || base.charAt(0) > 'Z') {
            base = "A_" + base;
        }
        if (base.length() > MAX_NAME) {
            base = base.substring(0, MAX_NAME);
        }
        if (RESERVED.contains(base)) {
            base = base + "_";
        }
        String name = base;
        for (int n = 2; taken.contains(name); n++) {
            name = base + "_" + n;
        }
        return name;
    }

    /**
     * The top-level scalar attributes an export's rows carry, in row order: the first type seen of each, and for N
     * the most decimals seen. Fed on the writing thread, in the order the rows are staged.
     */
    public static final class Discovery {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final TreeMap<String, Seen> attributes = new TreeMap<>();
        private final boolean enabled;

        public Discovery() {
            this(true);
        }

        private Discovery(boolean enabled) {
            this.enabled = enabled;
        }

        /** A discovery for {@code table}'s rows: one that sees nothing (and costs nothing) unless it has columns: auto. */
        public static Discovery of(TableConfig table) {
            return new Discovery(table.auto() != null);
        }

        static final class Seen {
            final ScalarType type;
            int scale;

            Seen(ScalarType type) {
                this.type = type;
            }
        }

        public void see(ChangeRow row) {
            if (!enabled || row.item() == null || row.itemTypes() == null) {
                return;
            }
            try {
                JsonNode types = JSON.readTree(row.itemTypes());
                JsonNode item = null;
                for (Iterator<Map.Entry<String, JsonNode>> it = types.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    ScalarType type = scalar(f.getValue());
                    if (type == null) {
                        continue;
                    }
                    Seen s = attributes.computeIfAbsent(f.getKey(), k -> new Seen(type));
                    if (s.type == ScalarType.N && type == ScalarType.N) {
                        item = item == null ? JSON.readTree(row.item()) : item;
                        JsonNode v = item.get(f.getKey());
                        if (v != null && !v.isNull()) {
                            int decimals = Math.max(0, new BigDecimal(v.asText()).stripTrailingZeros().scale());
                            s.scale = Math.max(s.scale, decimals);
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("a change row's item is not JSON", e);
            }
        }

        private static ScalarType scalar(JsonNode type) {
            if (!type.isTextual()) {
                return null;
            }
            return switch (type.asText()) {
                case "S" -> ScalarType.S;
                case "N" -> ScalarType.N;
                case "B" -> ScalarType.B;
                case "BOOL" -> ScalarType.BOOL;
                default -> null;
            };
        }

        Map<String, Seen> attributes() {
            return attributes;
        }

        public boolean isEmpty() {
            return attributes.isEmpty();
        }
    }
}
