package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A typed scale-0 column (NUMBER(38,0)) holding integers far beyond 64 bits, up to 38 digits: Snowflake loads them
 * exactly, so the local stack must too (fakesnow alone stores NUMBER(38,0) as BIGINT and fails the whole COPY).
 */
class WideIntegerIT {
    private static final String[] WIDE = {
            "12345678901234567890123456789012345678", "-99999999999999999999999999999999999999",
            "9223372036854775808", "-9223372036854775809", "7"};

    @Test
    void shouldLoadAndMergeThirtyEightDigitIntegersIntoATypedColumnExactly() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable t = stack.newTable("wide", "hard");
        String table = t.name();
        Cli cli = t.cli();
        Instant[] hour = stack.hour();
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, table);
            for (int i = 0; i < WIDE.length; i++) {
                Map<String, AttributeValue> item = new HashMap<>(Fixtures.key("wide-" + i, String.valueOf(i)));
                item.put("huge", Fixtures.n(WIDE[i]));
                Fixtures.put(ddb, table, item);
            }
            for (String job : new String[] {"export-increment", "stage-validate", "copy-load", "merge-apply"}) {
                Cli.Result r = cli.run(job, table, hour[0].toString(), hour[1].toString());
                assertThat(r.exitCode()).as(r.stderr()).isZero();
            }
            try (Connection c = stack.snowflake(t.schema())) {
                Map<String, BigDecimal> typed = new TreeMap<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT \"PK\", \"HUGE\" FROM \"" + t.target() + "\"")) {
                    while (rs.next()) {
                        typed.put(rs.getString(1), rs.getBigDecimal(2));
                    }
                }
                for (int i = 0; i < WIDE.length; i++) {
                    assertThat(typed.get("wide-" + i)).as("HUGE of wide-%d", i).isEqualByComparingTo(WIDE[i]);
                }
                assertThat(Snapshots.diff(Snapshots.source(ddb, table), Snapshots.target(c, t.target()))).isEmpty();
            }
            ddb.deleteTable(b -> b.tableName(table));
        }
    }
}
