package io.ddb2sf.it;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * Drops what {@link LocalStack#newTable} handed a test once the test ends, passed or failed: the DynamoDB table
 * (and with it its stream), the Snowflake schema and the stage prefix. DynamoDB Local and the fakesnow server keep
 * everything in one process each, so a 200k-item table left behind slows every later test. Registered for every
 * integration test by the failsafe configuration (JUnit's extension autodetection, see jobs/pom.xml).
 */
public final class DropTestTables implements AfterEachCallback {
    private record Created(LocalStack stack, String table, String prefix, String schema) {}

    private static final List<Created> CREATED = new ArrayList<>();

    static synchronized void register(LocalStack stack, String table, String prefix, String schema) {
        CREATED.add(new Created(stack, table, prefix, schema));
    }

    private static synchronized List<Created> takeAll() {
        List<Created> all = List.copyOf(CREATED);
        CREATED.clear();
        return all;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (Created c : takeAll()) {
            try (DynamoDbClient ddb = c.stack().dynamodb()) {
                ddb.deleteTable(b -> b.tableName(c.table()));
            } catch (ResourceNotFoundException alreadyGone) {
                // the test dropped it, or never created it
            }
            try (Connection sf = c.stack().snowflake("PUBLIC"); Statement st = sf.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + LocalStack.DATABASE + ".\"" + c.schema() + "\" CASCADE");
            }
            try (S3Client s3 = c.stack().s3()) {
                s3.listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(c.prefix() + "/")).stream()
                        .filter(page -> !page.contents().isEmpty())
                        .forEach(page -> s3.deleteObjects(b -> b.bucket(LocalStack.BUCKET).delete(d -> d.objects(
                                page.contents().stream().map(o -> ObjectIdentifier.builder().key(o.key()).build()).toList()))));
            }
        }
    }
}
