#!/usr/bin/env bash
# Key bindings and the theme come from $XDG_CONFIG_HOME/kefu/config;
# --theme and $KEFU_THEME choose themes; bad lines are reported, not fatal.
. "$(dirname "$0")/lib.sh"
make_demo
id=$(kefu new -t 'E2E-CONFIG ticket' -c huaxin -p P1)
mkdir -p "$XDG_CONFIG_HOME/kefu"
cat > "$XDG_CONFIG_HOME/kefu/config" <<'CONF'
# my keys
set theme solarized-dark
bind queue x ack
bind generic ^N view-kb
CONF
start_console 100 30
wait_for "E2E-CONFIG" >/dev/null
keys x
check "a key bound in the config runs its action" wait_subject "^$id: ack$"
keys C-n
check "a control key bound in the generic map" wait_for "Most linked articles"
check "the theme from the config loads without complaint" sh -c "! tmux -L $sock capture-pane -p | grep -q 'no theme'"
keys 1 q
wait_for "KEFU-EXIT=0" >/dev/null
tmux -L "$sock" kill-server

echo "bind nowhere x ack" >> "$XDG_CONFIG_HOME/kefu/config"
start_console 100 30 --theme no-such-theme
check "an unknown theme is reported in the status bar" wait_for "no theme 'no-such-theme'"
keys q
wait_for "KEFU-EXIT=0" >/dev/null
tmux -L "$sock" kill-server

rm "$XDG_CONFIG_HOME/kefu/config"
printf 'bind nowhere x ack\n' > "$XDG_CONFIG_HOME/kefu/config"
start_console 200 30
check "a bad config line names the file and line" wait_for "kefu/config: line 1: unknown keymap 'nowhere'"
keys q
wait_for "KEFU-EXIT=0" >/dev/null
tmux -L "$sock" kill-server

for theme in default light solarized-dark high-contrast mono; do
	KEFU_THEME=$theme start_console 100 30
	check "theme $theme opens" wait_for "E2E-CONFIG"
	check "theme $theme reports no error" sh -c "! tmux -L $sock capture-pane -p | grep -q \"theme '$theme'\""
	keys q
	wait_for "KEFU-EXIT=0" >/dev/null
	tmux -L "$sock" kill-server
done
NO_COLOR=1 start_console 100 30
check "NO_COLOR still draws the queue" wait_for "E2E-CONFIG"
check "NO_COLOR sends no colour escape" sh -c "! tmux -L $sock capture-pane -p -e | grep -q \$(printf '\\033\\[3[0-7]m')"
keys q
finish
