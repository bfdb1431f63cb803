package io.ddb2sf.snowflake;

import io.ddb2sf.config.PipelineConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Connections through snowflake-jdbc, with key-pair auth in production and password auth for local stacks. */
public final class SnowflakeConnections implements ConnectionFactory {
    static final int LOCK_TIMEOUT_SECONDS = 900;

    private final PipelineConfig.Snowflake config;
    private final String resultFormat;

    public SnowflakeConnections(PipelineConfig.Snowflake config) {
        this(config, "JSON");
    }

    /**
     * @param resultFormat JDBC_QUERY_RESULT_FORMAT, JSON for the jobs; ARROW only for the start-up training, which
     *                     also reads results the way the local stack answers them (cli/Warmup)
     */
    public SnowflakeConnections(PipelineConfig.Snowflake config, String resultFormat) {
        this.config = config;
        this.resultFormat = resultFormat;
    }

    @Override
    public Connection open() throws SQLException {
        Properties p = new Properties();
        p.put("user", config.user());
        p.put("db", config.database());
        p.put("schema", config.schema());
        config.role().ifPresent(r -> p.put("role", r));
        config.warehouse().ifPresent(w -> p.put("warehouse", w));
        if (config.privateKeyFile().isPresent()) {
            p.put("authenticator", "SNOWFLAKE_JWT");
            p.put("private_key_file", config.privateKeyFile().get().toString());
            config.privateKeyPassphrase().ifPresent(k -> p.put("private_key_pwd", k));
        } else {
            config.password().ifPresent(pw -> p.put("password", pw));
        }
        // Timestamps are read and written as UTC wall-clock values.
        p.put("TIMEZONE", "UTC");
        p.put("JDBC_QUERY_RESULT_FORMAT", resultFormat);
        // A killed job's running statement must not run on: Snowflake aborts it 5 minutes after losing the client
        // (default FALSE lets it finish, holding its locks). A statement waiting for a lock gives up after 15 minutes
        // instead of 12 hours (default 43,200 s): long enough to outlast a dead run of another partition, which
        // Snowflake aborts within ~10 minutes (5 for its running statement, then 5 idle while blocking another),
        // short enough that a job stuck behind anything else fails and is retried. A dead run of the same partition
        // is aborted by the rerun at once (see Transaction).
        // https://docs.snowflake.com/en/sql-reference/parameters (ABORT_DETACHED_QUERY, LOCK_TIMEOUT);
        // https://docs.snowflake.com/en/sql-reference/transactions ("Aborting transactions")
        p.put("ABORT_DETACHED_QUERY", "true");
        p.put("LOCK_TIMEOUT", String.valueOf(LOCK_TIMEOUT_SECONDS));
        String url = config.url().orElseGet(() -> "jdbc:snowflake://" + config.account().orElseThrow() + ".snowflakecomputing.com/");
        Connection c = DriverManager.getConnection(url, p);
        return c;
    }
}
