package dev.udadiffusion.spark;

import java.io.Serializable;

/** What one partition's task did: samples written now, found done, SCR refinements kept, wall time. */
public record PartitionReport(int partition, int attempt, int written, int resumed, long refinements, long millis)
        implements Serializable {
}
