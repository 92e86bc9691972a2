package io.streamllm.chat;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;

/** Chats with the shipped stories260K model on the plain template, answered greedily: for the chat and REPL tests. */
public final class PlainChats {
    private PlainChats() {
    }

    /** @param system the system message, or null for none */
    public static ChatSession open(String policy, int maxTokens, String system) {
        return new ChatSession(new PlainChatTemplate(), ShippedModel.stories260K(),
                SessionOptions.of(CachePolicy.parse(policy)), Sampling.greedy().maxTokens(maxTokens), system);
    }
}
