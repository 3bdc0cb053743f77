# ports.sh — sourced by the test and bench harnesses: pick free loopback TCP ports.

port_in_use() {
	if command -v ss >/dev/null; then
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# A random free port in 20000..59999, not one of the arguments.
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		case " $* " in *" $p "*) continue ;; esac
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	echo "no free TCP port found" >&2
	return 1
}
