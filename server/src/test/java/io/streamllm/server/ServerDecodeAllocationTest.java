package io.streamllm.server;

import io.streamllm.chat.RenderedChat;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.testing.AllocationMeter;
import io.streamllm.testing.References;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's decode loop (feed, sample, stop strings, detokenize, the per-token scheduler turn and
 * metrics) allocates nothing per token once warm: {@link ModelService#run} on the shipped model, turns of a
 * growing completion, measured with the thread's allocation counter. What a turn allocates once (its
 * transcript, the answer's text, the outcome) is amortized over the turn's tokens; the JSON of the SSE
 * chunks is written by the endpoint, outside this loop.
 */
class ServerDecodeAllocationTest {

    @Test
    void aTurnAllocatesNothingPerToken() throws Exception {
        StreamingModel model = StreamingModel.load(References.stories260K());
        try (ModelService service = ModelService.start(new ServedModel(model, SessionOptions.of(CachePolicy.sink(4, 507))),
                ServerOptions.local(), new ServerMetrics())) { // closes the model
            long allocated = 0;
            long tokens = 0;
            for (int turn = 0; turn < 160; turn++) {
                String body = "{\"model\":\"m\",\"prompt\":\"Once upon a time, Tom and Lily\",\"max_tokens\":250,"
                        + "\"temperature\":1.5,\"frequency_penalty\":0.1,\"seed\":" + turn + "}";
                CompletionRequest request = RequestParser.parse(body.getBytes(StandardCharsets.UTF_8),
                        CompletionRequest.Kind.COMPLETION);
                RenderedChat rendered = service.model().render(request);
                int[] prompt = service.model().encode(rendered);
                try (SessionStore.Lease lease = service.sessions().acquire("s" + turn % 2)) {
                    long before = AllocationMeter.threadAllocatedBytes();
                    ModelService.Outcome outcome = service.run(request, rendered, prompt, lease, System.nanoTime(), () -> false,
                            text -> { });
                    if (turn >= 100) { // warmed up
                        allocated += AllocationMeter.threadAllocatedBytes() - before;
                        tokens += outcome.completionTokens();
                    }
                }
            }
            assertThat((double) allocated / tokens).isLessThan(64);
        }
    }
}
