package io.ddb2sf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test helper's timeout fires on a job that hangs without writing anything, and kills it. */
class CliTimeoutIT {

    @Test
    void shouldKillAJobThatDoesNotFinishInTime() throws Exception {
        LocalStack stack = LocalStack.fromEnvironment().inPastHour();
        WarehouseLog warehouse = WarehouseLog.fromEnvironment();
        LocalStack.TestTable t = stack.newTable("hang", "hard");
        Instant[] hour = stack.hour();
        // The warehouse holds its answer to the job's first statement in its fresh schema for a minute: the job hangs.
        long hold = warehouse.hold("DDB2SF_SCHEMA_HISTORY", Duration.ofMinutes(1));
        Instant began = Instant.now();
        try {
            assertThatThrownBy(() -> t.cli().exec(List.of("merge-apply", "--table", t.name(), "--start", hour[0].toString(),
                    "--end", hour[1].toString(), "--config", t.cli().config().toString()), Duration.ofSeconds(15)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("did not finish in PT15S");
            assertThat(Duration.between(began, Instant.now())).isLessThan(Duration.ofSeconds(45));
        } finally {
            warehouse.release(hold);
        }
    }
}
