package io.ddb2sf.ddbexport;

import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.ExportType;
import software.amazon.awssdk.services.dynamodb.model.ExportViewType;

/**
 * What an export's {@code manifest-summary.json} says about it. DynamoDB writes that file when the export has
 * completed, next to {@code manifest-files.json}; the incremental export's summary also names its type and view
 * ("DynamoDB table export output format", The summary manifest,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html).
 *
 * @param exportTime  the point in time a full export reflects; empty for incremental exports
 * @param exportFrom  an incremental export's inclusive start; empty for full exports
 * @param exportTo    an incremental export's exclusive end; empty for full exports
 * @param view        an incremental export's view type; empty for full exports
 */
public record ManifestSummary(
        String exportArn,
        String tableArn,
        ExportType type,
        Optional<ExportViewType> view,
        Optional<Instant> exportTime,
        Optional<Instant> exportFrom,
        Optional<Instant> exportTo,
        String s3Prefix,
        String manifestFilesKey,
        long itemCount,
        String outputFormat) {
}
