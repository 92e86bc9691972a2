package io.streamllm.chat;

import io.streamllm.api.StreamllmException;
import io.streamllm.api.LiteralSpans;
import io.streamllm.api.Tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns conversations into tokens: the template's markup with its special tokens parsed, the messages'
 * content as plain text, so that a user who types {@code </s>} or {@code <|im_start|>} writes text and
 * not control tokens. With {@code specialInContent} (an opt-in for trusted clients) the content's
 * special-token text is parsed as well, as the template's is.
 */
public final class ChatEncoder {
    private final Tokenizer tokenizer;
    private final boolean specialInContent;
    private final ContinuationEncoder continuation;

    public ChatEncoder(Tokenizer tokenizer, boolean specialInContent) {
        this.tokenizer = tokenizer;
        this.specialInContent = specialInContent;
        this.continuation = new ContinuationEncoder(tokenizer);
    }

    /**
     * Renders {@code messages} and marks where their content lies.
     *
     * @throws StreamllmException when the template rejects the conversation, or changes the content of a
     *                            message that holds special-token text so that it cannot be kept as text
     */
    public RenderedChat render(ChatTemplate template, List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(template, messages, List.of(), addGenerationPrompt);
    }

    /** As above, offering the functions {@code tools}. */
    public RenderedChat render(ChatTemplate template, List<ChatMessage> messages, List<Map<String, Object>> tools,
                               boolean addGenerationPrompt) {
        RenderedChat rendered = RenderedChat.render(template, messages, tools, addGenerationPrompt);
        if (specialInContent) {
            return new RenderedChat(rendered.text(), LiteralSpans.none());
        }
        if (rendered.contentLocated()) {
            return rendered;
        }
        for (ChatMessage message : messages) {
            if (holdsSpecialTokenText(message.content())) {
                throw new StreamllmException("the chat template rewrites message content, so the special-token text in a "
                        + message.role() + " message cannot be kept as plain text; remove it from the message");
            }
        }
        return new RenderedChat(rendered.text(), LiteralSpans.none()); // no content to protect
    }

    /** A completion prompt: all content, so plain text unless special tokens in content are allowed. */
    public RenderedChat prompt(String text) {
        return specialInContent ? new RenderedChat(text, LiteralSpans.none()) : RenderedChat.plain(text);
    }

    /** The tokens of a whole conversation (or prompt), with BOS first unless the template wrote it. */
    public int[] encode(RenderedChat chat) {
        int bos = tokenizer.specials().bos();
        String bosText = bos < 0 ? "" : tokenizer.piece(bos);
        boolean templateWroteBos = !bosText.isEmpty() && chat.text().startsWith(bosText)
                && !chat.content().overlaps(0, bosText.length());
        return tokenizer.encode(chat.text(), !templateWroteBos, chat.content());
    }

    /** The tokens of text that continues a conversation already tokenized (no BOS, no dummy prefix). */
    public int[] continuation(RenderedChat chat) {
        return continuation.encode(chat.text(), chat.content());
    }

    private boolean holdsSpecialTokenText(String text) {
        return !Arrays.equals(tokenizer.encode(text, false, true), tokenizer.encode(text, false, false));
    }
}
