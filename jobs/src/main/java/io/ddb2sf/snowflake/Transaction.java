package io.ddb2sf.snowflake;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Runs work in one warehouse transaction: all of it commits, or none of it does.
 *
 * <p>A run killed inside its transaction leaves that transaction detached on Snowflake, holding its locks, and
 * Snowflake rolls it back only once it has blocked another transaction while idle for 5 minutes (Snowflake docs,
 * Transactions, "Aborting transactions": https://docs.snowflake.com/en/sql-reference/transactions). So every
 * transaction is named after its step and partition ({@code BEGIN TRANSACTION NAME},
 * https://docs.snowflake.com/en/sql-reference/sql/begin), and before it begins, a run lists the user's running
 * transactions ({@code SHOW TRANSACTIONS}) and aborts those with its own name ({@code SYSTEM$ABORT_TRANSACTION}):
 * they can only be an earlier run of the same step and partition, dead or still alive, whose work this run redoes
 * in full. A live one that is aborted fails cleanly: its session has AUTOCOMMIT off, so nothing it runs afterwards
 * commits on its own, and it checks before COMMIT that its transaction is still the one it began.
 */
public final class Transaction {
    private Transaction() {}

    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** The transaction's name: step and partition, readable in SHOW TRANSACTIONS, plus a hash of the exact values. */
    public record Name(Sql.Name sql) {
        private static final int READABLE = 160;

        public static Name of(Ledger.Step step, String table, String partition) {
            return of(step.name(), table, partition);
        }

        /** For work that is not a ledger step (such as filling a table's new columns). */
        public static Name of(String step, String table, String partition) {
            String readable = (step + "_" + partition).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_");
            String exact = HexFormat.of().formatHex(sha256(step + "\n" + table + "\n" + partition), 0, 6)
                    .toUpperCase(Locale.ROOT);
            return new Name(new Sql.Name("DDB2SF_" + readable.substring(0, Math.min(READABLE, readable.length())) + "_" + exact));
        }

        public String value() {
            return sql.name();
        }
    }

    public static <T> T run(Connection c, String what, Name name, PrintStream log, Work<T> work) {
        try {
            abortEarlierRuns(c, name, log);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute(SqlTemplate.load("begin_transaction").render(Map.of("name", name.sql())));
            }
            String id = current(c);
            T result = work.run(c);
            if (id == null || !id.equals(current(c))) {
                throw new JobException(ErrorCode.WAREHOUSE_FAILED, "Snowflake failed to " + what + ": transaction " + id
                        + " (" + name.value() + ") was aborted, most likely by a newer run of the same partition;"
                        + " nothing of this run was committed. Check that the newer run succeeded, or rerun the partition");
            }
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            rollback(c);
            if (e instanceof JobException je) {
                throw je;
            }
            throw failed(what, e);
        } finally {
            try {
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the connection is closed next anyway
            }
        }
    }

    public static JobException failed(String what, Exception e) {
        return new JobException(ErrorCode.WAREHOUSE_FAILED, "Snowflake failed to " + what + ": " + JobException.firstLine(e)
                + " (nothing of this step was committed; fix the cause, then rerun the partition)", e);
    }

    /**
     * Aborts the running transactions that carry this run's name. This session has none open yet (it runs with
     * AUTOCOMMIT on until the BEGIN below), so each is another session's. Transactions of other steps or
     * partitions are left alone: SHOW TRANSACTIONS cannot tell a dead one from a live one (its only state is
     * "running"). A statement blocked by a dead one waits, within LOCK_TIMEOUT, until Snowflake aborts it.
     */
    private static void abortEarlierRuns(Connection c, Name name, PrintStream log) throws SQLException {
        record Running(long id, String session, String startedOn) {}
        List<Running> same = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SqlTemplate.load("show_transactions").render())) {
            while (rs.next()) {
                if (name.value().equalsIgnoreCase(rs.getString("name"))) {
                    same.add(new Running(rs.getLong("id"), rs.getString("session"), rs.getString("started_on")));
                }
            }
        }
        for (Running r : same) {
            try (PreparedStatement ps = c.prepareStatement(SqlTemplate.load("abort_transaction").render())) {
                ps.setLong(1, r.id());
                try (ResultSet rs = ps.executeQuery()) {
                    String answer = rs.next() ? rs.getString(1) : "";
                    log.printf("aborted transaction %d (%s) of session %s, begun %s by an earlier run that did not finish: %s%n",
                            r.id(), name.value(), r.session(), r.startedOn(), Objects.toString(answer, ""));
                }
            }
        }
    }

    private static String current(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SqlTemplate.load("current_transaction").render())) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // a failed rollback leaves an uncommitted transaction that the server discards with the session
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
