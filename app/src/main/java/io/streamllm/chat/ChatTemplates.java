package io.streamllm.chat;

import io.streamllm.model.Model;

/** Picks the chat template of a model. */
public final class ChatTemplates {
    private ChatTemplates() {
    }

    /** The model's own template when it has one, else the plain transcript. */
    public static ChatTemplate forModel(Model model) {
        // The Jinja template of the model file is wired in by the chat-template work (JinjaChatTemplate).
        return new PlainChatTemplate();
    }

    /**
     * Encodes a rendered conversation: special-token text is parsed, and BOS is added only when the
     * template did not already write it.
     */
    public static int[] encode(Model model, String rendered) {
        io.streamllm.tokenizer.Tokenizer tokenizer = model.tokenizer();
        int bos = tokenizer.specials().bos();
        boolean templateWroteBos = bos >= 0 && !tokenizer.piece(bos).isEmpty() && rendered.startsWith(tokenizer.piece(bos));
        return tokenizer.encode(rendered, !templateWroteBos, true);
    }
}
