package io.ddb2sf.bench;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.snowflake.Sql;
import io.ddb2sf.snowflake.SqlTemplate;
import io.ddb2sf.snowflake.Tombstones;
import io.ddb2sf.snowflake.WarehouseTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * merge-apply's statements for one partition against landing tables with more and more history, and the same
 * statements against a landing table that holds only that partition (the bare baseline), on the local Snowflake
 * (fakesnow). Cost is the warehouse's: the fakesnow server process's CPU seconds (user + system, from /proc) and the
 * wall time, per merge, median of the rounds; the two sides alternate, and the analytics table and tombstones are
 * restored before each merge so both do the same writes.
 *
 * <p>Args: JDBC URL, fakesnow server pid, partition rows, rounds, template of the merge before (a file, or "-"),
 * history sizes...
 */
public final class MergeHistoryBench {
    private static final int KEYS = 20_000;
    private static final int ROWS_PER_HOUR = 10_000;

    public static void main(String[] args) throws Exception {
        String url = args[0];
        long pid = Long.parseLong(args[1]);
        int partitionRows = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        String before = args[4].equals("-") ? null : Files.readString(Path.of(args[4]));
        long[] sizes = Arrays.stream(args, 5, args.length).mapToLong(Long::parseLong).toArray();
        TableConfig table = new TableConfig("bench_merge", "BENCH_MERGE", List.of(new ColumnSpec("pk", "PK", ColumnSpec.ScalarType.S, 0)),
                List.of(), TableConfig.DeleteMode.HARD, false);
        TableConfig bare = new TableConfig("bench_merge_bare", "BENCH_MERGE_BARE", table.keys(), List.of(),
                TableConfig.DeleteMode.HARD, false);
        System.out.printf("%-10s %-22s %-22s %-7s %-22s %-8s %s%n", "history", "ddb2sf cpu-s / wall-s",
                "bare cpu-s / wall-s", "ratio", "before cpu-s / wall-s", "before/bare", "server RSS MB");
        double first = 0;
        for (long history : sizes) {
            String schema = "BENCH_MERGE_" + history;
            try (Connection c = connect(url, null)) {
                exec(c, "CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
            }
            try (Connection c = connect(url, schema)) {
                setUp(c, table, bare, history, partitionRows);
                List<double[]> ours = new ArrayList<>();
                List<double[]> base = new ArrayList<>();
                List<double[]> old = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    for (int side = 0; side < 2; side++) {
                        boolean oursFirst = r % 2 == 0;
                        if ((side == 0) == oursFirst) {
                            ours.add(timed(c, pid, table, () -> merge(c, table, table.landingTable())));
                        } else {
                            base.add(timed(c, pid, table, () -> merge(c, table, bare.landingTable())));
                        }
                    }
                    if (before != null) {
                        old.add(timed(c, pid, table, () -> mergeBefore(c, table, before)));
                    }
                }
                double[] o = median(ours);
                double[] b = median(base);
                double[] x = before == null ? new double[] {0, 0} : median(old);
                first = first == 0 ? o[0] : first;
                System.out.printf("%-10d %-22s %-22s %-7.2f %-22s %-8s %d%n", history,
                        String.format("%.3f / %.3f", o[0], o[1]), String.format("%.3f / %.3f", b[0], b[1]), o[0] / b[0],
                        before == null ? "-" : String.format("%.3f / %.3f", x[0], x[1]),
                        before == null ? "-" : String.format("%.2f", x[0] / b[0]), rssMb(pid));
                exec(c, "DROP SCHEMA \"" + schema + "\" CASCADE");
            }
        }
    }

    private interface Work {
        void run() throws SQLException;
    }

    /** Restores the analytics table and the tombstones, then runs the work: its server CPU seconds and wall seconds. */
    private static double[] timed(Connection c, long pid, TableConfig table, Work work) throws Exception {
        exec(c, "DELETE FROM \"" + table.targetTable() + "\"");
        exec(c, "INSERT INTO \"" + table.targetTable() + "\" SELECT * FROM \"" + table.targetTable() + "_BASE\"");
        exec(c, "DELETE FROM \"" + table.tombstoneTable() + "\"");
        exec(c, "INSERT INTO \"" + table.tombstoneTable() + "\" SELECT * FROM \"" + table.tombstoneTable() + "_BASE\"");
        double cpu = cpuSeconds(pid);
        long t0 = System.nanoTime();
        work.run();
        long t1 = System.nanoTime();
        return new double[] {cpuSeconds(pid) - cpu, (t1 - t0) / 1e9};
    }

