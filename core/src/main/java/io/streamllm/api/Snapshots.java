package io.streamllm.api;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The header of a session snapshot: what it is and which model and options it was taken with, so that a restore
 * rebuilds the same session or refuses in one line, before reading any cache data.
 */
final class Snapshots {
    private static final String MAGIC = "streamllm-snapshot";
    private static final int VERSION = 1;

    enum Kind { SESSION, CONVERSATION }

    /** Writes what follows the header: the session's state. */
    interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    /** Rebuilds a session of {@code options} from what follows the header. */
    interface Restorer<T> {
        T restore(SessionOptions options, DataInputStream in) throws IOException;
    }

    private Snapshots() {
    }

    /** The header, then {@code body}, into memory. */
    static byte[] toBytes(Kind kind, ModelInfo model, SessionOptions options, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        write(bytes, kind, model, options, body);
        return bytes.toByteArray();
    }

    /** The header, then {@code body}, to {@code out} (not closed). */
    static void write(OutputStream out, Kind kind, ModelInfo model, SessionOptions options, Body body) {
        try {
            DataOutputStream data = new DataOutputStream(out);
            writeHeader(data, kind, model, options);
            body.write(data);
            data.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the header of {@code snapshot} and hands the rest to {@code restorer}; any failure is a {@link SnapshotException}. */
    static <T> T read(byte[] snapshot, Kind kind, ModelInfo model, Restorer<T> restorer) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot));
        try {
            return restorer.restore(readHeader(in, kind, model), in);
        } catch (IOException | InvalidSettingException e) {
            throw new SnapshotException("cannot restore the " + kind.name().toLowerCase() + ": " + e.getMessage(), e);
        }
    }

    private static void writeHeader(DataOutputStream out, Kind kind, ModelInfo model, SessionOptions options)
            throws IOException {
        out.writeUTF(MAGIC);
        out.writeInt(VERSION);
        out.writeUTF(kind.name());
        out.writeUTF(model.architecture());
        out.writeInt(model.vocabularySize());
        out.writeInt(model.layers());
        out.writeInt(model.kvHeads() * model.headDim());
        out.writeUTF(options.policy().spec());
        out.writeUTF(options.kvType().label());
        out.writeInt(options.prefillChunk());
        out.writeInt(options.evictChunk());
    }

    /** Reads a header written by {@link #writeHeader} and returns the options the session had. */
    private static SessionOptions readHeader(DataInputStream in, Kind kind, ModelInfo model) throws IOException {
        String magic;
        try {
            magic = in.readUTF();
        } catch (IOException e) {
            throw new SnapshotException("not a streamllm snapshot (it is empty or too short)", e);
        }
        if (!magic.equals(MAGIC)) {
            throw new SnapshotException("not a streamllm snapshot");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new SnapshotException("a snapshot of format " + version + "; this version reads format " + VERSION);
        }
        String writtenKind = in.readUTF();
        if (!writtenKind.equals(kind.name())) {
            throw new SnapshotException("a snapshot of a " + writtenKind.toLowerCase() + ", not of a "
                    + kind.name().toLowerCase());
        }
        String architecture = in.readUTF();
        int vocabulary = in.readInt();
        int layers = in.readInt();
        int kvLength = in.readInt();
        if (!architecture.equals(model.architecture()) || vocabulary != model.vocabularySize()
                || layers != model.layers() || kvLength != model.kvHeads() * model.headDim()) {
            throw new SnapshotException(String.format("the snapshot was taken of another model (%s, %d layers,"
                            + " vocabulary %d), not of %s (%s, %d layers, vocabulary %d)", architecture, layers,
                    vocabulary, model.name(), model.architecture(), model.layers(), model.vocabularySize()));
        }
        try {
            return new SessionOptions(CachePolicy.parse(in.readUTF()), KvType.parse(in.readUTF()), in.readInt(),
                    in.readInt());
        } catch (InvalidSettingException e) {
            throw new SnapshotException("corrupt snapshot: " + e.getMessage());
        }
    }
}
