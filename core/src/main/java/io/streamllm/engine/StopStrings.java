package io.streamllm.engine;

import io.streamllm.api.Tokenizer;

import java.util.List;

/** @deprecated use {@link io.streamllm.api.StopStrings}; kept until the CLI stops using it. */
@Deprecated(forRemoval = true)
public final class StopStrings {
    private StopStrings() {
    }

    /** See {@link io.streamllm.api.StopStrings#withModelEndTokens}. */
    public static List<String> withModelEndTokens(List<String> userStops, Tokenizer tokenizer) {
        return io.streamllm.api.StopStrings.withModelEndTokens(userStops, tokenizer);
    }
}
