package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamllm.api.Sampling;
import io.streamllm.chat.ChatMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated {@code /api/chat} or {@code /api/generate} request of Ollama's API, as the server's own
 * {@link CompletionRequest} plus what Ollama's {@code options} set beyond OpenAI's fields.
 *
 * <p>Options are mapped onto the sampler with Ollama's defaults where absent (temperature 0.8, top_k 40,
 * top_p 0.9, min_p 0, repeat_penalty 1.1 over the last 64 tokens). Options that choose hardware or the
 * context size are ignored: the session's cache is set when the server starts, and no conversation ever
 * runs out of it. Sampling methods the server does not have (mirostat, typical_p, tfs_z) are refused
 * unless set to their neutral value.
 *
 * @param request  the request in the server's terms (null when there is nothing to generate: Ollama's "load")
 * @param sampling the sampler settings Ollama's options add
 */
record OllamaRequest(String model, CompletionRequest request, OllamaSampling sampling, boolean stream) {

    /** What Ollama's options set that OpenAI's fields do not. */
    record OllamaSampling(int topK, float minP, float repeatPenalty, int repeatLastN) {
        static final OllamaSampling DEFAULTS = new OllamaSampling(40, 0f, 1.1f, 64);

        /** {@code base} (built from the request) with these settings; repeat_last_n -1 means the whole window. */
        Sampling applyTo(Sampling base, int windowTokens) {
            int window = repeatLastN < 0 ? windowTokens : repeatLastN;
            float penalty = window == 0 ? 1f : repeatPenalty;
            return new Sampling(base.temperature(), topK, base.topP(), minP, penalty, Math.max(window, 1),
                    base.frequencyPenalty(), base.presencePenalty(), base.seed(), base.maxTokens(), base.stopStrings(),
                    base.ignoreEndTokens());
        }
    }

    static final float DEFAULT_TEMPERATURE = 0.8f;
    static final float DEFAULT_TOP_P = 0.9f;
    /** num_predict values that mean "no limit" (-1) and "until the context is full" (-2): the server's --max-tokens-limit. */
    private static final Set<Long> UNBOUNDED = Set.of(-1L, -2L);
    /** Options about hardware, memory and the context size: meaningless here, ignored as Ollama ignores unknown ones. */
    static final Set<String> IGNORED_OPTIONS = Set.of("num_ctx", "num_keep", "num_batch", "num_gpu", "main_gpu",
            "low_vram", "use_mmap", "use_mlock", "num_thread", "numa", "f16_kv", "vocab_only", "logits_all",
            "embedding_only", "penalize_newline");
    /** Sampling methods the server lacks, with their neutral values (accepted), all others refused. */
    private static final Map<String, Double> NEUTRAL_ONLY = Map.of("mirostat", 0.0, "typical_p", 1.0, "tfs_z", 1.0);
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    static OllamaRequest chat(JsonNode root, int maxTokensLimit) {
        Common common = common(root);
        JsonNode messagesNode = root.get("messages");
        if (messagesNode != null && !messagesNode.isNull() && !messagesNode.isArray()) {
            throw ApiError.invalid("messages", "messages must be an array of {role, content} objects");
        }
        if (isSet(root.get("tools"))) {
            throw ApiError.invalid("tools", "tool calls are not supported");
        }
        List<ChatMessage> messages = new ArrayList<>();
        if (messagesNode != null) {
            for (int i = 0; i < messagesNode.size(); i++) {
                messages.add(message(messagesNode.get(i), "messages[" + i + "]"));
            }
        }
        if (messages.isEmpty()) {
            return new OllamaRequest(common.model, null, common.sampling, common.stream);
        }
        return new OllamaRequest(common.model, common.request(CompletionRequest.Kind.CHAT, messages, null, maxTokensLimit),
                common.sampling, common.stream);
    }

