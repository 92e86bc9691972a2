package io.streamllm.flink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.api.StreamllmException;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.nio.file.Path;

/**
 * The keyed operator: one StreamingLLM stream per key, kept in Flink's keyed state ({@link KeyState}: the session
 * snapshot, the token count and the pending token), each record scored against everything its key saw before
 * and continued on request ({@link KeyStream}). Emits one JSON line per record, an error line for a bad one; a
 * bad record never fails the job and leaves its key's state as it was.
 */
public final class KeyedScorer extends KeyedProcessFunction<String, Event, String> {
    private static final long serialVersionUID = 1L;

    /** The accumulator counting the tokens of the records processed (scored or not), for throughput figures. */
    public static final String TOKENS_ACCUMULATOR = "streamllm-tokens";

    private final ScorerSettings settings;

    private transient KeyStream stream;
    private transient ObjectMapper json;
    private transient LongCounter tokensProcessed;
    private transient ValueState<byte[]> snapshot;
    private transient ValueState<Long> tokens;
    private transient ValueState<int[]> pending;

    /** @param settings the model, cache and seed to run */
    public KeyedScorer(ScorerSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext context) {
        stream = new KeyStream(SharedModels.acquire(Path.of(settings.modelPath()), settings.threads()), settings);
        json = new ObjectMapper();
        tokensProcessed = new LongCounter();
        getRuntimeContext().addAccumulator(TOKENS_ACCUMULATOR, tokensProcessed);
        snapshot = getRuntimeContext().getState(
                new ValueStateDescriptor<>("session", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        tokens = getRuntimeContext().getState(new ValueStateDescriptor<>("tokens", Types.LONG));
        pending = getRuntimeContext().getState(
                new ValueStateDescriptor<>("pending", PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void close() {
        if (stream != null) {
            stream = null;
            SharedModels.release(Path.of(settings.modelPath()));
        }
    }

    @Override
    public void processElement(Event event, Context context, Collector<String> out) throws Exception {
        ObjectNode line = json.createObjectNode();
        line.put("line", event.line());
        line.put("key", event.key());
        if (event.error() != null) {
            line.put("error", event.error());
            out.collect(json.writeValueAsString(line));
            return;
        }
        byte[] saved = snapshot.value();
        KeyState before = saved == null ? null : new KeyState(saved, tokens.value(), pending.value());
        KeyStream.Step step;
        try {
            step = stream.step(before, event.text(), event.generate());
        } catch (StreamllmException | IllegalArgumentException e) {
            // Reported; the state stays as it was and the key's stream goes on without this record.
            line.put("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            out.collect(json.writeValueAsString(line));
            return;
        }
        snapshot.update(step.state().snapshot());
        tokens.update(step.state().tokens());
        tokensProcessed.add(step.state().tokens() - (before == null ? 0 : before.tokens()));
        pending.update(step.state().pending());

        line.put("tokens", step.scored());
        if (step.scored() > 0) {
            line.put("score", step.meanNll());
            line.put("perplexity", Math.exp(step.meanNll()));
        } else {
            line.putNull("score");
            line.putNull("perplexity");
        }
        line.put("stream_tokens", step.state().tokens());
        if (step.continuation() != null) {
            line.put("continuation", step.continuation());
        }
        out.collect(json.writeValueAsString(line));
    }
}
