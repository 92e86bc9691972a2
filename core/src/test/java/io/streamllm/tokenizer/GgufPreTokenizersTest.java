package io.streamllm.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The multi-step splits of tokenizer.ggml.pre, word by word (expected words derived by hand from the Hugging
 * Face pre-tokenizers they stand for). Falcon and DeepSeek LLM are also checked end to end on real
 * vocabularies in VocabReferenceTest; StarCoder has no vocabulary there.
 */
class GgufPreTokenizersTest {
    private static List<String> words(String name, String text) {
        List<String> words = new ArrayList<>();
        GgufPreTokenizers.named(name).split(text, true, words::add);
        return words;
    }

    @Test
    void starCoderCutsEveryDigitOffBeforeSplittingLikeGpt2() {
        assertThat(words("starcoder", "abc 123 de'll")).containsExactly("abc", " ", "1", "2", "3", " de", "'ll");
    }

    @Test
    void falconCutsPunctuationRunsFirstAndNumbersIntoThrees() {
        assertThat(words("falcon", "x=1234567, 'ok'")).containsExactly("x", "=", "123", "456", "7", ",", " ", "'", "ok", "'");
    }

    @Test
    void deepSeekLlmSeparatesScriptsDigitsAndLineBreaks() {
        assertThat(words("deepseek-llm", "Hello 世界 123\n")).containsExactly("Hello", " ", "世界", " ", "123", "\n");
        // Cased letters only: U+1FD3 and the Ohm sign U+2126 are range ends that Unicode normalization would move.
        assertThat(words("deepseek-llm", "\u1fd3\u2126 \u01bb")).containsExactly("\u1fd3\u2126", " \u01bb");
    }

    @Test
    void gpt2AndMptSplitAlike() {
        assertThat(words("mpt", "Hello  world's 42!")).isEqualTo(words("gpt-2", "Hello  world's 42!"))
                .containsExactly("Hello", " ", " world", "'s", " 42", "!");
    }
}
