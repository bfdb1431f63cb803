package io.ddb2sf.snowflake;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/** Creates the stage and a table's landing, analytics and tombstone tables when they do not exist yet. */
public final class WarehouseTables {
    private final PipelineConfig.Snowflake config;

    public WarehouseTables(PipelineConfig.Snowflake config) {
        this.config = config;
    }

    /** The stage's name, as a quoted identifier. */
    public Sql.Fragment stage() {
        return Sql.ident(config.stageName());
    }

    /**
     * Creates whichever of the table's landing, analytics and tombstone tables is missing (a run of every hour finds
     * them all, and spends one listing, no DDL), and returns their columns as they are then.
     */
    public TableColumns ensure(Connection c, TableConfig table) throws SQLException {
        TableColumns listed = TableColumns.list(c, table);
        if (listed.exists(table.landingTable()) && listed.exists(table.targetTable()) && listed.exists(table.tombstoneTable())) {
            return listed;
        }
        // IF NOT EXISTS all the same: another run may be creating them too.
        try (Statement s = c.createStatement()) {
            s.execute(SqlTemplate.load("create_landing_table").render(Map.of(
                    "landing", Sql.ident(table.landingTable()), "columns", columnDefinitions(table))));
            s.execute(SqlTemplate.load("create_target_table").render(Map.of(
                    "target", Sql.ident(table.targetTable()), "columns", columnDefinitions(table))));
        }
        Tombstones.ensure(c, table);
        return TableColumns.list(c, table);
    }

    /** Creates the stage unless it exists; only a COPY needs it, so only a load with files to copy asks. */
    public void ensureStage(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (!stageExists(s)) {
                s.execute(SqlTemplate.load("create_stage").render(Map.of(
                        "stage", Sql.ident(config.stageName()),
                        "url", Sql.literal(config.stageUrl()),
                        "storage_integration", Sql.ident(config.storageIntegration().orElse("DDB2SF_S3")))));
            }
        }
    }

    /**
     * Looks the stage up first, so a stage an administrator created needs no CREATE STAGE grant. Only the configured
     * database and schema are searched, and a row counts only if it names exactly them (LIKE is a case-insensitive
     * pattern, and quoted identifiers are case-sensitive).
     */
    private boolean stageExists(Statement s) throws SQLException {
        String show = SqlTemplate.load("show_stage").render(Map.of(
                "name", Sql.literal(config.stageName()),
                "database", Sql.ident(config.database()),
                "schema", Sql.ident(config.schema())));
        try (ResultSet rs = s.executeQuery(show)) {
            while (rs.next()) {
                if (config.stageName().equals(rs.getString("name"))
                        && config.database().equals(rs.getString("database_name"))
                        && config.schema().equals(rs.getString("schema_name"))) {
                    String url = rs.getString("url");
                    if (url != null && !url.equals(config.stageUrl())) {
                        throw new JobException(ErrorCode.CONFIG_INVALID, "Snowflake stage " + config.stageName() + " points at "
                                + url + " but the config's stage is " + config.stageUrl()
                                + "; fix stage.bucket/prefix or snowflake.stage so they agree");
                    }
                    return true;
                }
            }
        }
        return false;
    }

    /** The typed columns as template elements: {@code column} and {@code type}. */
    public static List<Map<String, Sql.Fragment>> columnDefinitions(TableConfig table) {
        return table.typedColumns().stream()
                .map(c -> Map.<String, Sql.Fragment>of("column", Sql.ident(c.column()), "type", new Sql.Type(c.sqlType())))
                .toList();
    }

    public static List<Map<String, Sql.Fragment>> columnNames(TableConfig table) {
        return table.typedColumns().stream()
                .map(ColumnSpec::column)
                .map(c -> Map.<String, Sql.Fragment>of("column", Sql.ident(c)))
                .toList();
    }
}
