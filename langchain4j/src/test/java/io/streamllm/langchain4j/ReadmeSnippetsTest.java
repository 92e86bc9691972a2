package io.streamllm.langchain4j;

import io.streamllm.testing.ReadmeSnippets;
import io.streamllm.testing.ReadmeSnippets.Snippet;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** README.md's LangChain4j snippets, compiled against this module's class path and run on the shipped model. */
class ReadmeSnippetsTest {
    @TempDir
    static Path classes;

    @TestFactory
    Stream<DynamicTest> langchain4jSnippetsCompileAndRun() {
        List<Snippet> snippets = ReadmeSnippets.inSection(ReadmeSnippets.readme(), "Use it from Java").stream()
                .filter(snippet -> snippet.module().equals("langchain4j"))
                .toList();
        assertThat(snippets).extracting(Snippet::name).contains("assistant");
        return snippets.stream().map(snippet -> dynamicTest(snippet.name(), () -> {
            ReadmeSnippets.compile(snippet, classes);
            ReadmeSnippets.Run run = ReadmeSnippets.run(snippet, classes, List.of("--add-modules", "jdk.incubator.vector"), 5);
            assertThat(run.exitCode()).as("exit status of snippet %s; it printed:%n%s", snippet.name(), run.output())
                    .isZero();
            assertThat(run.output()).as("what snippet %s printed", snippet.name()).isNotBlank();
        }));
    }
}
