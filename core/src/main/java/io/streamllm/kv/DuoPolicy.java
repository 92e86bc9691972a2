package io.streamllm.kv;

/**
 * DuoAttention (Xiao et al. 2024): each KV head of each layer is either a retrieval head, which keeps every
 * token at its stream position like a dense cache, or a streaming head, which keeps the first {@code sinks}
 * tokens and the last {@code window} like a sink cache. The {@code retrievalShare} of heads that attend most
 * beyond their sinks and recent tokens are retrieval heads: which ones comes from the model's calibration
 * ({@link HeadSplit}), attached when a session is made ({@link #withSplit}).
 */
public record DuoPolicy(int sinks, int window, double retrievalShare, HeadSplit split) implements CachePolicy {
    public DuoPolicy {
        CachePolicy.requireSinks(sinks);
        CachePolicy.requirePositiveWindow(window);
        if (!(retrievalShare >= 0 && retrievalShare <= 1)) {
            throw new IllegalArgumentException("the share of retrieval heads must be 0 to 1, got " + retrievalShare);
        }
    }

    /** The policy without its heads chosen yet (as parsed). */
    public DuoPolicy(int sinks, int window, double retrievalShare) {
        this(sinks, window, retrievalShare, null);
    }

    /** This policy with the retrieval heads of a model's calibration. */
    public DuoPolicy withSplit(HeadSplit chosen) {
        return new DuoPolicy(sinks, window, retrievalShare, chosen);
    }

    @Override
    public int sinkTokens() {
        return sinks;
    }

    /** The streaming heads' window; the retrieval heads keep every token. */
    @Override
    public int windowTokens() {
        return window;
    }

    /** The retrieval heads keep every token: only a split without them stays constant in memory. */
    @Override
    public boolean bounded() {
        return retrievalShare == 0;
    }

    @Override
    public String spec() {
        return "duo:" + sinks + ":" + window + ":" + shareText(retrievalShare);
    }

    private static String shareText(double share) {
        String text = Double.toString(share);
        return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
    }
}
