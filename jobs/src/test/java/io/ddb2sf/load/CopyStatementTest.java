package io.ddb2sf.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.snowflake.Sql;
import io.ddb2sf.snowflake.SqlTemplate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The COPY copy-load sends, exactly: the local Snowflake ignores the Parquet options, so their text is what is
 * checked (CREATE FILE FORMAT, Parquet options, https://docs.snowflake.com/en/sql-reference/sql/create-file-format).
 */
class CopyStatementTest {

    @Test
    void shouldLoadBinaryAsBinaryAndUseTheFilesLogicalTypes() {
        String copy = SqlTemplate.load("copy_partition").render(Map.of(
                "landing", Sql.ident("ORDERS_CHANGES"),
                "stage", Sql.ident("DDB2SF_STAGE"),
                "files", new Sql.LiteralList(List.of("orders/dt=2026-11-24/hour=10/part-00000-1.parquet"))));
        String statement = copy.lines().filter(l -> !l.startsWith("--")).reduce((a, b) -> a + "\n" + b).orElseThrow();
        assertThat(statement).isEqualTo("""
                COPY INTO "ORDERS_CHANGES"
                FROM @"DDB2SF_STAGE"
                FILES = ('orders/dt=2026-11-24/hour=10/part-00000-1.parquet')
                FILE_FORMAT = (TYPE = PARQUET BINARY_AS_TEXT = FALSE USE_LOGICAL_TYPE = TRUE)
                MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
                FORCE = TRUE""");
    }
}
