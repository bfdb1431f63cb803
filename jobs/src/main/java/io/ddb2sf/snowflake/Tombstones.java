package io.ddb2sf.snowflake;

import io.ddb2sf.config.TableConfig;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * A table's tombstones ({@code <TABLE>_TOMBSTONES}): the version of every hard-deleted key, which merge-apply reads
 * instead of the landing table's history. A deployment that predates them is seeded once from the landing table.
 */
public final class Tombstones {
    private Tombstones() {}

    /** Creates the table if it is missing. DDL commits any open transaction, so this runs before one begins. */
    public static void ensure(Connection c, TableConfig table) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(SqlTemplate.load("create_tombstone_table").render(Map.of("tombstones", Sql.ident(table.tombstoneTable()))));
        }
    }

    /**
     * Inside the caller's transaction (merge-apply's or prune's, before anything reads the tombstones or deletes a
     * landing row): copies the hard deletes the landing table holds into the tombstones, once per table. Two first
     * runs at once may both copy; the second inserts nothing the first committed, and a key recorded twice is read
     * at its newest version (merge_partition.sql).
     */
    public static void seedOnce(Connection tx, TableConfig table, PrintStream log) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(SqlTemplate.load("tombstones_seeded").render())) {
            ps.setString(1, table.tombstoneTable());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getLong(1) > 0) {
                    return;
                }
            }
        }
        long seeded;
        try (PreparedStatement ps = tx.prepareStatement(SqlTemplate.load("seed_tombstones").render(Map.of(
                "tombstones", Sql.ident(table.tombstoneTable()), "landing", Sql.ident(table.landingTable()))))) {
            seeded = ps.executeUpdate();
        }
        try (PreparedStatement ps = tx.prepareStatement(SqlTemplate.load("tombstones_seeded_record").render())) {
            ps.setString(1, table.tombstoneTable());
            ps.setLong(2, seeded);
            ps.executeUpdate();
        }
        log.printf("tombstones of %s seeded from %s: %,d hard-deleted keys%n", table.targetTable(), table.landingTable(), seeded);
    }
}
