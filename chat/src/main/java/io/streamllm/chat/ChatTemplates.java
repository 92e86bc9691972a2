package io.streamllm.chat;

import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamllmException;
import io.streamllm.api.Tokenizer;

import java.io.PrintStream;
import java.util.Optional;

/** Picks the chat template of a model. */
public final class ChatTemplates {
    private ChatTemplates() {
    }

    /**
     * The model's own Jinja template when it has one, else the plain transcript. A template that cannot be
     * parsed falls back to the plain transcript, with a one-line warning on stderr naming the problem.
     */
    public static ChatTemplate forModel(StreamingModel model) {
        return forTemplate(model.chatTemplate(), model.tokenizer(), System.err);
    }

    /** As {@link #forModel}, for a model whose template is {@code source} and vocabulary {@code tokenizer}'s. */
    static ChatTemplate forTemplate(Optional<String> source, Tokenizer tokenizer, PrintStream warnings) {
        if (source.isEmpty() || source.get().isBlank()) {
            return new PlainChatTemplate();
        }
        try {
            return new JinjaChatTemplate(source.get(), text(tokenizer, tokenizer.specials().bos()), text(tokenizer, tokenizer.specials().eos()));
        } catch (StreamllmException e) {
            warnings.println("streamllm: warning: " + e.getMessage() + "; using the plain transcript template");
            warnings.flush();
            return new PlainChatTemplate();
        }
    }

    /** The text of a special token, as templates write it ({@code <s>}, {@code <|begin_of_text|>}); "" when absent. */
    private static String text(Tokenizer tokenizer, int id) {
        return id < 0 ? "" : tokenizer.piece(id);
    }
}
