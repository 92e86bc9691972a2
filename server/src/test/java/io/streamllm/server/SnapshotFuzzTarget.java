package io.streamllm.server;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.Conversation;
import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.testing.References;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Snapshot files (the session restore path) for the fuzzer: mutated bytes are restored as a conversation
 * of the model, under the options the payload names, and a restored conversation must then take a turn.
 * Half of the inputs get their trailer recomputed, so that mutations reach the payload parser instead of
 * stopping at the checksum. The documented error is IOException.
 */
public final class SnapshotFuzzTarget implements AutoCloseable {
    /** Policies of the seeds. */
    public static final List<String> POLICIES = List.of("dense", "sink:4:28", "recompute:24", "window:16");
    private static final int HEADER_BYTES = 8;
    private static final int TRAILER_BYTES = 12;
    private static final Sampling ONE_TOKEN = Sampling.greedy().maxTokens(1);

    private final StreamingModel model = StreamingModel.load(References.stories260K());
    private final Path folder = Files.createTempDirectory("fuzz-snapshot");

    public SnapshotFuzzTarget() throws IOException {
    }

    /** Snapshots of short and long conversations under each policy. */
    public List<byte[]> seeds() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        for (String policy : POLICIES) {
            for (int turns : new int[] {1, 3}) {
                Conversation conversation = model.newConversation(SessionOptions.of(CachePolicy.parse(policy)));
                int[] history = {1};
                for (int t = 0; t < turns; t++) {
                    int[] prompt = Arrays.copyOf(conversation.history(), conversation.historyLength() + 5);
                    for (int i = prompt.length - 5; i < prompt.length; i++) {
                        prompt[i] = 100 + 7 * i % 300;
                    }
                    history = prompt;
                    conversation.reply(history, Sampling.greedy().maxTokens(8), s -> { }, () -> false);
                }
                Path file = folder.resolve("seed");
                SnapshotFile.write(file, conversation);
                seeds.add(Files.readAllBytes(file));
            }
        }
        return seeds;
    }

    public void run(byte[] input) throws IOException {
        boolean fixTrailer = input.length > 0 && (input[input.length - 1] & 1) == 0;
        byte[] bytes = fixTrailer ? withTrailer(input) : input;
        long expectedCrc = bytes.length >= TRAILER_BYTES
                ? ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt() & 0xffffffffL : 0;
        Path file = Files.write(folder.resolve("snapshot"), bytes);
        Conversation conversation = SnapshotFile.read(file, expectedCrc, model);
        // Accepted: the state must be usable. The next turn extends the history by one token.
        int[] next = Arrays.copyOf(conversation.history(), conversation.historyLength() + 1);
        next[next.length - 1] = 42;
        conversation.reply(next, ONE_TOKEN, s -> { }, () -> false);
    }

    /** The payload with a correct length and checksum after it (what a fully consistent corrupt file looks like). */
    private static byte[] withTrailer(byte[] input) {
        int payload = Math.max(0, input.length - HEADER_BYTES - TRAILER_BYTES);
        byte[] out = Arrays.copyOf(input, HEADER_BYTES + payload + TRAILER_BYTES);
        CRC32C crc = new CRC32C();
        crc.update(out, HEADER_BYTES, payload);
        ByteBuffer.wrap(out, HEADER_BYTES + payload, TRAILER_BYTES).putLong(payload).putInt((int) crc.getValue());
        return out;
    }

    @Override
    public void close() throws IOException {
        model.close();
        try (var files = Files.list(folder)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(folder);
    }
}
