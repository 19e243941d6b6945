#!/usr/bin/env bash
# The queue pages from the index: scroll past the first page of rows, jump
# to the end, and keep the selected ticket through a reload.
. "$(dirname "$0")/lib.sh"
make_demo
for i in $(seq -w 0 149); do
	kefu new -t "PAGE-$i paging test" -c huaxin --type bug -p P3 >/dev/null
done
start_console 140 40
# The detail beside the queue shows the selected ticket on its first line.
detail_is() { eventually sh -c "tmux -L $sock capture-pane -p | sed -n 2p | grep -q '$1'"; }

check "the queue opens" wait_for "All open"
keys /
type_text "PAGE-"
check "the filter finds all 150" wait_for "(150)"
keys Enter
keys o
check "o offers the sort columns" wait_for "Sort by"
keys j j j j j j j Enter
check "sorted by title" wait_for "sort: title"
keys g
check "g selects the first title" detail_is "PAGE-000 paging"
keys G
check "G goes to the last row, past the first page" detail_is "PAGE-149 paging"
keys k g
check "g goes back to the first" detail_is "PAGE-000 paging"
tmux -L "$sock" send-keys -N 130 j
check "moving down 130 rows selects the 131st title" detail_is "PAGE-130 paging"
check "the title bar still counts 150" wait_for "(150)"
keys R
check "reversing the sort reloads the view" wait_for "sort: -title"
check "the selection keeps its ticket" detail_is "PAGE-130 paging"
keys j
check "and its place in the new order" detail_is "PAGE-129 paging"
keys R
wait_for "sort: title" >/dev/null
keys j
check "back in title order, the next row is the next title" detail_is "PAGE-130 paging"
keys q
check "q quits" wait_for "KEFU-EXIT=0"
finish
