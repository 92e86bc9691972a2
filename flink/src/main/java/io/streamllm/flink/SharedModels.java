package io.streamllm.flink;

import io.streamllm.api.ModelOptions;
import io.streamllm.api.StreamingModel;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The models of this JVM, loaded once per path and shared by every operator instance (every slot of a task
 * manager) that uses it. A model is memory-mapped, so sharing it costs nothing per slot; it is closed when the
 * last user releases it. Only the path travels in the job graph, never the weights.
 */
public final class SharedModels {
    private static final Map<Path, Entry> MODELS = new HashMap<>();

    private SharedModels() {
    }

    /**
     * The model at {@code path}, loaded on first use with {@code threads} kernel threads; release it when done.
     *
     * @param path    the model file or directory
     * @param threads kernel threads, used when this call loads it
     * @return the shared model
     */
    public static synchronized StreamingModel acquire(Path path, int threads) {
        Path key = path.toAbsolutePath().normalize();
        Entry entry = MODELS.get(key);
        if (entry == null) {
            entry = new Entry(StreamingModel.load(key, ModelOptions.defaults().threads(threads)));
            MODELS.put(key, entry);
        }
        entry.users++;
        return entry.model;
    }

    /**
     * Gives back one {@link #acquire}; the last one closes the model.
     *
     * @param path the path it was acquired with
     */
    public static synchronized void release(Path path) {
        Path key = path.toAbsolutePath().normalize();
        Entry entry = MODELS.get(key);
        if (entry != null && --entry.users == 0) {
            MODELS.remove(key);
            entry.model.close();
        }
    }

    /** {@return how many operator instances use the model at {@code path} now} */
    static synchronized int users(Path path) {
        Entry entry = MODELS.get(path.toAbsolutePath().normalize());
        return entry == null ? 0 : entry.users;
    }

    private static final class Entry {
        final StreamingModel model;
        int users;

        Entry(StreamingModel model) {
            this.model = model;
        }
    }
}
