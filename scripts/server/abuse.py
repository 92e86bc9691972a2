#!/usr/bin/env python3
"""Abuse test of a live `streamllm serve` (started by abuse-test.sh on 127.0.0.1): slowloris, aborted
bodies, 10,000 sessions, concurrent requests on one session and SIGTERM mid-stream. Prints what it
measured and exits 1 when a threshold (below) is crossed. Only loopback addresses are ever contacted."""
import argparse
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

# Thresholds: a regression is any of these crossed.
FD_SLACK = 64              # descriptors above the baseline once slow clients were timed out
HELD_FD_SLACK = 64         # descriptors above --max-connections while slow clients are held
RSS_LIMIT = 1536 << 20     # resident memory, bytes, at any measurement
STATE_SLACK = 1.5          # state dir bytes at most this times --state-max-bytes after the sessions
MIN_QUEUED_OK = 5          # same-session requests answered 200 (1 running + the 4 that may wait)

failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return -1


def disk(directory):
    total = files = 0
    for entry in os.scandir(directory):
        try:
            size = entry.stat().st_size
        except FileNotFoundError:
            continue  # deleted by the server's sweep meanwhile
        files += 1
        total += size
    return total, files


def mib(n):
    return f"{n / 1048576:.1f} MiB"


class Server:
    def __init__(self, url, model):
        parsed = urlparse(url)
        assert parsed.hostname in ("127.0.0.1", "::1", "localhost"), "loopback only"
        self.host, self.port, self.model = parsed.hostname, parsed.port, model

    def connect(self):
        return socket.create_connection((self.host, self.port), timeout=60)

    def request(self, method, path, body=None, headers=None, timeout=120):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            data = None if body is None else json.dumps(body).encode()
            all_headers = {"Content-Type": "application/json"}
            all_headers.update(headers or {})
            conn.request(method, path, body=data, headers=all_headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def metrics(self):
        values = {}
        for line in self.request("GET", "/metrics")[2].decode().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        return values

    def statuses(self):
        counts = {}
        for name, value in self.metrics().items():
            if name.startswith("streamllm_http_requests_total{"):
                status = name.split('status="')[1].split('"')[0]
                counts[status] = counts.get(status, 0) + int(value)
        return counts


def slowloris(server, pid, count, read_timeout, max_connections):
    print(f"slowloris: {count} connections, half of them stop in their headers, half in their body", flush=True)
    base = fds(pid)
    sockets = []
    for i in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((server.host, server.port))
        sockets.append(s)
    time.sleep(0.5)
    for i, s in enumerate(sockets):
        try:
            s.setblocking(True)
            s.settimeout(5)
            if i % 2 == 0:
                s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
            else:
                s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 100000\r\n\r\n{\"model\":")
        except OSError:
            pass
    time.sleep(1)
    held, held_rss = fds(pid), rss(pid)
    print(f"  descriptors: {base} before, {held} while held; RSS {mib(held_rss)}")
    check(held <= base + max_connections + HELD_FD_SLACK, f"held descriptors {held} <= {base} + {max_connections} + {HELD_FD_SLACK}")
    time.sleep(read_timeout + 3)
    closed = 0
    for s in sockets:
        try:
            s.settimeout(0.01)
            data = s.recv(4096)
            closed += 1 if data == b"" or data.startswith(b"HTTP/1.1 4") else 0
        except (socket.timeout, BlockingIOError):
            pass
        except OSError:
            closed += 1
    print(f"  after the read timeout: {closed} closed or answered 4xx by the server (it had accepted"
          f" {min(count, max_connections)}, the rest waited in the backlog)")
    check(closed >= min(count, max_connections) * 0.95, "the server timed out the slow clients it had accepted")
    for s in sockets:
        s.close()
    time.sleep(read_timeout + 2)  # connections taken from the backlog meanwhile time out too
    after = fds(pid)
    print(f"  descriptors once the clients are gone: {after}; RSS {mib(rss(pid))}")
    check(after <= base + FD_SLACK, f"descriptors back to {after} <= {base} + {FD_SLACK}")


def aborted_bodies(server, count):
    print(f"aborted bodies: {count} requests that close their connection half-way through the body", flush=True)
    before = server.metrics().get("streamllm_client_aborts_total", 0)
    for _ in range(count):
        with server.connect() as s:
            s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1000\r\n\r\n{\"model\":")
            s.shutdown(socket.SHUT_WR)
            s.recv(4096)
    time.sleep(1)
    aborts = server.metrics().get("streamllm_client_aborts_total", 0) - before
    # Slowloris connections still in the backlog when their clients closed them count here too.
    print(f"  counted as client aborts: {aborts:.0f}")
    check(aborts >= count, f"every aborted body is a client abort ({aborts:.0f} >= {count})")


def many_sessions(server, pid, count, state_dir, state_max, threads):
    print(f"sessions: {count} sessions of one turn each ({threads} clients at once)", flush=True)
    start = time.time()
    statuses = {}
    lock = threading.Lock()

    def turn(i):
        status, _, _ = server.request("POST", "/v1/chat/completions", {
            "model": server.model, "max_tokens": 4,
            "messages": [{"role": "user", "content": f"Tell me about session {i}."}]},
            {"X-Session-Id": f"abuse-{i}"})
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    peak = 0
    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(turn, i) for i in range(count)]
        for n, f in enumerate(futures):
            f.result()
            if n % 1000 == 999:
                peak = max(peak, rss(pid))
                size, files = disk(state_dir)
                print(f"  {n + 1} sessions: state dir {mib(size)} in {files} files, RSS {mib(rss(pid))}", flush=True)
    elapsed = time.time() - start
    time.sleep(6)  # one sweep of the state directory
    size, files = disk(state_dir)
    peak = max(peak, rss(pid))
    print(f"  {count} turns in {elapsed:.1f} s ({count / elapsed:.0f}/s), statuses {statuses}")
    print(f"  state dir after a sweep: {mib(size)} in {files} files (limit {mib(state_max)}); peak RSS seen {mib(peak)}")
    check(statuses.get(200, 0) == count, f"every session turn answered 200 ({statuses.get(200, 0)} of {count})")
    check(size <= state_max * STATE_SLACK, f"state dir {mib(size)} <= {STATE_SLACK} x {mib(state_max)}")
    check(peak <= RSS_LIMIT, f"RSS {mib(peak)} <= {mib(RSS_LIMIT)}")


