package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ddb2sf.stage.BackfillPartition;
import io.ddb2sf.stage.HourPartition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * A complete snapshot is a full refresh: an item deleted while no stream ran (the stream was replaced) is deleted,
 * or marked, by merging the backfill that the replaced-stream error names, and stays deleted when an older partition
 * is merged again.
 */
class FullRefreshIT {
    /** Its stream is shown in a past hour; the backfills' ids are moved back as much ({@link LocalStack#past}). */
    final LocalStack stack = LocalStack.fromEnvironment().inPastHour();

    @Test
    void shouldDeleteAnItemDeletedWhileTheStreamWasReplacedWhenFollowingTheErrorsSteps() throws Exception {
        LocalStack.TestTable t = stack.newTable("refresh", "hard");
        Instant[] hour = stack.hour();
        try (DynamoDbClient ddb = stack.dynamodb()) {
            String backfillId = deleteWhileTheStreamIsReplacedThenRecover(ddb, t, hour, false, false);
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target()))).isEmpty();
                assertThat(Snapshots.rows(c, "SELECT \"PK\" FROM \"" + t.target() + "\" ORDER BY 1").values())
                        .containsExactly("a\u0001", "c\u0001", "d\u0001");

                // An older hour merged again (its ledger cleared, as after a re-export) must not bring "b" back: the
                // landing table remembers the delete the full refresh found.
                clearLedger(c, t.name(), new HourPartition(t.name(), hour[0], hour[1]).id());
                for (String job : List.of("copy-load", "merge-apply")) {
                    Cli.Result r = t.cli().run(job, t.name(), hour[0].toString(), hour[1].toString());
                    assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
                    assertThat(r.summary().path("alreadyMerged").asBoolean()).isFalse();
                }
                assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target()))).isEmpty();

                // A reload of the backfill replaces its snapshot rows but keeps the deletes it found; merging it again
                // changes nothing and finds nothing new to delete.
                clearLedger(c, t.name(), new BackfillPartition(t.name(), BackfillPartition.parse(t.name(), backfillId)
                        .snapshot()).id());
                Cli.Result merge = null;
                for (String job : List.of("copy-load", "merge-apply")) {
                    merge = t.cli().exec(List.of(job, "--table", t.name(), "--backfill", backfillId, "--config",
                            t.cli().config().toString()));
                    assertThat(merge.exitCode()).as(job + ": " + merge.stderr()).isZero();
                }
                assertThat(merge.summary().get("alreadyMerged").asBoolean()).isFalse();
                assertThat(merge.summary().get("fullRefreshDeletes").asLong()).isZero();
                assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target()))).isEmpty();
            }
            ddb.deleteTable(b -> b.tableName(t.name()));
        }
    }

    @Test
    void shouldMarkAnItemDeletedWhileNothingStreamedAsAUserDeleteKeepingItsLastState() throws Exception {
        LocalStack.TestTable t = stack.newTable("refreshsoft", "soft");
        Instant[] hour = stack.hour();
        try (DynamoDbClient ddb = stack.dynamodb()) {
            deleteWhileTheStreamIsReplacedThenRecover(ddb, t, hour, false, false);
            try (Connection c = stack.snowflake(t.schema())) {
                assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target()))).isEmpty();
                Map<String, String> rows = Snapshots.rows(c, "SELECT \"PK\", \"_OP\" = 'REMOVE', \"_DELETED_AT\" IS NOT NULL,"
                        + " \"_TTL_DELETE\", \"_ITEM\":label::VARCHAR, \"PRICE\" FROM \"" + t.target() + "\" ORDER BY 1");
                assertThat(rows.values()).containsExactly(
                        "a\u0001FALSE\u0001FALSE\u0001FALSE\u0001a2\u00011.00\u0001",
                        "b\u0001TRUE\u0001TRUE\u0001FALSE\u0001item 200\u00012.00\u0001",
                        "c\u0001FALSE\u0001FALSE\u0001FALSE\u0001item 300\u00013.00\u0001",
                        "d\u0001FALSE\u0001FALSE\u0001FALSE\u0001item 400\u00014.00\u0001");
            }
            ddb.deleteTable(b -> b.tableName(t.name()));
        }
    }

    /**
     * An item changed while nothing streamed and then deleted on the new stream: the stream's REMOVE holds what it last
     * held and when it went, the full refresh only Snowflake's older state. The row keeps the REMOVE's, whichever of the
     * snapshot and the hour is merged first, and both orders end with the same row.
     */
    @Test
    void shouldKeepTheStreamedDeletesStateWhicheverOfTheSnapshotAndTheHourIsMergedFirst() throws Exception {
        Instant[] hour = stack.hour();
        Map<String, String> ends = new java.util.TreeMap<>();
        try (DynamoDbClient ddb = stack.dynamodb()) {
            for (boolean hourFirst : List.of(false, true)) {
                LocalStack.TestTable t = stack.newTable(hourFirst ? "keephour" : "keepsnap", "soft");
                deleteWhileTheStreamIsReplacedThenRecover(ddb, t, hour, true, hourFirst);
                try (Connection c = stack.snowflake(t.schema())) {
                    assertThat(Snapshots.diff(Snapshots.source(ddb, t.name()), Snapshots.target(c, t.target()))).isEmpty();
                    // e: the state the new stream's REMOVE carried, deleted then (before the snapshot), as a user delete.
                    Map<String, String> rows = Snapshots.rows(c, "SELECT \"PK\", \"_OP\", \"_ITEM\":label::VARCHAR, \"PRICE\","
                            + " \"_DELETED_AT\" < \"_VERSION_TS\", \"_TTL_DELETE\", \"_VERSION_SEQ\" FROM \"" + t.target()
                            + "\" WHERE \"PK\" IN ('b', 'e') ORDER BY 1");
                    assertThat(rows.values()).as(hourFirst ? "the hour merged first" : "the snapshot merged first")
                            .containsExactly(
                                    "b\u0001REMOVE\u0001item 200\u00012.00\u0001FALSE\u0001FALSE\u0001" + "0".repeat(40) + "\u0001",
                                    "e\u0001REMOVE\u0001e while nothing streamed\u00015.00\u0001TRUE\u0001FALSE\u0001"
                                            + "0".repeat(40) + "\u0001");
                    ends.put(hourFirst ? "hour first" : "snapshot first", String.join("\n", rows.values()));
                }
                ddb.deleteTable(b -> b.tableName(t.name()));
            }
        }
        assertThat(ends.get("hour first")).isEqualTo(ends.get("snapshot first"));
    }

    /**
     * a, b, c synced; the stream replaced, b deleted while none ran; a updated and d put on the new stream. The next
     * hour then fails with DDB2SF-1002, and the steps its message names are followed: the backfill (first one pod of
     * two, whose partial scan cannot be loaded, then the other), load and merge it, rerun the hour.
     * With {@code streamedDelete}, e is synced too, changed while nothing streamed and deleted on the new stream; with
     * {@code hourFirst} the hour is rerun before the backfill is loaded and merged.
     *
     * @return the backfill's id
     */
    private String deleteWhileTheStreamIsReplacedThenRecover(DynamoDbClient ddb, LocalStack.TestTable t, Instant[] hour,
            boolean streamedDelete, boolean hourFirst) throws InterruptedException {
        Instant next = hour[1].plus(Duration.ofHours(1));
        Fixtures.createTable(ddb, t.name());
        Fixtures.put(ddb, t.name(), Fixtures.plain("a", "1", 100));
        Fixtures.put(ddb, t.name(), Fixtures.plain("b", "2", 200));
        Fixtures.put(ddb, t.name(), Fixtures.plain("c", "3", 300));
        if (streamedDelete) {
            Fixtures.put(ddb, t.name(), Fixtures.plain("e", "5", 500));
        }
        Instant written = Instant.now();
        Cli.Result sync = t.cli().run("sync", t.name(), hour[0].toString(), hour[1].toString());
        assertThat(sync.exitCode()).as(sync.stderr()).isZero();

        ddb.updateTable(b -> b.tableName(t.name()).streamSpecification(s -> s.streamEnabled(false)));
        ddb.deleteItem(b -> b.tableName(t.name()).key(Fixtures.key("b", "2")));
        if (streamedDelete) {
            Fixtures.update(ddb, t.name(), Fixtures.key("e", "5"), "SET label = :l",
                    Map.of(":l", Fixtures.s("e while nothing streamed")), n -> { });
        }
        ddb.updateTable(b -> b.tableName(t.name()).streamSpecification(s -> s.streamEnabled(true)
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
        if (streamedDelete) {
            ddb.deleteItem(b -> b.tableName(t.name()).key(Fixtures.key("e", "5")));
            written = Instant.now();
        }
        Fixtures.update(ddb, t.name(), Fixtures.key("a", "1"), "SET label = :l", Map.of(":l", Fixtures.s("a2")), n -> { });
        Fixtures.put(ddb, t.name(), Fixtures.plain("d", "4", 400));

        Cli.Result failed = t.cli().run("export-increment", t.name(), hour[1].toString(), next.toString());
        assertThat(failed.exitCode()).isEqualTo(1);
        String table = " --table " + t.name();
        assertThat(failed.error()).contains("DDB2SF-1002", "ddb2sf backfill" + table + " --reset-checkpoint",
                "copy-load and merge-apply" + table + " --backfill", "--start " + hour[1]).doesNotContain("delete");

        // The scan starts in a later minute than b's (and e's) last change (DynamoDB Local stamps to the minute): a key the
        // snapshot lacks is deleted only when its version is older than the snapshot's.
        Instant laterMinute = written.truncatedTo(ChronoUnit.MINUTES).plusSeconds(61);
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), laterMinute).toMillis()));
        // Its id is the real start moved back as far as the stream's stamps, so it keeps its real order against them.
        String id = new BackfillPartition(t.name(), stack.past(Instant.now())).snapshotId();
        List<String> backfill = List.of("backfill", "--table", t.name(), "--reset-checkpoint", "--backfill", id,
                "--total-segments", "2", "--rcu-budget", "1000", "--config", t.cli().config().toString());
        Cli.Result half = t.cli().exec(concat(backfill, "--segment", "0"));
        assertThat(half.exitCode()).as(half.stderr()).isZero();
        assertThat(half.summary().get("manifestWritten").asBoolean()).isFalse();
        Cli.Result partial = t.cli().exec(List.of("copy-load", "--table", t.name(), "--backfill", id, "--config",
                t.cli().config().toString()));
        assertThat(partial.exitCode()).as("a partial snapshot cannot be loaded, so it never refreshes").isEqualTo(1);
        Cli.Result rest = t.cli().exec(concat(backfill, "--segment", "1"));
        assertThat(rest.exitCode()).as(rest.stderr()).isZero();
        assertThat(rest.summary().get("manifestWritten").asBoolean()).isTrue();

        if (hourFirst) {
            Cli.Result rerun = t.cli().run("sync", t.name(), hour[1].toString(), next.toString());
            assertThat(rerun.exitCode()).as(rerun.stderr()).isZero();
        }
        Cli.Result merge = null;
        for (String job : List.of("stage-validate", "copy-load", "merge-apply")) {
            merge = t.cli().exec(List.of(job, "--table", t.name(), "--backfill", id, "--config", t.cli().config().toString()));
            assertThat(merge.exitCode()).as(job + ": " + merge.stderr()).isZero();
        }
        // b, and e when Snowflake still holds it live (its hour not merged yet).
        assertThat(merge.summary().get("fullRefreshDeletes").asLong()).as(merge.stdout())
                .isEqualTo(streamedDelete && !hourFirst ? 2 : 1);
        if (!hourFirst) {
            Cli.Result rerun = t.cli().run("sync", t.name(), hour[1].toString(), next.toString());
            assertThat(rerun.exitCode()).as(rerun.stderr()).isZero();
        }
        return id;
    }

    /** Forgets that a partition was loaded and merged, as a re-exported manifest would. */
    private static void clearLedger(Connection c, String table, String partition) throws java.sql.SQLException {
        try (PreparedStatement clear = c.prepareStatement(
                "DELETE FROM \"DDB2SF_LEDGER\" WHERE \"TABLE_NAME\" = ? AND \"PARTITION_ID\" = ?")) {
            clear.setString(1, table);
            clear.setString(2, partition);
            assertThat(clear.executeUpdate()).isEqualTo(2);
        }
    }

    private static List<String> concat(List<String> args, String... more) {
        List<String> all = new java.util.ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }
}
