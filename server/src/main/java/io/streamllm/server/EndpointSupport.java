package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.streamllm.chat.RenderedChat;

import java.util.concurrent.ThreadLocalRandom;

/**
 * What the endpoints beside OpenAI's chat and completions (Responses, Ollama, llama-server's extras) share
 * with them: reading a JSON body within the limits, the model's name, the token budget, the prompt's tokens.
 */
final class EndpointSupport {
    private static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private EndpointSupport() {
    }

    /** The body as a JSON object, declared as JSON ({@link CompletionEndpoint#requireJson}) and within --max-body. */
    static JsonNode readJson(Context ctx, ServerOptions options, ServerMetrics metrics) {
        CompletionEndpoint.requireJson(ctx.contentType());
        return readObject(ctx, options, metrics);
    }

    /** The body as a JSON object, whatever its declared type; only for requests that no web page can send (see callers). */
    static JsonNode readObject(Context ctx, ServerOptions options, ServerMetrics metrics) {
        return RequestParser.readObject(CompletionEndpoint.readBody(ctx, options.maxBodyBytes(), options, metrics));
    }

    /**
     * Whether a request may have come from a web page: browsers name the page's origin on every cross-site
     * POST, and a page can POST a body declared as text/plain without asking first (CORS). Command-line
     * clients (curl -d, Ollama's own examples) send no Origin, and often no JSON Content-Type either.
     */
    static boolean fromBrowser(Context ctx) {
        return ctx.header("Origin") != null;
    }

    /** Refuses a request's budget above --max-tokens-limit, naming the request's own field. */
    static void checkBudget(Integer maxTokens, String param, ServerOptions options) {
        int limit = options.limits().maxTokensLimit();
        if (maxTokens != null && maxTokens > limit) {
            throw ApiError.invalid(param, param + " is " + maxTokens + ", above this server's limit of " + limit
                    + " (serve --max-tokens-limit)");
        }
    }

    /** The prompt's tokens; 400 when there are none to start from. */
    static int[] promptTokens(ServedModel model, RenderedChat prompt, String param) {
        int[] tokens = model.encode(prompt);
        if (tokens.length == 0) {
            throw ApiError.invalid(param, "the prompt is empty and the model has no BOS token to start from; send some text");
        }
        return tokens;
    }

    /** A random id of 24 letters and digits after {@code prefix}. */
    static String randomId(String prefix) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder(prefix.length() + 24).append(prefix);
        for (int i = 0; i < 24; i++) {
            id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
        }
        return id.toString();
    }
}
