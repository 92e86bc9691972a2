#!/usr/bin/env bash
# Makes sure nginx is installed for the proxy tests of server replicas (cli/src/test/java/io/streamllm/server/
# ProxyFailoverTest) and for scripts/replicas.sh: Debian's nginx, installed with apt-get when missing and when
# running as root. Prints what it did on stderr; exits 1 when it is missing and cannot be installed (the test
# then fails naming what is missing, or is skipped with STREAMLLM_SKIP_PROXY_TESTS=1).
set -uo pipefail

nginx=/usr/sbin/nginx

if [[ -x $nginx ]]; then
    exit 0
fi
if [[ ${STREAMLLM_SKIP_PROXY_TESTS:-} == 1 ]]; then
    echo "ensure-nginx: $nginx is missing; not installing (STREAMLLM_SKIP_PROXY_TESTS=1)" >&2
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "ensure-nginx: $nginx is missing and only root can install it: run 'sudo apt-get install nginx'" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "ensure-nginx: $nginx is missing and there is no apt-get to install it with; install nginx as $nginx" >&2
    exit 1
fi

echo "ensure-nginx: installing Debian's nginx for the proxy tests" >&2
export DEBIAN_FRONTEND=noninteractive
install() {
    # nginx-light would do too; nginx is the package the documentation names. The service is not wanted:
    # the tests and scripts/replicas.sh start nginx themselves with a configuration of their own.
    apt-get install -y -q --no-install-recommends nginx >&2
}
# A fresh machine may have no package lists yet (or stale ones whose files are gone): update and retry.
if ! install; then
    apt-get update -q >&2 && install
fi
if [[ -x $nginx ]]; then
    echo "ensure-nginx: $("$nginx" -v 2>&1) installed" >&2
    exit 0
fi
echo "ensure-nginx: apt-get could not install nginx (see above)" >&2
exit 1