def same_session(server, count):
    print(f"same session: {count} requests at once on one session", flush=True)
    results = []
    lock = threading.Lock()

    def turn(i):
        status, headers, _ = server.request("POST", "/v1/completions", {
            "model": server.model, "prompt": "Once upon a time", "max_tokens": 256, "temperature": 0},
            {"X-Session-Id": "crowded"})
        with lock:
            results.append((status, headers.get("Retry-After")))

    threads = [threading.Thread(target=turn, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = {}
    for status, _ in results:
        counts[status] = counts.get(status, 0) + 1
    print(f"  statuses {counts}")
    check(counts.get(200, 0) >= MIN_QUEUED_OK, f"at least {MIN_QUEUED_OK} answered ({counts.get(200, 0)})")
    check(all(status in (200, 409) for status, _ in results), "only 200 and 409")
    check(all(retry is not None for status, retry in results if status == 409), "every 409 has Retry-After")


def sigterm_mid_stream(server, pid, grace):
    print("SIGTERM mid-stream: a streamed answer of 8192 tokens, the server told to stop after its first text", flush=True)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    conn.request("POST", "/v1/completions", body=json.dumps({
        "model": server.model, "prompt": "Once upon a time", "max_tokens": 8192, "temperature": 0,
        "stream": True}).encode(), headers={"Content-Type": "application/json", "X-Session-Id": "last"})
    response = conn.getresponse()
    events = []
    sent = False
    start = time.time()
    while True:
        line = response.readline()
        if not line:
            break
        line = line.decode().strip()
        if line.startswith("data: "):
            events.append(line)
            if not sent:
                os.kill(pid, signal.SIGTERM)
                start, sent = time.time(), True
    finish = [e for e in events if '"finish_reason":"' in e]
    print(f"  {len(events)} events, the stream ended {time.time() - start:.1f} s after SIGTERM (grace {grace} s);"
          f" last two: {events[-2][:100] if len(events) > 1 else None} | {events[-1] if events else None}")
    check(bool(events) and events[-1] == "data: [DONE]", "the stream ends with [DONE]")
    check(bool(finish), "a chunk with a finish_reason came before it")


def main():
    parser = argparse.ArgumentParser()
    for name in ("--url", "--model", "--state-dir"):
        parser.add_argument(name, required=True)
    for name in ("--pid", "--read-timeout", "--max-connections", "--state-max-bytes", "--sessions", "--slow",
                 "--aborts", "--grace"):
        parser.add_argument(name, type=int, required=True)
    args = parser.parse_args()
    server = Server(args.url, args.model)
    print(f"server pid {args.pid}: {fds(args.pid)} descriptors, RSS {mib(rss(args.pid))}", flush=True)
    slowloris(server, args.pid, args.slow, args.read_timeout, args.max_connections)
    aborted_bodies(server, args.aborts)
    many_sessions(server, args.pid, args.sessions, args.state_dir, args.state_max_bytes, 8)
    same_session(server, 8)
    statuses = server.statuses()
    print(f"HTTP statuses counted by the server: {dict(sorted(statuses.items()))}")
    check(not any(s.startswith("5") for s in statuses), "no 5xx")
    sigterm_mid_stream(server, args.pid, args.grace)
    print(("abuse-test: FAILED: " + "; ".join(failures)) if failures else "abuse-test: all thresholds held")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
