package io.streamllm.api;

import io.streamllm.testing.ReadmeSnippets;
import io.streamllm.testing.ReadmeSnippets.Snippet;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * README.md's "Use it from Java" section as a reader meets it: its core snippets are compiled against the API and
 * run on the shipped model with the JVM flags the section gives for the class path (and no native access, which
 * it says the engine does not need). The LangChain4j snippet
 * ({@code <!-- snippet: langchain4j/... -->}) needs that module's class path: its ReadmeSnippetsTest runs it.
 */
class ReadmeSnippetsTest {
    private static final String SECTION = "Use it from Java";
    private static final List<String> CLASS_PATH_FLAGS =
            List.of("--add-modules", "jdk.incubator.vector");

    @TempDir
    static Path classes;

    @TestFactory
    Stream<DynamicTest> coreSnippetsCompileAndRun() {
        List<Snippet> snippets = ReadmeSnippets.inSection(ReadmeSnippets.readme(), SECTION).stream()
                .filter(snippet -> snippet.module().equals("core"))
                .toList();
        assertThat(snippets).extracting(Snippet::name).contains("api", "threads", "errors");
        return snippets.stream().map(snippet -> dynamicTest(snippet.name(), () -> {
            ReadmeSnippets.compile(snippet, classes);
            ReadmeSnippets.Run run = ReadmeSnippets.run(snippet, classes, CLASS_PATH_FLAGS, 5);
            assertThat(run.exitCode()).as("exit status of snippet %s; it printed:%n%s", snippet.name(), run.output())
                    .isZero();
            assertThat(run.output()).as("what snippet %s printed", snippet.name()).isNotBlank()
                    .doesNotContain("restricted method"); // the JDK's warning when native access is missing
        }));
    }

    @Test
    void everyJavaBlockIsMarkedForAModuleWhoseTestsRunIt() {
        List<Snippet> snippets = ReadmeSnippets.inSection(ReadmeSnippets.readme(), SECTION);

        assertThat(snippets).extracting(Snippet::module).containsOnly("core", "langchain4j");
        assertThat(snippets).extracting(snippet -> snippet.module() + "/" + snippet.name()).doesNotHaveDuplicates();
    }

    @Test
    void theSectionGivesTheFlagsTheSnippetsRunWith() throws Exception {
        String readme = Files.readString(ReadmeSnippets.readme());

        assertThat(readme).contains("`--add-modules jdk.incubator.vector`");
    }
}
