package io.streamllm.tokenizer;

import java.util.Set;
import java.util.TreeSet;

/** Which tokens end a generation: the model's own EOS-like ids plus the well-known end-of-turn markers. */
final class EndOfGeneration {
    /**
     * Texts that chat models use to end a turn or a text. A control or user-defined token spelt like one
     * of these ends generation even when the model file does not name it (llama.cpp does the same).
     */
    static final Set<String> END_OF_TURN_MARKERS = Set.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
            "</s>", "<|eom_id|>");

    private EndOfGeneration() {
    }

    /** The given ids (negative ones meaning "none" are skipped) and every marker token of the vocabulary. */
    static Set<Integer> collect(Vocabulary vocabulary, int... ids) {
        Set<Integer> result = new TreeSet<>();
        for (int id : ids) {
            if (id >= 0) {
                result.add(id);
            }
        }
        for (int id = 0; id < vocabulary.size(); id++) {
            TokenType type = vocabulary.type(id);
            if ((type == TokenType.CONTROL || type == TokenType.USER_DEFINED)
                    && END_OF_TURN_MARKERS.contains(vocabulary.piece(id))) {
                result.add(id);
            }
        }
        return Set.copyOf(result);
    }
}
