package io.streamllm.testing;

import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/** What the retentions that select by attention share. */
final class Held {
    private Held() {
    }

    /** The positions of the given groups, ascending. */
    @SafeVarargs
    static long[] inOrder(List<Long>... groups) {
        LongStream all = LongStream.empty();
        for (List<Long> group : groups) {
            all = LongStream.concat(all, group.stream().mapToLong(Long::longValue));
        }
        return all.sorted().toArray();
    }

    /** Adds every weight of one query, all layers and heads, to the attention its key's position received. */
    static void addAttention(Map<Long, Double> received, double[][][] weights, long[][][] keyPositions) {
        for (int l = 0; l < weights.length; l++) {
            for (int h = 0; h < weights[l].length; h++) {
                for (int j = 0; j < weights[l][h].length; j++) {
                    received.merge(keyPositions[l][h][j], weights[l][h][j], Double::sum);
                }
            }
        }
    }

    /** The index in {@code tokens} (ascending positions) of the one that received the least attention, the first on a tie. */
    static int leastAttended(List<Long> tokens, Map<Long, Double> received) {
        int weakest = 0;
        for (int i = 1; i < tokens.size(); i++) {
            if (received.getOrDefault(tokens.get(i), 0.0) < received.getOrDefault(tokens.get(weakest), 0.0)) {
                weakest = i;
            }
        }
        return weakest;
    }
}
