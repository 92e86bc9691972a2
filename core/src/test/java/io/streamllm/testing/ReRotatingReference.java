package io.streamllm.testing;

import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.RopeStyle;
import io.streamllm.tensor.WeightMatrix;

import java.util.ArrayList;
import java.util.List;

/**
 * StreamingLLM by its definition, in plain double-precision code: the cache stores keys before RoPE;
 * at every step all cached keys are rotated at their positions inside the cache (0..n-1, sinks first)
 * and the query at n. Slow and obviously right; the fast engine is tested against it. Which tokens are
 * cached is a {@link Retention}: the paper's start-and-recent cache, or another policy's definition; it may
 * differ per layer and KV head. Every token's raw key and value are kept, so a retention can hold any of them.
 * Covers the pre-norm Llama layout and what its relatives add when their file has it: q/k/v biases (Qwen2),
 * per-head q/k RMSNorm before RoPE (Qwen3), and sink logits joining each softmax's denominator (gpt-oss).
 */
public final class ReRotatingReference {
    private final ModelConfig c;
    private final double[][] embedding;
    private final double[][] attentionNorm;
    private final double[][] ffnNorm;
    private final double[][][] wq;
    private final double[][][] wk;
    private final double[][][] wv;
    private final double[][] bq;
    private final double[][] bk;
    private final double[][] bv;
    private final double[][] qNorm;
    private final double[][] kNorm;
    private final double[][] sinkLogits;
    private final double[][][] wo;
    private final double[][][] gate;
    private final double[][][] up;
    private final double[][][] down;
    private final double[] outputNorm;
    private final double[][] output;
    private final double[] frequencies;
    private final Retention retention;

    /** Per layer: every token's raw (un-rotated) keys and values, by stream position. */
    private final List<List<double[]>> keys = new ArrayList<>();
    private final List<List<double[]>> values = new ArrayList<>();
    private long tokensSeen;
    /** The last step's softmax weights and their keys' stream positions: per layer and head, in stream order. */
    private double[][][] lastAttention;
    private long[][][] lastKeyPositions;

    /** The paper's cache: the first {@code sinks} tokens and the last {@code window}, evicted {@code evictChunk} at a time. */
    public ReRotatingReference(ModelConfig config, TensorStore store, int sinks, int window, int evictChunk) {
        this(config, store, new StartRecentRetention(sinks, window, evictChunk));
    }

    public ReRotatingReference(ModelConfig config, TensorStore store, Retention retention) {
        this.c = config;
        this.retention = retention;
        int layers = config.blockCount();
        embedding = matrix(store.get("token_embd.weight"));
        attentionNorm = new double[layers][];
        ffnNorm = new double[layers][];
        wq = new double[layers][][];
        wk = new double[layers][][];
        wv = new double[layers][][];
        bq = new double[layers][];
        bk = new double[layers][];
        bv = new double[layers][];
        qNorm = new double[layers][];
        kNorm = new double[layers][];
        sinkLogits = new double[layers][];
        wo = new double[layers][][];
        gate = new double[layers][][];
        up = new double[layers][][];
        down = new double[layers][][];
        for (int l = 0; l < layers; l++) {
            String p = "blk." + l + ".";
            attentionNorm[l] = matrix(store.get(p + "attn_norm.weight"))[0];
            ffnNorm[l] = matrix(store.get(p + "ffn_norm.weight"))[0];
            wq[l] = matrix(store.get(p + "attn_q.weight"));
            wk[l] = matrix(store.get(p + "attn_k.weight"));
            wv[l] = matrix(store.get(p + "attn_v.weight"));
            bq[l] = optionalVector(store, p + "attn_q.bias");
            bk[l] = optionalVector(store, p + "attn_k.bias");
            bv[l] = optionalVector(store, p + "attn_v.bias");
            qNorm[l] = optionalVector(store, p + "attn_q_norm.weight");
            kNorm[l] = optionalVector(store, p + "attn_k_norm.weight");
            sinkLogits[l] = optionalVector(store, p + "attn_sinks.weight");
            wo[l] = matrix(store.get(p + "attn_output.weight"));
            gate[l] = matrix(store.get(p + "ffn_gate.weight"));
            up[l] = matrix(store.get(p + "ffn_up.weight"));
            down[l] = matrix(store.get(p + "ffn_down.weight"));
            keys.add(new ArrayList<>());
            values.add(new ArrayList<>());
        }
        outputNorm = matrix(store.get("output_norm.weight"))[0];
        output = store.has("output.weight") ? matrix(store.get("output.weight")) : embedding;
        frequencies = config.rope().frequencies();
    }

    private static double[] optionalVector(TensorStore store, String name) {
        return store.has(name) ? matrix(store.get(name))[0] : null;
    }

