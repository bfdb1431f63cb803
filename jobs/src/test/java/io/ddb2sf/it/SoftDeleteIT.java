package io.ddb2sf.it;

import static io.ddb2sf.it.Fixtures.n;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Soft-delete tables keep removed items, marked, and tell DynamoDB's TTL expiries from user deletes. */
class SoftDeleteIT {

    @Test
    void shouldMarkUserDeletesAndTtlExpiriesApart() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable soft = stack.newTable("soft", "soft");
        String table = soft.name();
        String schema = soft.schema();
        Cli cli = soft.cli();
        Instant[] hour;
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, table);
            ddb.updateTimeToLive(b -> b.tableName(table).timeToLiveSpecification(t -> t.enabled(true).attributeName("expires_at")));
            hour = stack.hour();
            Fixtures.put(ddb, table, Fixtures.plain("kept", "1", 1));
            Fixtures.put(ddb, table, Fixtures.plain("user-deleted", "2", 2));
            Map<String, AttributeValue> expiring = new HashMap<>(Fixtures.plain("expired", "3", 3));
            expiring.put("expires_at", n(String.valueOf(Instant.now().getEpochSecond() - 3600)));
            Fixtures.put(ddb, table, expiring);
            ddb.deleteItem(b -> b.tableName(table).key(Fixtures.key("user-deleted", "2")));
            long deadline = System.currentTimeMillis() + 120_000;
            while (ddb.getItem(b -> b.tableName(table).key(Fixtures.key("expired", "3"))).hasItem()) {
                assertThat(System.currentTimeMillis()).as("DynamoDB Local expires TTL items within seconds").isLessThan(deadline);
                Thread.sleep(1000);
            }
        }
        Cli.Result sync = cli.run("sync", table, hour[0].toString(), hour[1].toString());
        assertThat(sync.exitCode()).as(sync.stderr()).isZero();
        assertThat(sync.summary().get("export").get("ttlRemoves").asLong()).isEqualTo(1);

        try (Connection c = stack.snowflake(schema)) {
            Map<String, String> rows = Snapshots.rows(c, "SELECT \"PK\", \"_OP\", \"_DELETED_AT\" IS NOT NULL, \"_TTL_DELETE\", "
                    + "\"_ITEM\":label::VARCHAR FROM \"" + table.toUpperCase() + "\" ORDER BY \"PK\"");
            assertThat(rows.values()).containsExactly(
                    "expired\u0001REMOVE\u0001TRUE\u0001TRUE\u0001item 3\u0001",
                    "kept\u0001INSERT\u0001FALSE\u0001FALSE\u0001item 1\u0001",
                    "user-deleted\u0001REMOVE\u0001TRUE\u0001FALSE\u0001item 2\u0001");
        }
    }

    @Test
    void shouldKeepTheLastStateOfAnItemUpdatedAndDeletedInTheSameHour() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        LocalStack.TestTable soft = stack.newTable("softlast", "soft");
        Instant[] hour = stack.hour();
        Instant after = hour[1].plus(java.time.Duration.ofHours(1));
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, soft.name());
            Fixtures.put(ddb, soft.name(), Fixtures.plain("k", "1", 100));                       // v1: price 1.00
            Cli.Result first = soft.cli().run("sync", soft.name(), hour[0].toString(), hour[1].toString());
            assertThat(first.exitCode()).as(first.stderr()).isZero();

            Fixtures.update(ddb, soft.name(), Fixtures.key("k", "1"), "SET label = :l, price = :p",   // v2
                    Map.of(":l", Fixtures.s("v2"), ":p", n("2.50")), names -> { });
            ddb.deleteItem(b -> b.tableName(soft.name()).key(Fixtures.key("k", "1")));
            Cli.Result second = soft.cli().run("sync", soft.name(), hour[1].toString(), after.toString());
            assertThat(second.exitCode()).as(second.stderr()).isZero();
            ddb.deleteTable(b -> b.tableName(soft.name()));
        }
        try (Connection c = stack.snowflake(soft.schema())) {
            Map<String, String> rows = Snapshots.rows(c, "SELECT \"_OP\", \"_DELETED_AT\" IS NOT NULL, \"_ITEM\":label::VARCHAR,"
                    + " \"PRICE\" FROM \"" + soft.target() + "\"");
            assertThat(rows.values()).as("the deleted row keeps v2, the state the REMOVE carries")
                    .containsExactly("REMOVE\u0001TRUE\u0001v2\u00012.50\u0001");
        }
    }
}
