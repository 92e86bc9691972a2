package io.streamllm.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sessions' lock files: one holder at a time, the holder named to those refused, released on close, released by
 * the operating system when the holding process is killed (SIGKILL), and a deleted lock file never locked by two.
 */
class SessionLocksTest {
    private static final String STEM = "s-story";

    @Test
    void oneHolderAtATimeNamedToTheOthers(@TempDir Path dir) throws Exception {
        SessionLocks first = new SessionLocks(dir, "replica-a");
        SessionLocks second = new SessionLocks(dir, "replica-b");
        try (SessionLocks.Held held = first.tryLock(STEM).orElseThrow()) {
            held.verify();
            assertThat(second.tryLock(STEM)).isEmpty();
            assertThat(first.tryLock(STEM)).isEmpty();
            assertThat(second.tryLock("s-other")).hasValueSatisfying(other -> closeQuietly(other));
            // Within one process the record is not read (that would drop the lock): see the two-process test below.
            assertThat(second.holder(STEM)).endsWith("(this server)");
        }
        try (SessionLocks.Held held = second.tryLock(STEM).orElseThrow()) {
            held.verify();
            assertThat(Files.readString(dir.resolve(STEM + ".lock"))).startsWith("replica-b since ");
        }
    }

    @Test
    void aLockFileDeletedByItsHolderIsLockedAfreshNotTwice(@TempDir Path dir) throws Exception {
        SessionLocks locks = new SessionLocks(dir, "replica-a");
        SessionLocks.Held held = locks.tryLock(STEM).orElseThrow();
        held.deleteAndClose();
        assertThat(dir.resolve(STEM + ".lock")).doesNotExist();
        assertThatThrownBy(held::verify).hasMessageContaining("no longer held");
        try (SessionLocks.Held again = locks.tryLock(STEM).orElseThrow()) {
            again.verify();
            assertThat(dir.resolve(STEM + ".lock")).exists();
        }
    }

    @Test
    void aHolderThatLostItsLockFileCannotSave(@TempDir Path dir) throws Exception {
        SessionLocks locks = new SessionLocks(dir, "replica-a");
        try (SessionLocks.Held held = locks.tryLock(STEM).orElseThrow()) {
            // As a shared file system that lost the lock would leave it: the path names a new file of another holder.
            Files.delete(dir.resolve(STEM + ".lock"));
            Files.writeString(dir.resolve(STEM + ".lock"), "replica-b since now\n");
            assertThatThrownBy(held::verify).hasMessageContaining("no longer held").hasMessageContaining("replaced");
        }
    }

    @Test
    void aKilledHoldersLockIsReleasedByTheOperatingSystem(@TempDir Path dir) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), dir.toString(), STEM);
        Process holder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");
            SessionLocks locks = new SessionLocks(dir, "survivor");
            assertThat(locks.tryLock(STEM)).as("held by the other process").isEmpty();
            assertThat(locks.holder(STEM)).contains("child-" + holder.pid());
            holder.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Optional<SessionLocks.Held> taken = locks.tryLock(STEM);
            assertThat(taken).as("the lock died with its process").isPresent();
            taken.get().verify();
            taken.get().close();
        } finally {
            holder.destroyForcibly();
        }
    }

    private static void closeQuietly(SessionLocks.Held held) {
        try {
            held.close();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A process that takes a lock, says so, and holds it until killed. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            SessionLocks locks = new SessionLocks(Path.of(args[0]), "child-" + ProcessHandle.current().pid());
            SessionLocks.Held held = locks.tryLock(args[1]).orElseThrow();
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
            held.close();
        }
    }
}
