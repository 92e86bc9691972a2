package io.streamllm.server;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The model file truncated under a running server ({@code truncate -s 300000 copy.gguf}): requests on it get a
 * 5xx that says so, again and again, and the server stays up (it used to die of SIGBUS on the second request).
 */
class TruncatedModelServerTest {
    @TempDir
    Path dir;

    @Test
    void requestsOnACutModelFileGetAClearErrorAndTheServerLivesOn() throws IOException, InterruptedException {
        Path copy = Files.copy(TestServers.modelPath(), dir.resolve("copy.gguf"));
        StreamllmServer server = StreamllmServer.start(ServerOptions.local(),
                () -> new ServedModel(StreamingModel.load(copy), SessionOptions.of(CachePolicy.sink(4, 507))));
        try {
            server.awaitReady();
            String request = "{\"model\": \"tinyllamas-stories-260k\", \"prompt\": \"Once upon a time\", \"max_tokens\": 8}";
            assertThat(TestServers.post(server, "/v1/completions", request).status()).isEqualTo(200);

            try (RandomAccessFile file = new RandomAccessFile(copy.toFile(), "rw")) {
                file.setLength(300_000);
            }
            for (int attempt = 0; attempt < 3; attempt++) {
                TestServers.Reply reply = TestServers.post(server, "/v1/completions", request);
                assertThat(reply.status()).isBetween(500, 599);
                assertThat(reply.body()).contains("model file changed or was truncated while in use");
            }
            assertThat(TestServers.get(server, "/v1/models").status()).isEqualTo(200);
        } finally {
            server.close();
        }
    }
}
