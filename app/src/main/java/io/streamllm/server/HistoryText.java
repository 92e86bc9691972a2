package io.streamllm.server;

import io.streamllm.chat.RenderedChat;
import io.streamllm.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The text that a session's token history stands for: the last prompt as it was rendered, then the answer
 * as the model generated it. Clients send the whole conversation again each turn, and tokenizing its text
 * anew may cut the answer into other tokens than the ones generated (the model wrote " don" "'t", the
 * tokenizer makes " don't"), after which the cache could be reused only up to the first difference. A
 * conversation whose text starts with this text keeps the history's own ids for it, and only the text
 * after it is tokenized.
 *
 * @param text   what the first {@code tokens} ids of the history stand for (BOS and the like aside)
 * @param tokens how many ids of the history that is
 */
record HistoryText(String text, int tokens) {

    /**
     * After a turn whose prompt {@code prompt} was fed as the history's first {@code promptTokens} ids: the
     * prompt's text and the generated ids after it, up to the last one that ends a whole character and before
     * any control token (an answer's text shows no trace of one).
     */
    static HistoryText after(String prompt, int promptTokens, int[] history, Tokenizer tokenizer) {
        byte[] answer = new byte[64];
        int length = 0;
        int usableTokens = promptTokens;
        int usableBytes = 0;
        for (int i = promptTokens; i < history.length; i++) {
            byte[] piece = tokenizer.decodeBytes(history[i]);
            if (piece.length == 0) {
                break;
            }
            if (length + piece.length > answer.length) {
                answer = Arrays.copyOf(answer, Math.max(answer.length * 2, length + piece.length));
            }
            System.arraycopy(piece, 0, answer, length, piece.length);
            length += piece.length;
            if (endsWithWholeCharacter(answer, length)) {
                usableTokens = i + 1;
                usableBytes = length;
            }
        }
        return new HistoryText(prompt + new String(answer, 0, usableBytes, StandardCharsets.UTF_8), usableTokens);
    }

    /**
     * The tokens of {@code prompt} for a session whose history is {@code history}: the history's ids for the
     * text they share, then the rest of the prompt encoded by {@code model}; empty when the prompt does not
     * start with this text (an edited conversation), or the history is no longer the one this text describes.
     */
    Optional<int[]> tokensFor(RenderedChat prompt, int[] history, ServedModel model) {
        if (tokens == 0 || tokens > history.length || !prompt.text().startsWith(text)) {
            return Optional.empty();
        }
        int[] rest = model.continuation(prompt.from(text.length()));
        int[] all = Arrays.copyOf(history, tokens + rest.length);
        System.arraycopy(rest, 0, all, tokens, rest.length);
        return Optional.of(all);
    }

    /** Whether UTF-8 bytes end after the last byte of a character, not inside one. */
    private static boolean endsWithWholeCharacter(byte[] bytes, int length) {
        for (int back = 1; back <= Math.min(4, length); back++) {
            int b = bytes[length - back] & 0xFF;
            if ((b & 0xC0) != 0x80) { // the last byte that starts a character
                int characterLength = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                return back >= characterLength;
            }
        }
        return true; // no character starts there: invalid bytes, which decode alike wherever they are cut
    }
}
