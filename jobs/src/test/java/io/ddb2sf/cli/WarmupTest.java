package io.ddb2sf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The image's training runs (docker/aot.Dockerfile) must keep running the jobs' real paths as they change: a new
 * call a job makes that the loopback does not answer fails here, not in an image build.
 */
class WarmupTest {
    @Test
    void shouldExportAndValidateAnHourAndRunTheSnowflakeJobsOffline() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Map<String, Object> summary = train(Warmup.Side.ALL, log);

        JsonNode export = (JsonNode) summary.get("export");
        assertThat(export.path("rows").asLong()).isEqualTo(4);
        assertThat(export.path("inserts").asLong()).isEqualTo(1);
        assertThat(export.path("ttlRemoves").asLong()).isEqualTo(1);
        assertThat(((JsonNode) summary.get("validate")).path("rows").asLong()).isEqualTo(4);
        assertThat(summary.get("stagedObjects")).isEqualTo(3); // part, manifest, checkpoint
        assertThat((Integer) summary.get("sqlTemplates")).isGreaterThan(10);
        String text = log.toString(StandardCharsets.UTF_8);
        // copy-load ran through its COPY to its ledger record, merge-apply to its commit, as in a real hourly run.
        assertThat(text).contains("load warmup_orders/dt=2026-01-01/hour=00: 1/1 files copied")
                .contains("warmup: copy-load done").contains("warmup: merge-apply done").contains("warmup: Arrow results read");
    }

    @Test
    void shouldTrainTheStreamSideWithoutTheWarehouse() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Map<String, Object> summary = train(Warmup.Side.STREAM, log);

        assertThat(((JsonNode) summary.get("export")).path("rows").asLong()).isEqualTo(4);
        assertThat(((JsonNode) summary.get("validate")).path("rows").asLong()).isEqualTo(4);
        assertThat(summary.get("snowflakeStatements")).isEqualTo(0);
        assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain("copy-load", "merge-apply");
    }

    @Test
    void shouldTrainTheWarehouseSideOnAStagedHourWithoutExportingIt() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Map<String, Object> summary = train(Warmup.Side.WAREHOUSE, log);

        assertThat(summary).doesNotContainKeys("export", "validate");
        assertThat(summary.get("stagedObjects")).isEqualTo(1); // the manifest
        String text = log.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain("export warmup_orders")
                .contains("load warmup_orders/dt=2026-01-01/hour=00: 1/1 files copied")
                .contains("warmup: copy-load done").contains("warmup: merge-apply done").contains("warmup: Arrow results read");
    }

    private static Map<String, Object> train(Warmup.Side side, ByteArrayOutputStream log) {
        List<String> properties = List.of("aws.accessKeyId", "aws.secretAccessKey", "aws.disableEc2Metadata");
        Map<String, String> before = new HashMap<>();
        properties.forEach(p -> before.put(p, System.getProperty(p)));
        try {
            return new Warmup(new PrintStream(log, true, StandardCharsets.UTF_8)).run(side);
        } finally {
            before.forEach((p, v) -> {
                if (v == null) {
                    System.clearProperty(p);
                } else {
                    System.setProperty(p, v);
                }
            });
        }
    }
}
