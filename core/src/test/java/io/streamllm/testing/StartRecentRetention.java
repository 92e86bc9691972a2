package io.streamllm.testing;

import java.util.ArrayList;
import java.util.List;

/** The paper's StartRecentKVCache: after each step keep the first S tokens and the last W, evicting k at a time. */
public final class StartRecentRetention implements Retention {
    private final int sinks;
    private final int window;
    private final int evictChunk;
    private final List<Long> held = new ArrayList<>();

    public StartRecentRetention(int sinks, int window, int evictChunk) {
        this.sinks = sinks;
        this.window = window;
        this.evictChunk = evictChunk;
    }

    @Override
    public long[] held(int layer, int kvHead) {
        return held.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public void afterStep(long position, double[][][] weights, long[][][] keyPositions) {
        held.add(position);
        if (held.size() > sinks + window) {
            int drop = Math.max(evictChunk, held.size() - sinks - window);
            held.subList(sinks, sinks + drop).clear();
        }
    }

    @Override
    public void dropAllButSinks() {
        held.subList(Math.min(sinks, held.size()), held.size()).clear();
    }
}
