package io.ddb2sf.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationConverterTest {
    private final StatusCommand.DurationConverter converter = new StatusCommand.DurationConverter();

    @Test
    void shouldReadShortAndIsoDurations() {
        assertThat(converter.convert("12h")).isEqualTo(Duration.ofHours(12));
        assertThat(converter.convert("90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(converter.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(converter.convert("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(converter.convert("PT1H30M")).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void shouldRejectAnythingElseWithAnExample() {
        assertThatThrownBy(() -> converter.convert("12 hours")).isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("like 12h, 90m or PT12H");
    }
}
