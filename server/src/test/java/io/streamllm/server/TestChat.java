package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.PlainChatTemplate;
import io.streamllm.api.StreamingModel;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A chat client as OpenAI clients are: it keeps the messages and sends them all every turn (greedy). */
final class TestChat {
    private final String baseUrl;
    private final String model;
    private final String session;
    private final ArrayNode messages = TestServers.JSON.createArrayNode();
    private JsonNode lastReply;

    /** @param session the X-Session-Id, or null for none */
    TestChat(String baseUrl, String model, String session) {
        this.baseUrl = baseUrl;
        this.model = model;
        this.session = session;
    }

    /** The same client talking to another server (the same conversation so far). */
    TestChat at(String otherBaseUrl) {
        TestChat moved = new TestChat(otherBaseUrl, model, session);
        moved.messages.addAll(messages);
        return moved;
    }

    /** One turn: asks {@code question} after the conversation so far; returns the answer and keeps it. */
    String say(String question, int maxTokens) {
        ask(question);
        TestServers.Reply reply = TestServers.post(baseUrl, "/v1/chat/completions", body(maxTokens, false).toString(), headers());
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        lastReply = reply.json();
        String answer = lastReply.at("/choices/0/message/content").asText();
        answered(answer);
        return answer;
    }

    /** Adds a question without sending it (for a request sent another way). */
    void ask(String question) {
        messages.addObject().put("role", "user").put("content", question);
    }

    /** Adds an answer the assistant gave before (for a conversation resent to another server). */
    void answered(String answer) {
        messages.addObject().put("role", "assistant").put("content", answer);
    }

    /** The request body for the conversation so far. */
    ObjectNode body(int maxTokens, boolean stream) {
        ObjectNode body = TestServers.JSON.createObjectNode();
        body.put("model", model);
        body.set("messages", messages.deepCopy());
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        body.put("stream", stream);
        return body;
    }

    String[] headers() {
        return session == null ? new String[0] : new String[] {"X-Session-Id", session};
    }

    /** The last answer's JSON. */
    JsonNode lastReply() {
        return lastReply;
    }

    /** The tokens the server renders the conversation so far into (the plain template), computed here. */
    int[] promptTokens(StreamingModel tokenizerModel) {
        List<ChatMessage> chat = new ArrayList<>();
        messages.forEach(m -> chat.add(new ChatMessage(m.get("role").asText(), m.get("content").asText())));
        ChatEncoder encoder = new ChatEncoder(tokenizerModel.tokenizer(), false);
        return encoder.encode(encoder.render(new PlainChatTemplate(), chat, true));
    }

    /** The token history the server holds for the session. */
    static int[] sessionTokens(String baseUrl, String session) {
        TestServers.Reply reply = TestServers.get(baseUrl, "/v1/sessions/" + session + "?include=tokens");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode tokens = reply.json().get("tokens");
        int[] history = new int[tokens.size()];
        for (int i = 0; i < history.length; i++) {
            history[i] = tokens.get(i).asInt();
        }
        return history;
    }

    static int commonPrefix(int[] a, int[] b) {
        int i = 0;
        while (i < Math.min(a.length, b.length) && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