    static OllamaRequest generate(JsonNode root, int maxTokensLimit) {
        Common common = common(root);
        RequestParser.Fields fields = new RequestParser.Fields(root);
        for (String refused : List.of("suffix", "template")) {
            if (isSet(root.get(refused))) {
                throw ApiError.invalid(refused, refused.equals("suffix") ? "suffix (fill-in-the-middle) is not supported"
                        : "template is not supported: the model's own chat template is used (or raw: true for none)");
            }
        }
        if (isSet(root.get("context"))) {
            throw ApiError.invalid("context", "context (Ollama's deprecated token list) is not supported: send the"
                    + " conversation through /api/chat, and name a session with the X-Session-Id header to keep its cache");
        }
        if (isSet(root.get("images"))) {
            throw ApiError.invalid("images", "images are not supported: the model reads text only");
        }
        String prompt = fields.string("prompt");
        if (prompt == null || prompt.isEmpty()) {
            return new OllamaRequest(common.model, null, common.sampling, common.stream);
        }
        String system = fields.string("system");
        boolean raw = fields.bool("raw");
        CompletionRequest request;
        if (raw) {
            request = common.request(CompletionRequest.Kind.COMPLETION, null, prompt, maxTokensLimit);
        } else {
            List<ChatMessage> messages = new ArrayList<>();
            if (system != null && !system.isEmpty()) {
                messages.add(new ChatMessage("system", system));
            }
            messages.add(new ChatMessage("user", prompt));
            request = common.request(CompletionRequest.Kind.CHAT, messages, null, maxTokensLimit);
        }
        return new OllamaRequest(common.model, request, common.sampling, common.stream);
    }

    /** The fields /api/chat and /api/generate share. */
    private record Common(String model, boolean stream, float temperature, float topP, Long seed, Integer maxTokens,
                          List<String> stop, float frequencyPenalty, float presencePenalty, OllamaSampling sampling) {
        CompletionRequest request(CompletionRequest.Kind kind, List<ChatMessage> messages, String prompt, int maxTokensLimit) {
            Integer budget = maxTokens != null && maxTokens < 0 ? Integer.valueOf(maxTokensLimit) : maxTokens;
            return new CompletionRequest(kind, model, messages, prompt, budget, temperature, topP, stop, seed, stream,
                    false, null, frequencyPenalty, presencePenalty);
        }
    }

