package io.streamllm.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.api.ModelInfo;
import io.streamllm.api.ModelWeights;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.stream.Stream;

/** The JSON of Ollama's API: the lines of a chat or generation, model listings, errors. */
final class OllamaJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The tag Ollama gives a model named without one. */
    static final String LATEST = ":latest";

    private OllamaJson() {
    }

    /** Ollama's error body: {"error": "..."}. */
    static ObjectNode error(ApiError error) {
        ObjectNode node = NODES.objectNode();
        node.put("error", error.getMessage());
        return node;
    }

    /** The name /api/tags lists the model under (Ollama names carry a tag). */
    static String name(ServedModel model) {
        return model.id().contains(":") ? model.id() : model.id() + LATEST;
    }

    /** One line of an answer: a piece of text ({@code chat}: in a message, else as "response"), not done. */
    static ObjectNode piece(String model, boolean chat, String text) {
        ObjectNode node = NODES.objectNode();
        node.put("model", model);
        node.put("created_at", Instant.now().toString());
        text(node, chat, text);
        node.put("done", false);
        return node;
    }

    private static void text(ObjectNode node, boolean chat, String text) {
        if (chat) {
            ObjectNode message = node.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
        } else {
            node.put("response", text);
        }
    }

    /**
     * The last line (or the whole answer): why it ended, and Ollama's counts and durations (nanoseconds).
     * The prompt's duration is the time to the first text, which includes the prefill.
     */
    static ObjectNode done(String model, boolean chat, String text, ModelService.Outcome outcome, long totalNanos,
                           long promptNanos) {
        ObjectNode node = NODES.objectNode();
        node.put("model", model);
        node.put("created_at", Instant.now().toString());
        text(node, chat, text);
        node.put("done", true);
        node.put("done_reason", "length".equals(outcome.finishReason()) ? "length" : "stop");
        node.put("total_duration", totalNanos);
        node.put("load_duration", 0);
        node.put("prompt_eval_count", outcome.promptTokens() - outcome.reusedTokens());
        node.put("prompt_eval_duration", promptNanos);
        node.put("eval_count", outcome.completionTokens());
        node.put("eval_duration", Math.max(0, totalNanos - promptNanos));
        ObjectNode extension = node.putObject("streamllm");
        extension.put("session", outcome.sessionId());
        extension.put("reused_tokens", outcome.reusedTokens());
        return node;
    }

    /** The answer to a request with nothing to generate: Ollama's way to load a model. */
    static ObjectNode loaded(String model, boolean chat) {
        ObjectNode node = NODES.objectNode();
        node.put("model", model);
        node.put("created_at", Instant.now().toString());
        text(node, chat, "");
        node.put("done", true);
        node.put("done_reason", "load");
        return node;
    }

    /** GET /api/tags and GET /api/ps: the one model, described as Ollama describes its models. */
    static ObjectNode models(ServedModel model, boolean running, Instant expires) {
        ObjectNode node = NODES.objectNode();
        ArrayNode models = node.putArray("models");
        ObjectNode entry = models.addObject();
        String name = name(model);
        entry.put("name", name);
        entry.put("model", name);
        Path source = model.model().info().source();
        if (!running) {
            entry.put("modified_at", modified(source).toString());
        }
        entry.put("size", model.model().weights().bytes());
        entry.put("digest", digest(model));
        entry.set("details", details(model));
        if (running) {
            entry.put("expires_at", expires.toString());
            entry.put("size_vram", 0);
            entry.put("context_length", model.cacheCapacity());
        }
        return node;
    }

    static ObjectNode details(ServedModel model) {
        ModelInfo info = model.model().info();
        ModelWeights weights = model.model().weights();
        ObjectNode details = NODES.objectNode();
        details.put("parent_model", "");
        details.put("format", isGguf(info.source()) ? "gguf" : "safetensors");
        details.put("family", info.architecture());
        details.putArray("families").add(info.architecture());
        details.put("parameter_size", parameterSize(weights.parameters()));
        details.put("quantization_level", weights.layerType());
        return details;
    }

    /** POST /api/show: the model's details, its architecture's figures and its chat template (Jinja, not Go). */
    static ObjectNode show(ServedModel model) {
        ModelInfo info = model.model().info();
        ObjectNode node = NODES.objectNode();
        node.put("license", "");
        node.put("modelfile", "# served by streamllm\nFROM " + info.source() + "\n");
        node.put("parameters", "temperature " + OllamaRequest.DEFAULT_TEMPERATURE + "\ntop_k "
                + OllamaRequest.OllamaSampling.DEFAULTS.topK() + "\ntop_p " + OllamaRequest.DEFAULT_TOP_P
                + "\nrepeat_penalty " + OllamaRequest.OllamaSampling.DEFAULTS.repeatPenalty() + "\nrepeat_last_n "
                + OllamaRequest.OllamaSampling.DEFAULTS.repeatLastN());
        node.put("template", model.model().chatTemplate().orElse(""));
        node.set("details", details(model));
        ObjectNode modelInfo = node.putObject("model_info");
        String arch = info.architecture();
        modelInfo.put("general.architecture", arch);
        modelInfo.put("general.name", info.name());
        modelInfo.put("general.parameter_count", model.model().weights().parameters());
        modelInfo.put(arch + ".context_length", info.contextLength());
        modelInfo.put(arch + ".embedding_length", info.embeddingLength());
        modelInfo.put(arch + ".block_count", info.layers());
        modelInfo.put(arch + ".attention.head_count", info.heads());
        modelInfo.put(arch + ".attention.head_count_kv", info.kvHeads());
        modelInfo.put(arch + ".vocab_size", info.vocabularySize());
        node.putArray("capabilities").add("completion");
        node.put("modified_at", modified(info.source()).toString());
        ObjectNode extension = node.putObject("streamllm");
        extension.put("cache", model.policy().spec());
        extension.put("cache_tokens", model.cacheCapacity());
        return node;
    }

    static ObjectNode version(String version) {
        ObjectNode node = NODES.objectNode();
        node.put("version", version);
        return node;
    }

    /**
     * An identifier of the served model in the shape of Ollama's digests: SHA-256 over its name, path, size and
     * modification time, not over its bytes (hashing gigabytes of weights per listing would be absurd).
     */
    private static String digest(ServedModel model) {
        ModelInfo info = model.model().info();
        String identity = info.name() + "\n" + info.source() + "\n" + model.model().weights().bytes() + "\n"
                + modified(info.source());
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(identity.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static boolean isGguf(Path source) {
        return source != null && source.getFileName() != null && source.getFileName().toString().endsWith(".gguf");
    }

    private static Instant modified(Path source) {
        if (source == null) {
            return Instant.EPOCH;
        }
        try {
            if (Files.isDirectory(source)) {
                try (Stream<Path> files = Files.list(source)) {
                    return files.map(OllamaJson::modified).max(Instant::compareTo).orElse(Instant.EPOCH);
                }
            }
            return Files.getLastModifiedTime(source).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    /** Ollama's "8.0B", "260K": the parameter count in the unit that leaves one to three digits. */
    static String parameterSize(long parameters) {
        if (parameters >= 1_000_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.1fB", parameters / 1e9);
        }
        if (parameters >= 1_000_000L) {
            return String.format(java.util.Locale.ROOT, "%.1fM", parameters / 1e6);
        }
        if (parameters >= 1_000L) {
            return String.format(java.util.Locale.ROOT, "%.0fK", parameters / 1e3);
        }
        return Long.toString(parameters);
    }
}
