package io.streamllm.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import jdk.incubator.vector.FloatVector;

/**
 * What the kernels run on: the Vector API's preferred species width and the CPU features that decide
 * which instructions the JIT (and llama.cpp) can use, so that a speed figure says what produced it.
 */
public record InstructionSet(int vectorBits, Set<String> cpuFlags) {

    /** The /proc/cpuinfo flags that change which kernels are possible, in the order they are shown. */
    static final List<String> FLAGS_THAT_MATTER = List.of("avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512bw",
            "avx512_vnni", "avx512_bf16", "amx_int8", "asimd", "asimddp", "sve");

    public InstructionSet {
        cpuFlags = Set.copyOf(cpuFlags);
    }

    /** This JVM's species width and this machine's flags (none known where /proc/cpuinfo is missing). */
    public static InstructionSet detect() {
        return new InstructionSet(FloatVector.SPECIES_PREFERRED.vectorBitSize(), readCpuFlags(Path.of("/proc/cpuinfo")));
    }

    /** The flags (x86 "flags" or ARM "Features") of the first processor listed in a cpuinfo file. */
    static Set<String> readCpuFlags(Path cpuinfo) {
        String flags = cpuinfoField(cpuinfo, "flags", "Features");
        return flags.isEmpty() ? Set.of() : new TreeSet<>(List.of(flags.split("\\s+")));
    }

    /** The processor's name as /proc/cpuinfo gives it ("model name"), or the JVM's architecture name. */
    public static String cpuName() {
        String name = cpuinfoField(Path.of("/proc/cpuinfo"), "model name", "Model name");
        return name.isEmpty() ? System.getProperty("os.arch") : name;
    }

    /** The value of the first line whose key is one of {@code keys}; "" if none, or the file is unreadable. */
    private static String cpuinfoField(Path cpuinfo, String... keys) {
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon >= 0 && List.of(keys).contains(line.substring(0, colon).trim())) {
                    return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: unknown
        }
        return "";
    }

    /** A short name for tables, e.g. "AVX-512 (512-bit)" or "AVX2 (256-bit)". */
    public String label() {
        String family = vectorBits >= 512 && cpuFlags.contains("avx512f") ? "AVX-512"
                : vectorBits >= 256 && cpuFlags.contains("avx2") ? "AVX2"
                : cpuFlags.contains("sve") ? "SVE"
                : cpuFlags.contains("asimd") ? "NEON"
                : "Vector API";
        return family + " (" + vectorBits + "-bit)";
    }

    /** The relevant flags present, and those absent, e.g. "avx2 fma f16c; no avx512f avx512_vnni". */
    public String flagSummary() {
        List<String> present = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        for (String flag : FLAGS_THAT_MATTER) {
            (cpuFlags.contains(flag) ? present : absent).add(flag);
        }
        if (cpuFlags.isEmpty()) {
            return "cpu flags unknown";
        }
        // Naming the x86 flags a machine lacks is useful; listing ARM flags missing on x86 (and back) is not.
        boolean x86 = cpuFlags.contains("sse2");
        absent.removeIf(flag -> x86 != !List.of("asimd", "asimddp", "sve").contains(flag));
        return String.join(" ", present) + (absent.isEmpty() ? "" : "; no " + String.join(" ", absent));
    }

    @Override
    public String toString() {
        return label() + ", cpu: " + flagSummary();
    }
}
