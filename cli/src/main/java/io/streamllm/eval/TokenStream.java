package io.streamllm.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamllm.api.StreamllmException;
import io.streamllm.api.Tokenizer;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The tokens of a long text to score, without BOS (the evaluation puts BOS before them).
 *
 * @param tokens the token ids, all inside the model's vocabulary
 * @param source where they came from, for messages and plot titles
 */
public record TokenStream(int[] tokens, String source) {

    public TokenStream {
        if (tokens.length == 0) {
            throw new StreamllmException("the stream is empty: " + source + " holds no tokens");
        }
    }

    public int length() {
        return tokens.length;
    }

    /** The first {@code maxTokens} tokens (all of them when there are fewer). */
    public TokenStream limit(int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("--max-tokens must be at least 1, got " + maxTokens);
        }
        return maxTokens >= tokens.length ? this : new TokenStream(Arrays.copyOf(tokens, maxTokens), source);
    }

    /** A UTF-8 text file, tokenized as plain text without BOS (special-token text stays text). */
    public static TokenStream fromText(Path file, Tokenizer tokenizer) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new StreamllmException("no such file: " + file);
        } catch (CharacterCodingException e) {
            throw new StreamllmException(file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new StreamllmException("cannot read " + file + ": " + e.getMessage());
        }
        return new TokenStream(tokenizer.encode(text, false, false), file.toString());
    }

    /**
     * A JSON file holding either an array of token ids or an object with a {@code "tokens"} array
     * (the form of the reference streams). Every id must be below {@code vocabularySize}.
     */
    public static TokenStream fromTokensFile(Path file, int vocabularySize) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new StreamllmException(file + ": malformed tokens JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw Files.exists(file) ? new StreamllmException("cannot read " + file + ": " + e.getMessage())
                    : new StreamllmException("no such file: " + file);
        }
        JsonNode array = root != null && root.isObject() ? root.get("tokens") : root;
        if (array == null || !array.isArray()) {
            throw new StreamllmException(file + ": expected a JSON array of token ids or an object with a \"tokens\" array");
        }
        int[] tokens = new int[array.size()];
        for (int i = 0; i < tokens.length; i++) {
            JsonNode id = array.get(i);
            if (!id.canConvertToInt() || !id.isIntegralNumber()) {
                throw new StreamllmException(file + ": token " + i + " is " + id + ", not a token id");
            }
            tokens[i] = id.intValue();
            if (tokens[i] < 0 || tokens[i] >= vocabularySize) {
                throw new StreamllmException(file + ": token " + i + " has id " + tokens[i]
                        + ", outside the model's vocabulary of " + vocabularySize + " tokens");
            }
        }
        return new TokenStream(tokens, file.toString());
    }
}
