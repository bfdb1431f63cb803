package io.ddb2sf.it;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * Drops what {@link LocalStack#newTable} handed a test once the test ends, passed or failed: the DynamoDB table
 * (and with it its stream), the Snowflake schema and the stage prefix. DynamoDB Local and the fakesnow server keep
 * everything in one process each, so a 200k-item table left behind slows every later test. A table made in a test
 * (or its {@code @BeforeEach}) goes after that test, one made in {@code @BeforeAll} after the class's last test.
 * Registered for every integration test by the failsafe configuration (JUnit's extension autodetection, see
 * jobs/pom.xml).
 */
public final class DropTestTables implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private record Created(LocalStack stack, String table, String prefix, String schema, boolean inTest) {}

    private record Opened(AutoCloseable view, boolean inTest) {}

    private static final List<Created> CREATED = new ArrayList<>();
    private static final List<Opened> OPENED = new ArrayList<>();
    private static boolean inTest;

    static synchronized void register(LocalStack stack, String table, String prefix, String schema) {
        CREATED.add(new Created(stack, table, prefix, schema, inTest));
    }

    /** Closes {@code view} (a local server a test's jobs reach the stack through) when the test ends, like a table. */
    static synchronized void closeAfter(AutoCloseable view) {
        OPENED.add(new Opened(view, inTest));
    }

    private static synchronized List<Created> take(boolean all) {
        List<Created> taken = CREATED.stream().filter(c -> all || c.inTest()).toList();
        CREATED.removeAll(taken);
        inTest = false;
        return taken;
    }

    private static synchronized List<Opened> takeViews(boolean all) {
        List<Opened> taken = OPENED.stream().filter(o -> all || o.inTest()).toList();
        OPENED.removeAll(taken);
        return taken;
    }

    private static synchronized void testStarts() {
        inTest = true;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        testStarts();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<Opened> views = takeViews(false);
        drop(take(false));
        close(views);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        List<Opened> views = takeViews(true);
        drop(take(true));
        close(views);
    }

    private static void close(List<Opened> views) throws Exception {
        for (Opened o : views) {
            o.view().close();
        }
    }

    private static void drop(List<Created> tables) throws Exception {
        for (Created c : tables) {
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
