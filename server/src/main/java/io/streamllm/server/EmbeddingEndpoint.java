package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.streamllm.api.StreamingModel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code POST /v1/embeddings}: OpenAI's embeddings of a string, an array of strings, an array of token ids or an
 * array of token id arrays, each the model's pooled last hidden state scaled to unit length
 * ({@link StreamingModel#embed(int[])}); as floats or as base64 of little-endian float32. {@code dimensions}
 * is refused unless it is the model's width: these embeddings cannot be shortened.
 */
final class EmbeddingEndpoint {
    /** OpenAI's limit on the inputs of one request. */
    static final int MAX_INPUTS = 2048;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Supplier<ModelService> service;
    private final ServerOptions options;
    private final InFlight inFlight;
    private final ServerMetrics metrics;

    EmbeddingEndpoint(Supplier<ModelService> service, ServerOptions options, InFlight inFlight, ServerMetrics metrics) {
        this.service = service;
        this.options = options;
        this.inFlight = inFlight;
        this.metrics = metrics;
    }

    void handle(Context ctx) {
        if (!inFlight.enter()) {
            ctx.header("Connection", "close");
            throw ApiError.unavailable("the server is shutting down; retry on another one or once it is back", "shutting_down");
        }
        try {
            answer(ctx);
        } finally {
            inFlight.exit();
        }
    }

    private void answer(Context ctx) {
        ModelService loaded = service.get();
        CompletionEndpoint.requireJson(ctx.contentType());
        JsonNode root = RequestParser.readObject(CompletionEndpoint.readBody(ctx, options.maxBodyBytes(), options, metrics));
        StreamingModel model = loaded.model().model();
        JsonNode name = root.get("model");
        if (name == null || name.isNull()) {
            throw ApiError.invalid("model", "you must provide a model parameter");
        }
        if (!name.isTextual()) {
            throw ApiError.invalid("model", "model must be a string");
        }
        if (!name.asText().equals(loaded.model().id())) {
            throw ApiError.notFound("the model '" + name.asText() + "' does not exist; this server serves '"
                    + loaded.model().id() + "'", "model", "model_not_found");
        }
        boolean base64 = encodingFormat(root.get("encoding_format"));
        int width = model.info().embeddingLength();
        JsonNode dimensions = root.get("dimensions");
        if (dimensions != null && !dimensions.isNull() && (!dimensions.isIntegralNumber() || dimensions.asLong() != width)) {
            throw ApiError.invalid("dimensions", "dimensions must be " + width + ", the model's embedding width"
                    + " (its embeddings cannot be shortened), got " + dimensions);
        }
        List<int[]> inputs = inputs(root.get("input"), model);

        ObjectNode answer = NODES.objectNode();
        answer.put("object", "list");
        ArrayNode data = answer.putArray("data");
        long promptTokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            int[] tokens = inputs.get(i);
            float[] embedding = loaded.scheduler().exclusive(() -> model.embed(tokens));
            promptTokens += tokens.length;
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (base64) {
                item.put("embedding", littleEndianBase64(embedding));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float x : embedding) {
                    values.add(x);
                }
            }
        }
        answer.put("model", loaded.model().id());
        ObjectNode usage = answer.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("total_tokens", promptTokens);
        ctx.contentType("application/json").result(CompletionEndpoint.json(answer));
    }

    private static boolean encodingFormat(JsonNode node) {
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isTextual() || !(node.asText().equals("float") || node.asText().equals("base64"))) {
            throw ApiError.invalid("encoding_format", "encoding_format must be \"float\" or \"base64\", got " + node);
        }
        return node.asText().equals("base64");
    }

    /** The inputs as token ids: strings tokenized with the model's BOS token first, token ids checked. */
    private static List<int[]> inputs(JsonNode node, StreamingModel model) {
        if (node == null || node.isNull()) {
            throw ApiError.invalid("input", "you must provide an input");
        }
        List<int[]> inputs = new ArrayList<>();
        if (node.isTextual()) {
            inputs.add(text(node.asText(), model, "input"));
            return inputs;
        }
        if (!node.isArray() || node.isEmpty()) {
            throw ApiError.invalid("input", "input must be a string, an array of strings, an array of token ids"
                    + " or an array of token id arrays, not empty");
        }
        if (node.get(0).isIntegralNumber()) {
            inputs.add(tokenIds(node, model, "input"));
            return inputs;
        }
        if (node.size() > MAX_INPUTS) {
            throw ApiError.invalid("input", "input may hold at most " + MAX_INPUTS + " items, got " + node.size());
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String param = "input[" + i + "]";
            if (item.isTextual()) {
                inputs.add(text(item.asText(), model, param));
            } else if (item.isArray()) {
                inputs.add(tokenIds(item, model, param));
            } else {
                throw ApiError.invalid(param, param + " must be a string or an array of token ids, as the other items");
            }
        }
        return inputs;
    }

    private static int[] text(String text, StreamingModel model, String param) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ApiError.invalid(param, param + " contains an unpaired UTF-16 surrogate; send valid Unicode");
            }
        }
        int[] tokens = model.tokenizer().encode(text, true, false);
        if (tokens.length == 0) {
            throw ApiError.invalid(param, param + " gives no tokens (and the model has no BOS token); send some text");
        }
        return tokens;
    }

    private static int[] tokenIds(JsonNode array, StreamingModel model, String param) {
        if (array.isEmpty()) {
            throw ApiError.invalid(param, param + " must not be an empty array of token ids");
        }
        int vocabulary = model.info().vocabularySize();
        int[] tokens = new int[array.size()];
        for (int i = 0; i < tokens.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() >= vocabulary) {
                throw ApiError.invalid(param, param + "[" + i + "] must be a token id in 0.." + (vocabulary - 1) + ", got " + id);
            }
            tokens[i] = id.asInt();
        }
        return tokens;
    }

    /** OpenAI's base64 format: the floats as little-endian float32, base64-encoded. */
    static String littleEndianBase64(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : values) {
            bytes.putFloat(x);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
