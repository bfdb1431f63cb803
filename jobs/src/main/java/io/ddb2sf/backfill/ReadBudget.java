package io.ddb2sf.backfill;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.util.OptionalDouble;
import java.util.function.LongSupplier;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * A token bucket in read capacity units, shared by a process's scan workers and fed by what DynamoDB reports as
 * consumed (ReturnConsumedCapacity) rather than by estimates: a worker waits until the bucket is not in debt, reads
 * a page, then pays what the page cost. The bucket holds at most one second of budget, so consumption averaged
 * over any window of a few seconds stays at the budget.
 */
public final class ReadBudget {
    private final double unitsPerSecond;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private double balance;
    private long lastRefill;

    /** Sleeps for the given nanoseconds; tests pass a fake clock's advance. */
    @FunctionalInterface
    public interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    public ReadBudget(double unitsPerSecond, LongSupplier nanoClock, Sleeper sleeper) {
        if (unitsPerSecond <= 0) {
            throw new IllegalArgumentException("budget must be positive: " + unitsPerSecond);
        }
        this.unitsPerSecond = unitsPerSecond;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
        this.lastRefill = nanoClock.getAsLong();
        this.balance = 0;
    }

    /**
     * The budget a scan may use: the one given, else a share of the table's provisioned read capacity (an on-demand
     * table has none, so it needs one given).
     */
    public static double unitsFor(OptionalDouble given, double capacityShare, TableDescription d) {
        if (given.isPresent()) {
            return given.getAsDouble();
        }
        Long provisioned = d.provisionedThroughput() == null ? null : d.provisionedThroughput().readCapacityUnits();
        if (provisioned == null || provisioned == 0) {
            throw new JobException(ErrorCode.CONFIG_INVALID, "table " + d.tableName() + " is on-demand, so it has no read"
                    + " capacity to take a share of; pass --rcu-budget <RCU per second>");
        }
        return provisioned * capacityShare;
    }

    public double unitsPerSecond() {
        return unitsPerSecond;
    }

    /** Blocks until the bucket is out of debt. */
    public void awaitTurn() throws InterruptedException {
        while (true) {
            long wait;
            synchronized (this) {
                refill();
                if (balance >= 0) {
                    return;
                }
                wait = (long) (-balance / unitsPerSecond * 1e9) + 1;
            }
            sleeper.sleepNanos(wait);
        }
    }

    /** Pays for a page. */
    public synchronized void spend(double units) {
        refill();
        balance -= units;
    }

    /**
     * How many items a page may ask for, so that one page costs at most about half a second of budget shared
     * among {@code workers}: a 1 MB page costs 128 RCU, more than a small budget allows at once.
     */
    public int pageLimit(double unitsPerItem, int workers) {
        double perPage = unitsPerSecond / 2 / Math.max(1, workers);
        return (int) Math.max(1, Math.min(1000, Math.floor(perPage / Math.max(unitsPerItem, 0.001))));
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        balance = Math.min(unitsPerSecond, balance + (now - lastRefill) / 1e9 * unitsPerSecond);
        lastRefill = now;
    }
}
