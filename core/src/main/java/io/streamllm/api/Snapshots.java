package io.streamllm.api;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The header of a session snapshot: what it is and which model and options it was taken with, so that a restore
 * rebuilds the same session or refuses in one line, before reading any cache data.
 */
final class Snapshots {
    private static final String MAGIC = "streamllm-snapshot";
    private static final int VERSION = 1;

    enum Kind { SESSION, CONVERSATION }

    private Snapshots() {
    }

    static void writeHeader(DataOutputStream out, Kind kind, ModelInfo model, SessionOptions options)
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
    static SessionOptions readHeader(DataInputStream in, Kind kind, ModelInfo model) throws IOException {
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
