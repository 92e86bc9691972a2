package io.streamllm.chat;

import io.streamllm.engine.Generator;
import io.streamllm.engine.SamplerSettings;
import io.streamllm.engine.Session;
import io.streamllm.kv.CachePolicy;

/** Chats with the shipped stories260K model on the plain template, answered greedily: for the chat and REPL tests. */
public final class PlainChats {
    private PlainChats() {
    }

    /** @param system the system message, or null for none */
    public static ChatSession open(String policy, int maxTokens, String system) {
        var model = ShippedModel.stories260K();
        Session session = new Session(model.network(), CachePolicy.parse(policy));
        PlainChatTemplate template = new PlainChatTemplate();
        Generator.Settings settings = new Generator.Settings(maxTokens, SamplerSettings.greedy(), template.stopStrings());
        return new ChatSession(template, session, model.tokenizer(), settings, model.config().contextLength(), system);
    }
}
