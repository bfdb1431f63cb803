package io.ddb2sf;

import java.util.Optional;

/**
 * A job summary that can also be a finding the run must fail on (verify's drift): the runner prints the summary
 * first, then fails with the finding, so monitoring gets both the counts and the exit code.
 */
public interface Verdict {
    Optional<JobException> failure();
}