    /** merge-apply's two statements for the partition, as MergeJob runs them, reading the given landing table. */
    private static void merge(Connection c, TableConfig table, String landing) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("merge_partition").render(Map.of(
                "target", Sql.ident(table.targetTable()), "landing", Sql.ident(landing),
                "tombstones", Sql.ident(table.tombstoneTable()), "columns", io.ddb2sf.snowflake.SchemaChanges.mergeColumns(table))))) {
            ps.setString(1, "HARD");
            ps.setString(2, "bench_merge/now");
            ps.setString(3, "bench_merge/now");
            ps.execute();
        }
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("merge_tombstones").render(Map.of(
                "tombstones", Sql.ident(table.tombstoneTable()), "landing", Sql.ident(landing))))) {
            ps.setBoolean(1, true);
            ps.setBoolean(2, true);
            ps.setString(3, "bench_merge/now");
            ps.setString(4, "bench_merge/now");
            ps.execute();
        }
    }

    /** The merge as it was before the tombstones: the newest change of each key across the whole landing table. */
    private static void mergeBefore(Connection c, TableConfig table, String template) throws SQLException {
        String sql = template.replace("{{target}}", Sql.ident(table.targetTable()).sql())
                .replace("{{landing}}", Sql.ident(table.landingTable()).sql());
        sql = sql.replaceAll("(?s)\\{\\{#each columns}}(.*?)\\{\\{/each}}", "$1").replace("{{column}}", "\"PK\"");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, "HARD");
            ps.setString(2, "bench_merge/now");
            ps.setString(3, "bench_merge/now");
            ps.execute();
        }
    }

    /**
     * History: {@code history} changes of {@link #KEYS} keys in hourly partitions of 10,000, a twentieth of them
     * REMOVEs; the analytics table and tombstones as merging it left them. The partition: {@code partitionRows} newer
     * changes, a third of them to keys the history never saw, a tenth REMOVEs, in both landing tables.
     */
    private static void setUp(Connection c, TableConfig table, TableConfig bare, long history, int partitionRows)
            throws SQLException {
        for (TableConfig t : List.of(table, bare)) {
            exec(c, SqlTemplate.load("create_landing_table").render(Map.of(
                    "landing", Sql.ident(t.landingTable()), "columns", WarehouseTables.columnDefinitions(t))));
        }
        exec(c, SqlTemplate.load("create_target_table").render(Map.of(
                "target", Sql.ident(table.targetTable()), "columns", WarehouseTables.columnDefinitions(table))));
        Tombstones.ensure(c, table);
        exec(c, changes(table.landingTable(), history, 0, KEYS, 20, "'bench_merge/hour=' || TO_VARCHAR(FLOOR(g.n / "
                + ROWS_PER_HOUR + "))"));
        exec(c, "INSERT INTO \"" + table.targetTable() + "\" SELECT c.\"_KEY\", c.\"PK\", PARSE_JSON(c.\"_ITEM\"),"
                + " PARSE_JSON(c.\"_ITEM_TYPES\"), c.\"_EVENT_TS\", c.\"_SEQ\", c.\"_OP\", NULL, FALSE, c.\"_PARTITION\""
                + " FROM \"" + table.landingTable() + "\" c QUALIFY ROW_NUMBER() OVER (PARTITION BY c.\"_KEY\""
                + " ORDER BY c.\"_EVENT_TS\" DESC, c.\"_SEQ\" DESC) = 1 AND c.\"_OP\" <> 'REMOVE'");
        exec(c, SqlTemplate.load("seed_tombstones").render(Map.of(
                "tombstones", Sql.ident(table.tombstoneTable()), "landing", Sql.ident(table.landingTable()))));
        exec(c, "CREATE TABLE \"" + table.targetTable() + "_BASE\" AS SELECT * FROM \"" + table.targetTable() + "\"");
        exec(c, "CREATE TABLE \"" + table.tombstoneTable() + "_BASE\" AS SELECT * FROM \"" + table.tombstoneTable() + "\"");
        for (TableConfig t : List.of(table, bare)) {
            exec(c, changes(t.landingTable(), partitionRows, history, KEYS * 3 / 2, 10, "'bench_merge/now'"));
        }
    }

    /** Changes number {@code from} to {@code from + count - 1}: key n mod keys, version n seconds after 2026-01-01. */
    private static String changes(String landing, long count, long from, int keys, int removeEvery, String partition) {
        return "INSERT INTO \"" + landing + "\" (\"_KEY\", \"PK\", \"_OP\", \"_EVENT_TS\", \"_SEQ\", \"_TTL_DELETE\","
                + " \"_ITEM\", \"_ITEM_TYPES\", \"_OLD_ITEM\", \"_PARTITION\")"
                + " SELECT '[\"k' || TO_VARCHAR(MOD(g.n * 7, " + keys + ")) || '\"]', 'k' || TO_VARCHAR(MOD(g.n * 7, " + keys + ")),"
                + " IFF(MOD(g.n, " + removeEvery + ") = 0, 'REMOVE', 'MODIFY'),"
                + " DATEADD(SECOND, g.n, '2026-01-01 00:00:00'::TIMESTAMP_NTZ), LPAD(TO_VARCHAR(g.n), 40, '0'), FALSE,"
                + " '{\"pk\":\"k' || TO_VARCHAR(MOD(g.n * 7, " + keys + ")) || '\",\"n\":' || TO_VARCHAR(g.n) || ',\"label\":\"a label"
                + " of some thirty bytes\"}', '{\"n\":\"N\"}', NULL, " + partition
                + " FROM (SELECT SEQ8() + " + from + " AS n FROM TABLE(GENERATOR(ROWCOUNT => " + count + "))) g";
    }

    private static Connection connect(String url, String schema) throws SQLException {
        Properties p = new Properties();
        p.put("user", "ddb2sf");
        p.put("password", "local");
        p.put("db", "ANALYTICS");
        if (schema != null) {
            p.put("schema", schema);
        }
        p.put("TIMEZONE", "UTC");
        return DriverManager.getConnection(url, p);
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static double cpuSeconds(long pid) throws Exception {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceAll(".*\\) ", "").split(" ");
        // Fields 14 and 15 (utime, stime) of proc(5), counted from the state field (3): indexes 11 and 12.
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    private static long rssMb(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    private static double[] median(List<double[]> xs) {
        double[] cpu = xs.stream().mapToDouble(x -> x[0]).sorted().toArray();
        double[] wall = xs.stream().mapToDouble(x -> x[1]).sorted().toArray();
        return new double[] {cpu[cpu.length / 2], wall[wall.length / 2]};
    }
}
