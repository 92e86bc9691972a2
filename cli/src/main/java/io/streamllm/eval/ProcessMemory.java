package io.streamllm.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The resident set size of this process, as the kernel reports it. */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /** VmRSS in bytes, or -1 where /proc is not available (not Linux). */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return parseKilobytes(line) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** "VmRSS:	  123456 kB" → 123456. */
    static long parseKilobytes(String line) {
        String[] fields = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        return Long.parseLong(fields[0]);
    }
}
