package io.ddb2sf.cli;


import io.ddb2sf.export.ExportSummary;
import io.ddb2sf.load.LoadSummary;
import io.ddb2sf.merge.MergeSummary;
import io.ddb2sf.validate.ValidateSummary;

/** The JSON summary line of sync: the four jobs' summaries. */
public record SyncSummary(String job, String partition, ExportSummary export, ValidateSummary validate, LoadSummary load,
                          MergeSummary merge) {}
