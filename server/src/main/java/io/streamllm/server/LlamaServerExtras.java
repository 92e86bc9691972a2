package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.streamllm.api.Conversation;
import io.streamllm.api.Tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * llama-server's endpoints beside the OpenAI ones: {@code POST /tokenize}, {@code POST /detokenize},
 * {@code GET /props} and the slots, which here are the sessions clients named: {@code GET /slots} lists
 * them, and {@code POST /slots/{id}?action=save|restore|erase} saves a session's KV cache and history to a
 * file, puts a saved one in a session's place, or forgets the session. Slot files live in the
 * {@code slots} folder of the state directory (llama-server's --slot-save-path), named by plain file names
 * only, so that no request can read or write elsewhere. Errors are in OpenAI's format, as llama-server's are.
 */
final class LlamaServerExtras {
    /** The paths, as the API-key check and the metrics' labels name them. */
    static final List<String> PATHS = List.of("/tokenize", "/detokenize", "/props", "/slots", "/slots/*");
    /** A file name without folders: no separators, no leading dot (so neither "." nor ".."). */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Supplier<ModelService> service;
    private final ServerOptions options;
    private final ServerMetrics metrics;

    LlamaServerExtras(Supplier<ModelService> service, ServerOptions options, ServerMetrics metrics) {
        this.service = service;
        this.options = options;
        this.metrics = metrics;
    }

    void register(JavalinConfig config) {
        config.routes.post("/tokenize", this::tokenize);
        config.routes.post("/detokenize", this::detokenize);
        config.routes.get("/props", this::props);
        config.routes.get("/slots", this::slots);
        config.routes.post("/slots/{id}", this::slotAction);
    }

    private static void json(Context ctx, JsonNode body) {
        ctx.contentType("application/json").result(CompletionEndpoint.json(body));
    }

    private void tokenize(Context ctx) {
        Tokenizer tokenizer = service.get().model().model().tokenizer();
        JsonNode root = EndpointSupport.readJson(ctx, options, metrics);
        RequestParser.Fields fields = new RequestParser.Fields(root);
        String content = fields.string("content");
        if (content == null) {
            throw ApiError.invalid("content", "content (the text to tokenize) is required");
        }
        boolean addSpecial = fields.bool("add_special");
        JsonNode parseSpecialNode = root.get("parse_special");
        boolean parseSpecial = parseSpecialNode == null || parseSpecialNode.isNull() || fields.bool("parse_special");
        boolean withPieces = fields.bool("with_pieces");
        int[] ids = tokenizer.encode(content, addSpecial, parseSpecial);
        ObjectNode body = NODES.objectNode();
        ArrayNode tokens = body.putArray("tokens");
        for (int id : ids) {
            if (withPieces) {
                ObjectNode token = tokens.addObject();
                token.put("id", id);
                byte[] bytes = tokenizer.decodeBytes(id);
                String text = utf8(bytes);
                if (bytes.length == 0) {
                    token.put("piece", tokenizer.piece(id)); // a control token: its text in the vocabulary
                } else if (text != null) {
                    token.put("piece", text);
                } else {
                    ArrayNode byteValues = token.putArray("piece"); // part of a character: its bytes, as llama-server gives them
                    for (byte b : bytes) {
                        byteValues.add(b & 0xff);
                    }
                }
            } else {
                tokens.add(id);
            }
        }
        json(ctx, body);
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private void detokenize(Context ctx) {
        Tokenizer tokenizer = service.get().model().model().tokenizer();
        JsonNode tokensNode = EndpointSupport.readJson(ctx, options, metrics).get("tokens");
        if (tokensNode == null || !tokensNode.isArray()) {
            throw ApiError.invalid("tokens", "tokens must be an array of token ids");
        }
        int[] ids = new int[tokensNode.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = tokensNode.get(i);
            if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() >= tokenizer.vocabularySize()) {
                throw ApiError.invalid("tokens", "tokens[" + i + "] is " + id + "; token ids run from 0 to "
                        + (tokenizer.vocabularySize() - 1));
            }
            ids[i] = id.asInt();
        }
        ObjectNode body = NODES.objectNode();
        body.put("content", tokenizer.decode(ids));
        json(ctx, body);
    }

    private void props(Context ctx) {
        ServedModel model = service.get().model();
        Tokenizer tokenizer = model.model().tokenizer();
        ObjectNode body = NODES.objectNode();
        ObjectNode defaults = body.putObject("default_generation_settings");
        defaults.put("n_ctx", model.cacheCapacity());
        ObjectNode params = defaults.putObject("params");
        // the defaults of /v1 requests (OpenAI's), which differ from llama-server's own
        params.put("n_predict", options.defaultMaxTokens());
        params.put("temperature", 1.0);
        params.put("top_k", 0);
        params.put("top_p", 1.0);
        params.put("min_p", 0.0);
        params.put("repeat_penalty", 1.0);
        params.put("frequency_penalty", 0.0);
        params.put("presence_penalty", 0.0);
        params.put("seed", -1);
        params.putArray("stop");
        body.put("total_slots", options.maxSessions());
        body.put("model_path", String.valueOf(model.model().info().source()));
        body.put("model_alias", model.id());
        body.put("chat_template", model.model().chatTemplate().orElse(""));
        body.putObject("modalities").put("vision", false).put("audio", false);
        body.put("bos_token", tokenizer.specials().bos() < 0 ? "" : tokenizer.piece(tokenizer.specials().bos()));
        body.put("eos_token", tokenizer.specials().eos() < 0 ? "" : tokenizer.piece(tokenizer.specials().eos()));
        body.put("build_info", "streamllm");
        ObjectNode extension = body.putObject("streamllm");
        extension.put("cache", model.policy().spec());
        extension.put("max_tokens_limit", options.limits().maxTokensLimit());
        json(ctx, body);
    }

    private void slots(Context ctx) {
        ModelService loaded = service.get();
        ArrayNode body = NODES.arrayNode();
        for (SessionStore.Slot slot : loaded.sessions().slots()) {
            ObjectNode node = body.addObject();
            node.put("id", slot.id());
            node.put("n_ctx", loaded.model().cacheCapacity());
            node.put("is_processing", slot.busy());
            if (slot.transcript() != null) {
                node.put("n_tokens", slot.transcript().stats().historyTokens());
                node.set("streamllm", ServerJson.MAPPER.valueToTree(slot.transcript().stats()));
            }
        }
        json(ctx, body);
    }

    private void slotAction(Context ctx) throws IOException {
        ModelService loaded = service.get();
        String id = CompletionEndpoint.sessionId(ctx.pathParam("id"), null);
        String action = ctx.queryParam("action");
        if (action == null || !List.of("save", "restore", "erase").contains(action)) {
            throw ApiError.invalid("action", "action must be save, restore or erase, as in POST /slots/{id}?action=save");
        }
        if (action.equals("erase")) {
            erase(ctx, loaded, id);
            return;
        }
        JsonNode root = EndpointSupport.readJson(ctx, options, metrics);
        Path file = slotFile(new RequestParser.Fields(root).string("filename"));
        long start = System.nanoTime();
        ObjectNode body = NODES.objectNode();
        body.put("id_slot", id);
        body.put("filename", file.getFileName().toString());
        if (action.equals("save")) {
            if (!loaded.sessions().exists(id)) {
                throw ApiError.notFound("no session '" + id + "' to save", "id", "session_not_found");
            }
            try (SessionStore.Lease lease = loaded.sessions().acquire(id)) {
                Conversation conversation = lease.conversation();
                Files.createDirectories(file.getParent());
                SnapshotFile.write(file, conversation);
                body.put("n_saved", conversation.historyLength());
                body.put("n_written", Files.size(file));
            }
            body.putObject("timings").put("save_ms", (System.nanoTime() - start) / 1e6);
        } else {
            Conversation restored;
            try {
                restored = SnapshotFile.read(file, loaded.model().model());
            } catch (NoSuchFileException e) {
                throw ApiError.notFound("no slot file '" + file.getFileName() + "'", "filename", "file_not_found");
            } catch (IOException e) {
                throw ApiError.invalid("filename", "the slot file '" + file.getFileName() + "' cannot be restored: " + e.getMessage());
            }
            if (!restored.options().equals(loaded.model().sessionOptions())) {
                throw ApiError.invalid("filename", "the slot file '" + file.getFileName() + "' was saved under cache "
                        + restored.options().policy().spec() + "; this server runs " + loaded.model().policy().spec());
            }
            try (SessionStore.Lease lease = loaded.sessions().acquire(id)) {
                lease.replace(restored);
            }
            body.put("n_restored", restored.historyLength());
            body.put("n_read", Files.size(file));
            body.putObject("timings").put("restore_ms", (System.nanoTime() - start) / 1e6);
        }
        json(ctx, body);
    }

    private void erase(Context ctx, ModelService loaded, String id) throws IOException {
        long erased = loaded.sessions().describe(id).map(transcript -> (long) transcript.tokens().length).orElse(0L);
        if (!loaded.sessions().delete(id)) {
            throw ApiError.notFound("no session '" + id + "'", "id", "session_not_found");
        }
        ObjectNode body = NODES.objectNode();
        body.put("id_slot", id);
        body.put("n_erased", erased);
        json(ctx, body);
    }

    /** The slot file {@code name} names in the state directory's slots folder; 400 for any other path. */
    private Path slotFile(String name) {
        if (options.stateDir() == null) {
            throw ApiError.invalid("filename", "saving and restoring slots needs a state directory (serve --state-dir);"
                    + " slot files are kept in its slots folder");
        }
        if (name == null) {
            throw ApiError.invalid("filename", "filename is required");
        }
        if (!FILE_NAME.matcher(name).matches()) {
            throw ApiError.invalid("filename", "filename must be a plain file name (letters, digits, '.', '_', '-';"
                    + " not starting with '.'), without folders: slot files stay in the state directory");
        }
        Path folder = options.stateDir().toAbsolutePath().normalize().resolve("slots");
        Path file = folder.resolve(name).normalize();
        if (!file.getParent().equals(folder)) {
            throw ApiError.invalid("filename", "filename must name a file in the state directory's slots folder");
        }
        return file;
    }
}
