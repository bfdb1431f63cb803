package io.ddb2sf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VerifyCommandTest {
    @Test
    void shouldSpreadASampleEvenlyOverTheSegments() {
        assertThat(VerifyCommand.spread(1, 4)).containsExactly(0);
        assertThat(VerifyCommand.spread(4, 100)).containsExactly(0, 25, 50, 75);
        assertThat(VerifyCommand.spread(3, 4)).containsExactly(0, 1, 2);
        assertThat(VerifyCommand.spread(5, 5)).containsExactly(0, 1, 2, 3, 4);
    }
}
