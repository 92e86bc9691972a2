package io.streamllm.server.web;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.bidi.log.LogLevel;
import org.openqa.selenium.bidi.module.LogInspector;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The chat page as a user works it, through WebDriver: typing, Enter, reading what is shown. Also
 * listens to the page's console (WebDriver BiDi), so that a test can tell it stayed free of errors.
 */
final class ChatPage implements AutoCloseable {
    /** A message as the page shows it: "user" or "assistant", and its text. */
    record Message(String role, String content) {
    }

    /** An upper bound against a hung page, not a measure of speed: the model answers in well under a second. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final ChromeDriver driver;
    private final WebDriverWait wait;
    private final LogInspector console;
    private final List<String> consoleProblems = new CopyOnWriteArrayList<>();

    ChatPage(ChromeDriver driver) {
        this.driver = driver;
        this.wait = new WebDriverWait(driver, PATIENCE);
        this.console = new LogInspector(driver);
        console.onConsoleEntry(entry -> {
            if (entry.getLevel() == LogLevel.ERROR || entry.getLevel() == LogLevel.WARNING) {
                consoleProblems.add("console " + entry.getLevel() + ": " + entry.getText());
            }
        });
        console.onJavaScriptException(entry -> consoleProblems.add("uncaught exception: " + entry.getText()));
    }

    /** Console errors, warnings and uncaught exceptions since the last call. */
    List<String> takeConsoleProblems() {
        List<String> problems = new ArrayList<>(consoleProblems);
        consoleProblems.clear();
        return problems;
    }

    void open(String url) {
        driver.get(url);
    }

    void reload() {
        driver.navigate().refresh();
    }

    /** Waits until the page has connected and restored its conversation; fails with the page's error otherwise. */
    void awaitReady() {
        wait.until(d -> state() != null);
        if (!"ready".equals(state())) {
            throw new AssertionError("the page did not get ready: " + error());
        }
    }

    private String state() {
        return driver.findElement(By.tagName("body")).getDomAttribute("data-state");
    }

    /** Sets the answer settings the way a user does: opens Settings, types the numbers. */
    void useSettings(int maxTokens, double temperature) {
        WebElement settings = driver.findElement(By.cssSelector("details.settings"));
        settings.findElement(By.tagName("summary")).click();
        replaceValue(driver.findElement(By.id("max-tokens")), Integer.toString(maxTokens));
        replaceValue(driver.findElement(By.id("temperature")), Double.toString(temperature));
        settings.findElement(By.tagName("summary")).click();
    }

    private static void replaceValue(WebElement input, String value) {
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), value, Keys.TAB);
    }

    /** Types {@code text} into the message box and presses Enter. */
    void send(String text) {
        driver.findElement(By.id("prompt")).sendKeys(text, Keys.ENTER);
    }

    String promptText() {
        return driver.findElement(By.id("prompt")).getDomProperty("value");
    }

    /** Waits until the answer to the message just sent has streamed in; returns its text. */
    String awaitAnswer() {
        By lastMessage = By.cssSelector("#messages li.message:last-child");
        wait.until(d -> error() != null || d.findElements(lastMessage).stream()
                .anyMatch(item -> item.getDomAttribute("data-finish") != null));
        if (error() != null) {
            throw new AssertionError("the page shows an error instead of the answer: " + error());
        }
        return textContent(driver.findElement(lastMessage).findElement(By.className("content")));
    }

    /** The conversation shown: each message's role and exact text (textContent, whitespace kept). */
    List<Message> messages() {
        List<Message> messages = new ArrayList<>();
        for (WebElement item : driver.findElements(By.cssSelector("#messages li.message"))) {
            String role = item.getDomAttribute("class").contains("user") ? "user" : "assistant";
            messages.add(new Message(role, textContent(item.findElement(By.className("content")))));
        }
        return messages;
    }

    /** The line under the last answer (its length, why it ended, the prompt's reuse of the cache). */
    String lastAnswerMeta() {
        List<WebElement> metas = driver.findElements(By.cssSelector("#messages li.assistant .meta"));
        return metas.isEmpty() ? null : textContent(metas.getLast());
    }

    String cacheSummary() {
        return textContent(driver.findElement(By.id("cache-summary")));
    }

    /** The cache legend's figures by name: sinks, evicted, window, free, history. */
    String legend(String name) {
        return textContent(driver.findElement(By.id("legend-" + name)));
    }

    /**
     * From now on, records every text the last answer's bubble shows while it streams in (each
     * update replaces the bubble's text node, so a MutationObserver sees every one).
     */
    void recordAnswerUpdates() {
        script("""
                window.answerUpdates = [];
                new MutationObserver((records) => {
                  for (const record of records) {
                    if (record.target.matches?.('li.assistant .content')) {
                      record.addedNodes.forEach((node) => window.answerUpdates.push(node.data));
                    }
                  }
                }).observe(document.getElementById('messages'), { childList: true, subtree: true });
                """);
    }

    @SuppressWarnings("unchecked")
    List<String> answerUpdates() {
        return (List<String>) script("return window.answerUpdates;");
    }

    /** The error the page shows, or null. */
    String error() {
        WebElement box = driver.findElement(By.id("error"));
        return box.getDomAttribute("hidden") != null ? null : textContent(driver.findElement(By.id("error-text")));
    }

    String awaitError() {
        wait.until(d -> error() != null);
        return error();
    }

    String localStorage(String key) {
        return (String) script("return localStorage.getItem(arguments[0]);", key);
    }

    void awaitKeyDialog() {
        wait.until(d -> keyDialogOpen());
    }

    /** Waits until the key dialog is open again, saying what was wrong with the last key. */
    void awaitKeyProblem() {
        wait.until(d -> keyDialogOpen() && !keyProblem().isEmpty());
    }

    private boolean keyDialogOpen() {
        return "true".equals(driver.findElement(By.id("key-dialog")).getDomProperty("open"));
    }

    String keyProblem() {
        return textContent(driver.findElement(By.id("key-problem")));
    }

    /** Types an API key into the dialog and confirms it with Enter. */
    void enterKey(String key) {
        driver.findElement(By.id("key-input")).sendKeys(key, Keys.ENTER);
    }

    /** Whether the page fits its window's width (nothing to scroll sideways). */
    boolean fitsWidth() {
        return (Boolean) script("return document.documentElement.scrollWidth <= window.innerWidth;");
    }

    void resizeWindow(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    byte[] screenshot() {
        return driver.getScreenshotAs(OutputType.BYTES);
    }

    private String textContent(WebElement element) {
        return (String) script("return arguments[0].textContent;", element);
    }

    private Object script(String code, Object... arguments) {
        return ((JavascriptExecutor) driver).executeScript(code, arguments);
    }

    @Override
    public void close() {
        console.close();
    }
}
