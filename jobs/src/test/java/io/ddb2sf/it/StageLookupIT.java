package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * copy-load finds the stage of the configured database and schema, whatever stages of the same name other schemas
 * hold. Without IN, Snowflake's SHOW STAGES lists the whole current database and shows same-named stages only once
 * (SHOW STAGES, https://docs.snowflake.com/en/sql-reference/sql/show-stages); the local fakesnow launcher behaves
 * the same way (scripts/fakesnow_server.py, show_stages_like_snowflake), showing the first by schema name.
 */
class StageLookupIT {

    @Test
    void shouldRefuseTheConfiguredSchemasStageThatPointsElsewhereEvenWhenAnotherSchemaHasOneOfTheSameName() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("stagelookup", "hard");
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            try {
                Instant[] hour = stack.hour();
                Fixtures.put(ddb, t.name(), Fixtures.plain("only", "1", 1));
                Cli.Result export = t.cli().run("export-increment", t.name(), hour[0].toString(), hour[1].toString());
                assertThat(export.exitCode()).as(export.stderr()).isZero();

                String elsewhere = "s3://" + LocalStack.BUCKET + "/elsewhere/";
                // A schema that sorts before this test's, with a stage of the same name: an unscoped SHOW STAGES shows
                // that one instead of this schema's.
                String decoy = "A_" + t.schema();
                try (Connection c = stack.snowflake(t.schema()); Statement s = c.createStatement()) {
                    s.execute("CREATE SCHEMA IF NOT EXISTS \"" + LocalStack.DATABASE + "\".\"" + decoy + "\"");
                    s.execute("CREATE STAGE \"" + LocalStack.DATABASE + "\".\"" + decoy + "\".\"DDB2SF_STAGE\" URL = 's3://"
                            + LocalStack.BUCKET + "/" + t.prefix() + "/'");
                    // This schema's stage, made by hand, pointing at the wrong place.
                    s.execute("CREATE STAGE \"" + LocalStack.DATABASE + "\".\"" + t.schema() + "\".\"DDB2SF_STAGE\" URL = '"
                            + elsewhere + "'");
                }

                Cli.Result load = t.cli().run("copy-load", t.name(), hour[0].toString(), hour[1].toString());
                assertThat(load.exitCode()).as(load.stderr()).isEqualTo(2);
                assertThat(load.error()).contains("DDB2SF-0001", "Snowflake stage DDB2SF_STAGE points at " + elsewhere);
            } finally {
                ddb.deleteTable(b -> b.tableName(t.name()));
            }
        }
    }
}
