package io.streamllm.server.web;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Debian's headless Chromium driven through Debian's chromedriver, both at fixed paths, so that
 * Selenium Manager never looks for (or downloads) a browser or driver of its own.
 */
final class HeadlessChromium {
    static final Path BROWSER = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final String SKIP_VARIABLE = "STREAMLLM_SKIP_BROWSER_TESTS";
    /**
     * Selenium warns that it has no Chrome DevTools binding for this Chromium's version; the test
     * speaks WebDriver BiDi instead, so the warning is noise. (Held here: java.util.logging keeps loggers weakly.)
     */
    private static final Logger CDP_VERSION_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_VERSION_FINDER.setLevel(Level.OFF);
    }

    private HeadlessChromium() {
    }

    /**
     * Fails naming what is missing when the browser or its driver is not installed; skips instead when
     * {@code STREAMLLM_SKIP_BROWSER_TESTS=1}.
     */
    static void requireInstalled() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(BROWSER)) {
            missing.add(BROWSER + " (Debian package chromium)");
        }
        if (!Files.isExecutable(DRIVER)) {
            missing.add(DRIVER + " (Debian package chromium-driver)");
        }
        if (missing.isEmpty()) {
            return;
        }
        String message = "the web page's browser test needs " + String.join(" and ", missing)
                + "; scripts/ensure-chromium.sh installs them when run as root with apt-get available";
        if ("1".equals(System.getenv(SKIP_VARIABLE))) {
            String skipped = "skipped: " + message + " (" + SKIP_VARIABLE + "=1)";
            System.err.println(skipped); // Surefire says nothing of a class skipped before its first test
            Assumptions.abort(skipped);
        }
        Assertions.fail(message + ", or set " + SKIP_VARIABLE + "=1 to skip this test");
    }

    /** Starts a headless browser with a fresh profile in {@code profile}, the window {@code width} x {@code height}. */
    static ChromeDriver start(Path profile, int width, int height) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                // This machine has no network beyond its package mirrors: Chromium must not try to phone home.
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=" + width + "," + height, "--force-device-scale-factor=1",
                "--lang=en-US", "--hide-scrollbars");
        options.setCapability("webSocketUrl", true); // WebDriver BiDi, to hear the page's console
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }
}
