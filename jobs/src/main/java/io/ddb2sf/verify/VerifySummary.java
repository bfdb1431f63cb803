package io.ddb2sf.verify;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import io.ddb2sf.Verdict;
import java.util.List;
import java.util.Optional;

/**
 * The JSON summary line of verify. Every scanned item ({@code compared}) is equal, missing, different or in flight;
 * rows without a scanned item are extra or in flight, and are looked for only when {@code extrasChecked} (every segment
 * was scanned).
 *
 * @param extrasChecked      whether analytics rows without a source item were looked for (only on whole-table runs)
 * @param inFlight           items that differ only because they changed after what the analytics table has merged
 * @param examples           the first few keys of each kind (_KEY text) with what differs
 */
public record VerifySummary(String job, String table, List<Integer> segments, int totalSegments, boolean extrasChecked,
                            long compared, long equal, long missingInSnowflake, long extraInSnowflake, long different,
                            long inFlight, Examples examples, double consumedRcu, double rcuPerSecond,
                            double budgetRcuPerSecond, long throttledPages, boolean drift, long durationMs)
        implements Verdict {

    /** One key and what differs. */
    public record Example(String key, String what) {}

    public record Examples(List<Example> missingInSnowflake, List<Example> extraInSnowflake, List<Example> different,
                           List<Example> inFlight) {}

    @Override
    public Optional<JobException> failure() {
        if (!drift) {
            return Optional.empty();
        }
        // Changes not merged yet were already set apart as in flight, so rerunning hours would not help: the rows were
        // lost or altered after their merge, and a backfill (a complete snapshot, merged as a full refresh) restores them.
        return Optional.of(new JobException(ErrorCode.VERIFY_DRIFT, table + " drifted: " + missingInSnowflake
                + " missing in Snowflake, " + extraInSnowflake + " extra, " + different + " different of " + compared
                + " compared (keys in the summary), not explained by changes in flight; restore them with a backfill:"
                + " ddb2sf backfill --table " + table + ", then copy-load and merge-apply --backfill <its id>"));
    }
}
