package io.streamllm.server;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One lock file per session, {@code <state-dir>/leases/<stem>.lock}, so that server replicas sharing a state
 * directory never write the same session at once. The lock is the operating system's ({@link FileChannel#tryLock},
 * POSIX record locks: also on NFSv4 and other shared file systems that support them), so it ends with its process:
 * a replica killed with SIGKILL holds nothing, and another takes the session over at once. While it holds the lock,
 * the holder writes its owner record into the file (who and since when): for the message of those refused, and to
 * check, before it saves a turn, that no one took the lock from under it (a shared file system that lost a lock).
 *
 * <p>A lock file is deleted only by its holder (when the session is deleted), and a lock is counted as held only
 * when the path still names the file locked; so a replica that locked a file just deleted tries again.
 *
 * <p>Within one process, a POSIX lock is the process's, and closing any descriptor of the file drops it: so this
 * process opens a lock file only when it holds no lock on it ({@link #HELD_HERE}), and reads the record it holds
 * through the locked channel itself.
 */
final class SessionLocks {
    private final Path directory;
    private final String owner;
    /** The lock files this process holds a lock on (by any instance: a model reload makes a new one). */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    /** Lock files under {@code directory}, held on behalf of {@code owner} (a replica's name in messages). */
    SessionLocks(Path directory, String owner) throws IOException {
        this.directory = Files.createDirectories(directory).toAbsolutePath().normalize();
        this.owner = owner;
    }

    /** This process's name: {@code <pid>@<host>}. */
    static String processOwner() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return ProcessHandle.current().pid() + "@" + host;
    }

    String owner() {
        return owner;
    }

    /** Takes the lock of the session stored under {@code stem}; empty when another process, or this one, holds it. */
    Optional<Held> tryLock(String stem) throws IOException {
        Path file = file(stem);
        if (!HELD_HERE.add(file)) {
            return Optional.empty();
        }
        try {
            Optional<Held> held = lockFile(file);
            if (held.isEmpty()) {
                HELD_HERE.remove(file);
            }
            return held;
        } catch (IOException | RuntimeException e) {
            HELD_HERE.remove(file);
            throw e;
        }
    }

    /** Whether this process holds the lock of {@code stem}. */
    boolean heldHere(String stem) {
        return HELD_HERE.contains(file(stem));
    }

    private Path file(String stem) {
        return directory.resolve(stem + ".lock");
    }

    private Optional<Held> lockFile(Path file) throws IOException {
        while (true) {
            Object before = fileKey(file);
            if (before == null) {
                try {
                    Files.createFile(file);
                } catch (FileAlreadyExistsException e) {
                    // another replica created it meanwhile
                }
                continue;
            }
            FileChannel channel;
            try {
                channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (NoSuchFileException e) {
                continue; // deleted by its holder meanwhile
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            if (Objects.equals(before, fileKey(file))) {
                Held held = new Held(file, before, channel, owner + " since " + Instant.now());
                held.writeRecord();
                return Optional.of(held);
            }
            channel.close(); // a file its holder deleted (the path names another now, or none): lock the path's
        }
    }

    /** Who holds the lock of {@code stem}, as its holder wrote it ("unknown" when unreadable or empty). */
    String holder(String stem) {
        Path file = file(stem);
        // Reading opens and closes a descriptor of the file, which would drop a lock this process held on it.
        if (!HELD_HERE.add(file)) {
            return owner + " (this server)";
        }
        try {
            String record = Files.readString(file, StandardCharsets.UTF_8).strip();
            return record.isEmpty() ? "unknown" : record;
        } catch (IOException e) {
            return "unknown";
        } finally {
            HELD_HERE.remove(file);
        }
    }

    private static Object fileKey(Path file) throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            // Without a file key (some platforms), the creation time tells a re-created file from the one opened.
            return attributes.fileKey() != null ? attributes.fileKey() : attributes.creationTime();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** A held lock: release it with {@link #close()}. */
    static final class Held implements AutoCloseable {
        private final Path file;
        private final Object fileKey;
        private final FileChannel channel;
        private final String record;

        private Held(Path file, Object fileKey, FileChannel channel, String record) {
            this.file = file;
            this.fileKey = fileKey;
            this.channel = channel;
            this.record = record;
        }

        private void writeRecord() throws IOException {
            try {
                channel.truncate(0);
                channel.write(ByteBuffer.wrap((record + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }

        /**
         * Checks that the lock is still this holder's: the channel open and the file its record. A lock lost on a
         * shared file system must not lead to a write beside the new holder's.
         *
         * @throws IOException when it is not
         */
        void verify() throws IOException {
            if (!channel.isOpen()) {
                throw lost("it was released");
            }
            if (!Objects.equals(fileKey(file), fileKey)) {
                throw lost("the lock file was deleted or replaced");
            }
            // Read through the locked channel: another descriptor's close would drop the lock.
            ByteBuffer bytes = ByteBuffer.allocate(4096);
            while (bytes.hasRemaining() && channel.read(bytes, bytes.position()) > 0) {
                // read on: the record is short
            }
            String onDisk = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8).strip();
            if (!onDisk.equals(record)) {
                throw lost("it names " + onDisk);
            }
        }

        private IOException lost(String why) {
            return new IOException("the session's lock " + file.getFileName() + " is no longer held by this server ("
                    + record + "): " + why);
        }

        /** Deletes the lock file, then releases the lock: for a session whose files are gone. */
        void deleteAndClose() throws IOException {
            try {
                Files.deleteIfExists(file);
            } finally {
                close();
            }
        }

        /** Releases the lock (closing the channel releases it). */
        @Override
        public void close() throws IOException {
            if (channel.isOpen()) {
                try {
                    channel.close();
                } finally {
                    HELD_HERE.remove(file);
                }
            }
        }
    }
}
