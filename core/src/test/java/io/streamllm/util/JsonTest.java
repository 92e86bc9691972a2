package io.streamllm.util;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    @Test
    void deepNestingIsAParseErrorNotAStackOverflow() {
        String deep = "[".repeat(200_000) + "]".repeat(200_000);
        assertThatThrownBy(() -> Json.parse(deep))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nested more than");
    }

    @Test
    void nestingUpToTheLimitIsRead() {
        String deep = "[".repeat(256) + "]".repeat(256); // the limit
        assertThat(Json.parse(deep)).isInstanceOf(java.util.List.class);
    }

    @Test
    void unicodeEscapeTakesFourHexDigitsAndNoSign() {
        assertThat(Json.parse("\"\\u00e9\\u00C9\"")).isEqualTo("éÉ");
        assertThatThrownBy(() -> Json.parse("\"\\u+0e9\"")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad \\u escape");
        assertThatThrownBy(() -> Json.parse("\"\\u-001\"")).isInstanceOf(IllegalArgumentException.class);
    }
}
