package io.streamllm.server;

import io.streamllm.engine.Conversation;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A conversation's KV cache and token history on disk: a header (magic, version), the payload
 * written by {@link Conversation#writeTo}, and a trailer with the payload's length and CRC-32C.
 * The whole file is checked before any of it is parsed, so a torn or corrupt file is refused
 * instead of being half-read (a damaged length field could otherwise ask for gigabytes).
 */
final class SnapshotFile {
    private static final int MAGIC = 0x534c534e; // "SLSN"
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 8;
    private static final int TRAILER_BYTES = 12;

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
            DataOutputStream data = new DataOutputStream(payload);
            conversation.writeTo(data);
            data.flush();
            raw.writeLong(payload.count);
            raw.writeInt((int) payload.crc.getValue());
            raw.flush();
            crc[0] = payload.crc.getValue();
        });
        return crc[0];
    }

    /**
     * Restores {@code conversation} from {@code file} when the file is whole and its payload has the
     * checksum {@code expectedCrc32c} (recorded in the transcript of the same turn). Restore into a
     * fresh conversation and drop it on failure: a payload that passes the checksum but does not fit
     * the conversation (another model or cache policy) fails half-way through parsing.
     *
     * @throws IOException when the file is missing, torn, corrupt, of another turn or of another model
     */
    static void read(Path file, long expectedCrc32c, Conversation conversation) throws IOException {
        long payloadLength = verify(file, expectedCrc32c);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            in.skipNBytes(HEADER_BYTES);
            conversation.readFrom(new DataInputStream(new BoundedInput(in, payloadLength)));
        }
    }

    /** Checks header, length and checksum; returns the payload length. */
    private static long verify(Path file, long expectedCrc32c) throws IOException {
        long size = Files.size(file);
        if (size < HEADER_BYTES + TRAILER_BYTES) {
            throw new IOException("snapshot " + file.getFileName() + " is truncated");
        }
        long payloadLength = size - HEADER_BYTES - TRAILER_BYTES;
        CRC32C crc = new CRC32C();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new IOException("snapshot " + file.getFileName() + " has an unknown header");
            }
            byte[] buffer = new byte[1 << 16];
            for (long left = payloadLength; left > 0; ) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("snapshot " + file.getFileName() + " is truncated");
                }
                crc.update(buffer, 0, n);
                left -= n;
            }
            long recordedLength = in.readLong();
            long recordedCrc = in.readInt() & 0xffffffffL;
            if (recordedLength != payloadLength || recordedCrc != crc.getValue() || crc.getValue() != expectedCrc32c) {
                throw new IOException("snapshot " + file.getFileName() + " fails its checksum");
            }
        }
        return payloadLength;
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

    /** Reads at most {@code limit} bytes, so that parsing cannot run into the trailer. */
    private static final class BoundedInput extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInput(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        /** Exact, since the file was verified whole: lets the parser refuse a count the payload cannot hold before allocating. */
        @Override
        public int available() {
            return (int) Math.min(left, Integer.MAX_VALUE);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
