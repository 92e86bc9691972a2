package io.streamllm.api;

import java.util.Set;

/**
 * The special token ids of a vocabulary, read from the model file.
 *
 * @param bos          beginning of sequence, or -1 when there is none
 * @param eos          end of sequence, or -1
 * @param endOfGeneration every id that ends a generation (EOS, end-of-turn tokens, ...)
 * @param addBos       whether encoding adds BOS by default
 */
public record SpecialTokens(int bos, int eos, Set<Integer> endOfGeneration, boolean addBos) {

    /**
     * Whether a token ends a generation.
     *
     * @param id a token id
     * @return whether {@code id} is one of {@link #endOfGeneration()}
     */
    public boolean endsGeneration(int id) {
        return endOfGeneration.contains(id);
    }
}
