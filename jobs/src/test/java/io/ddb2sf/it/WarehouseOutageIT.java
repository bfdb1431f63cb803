package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The Snowflake server (a private fakesnow process) is killed before the load and comes back empty: copy-load fails
 * with a clear error and exit 1, and once the server is back, rerunning the partition's load and merge converges.
 */
class WarehouseOutageIT {
    private Process snowflake;

    @Test
    void shouldFailClearlyWhileSnowflakeIsDownAndConvergeOnceItIsBack() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        int port = freePort();
        startSnowflake(port);
        LocalStack.TestTable t = stack.newTable("sfdown", "hard");
        Path config = t.cli().config();
        String url = "jdbc:snowflake://127.0.0.1:" + port + "/?ssl=off&account=fakesnow&disablePlatformDetection=true&maxHttpRetries=1";
        Files.writeString(config, Files.readString(config).replaceAll("url: \"[^\"]+\"", "url: \"" + url + "\""));
        Instant[] hour = stack.hour();
        String start = hour[0].toString();
        String end = hour[1].toString();
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            for (int i = 0; i < 6; i++) {
                Fixtures.put(ddb, t.name(), Fixtures.plain("k" + i, String.valueOf(i), i));
            }
            ddb.deleteItem(b -> b.tableName(t.name()).key(Fixtures.key("k2", "2")));

            assertThat(t.cli().run("export-increment", t.name(), start, end).exitCode()).isZero();
            snowflake.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            Cli.Result down = t.cli().run("copy-load", t.name(), start, end);
            assertThat(down.exitCode()).isEqualTo(1);
            assertThat(down.error()).contains("DDB2SF-2000", "Snowflake failed to load", "rerun");

            startSnowflake(port);
            for (String job : new String[] {"copy-load", "merge-apply"}) {
                Cli.Result r = t.cli().run(job, t.name(), start, end);
                assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
            }
            Properties p = new Properties();
            p.put("user", "ddb2sf");
            p.put("password", "local");
            p.put("db", LocalStack.DATABASE);
            p.put("schema", t.schema());
            try (Connection c = DriverManager.getConnection(url, p)) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target()))).isEmpty();
            }
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (snowflake != null) {
            snowflake.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private void startSnowflake(int port) throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        ProcessBuilder pb = new ProcessBuilder(root.resolve(".venv/bin/python").toString(),
                root.resolve("scripts/fakesnow_server.py").toString(), String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("S3_ENDPOINT", System.getenv("DDB2SF_S3_ENDPOINT"));
        snowflake = pb.start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                assertThat(snowflake.isAlive()).as("fakesnow running").isTrue();
                assertThat(System.currentTimeMillis()).as("fakesnow started").isLessThan(deadline);
                Thread.sleep(250);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
