package io.streamllm.flink;

/**
 * One input record: line {@code line} of the input, addressed to {@code key}. Either it is well formed
 * ({@code error} null: {@code text} to append and score, and {@code generate} tokens to continue with, 0 for
 * none) or it carries why it is not ({@code error}), and goes through the keyed operator only to be reported.
 *
 * @param line     its 1-based line number in the input
 * @param key      the stream it belongs to; "" when the record has none (an empty line)
 * @param text     the text to append to the key's stream; "" for a bad record
 * @param generate how many tokens to generate after it, 0 for none
 * @param error    why the record cannot be processed, or null
 */
public record Event(long line, String key, String text, int generate, String error) {

    static Event bad(long line, String key, String error) {
        return new Event(line, key, "", 0, error);
    }
}
