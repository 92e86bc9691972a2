package io.streamllm.testing;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import io.streamllm.api.StreamingModel;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * core's public API is the package {@code io.streamllm.api}: no production class of the other modules on the test's
 * class path (chat, server, cli, langchain4j) may use a class of core's other packages, which may change in any
 * release. jmh/ is exempt: it benchmarks the kernels themselves. cli's and langchain4j's tests run it, which between
 * them see every module.
 */
public final class ApiBoundary {
    private static final String API = "io.streamllm.api";

    private ApiBoundary() {
    }

    /** Fails, naming each use, when a streamllm class on the class path outside core uses core's internals. */
    public static void check() throws Exception {
        // The rule needs only the names of the classes used, not their own dependencies.
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        Location core = Location.of(StreamingModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> internalPackages = new ClassFileImporter().importLocations(List.of(core)).stream()
                .map(JavaClass::getPackageName)
                .filter(name -> !name.equals(API))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(internalPackages).as("core's internal packages").contains("io.streamllm.engine");

        List<Location> otherModules = streamllmModulesOnTheClassPath().stream()
                .map(Location::of)
                .filter(location -> !location.equals(core))
                .toList();
        JavaClasses outsideCore = new ClassFileImporter().importLocations(otherModules);
        assertThat(outsideCore).as("the classes of %s", otherModules).isNotEmpty();

        noClasses().should().dependOnClassesThat(resideInAnyPackage(internalPackages.toArray(String[]::new)))
                .because("only " + API + " is core's public API")
                .check(outsideCore);
    }

    /**
     * The production classes of streamllm's modules: their target/classes folders in a reactor build, their
     * installed jars otherwise (test classes and test-jars left out).
     */
    private static List<Path> streamllmModulesOnTheClassPath() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Stream.of(classPath.split(File.pathSeparator))
                .map(Path::of)
                .filter(entry -> entry.endsWith(Path.of("target", "classes"))
                        || entry.getFileName().toString().matches("streamllm-[a-z0-9]+-[^-]+(-SNAPSHOT)?\\.jar"))
                .toList();
    }
}
