package io.ddb2sf.snowflake;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** The load and merge ledger in Snowflake: which manifest content each partition step applied. */
public final class Ledger {
    /**
     * LOAD and MERGE record what a partition's copy-load and merge-apply applied; PRUNE that prune deleted its landing
     * rows afterwards (the partition stays loaded and merged; a copy-load of it loads the rows again from the stage).
     */
    public enum Step { LOAD, MERGE, PRUNE }

    public record Entry(String manifestSha256, long rows) {}

    /** What the ledger records of one partition, by step. */
    public record Steps(Map<Step, Entry> entries) {
        public Steps {
            entries = Map.copyOf(entries);
        }

        public Optional<Entry> of(Step step) {
            return Optional.ofNullable(entries.get(step));
        }
    }

    /** Reads every step of a partition at once: a job's checks of its steps cost one round trip. */
    public Steps steps(Connection c, String table, String partition) throws SQLException {
        Map<Step, Entry> entries = new EnumMap<>(Step.class);
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("ledger_find").render())) {
            ps.setString(1, table);
            ps.setString(2, partition);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    entries.putIfAbsent(Step.valueOf(rs.getString(1)), new Entry(rs.getString(2), rs.getLong(3)));
                }
            }
        }
        return new Steps(entries);
    }

    /** Forgets both steps of a partition: a reload makes its earlier merge record stale. */
    public void clear(Connection c, String table, String partition) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("ledger_clear").render())) {
            ps.setString(1, table);
            ps.setString(2, partition);
            ps.executeUpdate();
        }
    }

    public void record(Connection c, String table, String partition, Step step, String manifestSha256, long rows, long files)
            throws SQLException {
        try (PreparedStatement clear = c.prepareStatement(SqlTemplate.load("ledger_clear_step").render())) {
            clear.setString(1, table);
            clear.setString(2, partition);
            clear.setString(3, step.name());
            clear.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("ledger_record").render())) {
            ps.setString(1, table);
            ps.setString(2, partition);
            ps.setString(3, step.name());
            ps.setString(4, manifestSha256);
            ps.setLong(5, rows);
            ps.setLong(6, files);
            ps.executeUpdate();
        }
    }
}
