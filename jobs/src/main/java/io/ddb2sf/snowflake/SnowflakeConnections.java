package io.ddb2sf.snowflake;

import io.ddb2sf.config.PipelineConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Connections through snowflake-jdbc, with key-pair auth in production and password auth for local stacks. */
public final class SnowflakeConnections implements ConnectionFactory {
    private final PipelineConfig.Snowflake config;

    public SnowflakeConnections(PipelineConfig.Snowflake config) {
        this.config = config;
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
        p.put("JDBC_QUERY_RESULT_FORMAT", "JSON");
        String url = config.url().orElseGet(() -> "jdbc:snowflake://" + config.account().orElseThrow() + ".snowflakecomputing.com/");
        Connection c = DriverManager.getConnection(url, p);
        return c;
    }
}
