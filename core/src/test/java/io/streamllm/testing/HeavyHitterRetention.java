package io.streamllm.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * H2O on a sink cache, by its definition: the first S tokens, the last W, and the H tokens out of the window that
 * have received the most attention (summed over every layer, head and query since they were fed). When a token
 * leaves the window it joins the heavy hitters, and while they are more than H the one with the least attention
 * goes (the older on a tie).
 */
public final class HeavyHitterRetention implements Retention {
    private final int sinks;
    private final int heavy;
    private final int window;
    private final List<Long> sinkTokens = new ArrayList<>();
    private final List<Long> heavyHitters = new ArrayList<>();
    private final List<Long> recent = new ArrayList<>();
    private final Map<Long, Double> received = new HashMap<>();

    public HeavyHitterRetention(int sinks, int heavy, int window) {
        this.sinks = sinks;
        this.heavy = heavy;
        this.window = window;
    }

    @Override
    public long[] held(int layer, int kvHead) {
        return Held.inOrder(sinkTokens, heavyHitters, recent);
    }

    @Override
    public void afterStep(long position, double[][][] weights, long[][][] keyPositions) {
        Held.addAttention(received, weights, keyPositions);
        if (sinkTokens.size() < sinks) {
            sinkTokens.add(position);
            return;
        }
        recent.add(position);
        if (recent.size() > window) {
            heavyHitters.add(recent.removeFirst());
            while (heavyHitters.size() > heavy) {
                heavyHitters.remove(Held.leastAttended(heavyHitters, received));
            }
        }
    }

    @Override
    public void dropAllButSinks() {
        heavyHitters.clear();
        recent.clear();
        received.clear();
    }
}
