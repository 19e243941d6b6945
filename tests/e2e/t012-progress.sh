#!/usr/bin/env bash
# A long index build says how far it has come on the terminal, as git
# does: never into a pipe, never for a quick start, never across the
# console's screen.
. "$(dirname "$0")/lib.sh"
make_demo
n=$(kefu list --status all | tail -n +2 | grep -c .)
# Shown at once (a demo desk builds in a blink): the delay a real desk
# waits before its first line is half a second.
export KEFU_PROGRESS_DELAY_MS=0

rm -rf "$desk/.git/kefu"
err=$("$KEFU_BIN" --desk "$desk" list -n 1 2>&1 >/dev/null)
check "into a pipe, a build prints no progress" test -z "$err"

rm -rf "$desk/.git/kefu"
start_console 100 20 list -n 1
check "on a terminal, a build counts its tickets to the end" wait_for "Indexing tickets: 100% ($n/$n), done."
check "then the command's output follows" wait_for "KEFU-EXIT=0"
start_console 100 20 list -n 1
check "a warm start has nothing to show" wait_for "KEFU-EXIT=0"
check "and shows nothing" test "$(screen | grep -c Indexing)" -eq 0

rm -rf "$desk/.git/kefu"
start_console 120 30
check "the console opens after its build" wait_for "All open"
check "with no progress line across its screen" test "$(screen | grep -c Indexing)" -eq 0
keys q
check "the build's last line stays on the terminal" wait_for "Indexing tickets: 100% ($n/$n), done."
check "q quits" wait_for "KEFU-EXIT=0"

# A build that ends before the delay is never shown (a long delay here:
# under ASan on a busy machine even the demo desk may take half a second).
export KEFU_PROGRESS_DELAY_MS=60000
rm -rf "$desk/.git/kefu"
start_console 100 20 list -n 1
check "a build that ends before the delay" wait_for "KEFU-EXIT=0"
check "so nothing is shown" test "$(screen | grep -c Indexing)" -eq 0
finish
