package io.streamllm.testing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SnapKV made to stream, by its definition: the first S tokens, a window of at most W recent tokens, and K tokens
 * chosen by the attention of the last O queries (the observation window). When the window overflows, its oldest O
 * tokens and the kept ones compete: the K that received the most attention from the last O queries (summed over
 * every layer and head) stay, the others go (the older first on a tie).
 */
public final class SnapKvRetention implements Retention {
    private final int sinks;
    private final int kept;
    private final int window;
    private final int observed;
    private final List<Long> sinkTokens = new ArrayList<>();
    private final List<Long> keptTokens = new ArrayList<>();
    private final List<Long> recent = new ArrayList<>();
    /** The attention of each of the last O queries, one map per query. */
    private final Deque<Map<Long, Double>> lastQueries = new ArrayDeque<>();

    public SnapKvRetention(int sinks, int kept, int window, int observed) {
        this.sinks = sinks;
        this.kept = kept;
        this.window = window;
        this.observed = observed;
    }

    @Override
    public long[] held(int layer, int kvHead) {
        return Held.inOrder(sinkTokens, keptTokens, recent);
    }

    @Override
    public void afterStep(long position, double[][][] weights, long[][][] keyPositions) {
        Map<Long, Double> attention = new HashMap<>();
        Held.addAttention(attention, weights, keyPositions);
        lastQueries.addLast(attention);
        if (lastQueries.size() > observed) {
            lastQueries.removeFirst();
        }
        if (sinkTokens.size() < sinks) {
            sinkTokens.add(position);
            return;
        }
        recent.add(position);
        if (recent.size() > window) {
            List<Long> leaving = recent.subList(0, observed);
            keptTokens.addAll(leaving);
            leaving.clear();
            Map<Long, Double> received = new HashMap<>();
            for (Map<Long, Double> query : lastQueries) {
                query.forEach((p, w) -> received.merge(p, w, Double::sum));
            }
            while (keptTokens.size() > kept) {
                keptTokens.remove(Held.leastAttended(keptTokens, received));
            }
        }
    }

    @Override
    public void dropAllButSinks() {
        keptTokens.clear();
        recent.clear();
        lastQueries.clear();
    }
}
