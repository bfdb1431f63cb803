package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code ddb2sf status} on the local stack, run as the real CLI: what it reports and the exit code monitoring acts
 * on. Old checkpoints are made for real, by exporting an hour of the past (the first export of a table may start
 * at any hour): the checkpoint then says, as it would after a pipeline stopped that long ago, that nothing after
 * that hour was exported.
 */
class StatusIT {
    private static final Instant THIS_HOUR = Instant.now().truncatedTo(ChronoUnit.HOURS);

    @Test
    void shouldReportATableHealthyAfterItsLastHourIsSynced() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment();
        LocalStack.TestTable t = stack.newTable("status_ok", "hard");
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            try {
                Fixtures.put(ddb, t.name(), Fixtures.plain("now", "1", 1));
                sync(t, hoursAgo(1));

                Cli.Result json = status(t, "--json");
                assertThat(json.exitCode()).as(json.stderr()).isZero();
                JsonNode table = onlyTable(json);
                assertThat(table.get("health").asText()).isEqualTo("OK");
                assertThat(table.get("problems")).isEmpty();
                assertThat(table.get("unmerged")).isEmpty();
                assertThat(table.at("/checkpoint/windowEnd").asText()).isEqualTo(THIS_HOUR.toString());
                assertThat(table.at("/checkpoint/hoursLeft").asDouble()).isGreaterThan(21.9);
                assertThat(table.get("newestMerged").asText()).isEqualTo(hoursAgo(1).toString());
                assertThat(table.get("newestExported").asText()).isEqualTo(hoursAgo(1).toString());
                assertThat(table.get("newestValidated").asText()).isEqualTo("not recorded");
                assertThat(table.get("mergedThrough").asText()).isEqualTo(THIS_HOUR.toString());
                assertThat(json.stderr()).doesNotContain("DDB2SF-");

                Cli.Result text = status(t);
                assertThat(text.exitCode()).as(text.stderr()).isZero();
                assertThat(text.stdout()).contains("TABLE", "HOURS LEFT", t.name(), "OK", "not recorded", "(exit 0)");
            } finally {
                ddb.deleteTable(b -> b.tableName(t.name()));
            }
        }
    }

    @Test
    void shouldListAnHourExportedButNotMergedAndCallTheTableLateOnceItWaitsLongerThanAllowed() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment();
        LocalStack.TestTable t = stack.newTable("status_unmerged", "hard");
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            try {
                Fixtures.put(ddb, t.name(), Fixtures.plain("now", "1", 1));
                Instant unmerged = hoursAgo(2);
                run(t, "export-increment", unmerged);
                sync(t, hoursAgo(1));

                Cli.Result json = status(t, "--json");
                assertThat(json.exitCode()).as(json.stderr()).isZero(); // ended 1 to 2 h ago: within the 3 h default
                JsonNode table = onlyTable(json);
                assertThat(table.get("unmerged")).singleElement().satisfies(u -> {
                    assertThat(u.get("partition").asText()).isEqualTo(t.name() + "/dt=" + unmerged.toString().substring(0, 10)
                            + "/hour=" + unmerged.toString().substring(11, 13));
                    assertThat(u.get("state").asText()).isEqualTo("exported");
                });
                // The newer hour is merged, but the analytics table is complete only up to the unmerged one.
                assertThat(table.get("newestMerged").asText()).isEqualTo(hoursAgo(1).toString());
                assertThat(table.get("mergedThrough").asText()).isEqualTo(unmerged.toString());
                assertThat(table.get("lagHours").asDouble()).isGreaterThanOrEqualTo(2.0);

                Cli.Result late = status(t, "--json", "--max-unmerged-age", "1h");
                assertThat(late.exitCode()).as(late.stderr()).isEqualTo(4);
                assertThat(onlyTable(late).get("health").asText()).isEqualTo("LATE");
                assertThat(late.stderr()).contains("ddb2sf: DDB2SF-2010: " + t.name() + ": 1 exported hour(s) not merged 1 h",
                        "run copy-load and merge-apply");

                Cli.Result text = status(t, "--max-unmerged-age", "1h");
                assertThat(text.exitCode()).isEqualTo(4);
                assertThat(text.stdout()).contains("unmerged " + t.name() + "/dt=", "exported, not loaded");
            } finally {
                ddb.deleteTable(b -> b.tableName(t.name()));
            }
        }
    }

    @Test
    void shouldReportATableAtRiskWithTheHoursLeftWhenItsCheckpointIsOldAndTheBackfillInProgress() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment();
        LocalStack.TestTable t = stack.newTable("status_risk", "hard");
        try (DynamoDbClient ddb = stack.dynamodb()) {
            Fixtures.createTable(ddb, t.name());
            try {
                Fixtures.put(ddb, t.name(), Fixtures.plain("now", "1", 1));
                Instant old = hoursAgo(20);
                run(t, "export-increment", old);
                Cli.Result migrate = t.cli().exec(List.of("migrate", "--config", t.cli().config().toString()));
                assertThat(migrate.exitCode()).as(migrate.stderr()).isZero();
                // The backfill that will close the gap, started by a process that scans half of its segments.
                for (int i = 0; i < 8; i++) {
                    Fixtures.put(ddb, t.name(), Fixtures.plain("item-" + i, String.valueOf(i), i));
                }
                Cli.Result backfill = t.cli().exec(List.of("backfill", "--table", t.name(), "--config", t.cli().config().toString(),
                        "--total-segments", "4", "--segment", "0,1", "--rcu-budget", "100"));
                assertThat(backfill.exitCode()).as(backfill.stderr()).isZero();

                Cli.Result json = status(t, "--json");
                assertThat(json.exitCode()).as(json.stderr()).isEqualTo(3);
                JsonNode report = json.summary();
                assertThat(report.get("health").asText()).isEqualTo("AT_RISK");
                JsonNode table = onlyTable(json);
                assertThat(table.get("health").asText()).isEqualTo("AT_RISK");
                Instant windowEnd = old.plus(Duration.ofHours(1));
                double age = Duration.between(windowEnd, Instant.parse(report.get("now").asText())).toSeconds() / 3600.0;
                assertThat(table.at("/checkpoint/windowEnd").asText()).isEqualTo(windowEnd.toString());
                assertThat(table.at("/checkpoint/trimDeadline").asText()).isEqualTo(windowEnd.plus(Duration.ofHours(24)).toString());
                assertThat(table.at("/checkpoint/ageHours").asDouble()).isCloseTo(age, org.assertj.core.data.Offset.offset(0.06));
                double left = table.at("/checkpoint/hoursLeft").asDouble();
                assertThat(left).isLessThanOrEqualTo(24 - age).isGreaterThan(24 - age - 0.11);
                assertThat(json.stderr()).contains("ddb2sf: DDB2SF-1010: " + t.name() + ": checkpoint is",
                        String.format("%.1f h left", left), "export the hours from " + windowEnd + " on now");
                assertThat(table.get("backfills")).singleElement().satisfies(b -> {
                    assertThat(b.get("backfillId").asText()).isEqualTo(backfill.summary().get("backfillId").asText());
                    assertThat(b.get("state").asText()).isEqualTo("scanning");
                    assertThat(b.get("segmentsDone").asInt()).isEqualTo(2);
                    assertThat(b.get("totalSegments").asInt()).isEqualTo(4);
                    assertThat(b.get("items").asLong()).isEqualTo(backfill.summary().get("items").asLong());
                });
                // The old hour itself is exported and not loaded: listed too.
                assertThat(table.get("unmerged")).singleElement()
                        .satisfies(u -> assertThat(u.get("start").asText()).isEqualTo(old.toString()));
            } finally {
                ddb.deleteTable(b -> b.tableName(t.name()));
            }
        }
    }

    private static Instant hoursAgo(int n) {
        return THIS_HOUR.minus(Duration.ofHours(n));
    }

    private static void run(LocalStack.TestTable t, String job, Instant start) {
        Cli.Result r = t.cli().run(job, t.name(), start.toString(), start.plus(Duration.ofHours(1)).toString());
        assertThat(r.exitCode()).as(job + ": " + r.stderr()).isZero();
    }

    private static void sync(LocalStack.TestTable t, Instant start) {
        run(t, "sync", start);
    }

    private static Cli.Result status(LocalStack.TestTable t, String... options) {
        List<String> args = new ArrayList<>(List.of("status", "--table", t.name(), "--config", t.cli().config().toString()));
        args.addAll(List.of(options));
        return t.cli().exec(args);
    }

    private static JsonNode onlyTable(Cli.Result r) throws IOException {
        JsonNode report = new ObjectMapper().readTree(r.stdout());
        assertThat(report.get("tables")).hasSize(1);
        return report.get("tables").get(0);
    }
}
