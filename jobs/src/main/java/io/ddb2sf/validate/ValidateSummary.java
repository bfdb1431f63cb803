package io.ddb2sf.validate;

/** The JSON summary line of stage-validate. */
public record ValidateSummary(String job, String partition, int files, long rows, long bytes, String manifestSha256,
                              long durationMs) {}
