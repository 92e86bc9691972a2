package io.streamllm.api;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Lets one thread at a time inside a session. A second thread gets a {@link SessionBusyException} at once
 * instead of corrupting the cache or waiting behind a long generation. The owning thread may re-enter
 * (a text callback reading the session's stats).
 */
final class SingleThreadGuard {
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private int depth; // read and written only by the owner

    void enter() {
        Thread current = Thread.currentThread();
        if (owner.get() == current) {
            depth++;
            return;
        }
        if (!owner.compareAndSet(null, current)) {
            Thread holder = owner.get();
            throw new SessionBusyException("this session is in use by thread '"
                    + (holder == null ? "?" : holder.getName()) + "': a session serves one thread at a time;"
                    + " give each conversation its own session");
        }
        depth = 1;
    }

    void exit() {
        if (--depth == 0) {
            owner.set(null);
        }
    }
}
