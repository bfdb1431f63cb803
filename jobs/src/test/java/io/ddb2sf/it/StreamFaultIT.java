package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.s3.S3Client;

/** The stream side never skips ahead: gaps, replaced streams and out-of-order runs stop the export, loudly. */
class StreamFaultIT {
    static LocalStack stack;
    static DynamoDbClient ddb;
    static S3Client s3;

    String table;
    String prefix;
    Cli cli;
    Instant start;
    Instant end;

    @BeforeAll
    static void connect() {
        stack = LocalStack.fromEnvironment().inPastHour();
        ddb = stack.dynamodb();
        s3 = stack.s3();
    }

    @AfterAll
    static void close() {
        ddb.close();
        s3.close();
    }

    @BeforeEach
    void exportOneHour() throws Exception {
        LocalStack.TestTable t = stack.newTable("stream", "hard");
        table = t.name();
        prefix = t.prefix();
        cli = t.cli();
        Fixtures.createTable(ddb, table);
        Instant[] hour = stack.hour();
        start = hour[0];
        end = hour[1];
        Fixtures.put(ddb, table, Fixtures.plain("a", "1", 1));
        assertThat(cli.run("export-increment", table, start.toString(), end.toString()).exitCode()).isZero();
    }

    @Test
    void shouldRefuseToExportAnHourBeforeTheOneBeforeIt() {
        Instant later = end.plus(Duration.ofHours(1));
        Cli.Result r = cli.run("export-increment", table, later.toString(), later.plus(Duration.ofHours(1)).toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.error()).contains("DDB2SF-1004", "exported in order", "export " + table + "/dt=");
    }

    @Test
    void shouldNameTheGapAndTheBackfillWhenTheCheckpointPointsAtTrimmedRecords() {
        String key = prefix + "/" + table + "/_checkpoint.json";
        String checkpoint = s3.getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(key)).asUtf8String();
        // A shard the checkpoint had not finished, gone from the stream: its remaining records were trimmed.
        String gone = checkpoint.replaceFirst("\"shards\" : \\{", "\"shards\" : { \"shardId-00000000000000000001-deadbeef\" : "
                + "{ \"lastSequence\" : \"000000000000000000001\", \"finished\" : false },");
        s3.putObject(b -> b.bucket(LocalStack.BUCKET).key(key), RequestBody.fromString(gone));

        Cli.Result r = cli.run("export-increment", table, end.toString(), end.plus(Duration.ofHours(1)).toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.error()).contains("DDB2SF-1001", "stream gap", "shardId-00000000000000000001-deadbeef",
                "ddb2sf backfill --table " + table);
    }

    @Test
    void shouldReportAReplacedStreamInsteadOfFollowingIt() {
        ddb.updateTable(b -> b.tableName(table).streamSpecification(s -> s.streamEnabled(false)));
        ddb.updateTable(b -> b.tableName(table).streamSpecification(s -> s.streamEnabled(true)
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
        Cli.Result r = cli.run("export-increment", table, end.toString(), end.plus(Duration.ofHours(1)).toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.error()).contains("DDB2SF-1002", "was replaced", "backfill");
    }

    @Test
    void shouldRefuseATableWithoutAStream() {
        ddb.updateTable(b -> b.tableName(table).streamSpecification(s -> s.streamEnabled(false)));
        Cli.Result r = cli.run("export-increment", table, end.toString(), end.plus(Duration.ofHours(1)).toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.error()).contains("DDB2SF-1003", "NEW_AND_OLD_IMAGES");
    }
}
