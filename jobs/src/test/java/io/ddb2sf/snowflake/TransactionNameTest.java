package io.ddb2sf.snowflake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TransactionNameTest {

    @Test
    void shouldNameATransactionAfterItsStepAndPartitionAsAPlainIdentifier() {
        Transaction.Name load = Transaction.Name.of(Ledger.Step.LOAD, "orders", "orders/dt=2026-11-26/hour=00");
        assertThat(load.value()).matches("DDB2SF_LOAD_ORDERS_DT_2026_11_26_HOUR_00_[0-9A-F]{12}");
        assertThat(SqlTemplate.load("begin_transaction").render(java.util.Map.of("name", load.sql())))
                .endsWith("BEGIN TRANSACTION NAME " + load.value() + "\n");
    }

    @Test
    void shouldGiveEveryStepAndPartitionItsOwnName() {
        String a = Transaction.Name.of(Ledger.Step.MERGE, "orders", "orders/dt=2026-11-26/hour=00").value();
        assertThat(a).isEqualTo(Transaction.Name.of(Ledger.Step.MERGE, "orders", "orders/dt=2026-11-26/hour=00").value())
                .isNotEqualTo(Transaction.Name.of(Ledger.Step.LOAD, "orders", "orders/dt=2026-11-26/hour=00").value())
                .isNotEqualTo(Transaction.Name.of(Ledger.Step.MERGE, "orders", "orders/dt=2026-11-26/hour=01").value())
                // two partitions that read the same once upper-cased and stripped of punctuation still differ
                .isNotEqualTo(Transaction.Name.of(Ledger.Step.MERGE, "Orders", "Orders/dt=2026-11-26/hour=00").value());
    }

    @Test
    void shouldRefuseANameThatIsNotAPlainIdentifier() {
        assertThatThrownBy(() -> new Sql.Name("X; DROP TABLE T")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Sql.Name("lower")).isInstanceOf(IllegalArgumentException.class);
    }
}
