package io.streamllm.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.streamllm.api.StreamingModel;

/**
 * A test server with an OpenAI Java SDK client pointed at it, and the same model loaded in process, so that a test
 * can compare what the server answers with what the engine generates.
 */
record OpenAiFixture(StreamllmServer server, OpenAIClient client, StreamingModel model) implements AutoCloseable {

    static OpenAiFixture start() {
        StreamllmServer server = TestServers.start();
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey("unused")
                .maxRetries(0).build();
        return new OpenAiFixture(server, client, TestServers.loadModel());
    }

    /** The model's id as the server lists it. */
    String modelId() {
        return model.info().name();
    }

    @Override
    public void close() {
        client.close();
        server.close();
        model.close();
    }
}
