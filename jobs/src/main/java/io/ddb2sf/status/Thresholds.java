package io.ddb2sf.status;

import java.time.Duration;

/**
 * When status calls a table at risk or late, and how far back it looks.
 *
 * @param maxCheckpointAge a checkpoint older than this puts the table at risk (exit 3)
 * @param maxUnmergedAge   an exported hour not merged this long after it ended makes the table late (exit 4)
 * @param lookback         hours older than this are not examined (listing and ledger stay small)
 */
public record Thresholds(Duration maxCheckpointAge, Duration maxUnmergedAge, Duration lookback) {
    public static final Thresholds DEFAULT = new Thresholds(Duration.ofHours(12), Duration.ofHours(3), Duration.ofHours(48));
}
