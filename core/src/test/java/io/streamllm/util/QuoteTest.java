package io.streamllm.util;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QuoteTest {

    @Test
    void shortPrintableTextIsQuotedAsItIs() {
        assertThat(Quote.of("llama")).isEqualTo("'llama'");
        assertThat(Quote.of("naïve ▁word 日本")).isEqualTo("'naïve ▁word 日本'");
    }

    @Test
    void unprintableCharactersAreEscaped() {
        assertThat(Quote.of("a\0b\nc\u007f'\\")).isEqualTo("'a\\x00b\\x0ac\\x7f\\'\\\\'");
        assertThat(Quote.of("x\u200by\uE000")).isEqualTo("'x\\u{200b}y\\u{e000}'");
    }

    @Test
    void longTextIsCutAtEightyCharactersAndCounted() {
        String quoted = Quote.of("z".repeat(100_000));
        assertThat(quoted).isEqualTo("'" + "z".repeat(Quote.MAX_CHARS) + "'... (99920 more)");
        assertThat(Quote.of("\u0001".repeat(1000))).isEqualTo("'" + "\\x01".repeat(Quote.MAX_CHARS / 4) + "'... ("
                + (1000 - Quote.MAX_CHARS / 4) + " more)");
    }
}
