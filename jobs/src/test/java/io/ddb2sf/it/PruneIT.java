package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.n;
import static io.ddb2sf.it.Fixtures.s;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The landing table's retention (DESIGN invariant 8): prune deletes only merged partitions' landing rows, a hard delete
 * is remembered after the rows that held it are pruned, a deployment that predates the tombstones is seeded from its
 * landing table once, and a pruned partition reruns: merge-apply finds it merged, copy-load reloads it from the stage.
 */
class PruneIT {

    @Test
    void shouldPruneOnlyMergedPartitionsAndRememberDeletesWhoseRowsArePruned() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        String suffix = LocalStack.uniqueSuffix();
        String table = "it_prune_" + suffix;
        String schema = "IT_" + suffix.toUpperCase();
        // A retention of zero: every merged partition is due at once, so the test need not wait a day.
        Cli cli = new Cli(stack.writeConfig("it/" + suffix, schema,
                Fixtures.tableYaml(table, "hard") + "  landingRetention: PT0S\n"), stack.environment());
        String target = table.toUpperCase();
        Instant[] hour = stack.hour();
        String h1 = hour[0].toString();
        String h2 = hour[1].toString();
        String h3 = hour[1].plus(Duration.ofHours(1)).toString();
        String p1 = table + "/dt=" + h1.substring(0, 10) + "/hour=" + h1.substring(11, 13);
        String p2 = table + "/dt=" + h2.substring(0, 10) + "/hour=" + h2.substring(11, 13);

        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, table);
            try {
                for (int i = 0; i < 5; i++) {
                    Fixtures.put(ddb, table, Fixtures.plain("k" + i, String.valueOf(i), i));
                }
                Fixtures.put(ddb, table, Fixtures.plain("k9", "9", 9));
                for (String job : new String[] {"export-increment", "stage-validate", "copy-load"}) {
                    assertOk(cli.run(job, table, h1, h2));
                }
                for (int i = 0; i < 2; i++) {
                    Fixtures.update(ddb, table, Fixtures.key("k" + i, String.valueOf(i)), "SET label = :l, price = :p",
                            Map.of(":l", s("second version"), ":p", n("12.50")), names -> { });
                }
                ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("k9", "9")));
                for (String job : new String[] {"export-increment", "stage-validate", "copy-load"}) {
                    assertOk(cli.run(job, table, h2, h3));
                }

                // The newer hour first: k9's REMOVE meets an empty analytics table, so only a tombstone remembers it.
                assertOk(cli.run("merge-apply", table, h2, h3));
                try (Connection c = stack.snowflake(schema)) {
                    assertThat(tombstoned(c, target)).containsExactly("[\"k9\",\"9\"]");

                    // A deployment that predates the tombstones: the table is created, and seeded from the landing table
                    // (k9's newest landed change is the REMOVE), by the next job that needs it: here, prune. Without the
                    // seed the tombstones stay empty, prune deletes the REMOVE's rows, and hour 1's merge brings k9 back.
                    execute(c, "DROP TABLE \"" + target + "_TOMBSTONES\"");
                    execute(c, "DELETE FROM \"DDB2SF_TOMBSTONE_SEEDS\" WHERE \"TOMBSTONE_TABLE\" = '" + target + "_TOMBSTONES'");
                    Cli.Result prune = cli.exec(List.of("prune", "--table", table, "--config", cli.config().toString()));
                    assertOk(prune);
                    assertThat(tombstoned(c, target)).containsExactly("[\"k9\",\"9\"]");

                    // Only the merged hour is pruned; hour 1, loaded but not merged, keeps its rows.
                    assertThat(prune.summary().get("partitionsPruned").toString()).isEqualTo("[\"" + p2 + "\"]");
                    assertThat(landed(c, target, p2)).isZero();
                    assertThat(landed(c, target, p1)).isEqualTo(6);
                    assertThat(prune.summary().get("rowsDeleted").asLong()).isEqualTo(3);

                    // The older hour, merged after the delete's rows are gone: k9 stays deleted.
                    assertOk(cli.run("merge-apply", table, h1, h2));
                    assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, target))).isEmpty();

                    Cli.Result again = cli.exec(List.of("prune", "--table", table, "--config", cli.config().toString()));
                    assertOk(again);
                    assertThat(again.summary().get("partitionsPruned").toString()).isEqualTo("[\"" + p1 + "\"]");
                    assertThat(Snapshots.count(c, target + "_CHANGES")).isZero();
                    assertOk(cli.exec(List.of("prune", "--table", table, "--config", cli.config().toString())));

                    // A rerun of a pruned partition: merge-apply finds it merged and changes nothing.
                    Cli.Result rerun = cli.run("merge-apply", table, h1, h2);
                    assertOk(rerun);
                    assertThat(rerun.summary().get("alreadyMerged").asBoolean()).isTrue();

                    // Its merge forced again (the merge record removed) with its rows pruned: refused, saying to reload.
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM \"DDB2SF_LEDGER\" WHERE \"TABLE_NAME\" = ?"
                            + " AND \"PARTITION_ID\" = ? AND \"STEP\" = 'MERGE'")) {
                        ps.setString(1, table);
                        ps.setString(2, p1);
                        ps.executeUpdate();
                    }
                    Cli.Result forced = cli.run("merge-apply", table, h1, h2);
                    assertThat(forced.exitCode()).isEqualTo(1);
                    assertThat(forced.error()).contains("DDB2SF-2005").contains("run copy-load");

                    // copy-load reloads it from the stage; the merge then applies nothing older over what is there.
                    Cli.Result reload = cli.run("copy-load", table, h1, h2);
                    assertOk(reload);
                    assertThat(reload.summary().get("alreadyLoaded").asBoolean()).isFalse();
                    assertThat(landed(c, target, p1)).isEqualTo(6);
                    Cli.Result remerge = cli.run("merge-apply", table, h1, h2);
                    assertOk(remerge);
                    assertThat(remerge.summary().get("inserted").asLong() + remerge.summary().get("updated").asLong()
                            + remerge.summary().get("deleted").asLong()).isZero();
                    // The pruned hour 2 reloads and merges the same way, with its ledger untouched.
                    assertOk(cli.run("copy-load", table, h2, h3));
                    assertThat(landed(c, target, p2)).isEqualTo(3);
                    assertOk(cli.run("merge-apply", table, h2, h3));
                    assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, target))).isEmpty();
                    assertThat(tombstoned(c, target)).containsExactly("[\"k9\",\"9\"]");
                }
            } finally {
                ddb.deleteTable(b -> b.tableName(table));
            }
        }
    }

    private static List<String> tombstoned(Connection c, String target) throws SQLException {
        List<String> keys = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT \"_KEY\" FROM \"" + target + "_TOMBSTONES\" ORDER BY \"_KEY\"")) {
            while (rs.next()) {
                keys.add(rs.getString(1).replace(" ", ""));
            }
        }
        return keys;
    }

    private static long landed(Connection c, String target, String partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*) FROM \"" + target + "_CHANGES\" WHERE \"_PARTITION\" = ?")) {
            ps.setString(1, partition);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void assertOk(Cli.Result r) {
        assertThat(r.exitCode()).as(r.stderr()).isZero();
    }
}
