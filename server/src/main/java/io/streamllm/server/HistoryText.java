package io.streamllm.server;

import io.streamllm.chat.RenderedChat;
import io.streamllm.api.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The text that a session's token history stands for: the last prompt as it was rendered, then the answer
 * as the model generated it, token by token. Clients send the whole conversation again each turn, and
 * tokenizing its text anew may cut the answer into other tokens than the ones generated (the model wrote
 * " A" "nna", the tokenizer makes " Anna"), after which the cache could be reused only up to the first
 * difference. A conversation whose text starts with the prompt keeps the history's own ids for as much of
 * the answer as it repeats, and only the text after that is tokenized.
 *
 * @param prompt       the text of the history's first {@code promptTokens} ids (BOS and the like aside)
 * @param promptTokens how many ids that is
 * @param answer       the text of the generated ids that follow, as far as they stand for whole characters
 * @param answerEnds   for each of those ids in turn, where its text ends in {@code answer}
 */
record HistoryText(String prompt, int promptTokens, String answer, int[] answerEnds) {

    /**
     * After a turn whose prompt text was fed as the history's first {@code promptTokens} ids: the generated
     * ids after them, up to the last one that ends a whole character, and before any control token (an
     * answer's text shows no trace of one).
     */
    static HistoryText after(String prompt, int promptTokens, int[] history, Tokenizer tokenizer) {
        StringBuilder answer = new StringBuilder(wholeTokenChars(history, promptTokens, tokenizer));
        int[] answerEnds = new int[history.length - promptTokens];
        int tokens = 0;
        int usableTokens = 0;
        // Bytes of a character that the model wrote across several tokens (byte-fallback pieces).
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        for (int i = promptTokens; i < history.length; i++) {
            // Most tokens are whole characters: their text is the tokenizer's cached String, nothing to decode.
            String whole = pending.size() == 0 ? tokenizer.decodedText(history[i]) : null;
            if (whole == null) {
                byte[] piece = tokenizer.decodeBytes(history[i]);
                if (piece.length == 0) {
                    break; // a control token
                }
                pending.writeBytes(piece);
                byte[] bytes = pending.toByteArray();
                if (!endsWithWholeCharacter(bytes, bytes.length)) {
                    answerEnds[tokens++] = -1;
                    continue;
                }
                whole = new String(bytes, StandardCharsets.UTF_8);
                pending.reset();
            } else if (whole.isEmpty()) {
                break; // a control token
            }
            answer.append(whole);
            answerEnds[tokens++] = answer.length();
            usableTokens = tokens;
        }
        return new HistoryText(prompt, promptTokens, answer.toString(),
                usableTokens == answerEnds.length ? answerEnds : Arrays.copyOf(answerEnds, usableTokens));
    }

    /**
     * The tokens of {@code next} for a session whose history is {@code history}: the history's ids for the
     * text they share (the prompt, then the answer up to the last token the new text repeats whole), then the
     * rest encoded by {@code model}; empty when the text does not start with the prompt (an edited
     * conversation) or the history is no longer the one this text describes.
     *
     * <p>Whitespace at the edges of the answer does not count, as in the chat REPL: templates put a space
     * before an answer that the model may not have written ("Assistant: " + content) and strip the spaces it
     * wrote at its end. The model goes on with the answer as it wrote it.
     */
    Optional<int[]> tokensFor(RenderedChat next, int[] history, ServedModel model) {
        String text = next.text();
        if (promptTokens == 0 || promptTokens + answerEnds.length > history.length || !text.startsWith(prompt)) {
            return Optional.empty();
        }
        int answerStart = prompt.length();
        while (answerStart < text.length() && Character.isWhitespace(text.charAt(answerStart)) && !answer.isEmpty()
                && !Character.isWhitespace(answer.charAt(0))) {
            answerStart++;
        }
        int repeated = 0; // characters of the answer the new text repeats
        int limit = Math.min(answer.length(), text.length() - answerStart);
        while (repeated < limit && answer.charAt(repeated) == text.charAt(answerStart + repeated)) {
            repeated++;
        }
        int kept = promptTokens;
        int resume = prompt.length(); // where the text after the kept ids starts
        if (repeated > 0 && answer.substring(repeated).isBlank()) {
            kept = promptTokens + answerEnds.length;
            resume = answerStart + repeated;
        } else {
            for (int t = 0; t < answerEnds.length && answerEnds[t] <= repeated; t++) {
                if (answerEnds[t] > 0) {
                    kept = promptTokens + t + 1;
                    resume = answerStart + answerEnds[t];
                }
            }
        }
        int[] rest = model.continuation(next.from(resume));
        int[] all = Arrays.copyOf(history, kept + rest.length);
        System.arraycopy(rest, 0, all, kept, rest.length);
        return Optional.of(all);
    }

    /** The characters of the answer's tokens that are whole characters on their own: the answer's usual length. */
    private static int wholeTokenChars(int[] history, int promptTokens, Tokenizer tokenizer) {
        int chars = 0;
        for (int i = promptTokens; i < history.length; i++) {
            String text = tokenizer.decodedText(history[i]);
            chars += text == null ? 1 : text.length();
        }
        return chars;
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
