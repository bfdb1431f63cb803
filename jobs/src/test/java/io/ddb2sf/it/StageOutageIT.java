package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 server goes away between jobs (a real process killed) and comes back empty: jobs fail with a clear error
 * and exit 1, and once S3 is back a rerun of the partition rebuilds it from the stream, because every piece of
 * export state lives in the stage.
 */
class StageOutageIT {
    private Process s3Server;

    @Test
    void shouldFailClearlyWhileS3IsDownAndRebuildThePartitionOnceItIsBack() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        int port = freePort();
        startS3(port);
        LocalStack.TestTable t = stack.newTable("outage", "hard");
        String table = t.name();
        Path config = t.cli().config();
        Files.writeString(config, Files.readString(config).replaceAll("s3Endpoint: \\S+", "s3Endpoint: http://127.0.0.1:" + port));
        Cli cli = t.cli();
        Instant[] hour = stack.hour();
        String start = hour[0].toString();
        String end = hour[1].toString();
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, table);
            for (int i = 0; i < 5; i++) {
                Fixtures.put(ddb, table, Fixtures.plain("k" + i, String.valueOf(i), i));
            }
        }
        Cli.Result first = cli.run("export-increment", table, start, end);
        assertThat(first.exitCode()).as(first.stderr()).isZero();

        s3Server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Cli.Result down = cli.run("stage-validate", table, start, end);
        assertThat(down.exitCode()).isEqualTo(1);
        assertThat(down.error()).contains("DDB2SF-3000", "cannot read s3://" + LocalStack.BUCKET, "rerun");
        assertThat(cli.run("export-increment", table, start, end).exitCode()).isEqualTo(1);
        // copy-load reads the manifest through the other HTTP client (Wiring.documents): the same clear failure.
        Cli.Result loadDown = cli.run("copy-load", table, start, end);
        assertThat(loadDown.exitCode()).isEqualTo(1);
        assertThat(loadDown.error()).contains("DDB2SF-3000", "cannot read s3://" + LocalStack.BUCKET, "rerun");

        startS3(port);
        Cli.Result rebuilt = cli.run("export-increment", table, start, end);
        assertThat(rebuilt.exitCode()).as(rebuilt.stderr()).isZero();
        assertThat(rebuilt.summary().get("rows").asLong()).isEqualTo(first.summary().get("rows").asLong());
        Cli.Result valid = cli.run("stage-validate", table, start, end);
        assertThat(valid.exitCode()).as(valid.stderr()).isZero();
    }

    @AfterEach
    void stopS3() throws InterruptedException {
        if (s3Server != null) {
            s3Server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private void startS3(int port) throws Exception {
        Path moto = Path.of(System.getProperty("user.dir")).getParent().resolve(".venv/bin/moto_server");
        assertThat(moto).as("the project's virtualenv (scripts/test creates it)").exists();
        s3Server = new ProcessBuilder(moto.toString(), "-H", "127.0.0.1", "-p", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                break;
            } catch (IOException notYet) {
                assertThat(System.currentTimeMillis()).as("moto started").isLessThan(deadline);
                Thread.sleep(200);
            }
        }
        try (S3Client s3 = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:" + port)).forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build()) {
            s3.createBucket(b -> b.bucket(LocalStack.BUCKET));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
