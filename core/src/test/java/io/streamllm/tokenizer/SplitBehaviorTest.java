package io.streamllm.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Hugging Face's Split behaviors, on the example of the tokenizers library's own documentation and tests. */
class SplitBehaviorTest {
    private static final Pattern DASH = Pattern.compile("-");
    private static final String TEXT = "the-final--countdown";

    private static List<String> split(SplitBehavior behavior, boolean invert, String text) {
        List<String> words = new ArrayList<>();
        PreTokenizer.splitting(DASH, behavior, invert).split(text, true, words::add);
        return words;
    }

    @Test
    void eachBehaviorPlacesTheDelimiters() {
        assertThat(split(SplitBehavior.REMOVED, false, TEXT)).containsExactly("the", "final", "countdown");
        assertThat(split(SplitBehavior.ISOLATED, false, TEXT)).containsExactly("the", "-", "final", "-", "-", "countdown");
        assertThat(split(SplitBehavior.MERGED_WITH_PREVIOUS, false, TEXT)).containsExactly("the-", "final-", "-", "countdown");
        assertThat(split(SplitBehavior.MERGED_WITH_NEXT, false, TEXT)).containsExactly("the", "-final", "-", "-countdown");
        assertThat(split(SplitBehavior.CONTIGUOUS, false, TEXT)).containsExactly("the", "-", "final", "--", "countdown");
    }

    @Test
    void delimitersAtTheEdgesAndInvertedPatterns() {
        assertThat(split(SplitBehavior.MERGED_WITH_PREVIOUS, false, "-a-")).containsExactly("-", "a-");
        assertThat(split(SplitBehavior.MERGED_WITH_NEXT, false, "-a-")).containsExactly("-a", "-");
        // Inverted, the words between dashes are the delimiters: "a" merges into the "-" after it.
        assertThat(split(SplitBehavior.MERGED_WITH_NEXT, true, "a-b")).containsExactly("a-", "b");
        assertThat(split(SplitBehavior.REMOVED, true, TEXT)).containsExactly("-", "-", "-");
        assertThat(split(SplitBehavior.ISOLATED, false, "")).isEmpty();
    }

    @Test
    void everyNameOfTokenizerJsonIsKnown() {
        for (String name : List.of("Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous")) {
            assertThat(SplitBehavior.fromJsonName(name)).as(name).isNotNull();
        }
        assertThat(SplitBehavior.fromJsonName("Merged")).isNull();
    }
}
