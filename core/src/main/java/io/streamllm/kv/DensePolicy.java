package io.streamllm.kv;

/** Keeps every token at its original position: the baseline that breaks past the trained context. */
public record DensePolicy() implements CachePolicy {
    @Override
    public int windowTokens() {
        return UNBOUNDED;
    }

    @Override
    public String spec() {
        return "dense";
    }
}
