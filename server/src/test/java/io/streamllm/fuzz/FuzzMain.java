package io.streamllm.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The fuzzing command (scripts/fuzz.sh): {@code FuzzMain TARGET|all [COUNT] [SEED]} runs each target over its
 * corpus and COUNT mutated inputs, prints the rate and what happened, saves findings under
 * target/fuzz-findings and exits 1 when there were any. {@code FuzzMain --write-seeds TARGET|all} writes the
 * generated seeds into the corpus.
 */
public final class FuzzMain {
    private FuzzMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: fuzz TARGET|all [COUNT] [SEED]   or   fuzz --write-seeds TARGET|all");
            System.err.println("targets: " + String.join(", ", FuzzTargets.NAMES));
            System.exit(2);
        }
        if (args[0].equals("--write-seeds")) {
            for (String name : targets(args.length > 1 ? args[1] : "all")) {
                writeSeeds(name);
            }
            return;
        }
        long count = args.length > 1 ? Long.parseLong(args[1].replace("_", "")) : 1_000_000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1;
        Path findings = FuzzTargets.corpusRoot().resolve("../../../../target/fuzz-findings").normalize();
        int failures = 0;
        for (String name : targets(args[0])) {
            try (FuzzTarget target = FuzzTargets.create(name)) {
                List<byte[]> corpus = Fuzzer.corpus(FuzzTargets.corpusRoot().resolve(name));
                Fuzzer.Report report = Fuzzer.run(target, corpus, count, seed, findings,
                        running -> System.out.println("  ... " + running.summary()));
                System.out.println(report.summary());
                for (Fuzzer.Finding finding : report.findings().values()) {
                    System.out.println("  finding: " + finding.signature());
                }
                failures += report.findings().size();
            }
        }
        if (failures > 0) {
            System.out.println("findings saved under " + findings.toAbsolutePath());
        }
        System.exit(failures > 0 ? 1 : 0);
    }

    private static List<String> targets(String name) {
        return name.equals("all") ? FuzzTargets.NAMES : List.of(name);
    }

    private static void writeSeeds(String name) throws Exception {
        try (FuzzTarget target = FuzzTargets.create(name)) {
            Path folder = FuzzTargets.corpusRoot().resolve(name);
            Files.createDirectories(folder);
            List<byte[]> seeds = target.seeds();
            for (int i = 0; i < seeds.size(); i++) {
                Files.write(folder.resolve(String.format("seed-%02d.bin", i)), seeds.get(i));
            }
            System.out.println(name + ": " + seeds.size() + " seeds written to " + folder);
        }
    }
}
