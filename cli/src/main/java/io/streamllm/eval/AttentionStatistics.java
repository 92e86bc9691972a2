package io.streamllm.eval;

import io.streamllm.api.AttentionRecorder;
import io.streamllm.api.AttentionWeights;

import java.util.List;

/**
 * What a stream's attention shows, gathered from a session's {@link AttentionRecorder} as it runs: per layer,
 * head and query position, the <em>sink share</em> (mass on the first {@code sinkTokens} tokens of the stream,
 * as "When Attention Sink Emerges" measures it) and the <em>local share</em> (mass on the query and the
 * {@code localTokens - 1} tokens before it); and for the mapped layers, the attention of the first
 * {@code mapTokens} queries to the first {@code mapTokens} keys, averaged over the mapped heads (the paper's
 * Figure 2). Evicted keys get no weight in the map.
 */
public final class AttentionStatistics implements AttentionRecorder {
    private final int layers;
    private final int heads;
    private final int tokens;
    private final int sinkTokens;
    private final int localTokens;
    private final List<Integer> mappedLayers;
    private final List<Integer> mappedHeads;
    private final int mapTokens;
    private final double[][][] sinkShare;  // [layer][head][query position]
    private final double[][][] localShare;
    private final double[][][] maps;       // [mapped layer index][query][key], summed over the mapped heads

    /**
     * @param tokens       the stream's length: queries at positions 0..tokens-1
     * @param mappedLayers layers to draw, each in 0..layers-1
     * @param mappedHeads  heads averaged in the maps, each in 0..heads-1
     */
    public AttentionStatistics(int layers, int heads, int tokens, int sinkTokens, int localTokens,
                               List<Integer> mappedLayers, List<Integer> mappedHeads, int mapTokens) {
        this.layers = layers;
        this.heads = heads;
        this.tokens = tokens;
        this.sinkTokens = sinkTokens;
        this.localTokens = localTokens;
        this.mappedLayers = List.copyOf(mappedLayers);
        this.mappedHeads = List.copyOf(mappedHeads);
        this.mapTokens = Math.min(mapTokens, tokens);
        this.sinkShare = new double[layers][heads][tokens];
        this.localShare = new double[layers][heads][tokens];
        this.maps = new double[mappedLayers.size()][this.mapTokens][this.mapTokens];
    }

    @Override
    public void record(AttentionWeights w) {
        int query = (int) w.queryPosition();
        if (query >= tokens) {
            return;
        }
        double sink = 0;
        double local = 0;
        for (int j = 0; j < w.keyCount(); j++) {
            long key = w.keyPosition(j);
            if (key < sinkTokens) {
                sink += w.weight(j);
            }
            if (query - key < localTokens) {
                local += w.weight(j);
            }
        }
        sinkShare[w.layer()][w.head()][query] = sink;
        localShare[w.layer()][w.head()][query] = local;

        int map = mappedLayers.indexOf(w.layer());
        if (map >= 0 && query < mapTokens && mappedHeads.contains(w.head())) {
            for (int j = 0; j < w.keyCount(); j++) {
                maps[map][query][(int) w.keyPosition(j)] += w.weight(j) / mappedHeads.size();
            }
        }
    }

    public int layers() {
        return layers;
    }

    public int heads() {
        return heads;
    }

    public int tokens() {
        return tokens;
    }

    public int sinkTokens() {
        return sinkTokens;
    }

    public int localTokens() {
        return localTokens;
    }

    public List<Integer> mappedLayers() {
        return mappedLayers;
    }

    public List<Integer> mappedHeads() {
        return mappedHeads;
    }

    public int mapTokens() {
        return mapTokens;
    }

    /** Attention mass of the query at {@code position} on the first {@link #sinkTokens()} tokens. */
    public double sinkShare(int layer, int head, int position) {
        return sinkShare[layer][head][position];
    }

    /** Attention mass of the query at {@code position} on itself and the {@link #localTokens()} - 1 before it. */
    public double localShare(int layer, int head, int position) {
        return localShare[layer][head][position];
    }

    /** Mean sink share of the queries at positions [from, tokens). */
    public double meanSinkShare(int layer, int head, int from) {
        return mean(sinkShare[layer][head], from);
    }

    /** Mean local share of the queries at positions [from, tokens). */
    public double meanLocalShare(int layer, int head, int from) {
        return mean(localShare[layer][head], from);
    }

    /** The attention of query {@code query} to key {@code key} in the {@code index}-th mapped layer, head-averaged. */
    public double mapWeight(int index, int query, int key) {
        return maps[index][query][key];
    }

    /**
     * Mean attention mass beyond the sinks and the local tokens (one minus both shares) of the queries at
     * positions [from, tokens); {@code from} should be at least sinkTokens + localTokens, so that the two
     * sets do not overlap. DuoAttention's retrieval heads are the ones where it is high.
     */
    public double meanBeyondSinksAndLocal(int layer, int head, int from) {
        double sum = 0;
        for (int p = from; p < tokens; p++) {
            sum += Math.max(0, 1 - sinkShare[layer][head][p] - localShare[layer][head][p]);
        }
        return sum / (tokens - from);
    }

    private double mean(double[] values, int from) {
        double sum = 0;
        for (int p = from; p < tokens; p++) {
            sum += values[p];
        }
        return sum / (tokens - from);
    }
}
