package io.streamllm.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.chat.ChatMessage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stored responses of {@code /v1/responses} ({@code store: true}, OpenAI's default), in memory, the least
 * recently used forgotten beyond a bound: each is the answer as sent and what a response continuing it needs,
 * namely the conversation so far and the session whose KV cache holds it. The session itself lives in the
 * {@link SessionStore} (and in the state directory), so a continued response reuses the cache instead of
 * reading the conversation again; a forgotten response only means previous_response_id gets a 404.
 */
final class ResponseStore {
    /**
     * @param sessionId    the session the response ran in
     * @param conversation the messages up to and including its answer, without the request's instructions
     *                     (OpenAI does not carry instructions over to the next response)
     * @param response     the response object as sent (status completed or incomplete)
     */
    record Stored(String sessionId, List<ChatMessage> conversation, ObjectNode response) {
        Stored {
            conversation = List.copyOf(conversation);
        }
    }

    private final int capacity;
    private final LinkedHashMap<String, Stored> responses = new LinkedHashMap<>(16, 0.75f, true);

    ResponseStore(int capacity) {
        this.capacity = capacity;
    }

    synchronized void put(String id, Stored stored) {
        responses.put(id, stored);
        while (responses.size() > capacity) {
            Map.Entry<String, Stored> eldest = responses.entrySet().iterator().next();
            responses.remove(eldest.getKey());
        }
    }

    synchronized Optional<Stored> get(String id) {
        return Optional.ofNullable(responses.get(id));
    }

    synchronized boolean delete(String id) {
        return responses.remove(id) != null;
    }
}
