package io.streamllm.api;

import io.streamllm.util.Quote;

/**
 * How the KV cache stores keys and values. Quantizing is safe under every policy, streaming included:
 * the cache never re-rotates a stored key (keys are rotated once, at their absolute position), so a key is rounded once, when written,
 * and the rounding never compounds.
 */
public enum KvType {
    /** 4 bytes per element: exact. */
    F32("f32"),
    /** IEEE half, 2 bytes per element: relative rounding 2^-11. */
    F16("f16"),
    /** ggml's q8_0 scheme: 32 int8 elements share one scale (kept as a float here, 36 bytes per 32 elements). */
    Q8_0("q8_0");

    private final String label;

    KvType(String label) {
        this.label = label;
    }

    /** {@return the name on the command line and in snapshots: f32, f16 or q8_0} */
    public String label() {
        return label;
    }

    /**
     * Parses a type's {@link #label()}.
     *
     * @param text "f32", "f16" or "q8_0", in any case
     * @return the type named
     * @throws InvalidSettingException for any other text
     */
    public static KvType parse(String text) {
        for (KvType type : values()) {
            if (type.label.equalsIgnoreCase(text.trim())) {
                return type;
            }
        }
        throw new InvalidSettingException("unknown KV cache type " + Quote.of(text) + " (expected f32, f16 or q8_0)");
    }

    @Override
    public String toString() {
        return label;
    }
}
