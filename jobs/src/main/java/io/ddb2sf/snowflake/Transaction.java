package io.ddb2sf.snowflake;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.sql.Connection;
import java.sql.SQLException;

/** Runs work in one warehouse transaction: all of it commits, or none of it does. */
public final class Transaction {
    private Transaction() {}

    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    public static <T> T run(Connection c, String what, Work<T> work) {
        try {
            c.setAutoCommit(false);
            T result = work.run(c);
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

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // a failed rollback leaves an uncommitted transaction that the server discards with the session
        }
    }
}
