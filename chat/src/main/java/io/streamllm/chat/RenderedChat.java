package io.streamllm.chat;

import io.streamllm.api.StreamllmException;
import io.streamllm.api.LiteralSpans;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A conversation as its template renders it, with the stretches of the text that the messages' content
 * fills: the template's markup may hold special-token text ({@code <|im_start|>}), the content is what
 * users typed and stays plain text.
 *
 * <p>The content is found by rendering the conversation a second time with each content replaced by a
 * sentinel: the text between sentinels is the markup, and the real rendering must be that markup with
 * each message's content (or the content trimmed, as templates often do) in place of its sentinel.
 *
 * @param content where the messages' content lies in {@code text}, or null when the template changes
 *                content in a way that cannot be followed (it is then not located)
 */
public record RenderedChat(String text, LiteralSpans content) {
    private static final char SENTINEL_START = '\uE000'; // private-use characters: no template writes them
    private static final char SENTINEL_END = '\uE001';
    private static final Pattern SENTINEL = Pattern.compile(SENTINEL_START + "(\\d+)" + SENTINEL_END);

    /** A text that is all content: a completion prompt. */
    public static RenderedChat plain(String text) {
        return new RenderedChat(text, LiteralSpans.whole(text.length()));
    }

    /** Renders {@code messages} with {@code template} and locates their content. */
    public static RenderedChat render(ChatTemplate template, List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(template, messages, List.of(), addGenerationPrompt);
    }

    /** As above, offering the functions {@code tools} (see {@link ChatTemplate#render(List, List, boolean)}). */
    public static RenderedChat render(ChatTemplate template, List<ChatMessage> messages, List<Map<String, Object>> tools,
                                      boolean addGenerationPrompt) {
        String text = template.render(messages, tools, addGenerationPrompt);
        List<ChatMessage> sentinels = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            sentinels.add(messages.get(i).withContent(SENTINEL_START + Integer.toString(i) + SENTINEL_END));
        }
        String markup;
        try {
            markup = template.render(sentinels, tools, addGenerationPrompt);
        } catch (StreamllmException e) {
            return new RenderedChat(text, null); // the template looks into the content
        }
        return new RenderedChat(text, locate(text, markup, messages).orElse(null));
    }

    /** Whether the content was located. */
    public boolean contentLocated() {
        return content != null;
    }

    /** The text from {@code offset} on, its content stretches with it. */
    public RenderedChat from(int offset) {
        return new RenderedChat(text.substring(offset), content == null ? null : content.slice(offset, text.length()));
    }

    /**
     * Walks the sentinel rendering and the real one side by side: each piece of markup must be at the
     * same place in both, and each sentinel must stand for its message's content as the template wrote it.
     */
    private static Optional<LiteralSpans> locate(String text, String markup, List<ChatMessage> messages) {
        LiteralSpans.Builder spans = new LiteralSpans.Builder();
        Matcher sentinel = SENTINEL.matcher(markup);
        int markupPos = 0;
        int textPos = 0;
        boolean more = sentinel.find();
        while (more) {
            String before = markup.substring(markupPos, sentinel.start());
            if (!text.startsWith(before, textPos)) {
                return Optional.empty();
            }
            textPos += before.length();
            int index = Integer.parseInt(sentinel.group(1));
            if (index >= messages.size()) {
                return Optional.empty();
            }
            markupPos = sentinel.end();
            more = sentinel.find();
            String after = markup.substring(markupPos, more ? sentinel.start() : markup.length());
            Optional<String> written = asWritten(messages.get(index).content(), text, textPos, after, !more);
            if (written.isEmpty()) {
                return Optional.empty();
            }
            spans.add(textPos, textPos + written.get().length());
            textPos += written.get().length();
        }
        String rest = markup.substring(markupPos);
        return text.length() == textPos + rest.length() && text.startsWith(rest, textPos) ? Optional.of(spans.build()) : Optional.empty();
    }

    /** The content as the template wrote it at {@code pos}: followed there by the markup {@code after}. */
    private static Optional<String> asWritten(String content, String text, int pos, String after, boolean last) {
        for (String candidate : List.of(content, content.strip(), content.stripLeading(), content.stripTrailing())) {
            int end = pos + candidate.length();
            if (text.startsWith(candidate, pos) && text.startsWith(after, end) && (!last || end + after.length() == text.length())) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
