package io.ddb2sf.ddbexport;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ExportWindowTest {
    static final Instant EARLIEST = Instant.parse("2026-10-22T00:00:00Z");
    static final Instant LATEST = Instant.parse("2026-11-26T04:00:00Z");
    static final Instant H = Instant.parse("2026-11-26T02:00:00Z");

    static void window(Instant from, Instant to) {
        ExportApi.validateWindow("orders", from, to, EARLIEST, LATEST);
    }

    @Test
    void fifteenMinutesToTwentyFourHoursInsideThePitrWindowIsAccepted() {
        assertThatCode(() -> window(H, H.plus(Duration.ofMinutes(15)))).doesNotThrowAnyException();
        assertThatCode(() -> window(H, H.plusSeconds(3600))).doesNotThrowAnyException();
        assertThatCode(() -> window(LATEST.minus(Duration.ofHours(24)), LATEST)).doesNotThrowAnyException();
        assertThatCode(() -> window(EARLIEST, EARLIEST.plusSeconds(900))).doesNotThrowAnyException();
    }

    @Test
    void windowsDynamoDbWouldRefuseAreRefusedWithWhatToDo() {
        assertThatThrownBy(() -> window(H, H.plus(Duration.ofMinutes(15)).minusSeconds(1)))
                .isInstanceOfSatisfying(JobException.class, e -> org.assertj.core.api.Assertions.assertThat(e.code())
                        .isEqualTo(ErrorCode.EXPORT_WINDOW_INVALID))
                .hasMessageContaining("15 minutes to 24 hours");
        assertThatThrownBy(() -> window(LATEST.minus(Duration.ofHours(24)).minusSeconds(1), LATEST))
                .hasMessageContaining("15 minutes to 24 hours");
        assertThatThrownBy(() -> window(H.plusMillis(500), H.plusSeconds(3600))).hasMessageContaining("whole seconds");
        assertThatThrownBy(() -> window(EARLIEST.minusSeconds(1), EARLIEST.plusSeconds(3600)))
                .hasMessageContaining("outside its point-in-time recovery window", "--source export");
        assertThatThrownBy(() -> window(LATEST.minusSeconds(1800), LATEST.plusSeconds(1800)))
                .hasMessageContaining("rerun once it has passed " + LATEST.plusSeconds(1800));
    }
}
