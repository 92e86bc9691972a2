package io.streamllm.engine;

import io.streamllm.api.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Stop strings for a model: the user's, plus the text of the model's end tokens. */
public final class StopStrings {
    private StopStrings() {
    }

    /**
     * Small models often write their end marker as ordinary pieces (tinystories-656k spells out
     * {@code <|end_story|>}), so the text of every end-of-generation token also stops.
     */
    public static List<String> withModelEndTokens(List<String> userStops, Tokenizer tokenizer) {
        LinkedHashSet<String> stops = new LinkedHashSet<>(userStops);
        for (int id : tokenizer.specials().endOfGeneration()) {
            String piece = tokenizer.piece(id);
            if (!piece.isBlank()) {
                stops.add(piece);
            }
        }
        return new ArrayList<>(stops);
    }
}
