package io.streamllm.eval;

import java.util.ArrayList;
import java.util.List;

/** Sums per-token negative log-likelihoods, overall and over consecutive segments of fixed length. */
public final class NllAccumulator {
    private final int segmentLength;
    private final List<Segment> segments = new ArrayList<>();
    private double total;
    private long count;
    private double segmentTotal;
    private long segmentStart;

    public NllAccumulator(int segmentLength) {
        if (segmentLength < 1) {
            throw new IllegalArgumentException("the segment length must be at least 1, got " + segmentLength);
        }
        this.segmentLength = segmentLength;
    }

    public void add(double nll) {
        total += nll;
        segmentTotal += nll;
        count++;
        if (count - segmentStart == segmentLength) {
            closeSegment();
        }
    }

    private void closeSegment() {
        segments.add(new Segment(segmentStart, count, segmentTotal / (count - segmentStart), total / count));
        segmentStart = count;
        segmentTotal = 0;
    }

    public long count() {
        return count;
    }

    /** The mean over every token added (NaN before the first). */
    public double mean() {
        return total / count;
    }

    /** The segments so far; the last one may be shorter than the others. */
    public List<Segment> segments() {
        List<Segment> all = new ArrayList<>(segments);
        if (count > segmentStart) {
            all.add(new Segment(segmentStart, count, segmentTotal / (count - segmentStart), total / count));
        }
        return all;
    }
}
