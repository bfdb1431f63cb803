package io.ddb2sf.snowflake;

import io.ddb2sf.config.ColumnSpec;
import io.ddb2sf.config.PipelineConfig;
import io.ddb2sf.config.TableConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/** Creates the stage and a table's landing and analytics tables when they do not exist yet. */
public final class WarehouseTables {
    private final PipelineConfig.Snowflake config;

    public WarehouseTables(PipelineConfig.Snowflake config) {
        this.config = config;
    }

    public void ensure(Connection c, TableConfig table) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(SqlTemplate.load("create_stage").render(Map.of(
                    "stage", Sql.ident(config.stageName()),
                    "url", Sql.literal(config.stageUrl()),
                    "storage_integration", Sql.ident(config.storageIntegration().orElse("DDB2SF_S3")))));
            s.execute(SqlTemplate.load("create_landing_table").render(Map.of(
                    "landing", Sql.ident(table.landingTable()), "columns", columnDefinitions(table))));
            s.execute(SqlTemplate.load("create_target_table").render(Map.of(
                    "target", Sql.ident(table.targetTable()), "columns", columnDefinitions(table))));
        }
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
