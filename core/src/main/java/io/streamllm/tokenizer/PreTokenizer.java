package io.streamllm.tokenizer;

import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Splits text into the words that BPE merges within (merges never cross a word boundary), possibly
 * rewriting them on the way (byte-level mapping, Metaspace's {@code ▁}).
 */
@FunctionalInterface
interface PreTokenizer {
    /**
     * @param startOfText whether {@code text} begins the whole input (Metaspace's "first" prepend scheme)
     * @param words       receives the words in order
     */
    void split(String text, boolean startOfText, Consumer<String> words);

    /** Leaves the text whole. */
    PreTokenizer NONE = (text, startOfText, words) -> words.accept(text);

    /** GPT-2's split: contractions, letters, digits, other symbols, each optionally after one space. */
    Pattern GPT2_PATTERN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /**
     * Llama 3's split: case-insensitive contractions, a letter run with at most one leading non-letter,
     * numbers in groups of up to three digits, symbol runs with their trailing newlines, newline runs.
     * The contractions are spelt out case by case, as llama.cpp does, because Java's Unicode
     * case-insensitive matching would also take e.g. {@code 'ſ} for {@code 's}.
     */
    Pattern LLAMA3_PATTERN = Pattern.compile(
            "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Qwen2's split: Llama 3's, except that every digit is a word of its own. */
    Pattern QWEN2_PATTERN = Pattern.compile(
            "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Runs {@code next} on every word this one produces. */
    default PreTokenizer then(PreTokenizer next) {
        return (text, startOfText, words) -> {
            boolean[] firstWord = {startOfText};
            split(text, startOfText, word -> {
                next.split(word, firstWord[0], words);
                firstWord[0] = false;
            });
        };
    }

    /** Every match of {@code pattern} is a word, and so is every stretch of text between matches. */
    static PreTokenizer isolating(Pattern pattern) {
        return splitting(pattern, SplitBehavior.ISOLATED, false);
    }

    /** Hugging Face's Split: the text is cut at the matches of {@code pattern}, which {@code behavior} places. */
    static PreTokenizer splitting(Pattern pattern, SplitBehavior behavior, boolean invert) {
        return (text, startOfText, words) -> behavior.split(pattern, invert, text, words);
    }

    /** Splits by each pattern in turn, every word of one split being split again by the next (as llama.cpp does). */
    static PreTokenizer isolatingEach(Pattern... patterns) {
        PreTokenizer chain = NONE;
        for (Pattern pattern : patterns) {
            chain = chain.then(isolating(pattern));
        }
        return chain;
    }

    /**
     * Hugging Face's ByteLevel pre-tokenizer: optionally a space in front, optionally GPT-2's split, then
     * every word written in the {@link ByteLevelAlphabet}.
     */
    static PreTokenizer byteLevel(boolean addPrefixSpace, boolean useRegex) {
        PreTokenizer split = useRegex ? isolating(GPT2_PATTERN) : NONE;
        return (text, startOfText, words) -> {
            String prefixed = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
            split.split(prefixed, startOfText, word -> words.accept(ByteLevelAlphabet.encode(word)));
        };
    }

    /**
     * Hugging Face's Metaspace pre-tokenizer: spaces become {@code replacement}, which is also put in
     * front (always, at the start of the text only, or never), and each word starts at a replacement.
     */
    static PreTokenizer metaspace(char replacement, String prependScheme, boolean split) {
        return (text, startOfText, words) -> {
            String replaced = text.replace(' ', replacement);
            boolean prepend = switch (prependScheme) {
                case "always" -> true;
                case "first" -> startOfText;
                default -> false;
            };
            if (prepend && !replaced.isEmpty() && replaced.charAt(0) != replacement) {
                replaced = replacement + replaced;
            }
            if (!split) {
                words.accept(replaced);
                return;
            }
            int wordStart = 0;
            for (int i = 1; i < replaced.length(); i++) {
                if (replaced.charAt(i) == replacement) {
                    words.accept(replaced.substring(wordStart, i));
                    wordStart = i;
                }
            }
            if (wordStart < replaced.length()) {
                words.accept(replaced.substring(wordStart));
            }
        };
    }
}
