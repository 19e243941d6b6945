#!/usr/bin/env bash
# Open the console on the demo desk, move, open a ticket, filter as you type.
. "$(dirname "$0")/lib.sh"
make_demo
id=$(kefu new -t '发票导出失败 E2E-FILTER' -c huaxin --type bug -p P1)
start_console 80 24

check "the queue opens on the demo desk" wait_for "All open"
check "the status bar shows desk, branch and user" wait_for "[main] Li Wei <li.wei@"
check "the new P1 ticket is listed first" sh -c "tmux -L $sock capture-pane -p | sed -n 3p | grep -q E2E-FILT"
keys j
keys Enter
check "Enter opens the ticket detail" wait_for "Timeline"
keys q
check "q goes back to the queue" wait_for "All open"
keys /
type_text "E2E-FIL"
check "the filter narrows as you type" wait_for "(1)"
check "the filtered row is the ticket" wait_for "${id:0:8}"
keys Escape
check "Esc restores the full queue" wait_gone "(1)"
keys o
check "o offers every sort column" wait_for "Sort by"
keys G Enter
check "sorting by SLA puts overdue clocks first" eventually sh -c "tmux -L $sock capture-pane -p | sed -n 3p | grep -qE '^T[0-9a-z]+ +[a-z-]+ +P[1-4] +[a-z-]+…? +-[0-9]+[mhd] '"
check "the title bar says how it is sorted" wait_for "sort: sla"
keys o
keys Enter
wait_for "sort: priority" >/dev/null
keys '?'
check "? lists every binding" wait_for "move-down"
keys q
keys v
check "v offers the saved views" wait_for "Waiting on customer"
keys G Enter
check "a saved view per customer" wait_for "Customer: "
keys :
type_text "customer show huaxin"
keys Enter
check ": runs any kefu command" wait_for "华信制造集团"
check "and waits for Enter" wait_for "press Enter to return to kefu"
keys Enter
check "back in the console, with the command's result" wait_for "kefu customer show huaxin: exit 0"
keys q
check "q quits and restores the terminal" wait_for "KEFU-EXIT=0"
finish
