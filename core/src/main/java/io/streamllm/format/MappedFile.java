package io.streamllm.format;

import io.streamllm.api.ModelFormatException;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model file memory-mapped read-only, owned by the parsed file object that closes it.
 *
 * <p>A file truncated under a running process makes reads of the lost pages fault. The JVM turns such a
 * fault into an {@link InternalError} only in code it knows reads through {@code Unsafe} (the kernels make
 * sure of that, see {@code Vectors}), and the error says nothing of the file; {@link #checkUnchanged} says
 * which file it was, and is cheap enough to call before every forward pass, which then never reads a file
 * already cut.
 */
public final class MappedFile implements AutoCloseable {

    /** Parses the mapping into the object that will own (and close) it. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(MappedFile file);
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    /** Kept open to ask the file's length: unlike a FileChannel, an interrupt does not close it. */
    private final RandomAccessFile handle;

    private MappedFile(Path path, Arena arena, MemorySegment segment, RandomAccessFile handle) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.handle = handle;
    }

    /**
     * Maps {@code path} and hands it to {@code parser}; if parsing fails the mapping is released.
     * A missing or unreadable file becomes a {@link ModelFormatException} naming it.
     */
    public static <T> T open(Path path, Parser<T> parser) {
        if (Files.isDirectory(path)) {
            throw new ModelFormatException(path + ": is a directory, not a model file");
        }
        if (!Files.exists(path)) {
            throw new ModelFormatException(path + ": no such file");
        }
        // Shared: the weights are read by every worker thread.
        Arena arena = Arena.ofShared();
        RandomAccessFile handle = null;
        try {
            handle = new RandomAccessFile(path.toFile(), "r");
            FileChannel channel = handle.getChannel();
            MappedFile file = new MappedFile(path, arena, channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena),
                    handle);
            return parser.parse(file);
        } catch (IOException e) {
            release(arena, handle);
            throw new ModelFormatException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            release(arena, handle);
            throw e;
        }
    }

    /** An image already in memory (tools, fuzzing): nothing mapped, nothing that can change under it. */
    public static MappedFile ofImage(Path name, MemorySegment image) {
        return new MappedFile(name, null, image, null);
    }

    public Path path() {
        return path;
    }

    /** The whole file. */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * Throws a {@link ModelFormatException} naming the file if it is now shorter than its mapping:
     * reading the mapping would fault. (A file replaced by a rename is harmless: the mapping keeps the old one.)
     */
    public void checkUnchanged() {
        if (handle == null) {
            return;
        }
        long length;
        try {
            length = handle.length();
        } catch (IOException e) {
            throw changed(e);
        }
        if (length < segment.byteSize()) {
            throw changed(null);
        }
    }

    private ModelFormatException changed(Throwable cause) {
        return new ModelFormatException(path + ": model file changed or was truncated while in use"
                + " (it was " + segment.byteSize() + " bytes); restart with an intact file", cause);
    }

    @Override
    public void close() {
        release(arena, handle);
    }

    private static void release(Arena arena, RandomAccessFile handle) {
        if (arena != null) {
            arena.close();
        }
        if (handle != null) {
            try {
                handle.close();
            } catch (IOException ignored) {
                // Read-only: nothing was lost.
            }
        }
    }
}
