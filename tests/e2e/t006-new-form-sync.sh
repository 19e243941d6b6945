#!/usr/bin/env bash
# The new-ticket form, and syncing with a remote from the console: the
# status bar shows ahead/behind before and after.
. "$(dirname "$0")/lib.sh"
make_demo
git clone -q --bare "$desk" "$tmp/remote.git"
git -C "$desk" remote add origin "$tmp/remote.git"
git -C "$desk" fetch -q origin
git -C "$desk" branch -q -u origin/main main
start_console 100 30
wait_for "All open" >/dev/null
check "in step with the remote" wait_for "[main ↑0 ↓0]"
keys n
check "n opens the new-ticket form" wait_for "New ticket"
type_text "表单新建 E2E-FORM"
keys Tab Right Tab Tab
check "the priority starts at the desk's default" wait_for "< P3 >"
keys Left
check "Left/Right cycle the choices" wait_for "< P2 >"
keys Enter
check "the form lands as one commit" wait_subject "^T[0-9a-z]{11}: new 表单新建 E2E-FORM$"
check "with the chosen priority" sh -c "'$KEFU_BIN' --desk '$desk' list -q E2E-FORM --json | grep -q '\"priority\": \"P2\"'"
check "the new ticket is in the queue" wait_for "E2E-FORM"
check "one commit ahead of the remote" wait_for "[main ↑1 ↓0]"
keys y
check "y runs kefu sync in the terminal" wait_for "press Enter to return to kefu"
keys Enter
check "after the sync the desk is in step again" wait_for "[main ↑0 ↓0]"
check "the remote has the new ticket" sh -c "git -C '$tmp/remote.git' log -1 --format=%s | grep -q E2E-FORM"
keys q
check "quit" wait_for "KEFU-EXIT=0"
finish
