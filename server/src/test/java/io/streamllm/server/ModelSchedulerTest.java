package io.streamllm.server;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class ModelSchedulerTest {

    /** Runs {@code steps} steps named {@code name}, yielding the model after each. */
    private static void generate(ModelScheduler scheduler, List<String> trace, String name, int steps) {
        scheduler.exclusive(() -> {
            for (int i = 0; i < steps; i++) {
                trace.add(name);
                scheduler.yieldTurn();
            }
            return null;
        });
    }

    private static void awaitQueue(ModelScheduler scheduler, int waiting) throws InterruptedException {
        while (scheduler.queueLength() < waiting) {
            Thread.sleep(1);
        }
    }

    @Test
    void waitingGenerationsTakeTurnsTokenByToken() throws Exception {
        ModelScheduler scheduler = new ModelScheduler();
        List<String> trace = new CopyOnWriteArrayList<>();
        Thread[] others = new Thread[2];
        scheduler.exclusive(() -> {
            // While A holds the model, B and then C queue up behind it.
            others[0] = Thread.ofVirtual().start(() -> generate(scheduler, trace, "B", 3));
            awaitQueueUnchecked(scheduler, 1);
            others[1] = Thread.ofVirtual().start(() -> generate(scheduler, trace, "C", 2));
            awaitQueueUnchecked(scheduler, 2);
            for (int i = 0; i < 4; i++) {
                trace.add("A");
                scheduler.yieldTurn();
            }
            return null;
        });
        for (Thread other : others) {
            other.join();
        }
        // Round-robin, one step each; a generation that is done leaves the round.
        assertThat(String.join("", trace)).isEqualTo("ABCABCABA");
        assertThat(scheduler.queueLength()).isZero();
    }

    @Test
    void aLoneGenerationDoesNotLetGoOfTheModel() {
        ModelScheduler scheduler = new ModelScheduler();
        List<String> trace = new CopyOnWriteArrayList<>();
        generate(scheduler, trace, "A", 1000);
        assertThat(trace).hasSize(1000);
    }

    private static void awaitQueueUnchecked(ModelScheduler scheduler, int waiting) {
        try {
            awaitQueue(scheduler, waiting);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
