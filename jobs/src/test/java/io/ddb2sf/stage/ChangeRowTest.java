package io.ddb2sf.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChangeRowTest {
    @Test
    void shouldPadSequenceNumbersSoTextOrderIsNumberOrder() {
        assertThat(ChangeRow.paddedSequence("42")).isEqualTo("0".repeat(38) + "42");
        assertThat(ChangeRow.paddedSequence("9".repeat(40))).isEqualTo("9".repeat(40));
        assertThat(ChangeRow.paddedSequence("100")).isGreaterThan(ChangeRow.paddedSequence("99"));
    }

    @Test
    void shouldRefuseSequenceNumbersThatAreNotOneToFortyDigits() {
        for (String bad : new String[] {"", "1".repeat(41), "12a", "-1", "1 ", "\u0661"}) {
            assertThatThrownBy(() -> ChangeRow.paddedSequence(bad)).as("'%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 40 digits");
        }
    }
}