    private static double[][] matrix(TensorView view) {
        WeightMatrix m = view.matrix();
        double[][] out = new double[m.rows()][m.cols()];
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.dequantizeRow(r, row, 0);
            for (int i = 0; i < row.length; i++) {
                out[r][i] = row[i];
            }
        }
        return out;
    }

    /** Feeds one token; returns the next-token logits. */
    public double[] step(int token) {
        double[] x = embedding[token].clone();
        int headDim = c.headDim();
        int group = c.headCount() / c.headCountKv();
        lastAttention = new double[c.blockCount()][c.headCount()][];
        lastKeyPositions = new long[c.blockCount()][c.headCount()][];
        for (int l = 0; l < c.blockCount(); l++) {
            double[] h = rmsNorm(x, attentionNorm[l]);
            double[] q = headNorm(plus(multiply(wq[l], h), bq[l]), qNorm[l]);
            keys.get(l).add(headNorm(plus(multiply(wk[l], h), bk[l]), kNorm[l]));
            values.get(l).add(plus(multiply(wv[l], h), bv[l]));
            double[] attention = new double[c.queryLength()];
            for (int head = 0; head < c.headCount(); head++) {
                long[] visible = withCurrent(retention.held(l, head / group), tokensSeen);
                lastKeyPositions[l][head] = visible;
                List<double[]> cachedKeys = new ArrayList<>();
                List<double[]> cachedValues = new ArrayList<>();
                for (long p : visible) {
                    cachedKeys.add(keys.get(l).get((int) p));
                    cachedValues.add(values.get(l).get((int) p));
                }
                int n = cachedKeys.size();
                int kvOffset = (head / group) * headDim;
                double[] query = rotate(q, head * headDim, n - 1);
                double[] scores = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double[] key = rotate(cachedKeys.get(j), kvOffset, j);
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += query[d] * key[d];
                    }
                    scores[j] = dot / Math.sqrt(headDim);
                    max = Math.max(max, scores[j]);
                }
                double sink = sinkLogits[l] == null ? Double.NEGATIVE_INFINITY : sinkLogits[l][head];
                max = Math.max(max, sink);
                double sum = Math.exp(sink - max);
                for (int j = 0; j < n; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                lastAttention[l][head] = new double[n];
                for (int j = 0; j < n; j++) {
                    lastAttention[l][head][j] = scores[j] / sum;
                    for (int d = 0; d < headDim; d++) {
                        attention[head * headDim + d] += scores[j] / sum * cachedValues.get(j)[kvOffset + d];
                    }
                }
            }
            add(x, multiply(wo[l], attention));
            double[] h2 = rmsNorm(x, ffnNorm[l]);
            double[] g = multiply(gate[l], h2);
            double[] u = multiply(up[l], h2);
            for (int i = 0; i < g.length; i++) {
                g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
            }
            add(x, multiply(down[l], g));
        }
        retention.afterStep(tokensSeen, lastAttention, lastKeyPositions);
        tokensSeen++;
        return multiply(output, rmsNorm(x, outputNorm));
    }

    private static long[] withCurrent(long[] held, long position) {
        long[] visible = java.util.Arrays.copyOf(held, held.length + 1);
        visible[held.length] = position;
        return visible;
    }

    /** The softmax weights of the last step's query in {@code layer} and {@code head}, over the cached keys in stream order. */
    public double[] lastAttention(int layer, int head) {
        return lastAttention[layer][head].clone();
    }

    /** The stream positions of the keys of {@link #lastAttention}, the query's own last. */
    public long[] lastKeyPositions(int layer, int head) {
        return lastKeyPositions[layer][head].clone();
    }

    /** Forgets everything but the sinks, as a long stretch of evicted tokens would. */
    public void dropWindow() {
        retention.dropAllButSinks();
    }

    private double[] rotate(double[] vector, int offset, long position) {
        int headDim = c.headDim();
        double[] out = new double[headDim];
        System.arraycopy(vector, offset, out, 0, headDim);
        int pairs = frequencies.length;
        for (int i = 0; i < pairs; i++) {
            int a = c.rope().style() == RopeStyle.ADJACENT_PAIRS ? 2 * i : i;
            int b = c.rope().style() == RopeStyle.ADJACENT_PAIRS ? 2 * i + 1 : i + pairs;
            double angle = position * frequencies[i];
            double x0 = vector[offset + a];
            double x1 = vector[offset + b];
            out[a] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
            out[b] = x0 * Math.sin(angle) + x1 * Math.cos(angle);
        }
        return out;
    }

    private double[] rmsNorm(double[] x, double[] weight) {
        double sum = 0;
        for (double v : x) {
            sum += v * v;
        }
        double scale = 1 / Math.sqrt(sum / x.length + c.normEpsilon());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    /** RMSNorm of each head of {@code x} with {@code weight} (one head's width); x itself without weights. */
    private double[] headNorm(double[] x, double[] weight) {
        if (weight == null) {
            return x;
        }
        double[] out = new double[x.length];
        for (int head = 0; head < x.length / weight.length; head++) {
            double[] one = rmsNorm(java.util.Arrays.copyOfRange(x, head * weight.length, (head + 1) * weight.length), weight);
            System.arraycopy(one, 0, out, head * weight.length, weight.length);
        }
        return out;
    }

    private static double[] plus(double[] x, double[] bias) {
        if (bias != null) {
            add(x, bias);
        }
        return x;
    }

    private static double[] multiply(double[][] w, double[] x) {
        double[] out = new double[w.length];
        for (int r = 0; r < w.length; r++) {
            double sum = 0;
            for (int i = 0; i < x.length; i++) {
                sum += w[r][i] * x[i];
            }
            out[r] = sum;
        }
        return out;
    }

    private static void add(double[] x, double[] delta) {
        for (int i = 0; i < x.length; i++) {
            x[i] += delta[i];
        }
    }
}
