#!/usr/bin/env bash
# The mouse: a click selects a queue row, the wheel scrolls, a click in
# a menu picks. tmux passes the X10 mouse reports the console asked for.
. "$(dirname "$0")/lib.sh"
make_demo
start_console 130 30
wait_for "All open" >/dev/null

# click BUTTON COL ROW (1-based screen cells): press and release.
click() {
	tmux -L "$sock" send-keys -l $'\e[M'"$(printf "\\$(printf '%03o' $((32 + $1)))\\$(printf '%03o' $((32 + $2)))\\$(printf '%03o' $((32 + $3)))")"
	tmux -L "$sock" send-keys -l $'\e[M'"$(printf "#\\$(printf '%03o' $((32 + $2)))\\$(printf '%03o' $((32 + $3)))")"
	# The one fixed wait: ncurses needs its mouseinterval (150 ms) to
	# tell a click from a press, and keys typed within it come first.
	sleep 0.3
}
wheel_down() { tmux -L "$sock" send-keys -l $'\e[M'"$(printf "a\\$(printf '%03o' $((32 + $1)))\\$(printf '%03o' $((32 + $2)))")"; }

# Queue and detail side by side: the detail names the selected ticket.
first=$(screen | sed -n 3p | cut -d' ' -f1)
third=$(screen | sed -n 5p | cut -d' ' -f1)
check "the first row starts selected" wait_for "│$first"
click 0 10 5
check "a click selects the row under it" wait_for "│$third"
keys g
check "g goes back to the first row" wait_for "│$first"
wheel_down 10 6
check "the wheel moves the selection down" wait_for "│$third"
click 0 90 10 # X10 reports only cells up to 94 as plain bytes
keys j
check "a click in the detail focuses it: j scrolls the detail" eventually sh -c "tmux -L $sock capture-pane -p | grep -qE ' 2/[0-9]+ *$'"
keys q
check "q gives the queue the keys back, the selection kept" sh -c "tmux -L $sock capture-pane -p | sed -n 5p | grep -q '^$third'"
keys q
check "quit" wait_for "KEFU-EXIT=0"
finish
