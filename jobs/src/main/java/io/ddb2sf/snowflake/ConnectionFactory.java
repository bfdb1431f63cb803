package io.ddb2sf.snowflake;

import java.sql.Connection;
import java.sql.SQLException;

/** Opens warehouse connections; tests and the CLI pass the real driver's. */
@FunctionalInterface
public interface ConnectionFactory {
    Connection open() throws SQLException;
}
