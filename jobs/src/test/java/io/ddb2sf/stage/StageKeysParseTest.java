package io.ddb2sf.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Keys that status lists are parsed back into exactly the partitions that built them. */
class StageKeysParseTest {
    private static final Instant TEN = Instant.parse("2026-11-24T10:00:00Z");
    private final StageKeys keys = new StageKeys("ddb2sf");

    @Test
    void shouldParseTheManifestKeysItBuilds() {
        HourPartition hour = new HourPartition("orders", TEN, TEN.plusSeconds(3600));
        BackfillPartition backfill = new BackfillPartition("orders", Instant.parse("2026-11-24T10:15:30Z"));

        assertThat(keys.parseManifest(keys.manifest(hour))).contains(hour);
        assertThat(keys.parseManifest(keys.manifest(backfill))).contains(backfill);
        assertThat(keys.parseFolder(keys.partitionPrefix(backfill))).contains(backfill);
        assertThat(StageKeys.parseId(hour.id())).contains(hour);
        assertThat(keys.manifest(hour)).startsWith(keys.hoursPrefix("orders"));
        assertThat(keys.manifest(backfill)).startsWith(keys.backfillsPrefix("orders"));
    }

    @Test
    void shouldRejectKeysThatAreNotManifests() {
        assertThat(keys.parseManifest("ddb2sf/orders/dt=2026-11-24/hour=10/part-00000-1.parquet")).isEmpty();
        assertThat(keys.parseManifest("other/orders/dt=2026-11-24/hour=10/_manifest.json")).isEmpty();
        assertThat(keys.parseManifest("ddb2sf/orders/dt=2026-11-24/hour=24/_manifest.json")).isEmpty();
        assertThat(keys.parseManifest("ddb2sf/orders/dt=2026-11-24/hour=10/x/_manifest.json")).isEmpty();
        assertThat(keys.parseManifest("ddb2sf/orders/backfill=20261124T101530Z/_segments/_manifest.json")).isEmpty();
        assertThat(StageKeys.parseId("orders/dt=2026-13-24/hour=10")).isEmpty();
    }
}