    private static Common common(JsonNode root) {
        RequestParser.Fields fields = new RequestParser.Fields(root);
        String model = fields.string("model");
        if (model == null || model.isEmpty()) {
            throw ApiError.invalid("model", "model is required");
        }
        JsonNode streamNode = root.get("stream");
        boolean stream = streamNode == null || streamNode.isNull() || fields.bool("stream"); // Ollama streams by default
        JsonNode format = root.get("format");
        if (isSet(format)) {
            throw ApiError.invalid("format", "format (structured output) is not supported on /api yet");
        }
        JsonNode think = root.get("think");
        if (think != null && !think.isNull() && !(think.isBoolean() && !think.asBoolean())) {
            throw ApiError.invalid("think", "think is not supported: the model does not reason in a separate channel");
        }
        JsonNode optionsNode = root.get("options");
        if (optionsNode == null || optionsNode.isNull()) {
            return new Common(model, stream, DEFAULT_TEMPERATURE, DEFAULT_TOP_P, null, null, List.of(), 0f, 0f,
                    OllamaSampling.DEFAULTS);
        }
        if (!optionsNode.isObject()) {
            throw ApiError.invalid("options", "options must be an object");
        }
        RequestParser.Fields options = new RequestParser.Fields(optionsNode, "options.");
        NEUTRAL_ONLY.forEach((name, neutral) -> {
            JsonNode value = optionsNode.get(name);
            if (value != null && !value.isNull() && !(value.isNumber() && value.asDouble() == neutral)) {
                throw ApiError.invalid("options." + name, "options." + name + " is not supported (only its neutral value "
                        + neutral + ", which turns it off)");
            }
        });
        Long seed = options.integer("seed");
        Long numPredict = options.integer("num_predict");
        Integer maxTokens = null;
        if (numPredict != null) {
            if (numPredict < 1 && !UNBOUNDED.contains(numPredict) || numPredict > Integer.MAX_VALUE) {
                throw ApiError.invalid("options.num_predict", "options.num_predict must be at least 1, or -1 / -2 for"
                        + " the server's --max-tokens-limit, got " + numPredict);
            }
            maxTokens = UNBOUNDED.contains(numPredict) ? -1 : numPredict.intValue();
        }
        Long topK = options.integer("top_k");
        if (topK != null && (topK < 0 || topK > Integer.MAX_VALUE)) {
            throw ApiError.invalid("options.top_k", "options.top_k must be 0 (off) or more, got " + topK);
        }
        Long repeatLastN = options.integer("repeat_last_n");
        if (repeatLastN != null && (repeatLastN < -1 || repeatLastN > 1 << 20)) {
            throw ApiError.invalid("options.repeat_last_n", "options.repeat_last_n must be -1 (the whole window), 0 (off)"
                    + " or a number of tokens, got " + repeatLastN);
        }
        OllamaSampling sampling = new OllamaSampling(topK == null ? OllamaSampling.DEFAULTS.topK() : topK.intValue(),
                options.number("min_p", OllamaSampling.DEFAULTS.minP(), 0f, 1f),
                options.number("repeat_penalty", OllamaSampling.DEFAULTS.repeatPenalty(), Float.MIN_VALUE, 10f),
                repeatLastN == null ? OllamaSampling.DEFAULTS.repeatLastN() : repeatLastN.intValue());
        return new Common(model, stream, options.number("temperature", DEFAULT_TEMPERATURE, 0f, 2f),
                options.number("top_p", DEFAULT_TOP_P, Float.MIN_VALUE, 1f),
                seed == null || seed < 0 ? null : seed, maxTokens, stop(optionsNode.get("stop")),
                options.number("frequency_penalty", 0f, -2f, 2f), options.number("presence_penalty", 0f, -2f, 2f), sampling);
    }

    private static List<String> stop(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray() || node.size() > RequestParser.MAX_STOP_STRINGS) {
            throw ApiError.invalid("options.stop", "options.stop must be an array of at most "
                    + RequestParser.MAX_STOP_STRINGS + " strings");
        }
        List<String> stops = new ArrayList<>();
        for (JsonNode element : node) {
            if (!element.isTextual() || element.asText().isEmpty()) {
                throw ApiError.invalid("options.stop", "options.stop must hold non-empty strings");
            }
            stops.add(RequestParser.wellFormed(element.asText(), "options.stop"));
        }
        return stops;
    }

    private static ChatMessage message(JsonNode node, String param) {
        if (node == null || !node.isObject()) {
            throw ApiError.invalid(param, param + " must be an object with role and content");
        }
        RequestParser.Fields fields = new RequestParser.Fields(node, param + ".");
        String role = fields.string("role");
        if (role == null || !ROLES.contains(role)) {
            throw ApiError.invalid(param + ".role", param + ".role must be one of system, user, assistant, tool");
        }
        if (isSet(node.get("images"))) {
            throw ApiError.invalid(param + ".images", "images are not supported: the model reads text only");
        }
        if (isSet(node.get("tool_calls"))) {
            throw ApiError.invalid(param + ".tool_calls", "tool calls are not supported");
        }
        String content = fields.string("content");
        return new ChatMessage(role, content == null ? "" : content);
    }

    /** Present and asking for something: not null, false, "" or empty. */
    private static boolean isSet(JsonNode value) {
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        if (value.isContainerNode()) {
            return !value.isEmpty();
        }
        return !value.isTextual() || !value.asText().isEmpty();
    }
}
