package io.streamllm.testing;

import java.util.function.BiPredicate;
import java.util.stream.LongStream;

/**
 * DuoAttention by its definition: a retrieval head holds every earlier token (at its stream position), a
 * streaming head holds the paper's sinks and recent window (at its in-cache position).
 */
public final class DuoRetention implements Retention {
    private final BiPredicate<Integer, Integer> isRetrieval;
    private final StartRecentRetention streaming;
    private long fed;

    /** @param isRetrieval whether (layer, KV head) is a retrieval head */
    public DuoRetention(int sinks, int window, BiPredicate<Integer, Integer> isRetrieval) {
        this.isRetrieval = isRetrieval;
        this.streaming = new StartRecentRetention(sinks, window, 1);
    }

    @Override
    public long[] held(int layer, int kvHead) {
        return isRetrieval.test(layer, kvHead) ? LongStream.range(0, fed).toArray() : streaming.held(layer, kvHead);
    }

    @Override
    public void afterStep(long position, double[][][] weights, long[][][] keyPositions) {
        streaming.afterStep(position, weights, keyPositions);
        fed = position + 1;
    }

    @Override
    public void dropAllButSinks() {
        throw new UnsupportedOperationException("a retrieval head keeps every token");
    }
}
