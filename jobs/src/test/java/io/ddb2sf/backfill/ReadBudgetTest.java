package io.ddb2sf.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadBudgetTest {

    /** A clock that only moves when the budget sleeps or a page takes time. */
    static final class FakeClock {
        long nanos;
    }

    @Test
    void shouldKeepConsumptionWithinTheBudgetOverEveryTenSecondWindow() throws Exception {
        FakeClock clock = new FakeClock();
        double budgetPerSecond = 50;
        ReadBudget budget = new ReadBudget(budgetPerSecond, () -> clock.nanos, n -> clock.nanos += n);
        List<double[]> spends = new ArrayList<>();
        double perItem = 0.5;
        for (int page = 0; page < 2000; page++) {
            budget.awaitTurn();
            int limit = budget.pageLimit(perItem, 2);
            double cost = limit * perItem;
            budget.spend(cost);
            spends.add(new double[] {clock.nanos / 1e9, cost});
            clock.nanos += 5_000_000; // a page takes 5 ms
        }
        double end = clock.nanos / 1e9;
        assertThat(end).isGreaterThan(60);
        for (double from = 10; from + 10 <= end; from += 1) {
            double f = from;
            double used = spends.stream().filter(s -> s[0] >= f && s[0] < f + 10).mapToDouble(s -> s[1]).sum();
            assertThat(used / 10).as("RCU/s in [%s, %s)", from, from + 10).isLessThanOrEqualTo(budgetPerSecond * 1.10);
        }
    }

    @Test
    void shouldShrinkPagesSoOnePageCannotBlowASmallBudget() {
        ReadBudget budget = new ReadBudget(10, () -> 0, n -> { });
        assertThat(budget.pageLimit(4, 1)).isEqualTo(1);
        assertThat(budget.pageLimit(0.5, 1)).isEqualTo(10);
        assertThat(new ReadBudget(100_000, () -> 0, n -> { }).pageLimit(0.5, 1)).isEqualTo(1000);
    }
}
