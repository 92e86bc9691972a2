package io.streamllm.api;

import java.util.LinkedHashSet;
import java.util.List;

/** Stop strings for a model: the caller's, plus the text of the model's end-of-generation tokens. */
public final class StopStrings {
    private StopStrings() {
    }

    /**
     * {@code stops} followed by the text of every end-of-generation token of {@code tokenizer} that is not blank,
     * each once, in that order. Small models often write their end marker as ordinary pieces (tinystories-656k
     * spells out {@code <|end_story|>} instead of sampling its end token), so that text stops too.
     *
     * @param stops     the caller's stop strings
     * @param tokenizer the model's tokenizer
     * @return the stop strings to generate with
     */
    public static List<String> withModelEndTokens(List<String> stops, Tokenizer tokenizer) {
        LinkedHashSet<String> all = new LinkedHashSet<>(stops);
        for (int id : tokenizer.specials().endOfGeneration()) {
            String piece = tokenizer.piece(id);
            if (!piece.isBlank()) {
                all.add(piece);
            }
        }
        return List.copyOf(all);
    }
}
