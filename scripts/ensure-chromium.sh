#!/usr/bin/env bash
# Makes sure headless Chromium and its WebDriver are installed for the web page's browser test
# (server/src/test/java/io/streamllm/server/web): Debian's chromium and chromium-driver, installed with
# apt-get when missing and when running as root. Prints what it did on stderr; exits 1 when they are
# missing and cannot be installed (the test then fails naming what is missing, or is skipped with
# STREAMLLM_SKIP_BROWSER_TESTS=1).
set -uo pipefail

browser=/usr/bin/chromium
driver=/usr/bin/chromedriver

if [[ -x $browser && -x $driver ]]; then
    exit 0
fi
if [[ ${STREAMLLM_SKIP_BROWSER_TESTS:-} == 1 ]]; then
    echo "ensure-chromium: $browser or $driver is missing; not installing (STREAMLLM_SKIP_BROWSER_TESTS=1)" >&2
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-chromium: $browser or $driver is missing and only root can install them:" \
         "run 'sudo apt-get install chromium chromium-driver'" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "ensure-chromium: $browser or $driver is missing and there is no apt-get to install them with;" \
         "install Chromium and its chromedriver as $browser and $driver" >&2
    exit 1
fi

echo "ensure-chromium: installing Debian's chromium and chromium-driver for the browser test" >&2
export DEBIAN_FRONTEND=noninteractive
install() {
    apt-get install -y -q --no-install-recommends chromium chromium-driver >&2
}
# A fresh machine may have no package lists yet (or stale ones whose files are gone): update and retry.
if ! install; then
    apt-get update -q >&2 && install
fi
if [[ -x $browser && -x $driver ]]; then
    echo "ensure-chromium: $("$browser" --version 2>/dev/null) installed" >&2
    exit 0
fi
echo "ensure-chromium: apt-get could not install chromium and chromium-driver (see above)" >&2
exit 1
