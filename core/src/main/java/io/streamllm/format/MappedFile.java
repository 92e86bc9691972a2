package io.streamllm.format;

import io.streamllm.ModelFormatException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Memory-maps a model file read-only, in an arena that the parsed file object then owns. */
public final class MappedFile {

    /** Parses the mapping into the object that will own (and close) the arena. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(Arena arena, MemorySegment file);
    }

    private MappedFile() {
    }

    /**
     * Maps {@code path} and hands it to {@code parser}; if parsing fails the mapping is released.
     * A missing or unreadable file becomes a {@link ModelFormatException} naming it.
     */
    public static <T> T open(Path path, Parser<T> parser) {
        if (Files.isDirectory(path)) {
            throw new ModelFormatException(path + ": is a directory, not a model file");
        }
        // Shared: the weights are read by every worker thread.
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return parser.parse(arena, file);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFormatException(path + ": no such file");
        } catch (IOException e) {
            arena.close();
            throw new ModelFormatException(path + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }
}
