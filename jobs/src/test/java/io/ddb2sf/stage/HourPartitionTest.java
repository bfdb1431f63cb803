package io.ddb2sf.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HourPartitionTest {
    private static final Instant TEN = Instant.parse("2026-11-24T10:00:00Z");

    @Test
    void shouldNameThePartitionAfterTableDayAndHour() {
        assertThat(new HourPartition("orders", TEN, TEN.plusSeconds(3600)).id()).isEqualTo("orders/dt=2026-11-24/hour=10");
    }

    @Test
    void shouldRejectWindowsThatAreNotOneWholeHour() {
        assertThatThrownBy(() -> new HourPartition("orders", TEN, TEN)).isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).code()).isEqualTo(ErrorCode.WINDOW_INVALID));
        assertThatThrownBy(() -> new HourPartition("orders", TEN.plusSeconds(60), TEN.plusSeconds(3660)))
                .hasMessageContaining("--start 2026-11-24T10:00:00Z --end 2026-11-24T11:00:00Z");
        assertThatThrownBy(() -> new HourPartition("orders", TEN, TEN.plusSeconds(7200))).isInstanceOf(JobException.class);
    }

    @Test
    void shouldBuildAndParsePartKeysInsideThePartitionOnly() {
        StageKeys keys = new StageKeys("ddb2sf");
        HourPartition p = new HourPartition("orders", TEN, TEN.plusSeconds(3600));
        String key = keys.part(p, 3, "000123");
        assertThat(key).isEqualTo("ddb2sf/orders/dt=2026-11-24/hour=10/part-00003-000123.parquet");
        assertThat(keys.parsePart(p, key)).contains(new StageKeys.PartName(3, "000123"));
        assertThat(keys.parsePart(p.next(), key)).isEmpty();
        assertThat(keys.parsePart(p, "ddb2sf/orders/dt=2026-11-24/hour=10/../x/part-00003-1.parquet")).isEmpty();
        assertThat(keys.relativeToStage(key)).isEqualTo("orders/dt=2026-11-24/hour=10/part-00003-000123.parquet");
    }
}
