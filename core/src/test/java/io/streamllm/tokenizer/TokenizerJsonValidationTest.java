package io.streamllm.tokenizer;

import io.streamllm.api.ModelFormatException;
import io.streamllm.testing.References;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A tokenizer.json whose ids or patterns cannot work is refused by name, never with an internal error. */
class TokenizerJsonValidationTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // A single huge id used to size the vocabulary arrays: 2^31 entries, or a negative size.
            "\"id\": 2,|\"id\": 2147483647,|token ids go up to 2147483647",
            "\"id\": 2,|\"id\": 50000000,|token ids go up to 50000000",
            "\"String\":\\s*\" \"|\"Regex\": \"(\"|normalizer.pattern is not a valid regex",
            "\"ids\":\\s*\\[\\s*1\\s*\\]|\"ids\": [99999]|special token id 99999 is not a token id",
    })
    void brokenTokenizerJsonIsRefusedByName(String originalRegex, String replacement, String message) throws IOException {
        Path model = References.model("tinystories-656k");
        for (String name : new String[] {"tokenizer.json", "tokenizer_config.json", "config.json", "generation_config.json"}) {
            Files.copy(model.resolve(name), dir.resolve(name));
        }
        String json = Files.readString(model.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer.json"), json.replaceFirst(originalRegex,
                java.util.regex.Matcher.quoteReplacement(replacement)));
        assertThatThrownBy(() -> Tokenizers.fromHuggingFace(dir))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(message);
    }
}
