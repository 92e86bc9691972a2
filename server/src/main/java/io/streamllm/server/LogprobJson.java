package io.streamllm.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.api.TokenLogprob;
import io.streamllm.api.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Token log-probabilities in OpenAI's two shapes: chat's {@code logprobs.content[]} (token, logprob, bytes,
 * top_logprobs) and the legacy completions' parallel arrays (tokens, token_logprobs, top_logprobs, text_offset).
 * A token's text is its bytes read as UTF-8 (a piece of a character reads as U+FFFD; its bytes are exact).
 * A log-probability of -infinity is sent as -9999, as OpenAI does; a token nothing predicted (the first of an
 * echoed prompt, given as NaN) as null.
 */
final class LogprobJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final double FLOOR = -9999.0;

    private final Tokenizer tokenizer;

    LogprobJson(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Chat's {@code {"content": [...], "refusal": null}}. */
    ObjectNode chat(List<TokenLogprob> tokens) {
        ObjectNode node = NODES.objectNode();
        ArrayNode content = node.putArray("content");
        for (TokenLogprob token : tokens) {
            ObjectNode entry = chatEntry(token);
            ArrayNode top = entry.putArray("top_logprobs");
            for (TokenLogprob alternative : token.alternatives()) {
                top.add(chatEntry(alternative));
            }
            content.add(entry);
        }
        node.putNull("refusal");
        return node;
    }

    private ObjectNode chatEntry(TokenLogprob token) {
        ObjectNode entry = NODES.objectNode();
        byte[] bytes = tokenizer.decodeBytes(token.token());
        entry.put("token", new String(bytes, StandardCharsets.UTF_8));
        entry.put("logprob", clamp(token.logprob()));
        ArrayNode byteArray = entry.putArray("bytes");
        for (byte b : bytes) {
            byteArray.add(b & 0xff);
        }
        return entry;
    }

    /** An empty legacy completions shape, for {@link #appendLegacy}. */
    static ObjectNode legacy() {
        ObjectNode node = NODES.objectNode();
        node.putArray("tokens");
        node.putArray("token_logprobs");
        node.putArray("top_logprobs");
        node.putArray("text_offset");
        return node;
    }

    /**
     * Appends {@code tokens} to a legacy completions shape, their text offsets counted on from {@code offset[0]}
     * (which is advanced past them, for the next tokens or the next chunk of a stream).
     */
    ObjectNode appendLegacy(ObjectNode node, List<TokenLogprob> tokens, int[] offset) {
        ArrayNode texts = (ArrayNode) node.get("tokens");
        ArrayNode logprobs = (ArrayNode) node.get("token_logprobs");
        ArrayNode tops = (ArrayNode) node.get("top_logprobs");
        ArrayNode offsets = (ArrayNode) node.get("text_offset");
        for (TokenLogprob token : tokens) {
            String text = text(token.token());
            texts.add(text);
            if (Double.isNaN(token.logprob())) {
                logprobs.addNull();
                tops.addNull();
            } else {
                logprobs.add(clamp(token.logprob()));
                ObjectNode top = tops.addObject();
                for (TokenLogprob alternative : token.alternatives()) {
                    String key = text(alternative.token());
                    if (!top.has(key)) { // two tokens of one text: the likelier one is listed first, and kept
                        top.put(key, clamp(alternative.logprob()));
                    }
                }
            }
            offsets.add(offset[0]);
            offset[0] += text.length();
        }
        return node;
    }

    private String text(int token) {
        return new String(tokenizer.decodeBytes(token), StandardCharsets.UTF_8);
    }

    private static double clamp(double logprob) {
        return Math.max(FLOOR, logprob);
    }
}
