package io.streamllm.cli;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C handling for long generations: the first Ctrl-C asks the running generation to stop
 * cleanly (so timings are printed and the cache stays consistent); a second one exits at once.
 */
final class Interrupt {
    private final AtomicBoolean requested = new AtomicBoolean();

    private Interrupt() {
    }

    static Interrupt install() {
        Interrupt interrupt = new Interrupt();
        try {
            Signal.handle(new Signal("INT"), signal -> {
                if (!interrupt.requested.compareAndSet(false, true)) {
                    System.exit(130);
                }
            });
        } catch (IllegalArgumentException unsupported) {
            // No SIGINT on this platform: generation then only stops on its own.
        }
        return interrupt;
    }

    boolean requested() {
        return requested.get();
    }

    /** Re-arms after a cancelled answer (chat goes on). */
    void reset() {
        requested.set(false);
    }
}
