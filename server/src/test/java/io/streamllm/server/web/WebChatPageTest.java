package io.streamllm.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamllm.server.ApiError;
import io.streamllm.server.ServerOptions;
import io.streamllm.server.StreamllmServer;
import io.streamllm.server.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat page at {@code /} in headless Chromium against an in-process server on the shipped model:
 * what a user types streams back, the page agrees with the server's transcript of the session and
 * with its cache figures, and a reload brings the conversation back. Each test has a server of its
 * own, on a port of its own: a page origin of its own, so its localStorage starts empty.
 */
class WebChatPageTest {
    /** Where the screenshots go (docs/web-chat.png is a copy of the first). */
    private static final Path SCREENSHOT = Path.of("target", "web-chat.png");
    private static final Path PHONE_SCREENSHOT = Path.of("target", "web-chat-phone.png");
    /** 4 sinks + 60 window: two short turns outgrow it, and the page shows the evictions. */
    private static final String SMALL_CACHE = "sink:4:60";
    private static final NumberFormat NUMBERS = NumberFormat.getIntegerInstance(Locale.US); // the browser runs with --lang=en-US

    /** The browser window (new headless Chromium shows a little less: the page gets about 1100 x 860). */
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 1000;

    private static ChromeDriver driver;
    private static ChatPage page;

    @BeforeAll
    static void startBrowser(@TempDir Path profile) {
        HeadlessChromium.requireInstalled();
        driver = HeadlessChromium.start(profile, WIDTH, HEIGHT);
        page = new ChatPage(driver);
    }

    @AfterAll
    static void stopBrowser() {
        if (page != null) {
            page.close();
        }
        if (driver != null) {
            driver.quit();
        }
    }

