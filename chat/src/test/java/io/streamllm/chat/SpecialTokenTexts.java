package io.streamllm.chat;

import io.streamllm.api.Tokenizer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** The special tokens of a vocabulary, found by what they are: a text that only special-token parsing turns into one id. */
public final class SpecialTokenTexts {
    private SpecialTokenTexts() {
    }

    /** Text to id for every special token of {@code tokenizer}. */
    public static Map<String, Integer> of(Tokenizer tokenizer) {
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (int id = 0; id < tokenizer.vocabularySize(); id++) {
            String text = tokenizer.piece(id);
            int[] parsed = tokenizer.encode(text, false, true);
            if (!text.isEmpty() && Arrays.equals(parsed, new int[] {id})
                    && !Arrays.equals(tokenizer.encode(text, false, false), parsed)) {
                specials.put(text, id);
            }
        }
        return specials;
    }
}
