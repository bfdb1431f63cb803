package io.ddb2sf.ddbexport;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ddb2sf.ErrorCode;
import io.ddb2sf.JobException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeContinuousBackupsRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeContinuousBackupsResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;
import software.amazon.awssdk.services.dynamodb.model.PointInTimeRecoveryStatus;

class ExportWindowTest {
    static final Instant EARLIEST = Instant.parse("2026-10-22T00:00:00Z");
    static final Instant LATEST = Instant.parse("2026-11-26T04:00:00Z");
    static final Instant H = Instant.parse("2026-11-26T02:00:00Z");

    static void window(Instant from, Instant to) {
        ExportApi.validateWindow("orders", from, to, EARLIEST, LATEST);
    }

    @Test
    void fifteenMinutesToTwentyFourHoursInsideThePitrWindowIsAccepted() {
        assertThatCode(() -> window(H, H.plus(Duration.ofMinutes(15)))).doesNotThrowAnyException();
        assertThatCode(() -> window(H, H.plusSeconds(3600))).doesNotThrowAnyException();
        assertThatCode(() -> window(LATEST.minus(Duration.ofHours(24)), LATEST)).doesNotThrowAnyException();
        assertThatCode(() -> window(EARLIEST, EARLIEST.plusSeconds(900))).doesNotThrowAnyException();
    }

    @Test
    void windowsDynamoDbWouldRefuseAreRefusedWithWhatToDo() {
        assertThatThrownBy(() -> window(H, H.plus(Duration.ofMinutes(15)).minusSeconds(1)))
                .isInstanceOfSatisfying(JobException.class, e -> org.assertj.core.api.Assertions.assertThat(e.code())
                        .isEqualTo(ErrorCode.EXPORT_WINDOW_INVALID))
                .hasMessageContaining("15 minutes to 24 hours");
        assertThatThrownBy(() -> window(LATEST.minus(Duration.ofHours(24)).minusSeconds(1), LATEST))
                .hasMessageContaining("15 minutes to 24 hours");
        assertThatThrownBy(() -> window(H.plusMillis(500), H.plusSeconds(3600))).hasMessageContaining("whole seconds");
        assertThatThrownBy(() -> window(EARLIEST.minusSeconds(1), EARLIEST.plusSeconds(3600)))
                .hasMessageContaining("outside its point-in-time recovery window", "--source export");
        assertThatThrownBy(() -> window(LATEST.minusSeconds(1800), LATEST.plusSeconds(1800)))
                .hasMessageContaining("rerun once it has passed " + LATEST.plusSeconds(1800));
    }

    @Test
    void anHourThatHasEndedButPointInTimeRecoveryDoesNotCoverYetIsARetryNotAUsageError() {
        Instant now = Instant.parse("2026-11-26T03:04:00Z");
        ExportApi api = new ExportApi(recoveryUpTo(Instant.parse("2026-11-26T02:59:00Z")), Clock.fixed(now, ZoneOffset.UTC),
                d -> { }, new PrintStream(OutputStream.nullOutputStream()), Duration.ofSeconds(1), Duration.ofSeconds(1));
        var to = new ExportApi.Destination("bucket", "x", Optional.empty());
        assertThatThrownBy(() -> api.startIncremental("orders", H, H.plusSeconds(3600), ExportViewType.NEW_AND_OLD_IMAGES, to, null))
                .isInstanceOfSatisfying(JobException.class, e -> {
                    org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(ErrorCode.PITR_BEHIND);
                    org.assertj.core.api.Assertions.assertThat(e.code().exitCode()).as("retried by the DAG").isEqualTo(1);
                })
                .hasMessageContaining("reaches 2026-11-26T02:59:00Z, not yet the end of the window 2026-11-26T03:00:00Z")
                .hasMessageNotContaining("\n");
        // An hour that has not ended is the caller's mistake, not a wait.
        Instant next = H.plusSeconds(3600);
        assertThatThrownBy(() -> api.startIncremental("orders", next, next.plusSeconds(3600), ExportViewType.NEW_AND_OLD_IMAGES, to,
                null)).isInstanceOfSatisfying(JobException.class, e -> org.assertj.core.api.Assertions.assertThat(e.code())
                .isEqualTo(ErrorCode.EXPORT_WINDOW_INVALID));
    }

    /** A table whose point-in-time recovery is on, restorable from a month ago up to {@code latest}. */
    private static DynamoDbClient recoveryUpTo(Instant latest) {
        return new DynamoDbClient() {
            @Override
            public DescribeTableResponse describeTable(DescribeTableRequest request) {
                return DescribeTableResponse.builder().table(t -> t.tableName(request.tableName())
                        .tableArn("arn:aws:dynamodb:eu-west-1:123456789012:table/" + request.tableName())).build();
            }

            @Override
            public DescribeContinuousBackupsResponse describeContinuousBackups(DescribeContinuousBackupsRequest request) {
                return DescribeContinuousBackupsResponse.builder().continuousBackupsDescription(c -> c
                        .pointInTimeRecoveryDescription(p -> p.pointInTimeRecoveryStatus(PointInTimeRecoveryStatus.ENABLED)
                                .earliestRestorableDateTime(EARLIEST).latestRestorableDateTime(latest))).build();
            }

            @Override
            public String serviceName() {
                return "dynamodb";
            }

            @Override
            public void close() {}
        };
    }
}
