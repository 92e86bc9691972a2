package io.streamllm.cli;

import sun.misc.Signal;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.stream.Collectors;

/** Stands in for the command line in {@link LauncherTest}'s jar: does what the test asks of a JVM the launcher starts. */
public final class LauncherProbe {
    private LauncherProbe() {
    }

    public static void main(String[] args) throws InterruptedException {
        switch (args.length == 0 ? "" : args[0]) {
            case "nul" -> {
                System.err.println("streamllm: model.gguf: bad key 'a\0b'");
                System.exit(1);
            }
            case "sigint" -> {
                Signal.handle(new Signal("INT"), signal -> {
                    System.err.println("streamllm: stopped by Ctrl-C, timings follow");
                    System.exit(0);
                });
                System.out.println("ready");
                System.out.flush();
                Thread.sleep(60_000);
            }
            case "jvm" -> {
                System.out.println("max heap: " + Runtime.getRuntime().maxMemory());
                System.out.println("gc: " + ManagementFactory.getGarbageCollectorMXBeans().stream()
                        .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(", ")));
            }
            default -> System.out.println("probe ran");
        }
    }
}
