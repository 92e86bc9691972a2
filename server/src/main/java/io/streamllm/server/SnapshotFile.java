package io.streamllm.server;

import io.streamllm.api.Conversation;
import io.streamllm.api.StreamingModel;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A conversation's KV cache and token history on disk: a header (magic, version), the payload, which is the
 * conversation's snapshot ({@link Conversation#writeSnapshot}), and a trailer with the payload's length and
 * CRC-32C. The whole file is checked before any of it is parsed, so a torn or corrupt file is refused
 * instead of being half-read (a damaged length field could otherwise ask for gigabytes).
 */
final class SnapshotFile {
    private static final int MAGIC = 0x534c534e; // "SLSN"
    /** 2: the payload is a snapshot of the public API's conversation (1: of the engine's, with no header of its own). */
    private static final int VERSION = 2;
    private static final int HEADER_BYTES = 8;
    private static final int TRAILER_BYTES = 12;
    /** No CRC-32C is negative: the file's own recorded checksum is the only one to match. */
    private static final long ANY_CHECKSUM = -1;

    private SnapshotFile() {
    }

    /** Writes {@code conversation} durably to {@code file}; returns the payload's CRC-32C. */
    static long write(Path file, Conversation conversation) throws IOException {
        long[] crc = new long[1];
        DurableFiles.write(file, out -> {
            DataOutputStream raw = new DataOutputStream(out);
            raw.writeInt(MAGIC);
            raw.writeInt(VERSION);
            ChecksummedOutput payload = new ChecksummedOutput(raw);
            conversation.writeSnapshot(payload);
            payload.flush();
            raw.writeLong(payload.count);
            raw.writeInt((int) payload.crc.getValue());
            raw.flush();
            crc[0] = payload.crc.getValue();
        });
        return crc[0];
    }

    /**
     * The conversation of {@code model} saved in {@code file}, when the file is whole and its payload has the
     * checksum {@code expectedCrc32c} (recorded in the transcript of the same turn).
     *
     * @throws IOException when the file is missing, torn, corrupt, of another turn, of an older format or of
     *                     another model
     */
    static Conversation read(Path file, long expectedCrc32c, StreamingModel model) throws IOException {
        byte[] payload = verifiedPayload(file, expectedCrc32c);
        try {
            return model.restoreConversation(payload);
        } catch (RuntimeException e) {
            throw new IOException("snapshot " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The conversation of {@code model} in {@code file}, a file written by {@link #write} that no transcript names
     * (llama-server's slot files): checked against the checksum it records itself.
     */
    static Conversation read(Path file, StreamingModel model) throws IOException {
        return read(file, ANY_CHECKSUM, model);
    }

    /** Reads the file, checking header, length and checksum; returns the payload. */
    private static byte[] verifiedPayload(Path file, long expectedCrc32c) throws IOException {
        long size = Files.size(file);
        if (size < HEADER_BYTES + TRAILER_BYTES) {
            throw new IOException("snapshot " + file.getFileName() + " is truncated");
        }
        long payloadLength = size - HEADER_BYTES - TRAILER_BYTES;
        if (payloadLength > Integer.MAX_VALUE - 8) {
            throw new IOException("snapshot " + file.getFileName() + " is larger than any session's cache");
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("snapshot " + file.getFileName() + " has an unknown header");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("snapshot " + file.getFileName() + " is of format " + version
                        + " (an older streamllm); this version reads format " + VERSION);
            }
            byte[] payload = new byte[(int) payloadLength];
            in.readFully(payload);
            CRC32C crc = new CRC32C();
            crc.update(payload);
            long recordedLength = in.readLong();
            long recordedCrc = in.readInt() & 0xffffffffL;
            if (recordedLength != payloadLength || recordedCrc != crc.getValue()
                    || (expectedCrc32c != ANY_CHECKSUM && crc.getValue() != expectedCrc32c)) {
                throw new IOException("snapshot " + file.getFileName() + " fails its checksum");
            }
            return payload;
        }
    }

    /** Counts and checksums the bytes written through it. */
    private static final class ChecksummedOutput extends FilterOutputStream {
        final CRC32C crc = new CRC32C();
        long count;

        ChecksummedOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            crc.update(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            crc.update(b, off, len);
            count += len;
        }
    }
}