    /** A failed test leaves a screenshot of the page behind, and says what the console said. */
    @RegisterExtension
    final TestWatcher onFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (page == null) {
                return;
            }
            Path shot = Path.of("target", "web-chat-failed-" + context.getRequiredTestMethod().getName() + ".png");
            try {
                Files.createDirectories(shot.getParent());
                Files.write(shot, page.screenshot());
                System.err.println("the page as it was when " + context.getDisplayName() + " failed: " + shot.toAbsolutePath()
                        + "; its console: " + page.takeConsoleProblems());
            } catch (IOException | RuntimeException e) {
                System.err.println("no screenshot of the failed page: " + e);
            }
        }
    };

    @AfterEach
    void theConsoleStayedClean() {
        if (page != null) {
            assertThat(page.takeConsoleProblems()).as("the page's console").isEmpty();
        }
    }

    @Test
    void aConversationStreamsInShowsTheCacheAndSurvivesAReload() throws IOException {
        try (StreamllmServer server = TestServers.start(ServerOptions.local(), SMALL_CACHE)) {
            page.open(server.baseUrl() + "/");
            page.awaitReady();
            assertThat(page.cacheSummary()).isEqualTo("cache 0/64 tokens (0 sinks + 0 window) · 0 evicted · turn 0");
            page.useSettings(40, 0);
            page.recordAnswerUpdates();

            page.send("Tom and his dog went to the park.");
            String answer = page.awaitAnswer();
            String sessionId = page.localStorage("streamllm.session");
            assertThat(sessionId).as("the session id kept in localStorage").isNotBlank();
            JsonNode session = session(server, sessionId);
            assertThat(answer).isNotBlank().isEqualTo(lastAnswer(session));
            assertThat(page.messages()).isEqualTo(messages(session));
            assertStreamedIn(page.answerUpdates(), answer);
            assertThat(page.cacheSummary()).isEqualTo(summary(session.get("stats")));

            page.reload();
            page.awaitReady();
            assertThat(page.messages()).as("the conversation after a reload").isEqualTo(messages(session));
            assertThat(page.cacheSummary()).isEqualTo(summary(session.get("stats")));

            // The restored conversation goes on in the same session, past the cache's 64 tokens.
            page.send("What did they find?");
            String second = page.awaitAnswer();
            JsonNode after = session(server, sessionId);
            JsonNode stats = after.get("stats");
            assertThat(stats.get("turns").asInt()).isEqualTo(2);
            assertThat(second).isEqualTo(lastAnswer(after));
            assertThat(page.messages()).hasSize(4).isEqualTo(messages(after));
            assertThat(page.cacheSummary()).isEqualTo(summary(stats));
            assertThat(page.legend("history")).isEqualTo(number(stats.get("history_tokens")));
            // The turn's own figures: what it generated, and how much of its prompt the session's cache held.
            JsonNode before = session.get("stats");
            long generated = growth(before, stats, "completion_tokens");
            long reused = growth(before, stats, "reused_tokens");
            long prefilled = growth(before, stats, "prefilled_tokens");
            assertThat(reused).isPositive();
            assertThat(page.lastAnswerMeta()).startsWith(NUMBERS.format(generated) + " tokens · ")
                    .endsWith("prompt: " + NUMBERS.format(reused) + " tokens from the cache, " + NUMBERS.format(prefilled) + " new");

            Files.createDirectories(SCREENSHOT.getParent());
            Files.write(SCREENSHOT, page.screenshot());
            page.resizeWindow(390, 844);
            try {
                assertThat(page.fitsWidth()).as("the page fits a phone's width").isTrue();
                Files.write(PHONE_SCREENSHOT, page.screenshot());
            } finally {
                page.resizeWindow(WIDTH, HEIGHT);
            }
        }
    }

    @Test
    void aServerWithAnApiKeyAsksForItOnceAndTheBrowserKeepsIt() {
        try (StreamllmServer server = TestServers.start(ServerOptions.local().withApiKey("s3cret"), SMALL_CACHE)) {
            page.open(server.baseUrl() + "/");
            page.awaitKeyDialog();
            assertThat(page.keyProblem()).isEmpty();
            page.enterKey("wrong");
            page.awaitKeyProblem();
            assertThat(page.keyProblem()).contains("incorrect API key provided");
            page.enterKey("s3cret");
            page.awaitReady();
            assertThat(page.localStorage("streamllm.apiKey")).isEqualTo("s3cret");

            page.useSettings(8, 0);
            page.send("Hello.");
            String answer = page.awaitAnswer();
            assertThat(answer).isEqualTo(lastAnswer(session(server, page.localStorage("streamllm.session"), "s3cret")));

            page.reload();
            page.awaitReady(); // no dialog this time: the key was kept
            assertThat(page.messages()).extracting(ChatPage.Message::content).containsExactly("Hello.", answer);
        }
    }

    @Test
    void aRefusedRequestShowsTheServersMessageAndGivesTheTextBack() {
        try (StreamllmServer server = TestServers.start(ServerOptions.local().withMaxBodyBytes(1024), SMALL_CACHE)) {
            page.open(server.baseUrl() + "/");
            page.awaitReady();
            String tooLong = "The cat sat on the mat. ".repeat(45).strip(); // with the rest of the request, over 1 KiB

            page.send(tooLong);
            assertThat(page.awaitError()).isEqualTo(ApiError.tooLarge(1024).getMessage());
            assertThat(page.messages()).as("the refused turn is taken back").isEmpty();
            assertThat(page.promptText()).as("the text is back in the box").isEqualTo(tooLong);
        }
    }

    /** The bubble grew through prefixes of the answer, more than one, before it showed the whole. */
    private static void assertStreamedIn(List<String> updates, String answer) {
        assertThat(updates).as("the texts the answer's bubble showed").hasSizeGreaterThan(1).endsWith(answer);
        for (int i = 1; i < updates.size(); i++) {
            assertThat(updates.get(i)).startsWith(updates.get(i - 1)).hasSizeGreaterThan(updates.get(i - 1).length());
        }
    }

    private static JsonNode session(StreamllmServer server, String id, String... apiKey) {
        String[] headers = apiKey.length == 0 ? new String[0] : new String[] {"Authorization", "Bearer " + apiKey[0]};
        TestServers.Reply reply = TestServers.get(server.baseUrl(),
                "/v1/sessions/" + URLEncoder.encode(id, StandardCharsets.UTF_8), headers);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    /** The session's chat transcript, as the page should show it. */
    private static List<ChatPage.Message> messages(JsonNode session) {
        List<ChatPage.Message> messages = new ArrayList<>();
        session.get("messages").forEach(m -> messages.add(new ChatPage.Message(m.get("role").asText(), shown(m.get("content")))));
        return messages;
    }

    /** The session's last answer, as the page should show it. */
    private static String lastAnswer(JsonNode session) {
        JsonNode messages = session.get("messages");
        JsonNode last = messages.get(messages.size() - 1);
        assertThat(last.get("role").asText()).isEqualTo("assistant");
        return shown(last.get("content"));
    }

    /** A message's text as the page shows it: without the leading space answers start with. */
    private static String shown(JsonNode content) {
        return content.asText().stripLeading();
    }

    /** The cache line the page should show for a session's stats. */
    private static String summary(JsonNode stats) {
        int sinks = stats.get("sink_tokens").asInt();
        return "cache " + number(stats.get("cache_tokens")) + "/" + number(stats.get("cache_capacity")) + " tokens ("
                + sinks + (sinks == 1 ? " sink" : " sinks") + " + " + number(stats.get("window_tokens")) + " window) · "
                + number(stats.get("evicted_tokens")) + " evicted · turn " + number(stats.get("turns"));
    }

    /** How much a session's running total {@code field} grew in one turn. */
    private static long growth(JsonNode before, JsonNode after, String field) {
        return after.get(field).asLong() - before.get(field).asLong();
    }

    private static String number(JsonNode value) {
        return NUMBERS.format(value.asLong());
    }
}
