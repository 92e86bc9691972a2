package io.streamllm.api;

/**
 * Receives the answers of a turn with several choices ({@link Conversation#reply(int[], Sampling, int,
 * ChoiceListener)}), each tagged with its index. The choices run one after another on the calling thread,
 * choice 0 first.
 */
public interface ChoiceListener {

    /**
     * Text of one choice, as it is completed.
     *
     * @param choice the choice's index, from 0
     * @param text   the text completed
     */
    void text(int choice, String text);

    /**
     * A generated token's log-probability, sent before its text and only when {@link Sampling#logprobs()} is 0 or
     * more.
     *
     * @param choice the choice's index, from 0
     * @param token  the token with its log-probability and alternatives
     */
    default void token(int choice, TokenLogprob token) {
    }

    /**
     * Polled before every token of a choice; true stops that choice there.
     *
     * @param choice the choice's index, from 0
     * @return whether to stop it
     */
    default boolean cancelled(int choice) {
        return false;
    }
}
