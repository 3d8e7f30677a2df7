# shellcheck shell=bash
#  echo_report.sh - section_echo.sh's figures (sourced): medians of the runs
#  in $OUT/echo-runs.csv into echo.csv, echo.md (a table per placement) and
#  echo.png (gnuplot: requests/s against window, pinned).
#
#  A ratio is the server's requests/s over the raw echo's of the same rep,
#  placement and window with the same payload (the SNMP servers' baselines are
#  the raw echoes sending the GET back), then the median over the reps.

#  echo_medians: $OUT/echo-runs.csv -> $OUT/echo.csv, in SERVERS and window order
echo_medians () {
    awk -F, -v order="${SERVERS[*]}" '
    function median (list,   n, v, i, j, t) {
        n = split (list, v, " ")
        for (i = 2; i <= n; i++)
            for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    function base (server) { return server ~ /-get$|^snmp_agent$|^snmpd$/ ? "-get" : "" }
    NR == 1 { next }
    {
        run = $1 SUBSEP $2 SUBSEP $4
        rate[run, $3] = $5
        key = $2 SUBSEP $3 SUBSEP $4
        if (!(key in seen)) { seen[key] = 1; keys[++nkeys] = key }
        rates[key] = rates[key] " " $5; p50[key] = p50[key] " " $6; p99[key] = p99[key] " " $7
        cpu[key] = cpu[key] " " $8; lost[key] += $9; resent[key] += $10
        runs[key] = runs[key] " " run
    }
    END {
        print "placement,server,window,rate,p50_us,p99_us,cpu_us_per_req,ratio_raw_mmsg,ratio_raw_single,lost,resent"
        n = split (order, servers, " ")
        for (k = 1; k <= nkeys; k++) {
            split (keys[k], part, SUBSEP)
            rm = ""; rs = ""
            m = split (runs[keys[k]], list, " ")
            for (i = 1; i <= m; i++) {
                b = base (part[2])
                rm = rm " " rate[list[i], part[2]] / rate[list[i], "raw-mmsg" b]
                rs = rs " " rate[list[i], part[2]] / rate[list[i], "raw-single" b]
            }
            for (s = 1; s <= n; s++) if (servers[s] == part[2]) rank = s
            printf "%d %08d|%s,%s,%s,%.0f,%.1f,%.1f,%.2f,%.2f,%.2f,%d,%d\n", rank, part[3], part[1],
                part[2], part[3], median(rates[keys[k]]), median(p50[keys[k]]), median(p99[keys[k]]),
                median(cpu[keys[k]]), median(rm), median(rs), lost[keys[k]], resent[keys[k]]
        }
    }' "$OUT/echo-runs.csv" | {
        IFS= read -r header
        echo "$header"
        sort -k1,1n -k2,2 | cut -d'|' -f2-
    } >"$OUT/echo.csv"
}

#  echo_plot: requests/s against window, one line per server, pinned (or the
#  only placement run); nothing (and a note) without gnuplot
echo_plot () {
    local placement="${PLACEMENTS[0]}"
    if ! command -v gnuplot >/dev/null; then
        echo "bench: gnuplot is missing (Debian: gnuplot-nox): no $OUT/echo.png" >&2
        return 0
    fi
    grep "^$placement," "$OUT/echo.csv" | awk -F, '{ print $2, $3, $4 }' >"$BENCH_TMP/echo.dat"
    rm -f "$OUT/echo.png"
    gnuplot <<EOF
set terminal pngcairo size 960,600 font ",11"
set output "$OUT/echo.png"
set title "UDP echo on loopback: requests/s against requests in flight ($placement)"
set xlabel "requests in flight (window)"
set ylabel "requests/s (median of $REPS)"
set logscale x 2
set format y "%.0s%c"
set key outside right top noenhanced
set grid
plot for [s in "${SERVERS[*]}"] "$BENCH_TMP/echo.dat" \
    using 2:(strcol(1) eq s ? \$3 : 1/0) with linespoints title s
EOF
    [ -s "$OUT/echo.png" ] || bench_fail "echo: gnuplot wrote no $OUT/echo.png"
}

#  echo_report SECONDS: echo.csv, echo.png, echo.md
echo_report () {
    echo_medians
    echo_plot
    local placement
    {
        for placement in "${PLACEMENTS[@]}"; do
            echo ""
            echo "Server $([ "$placement" = pinned ] && echo 'pinned to CPU 0, load generator to CPU 1' \
                || echo 'and load generator unpinned'):"
            echo ""
            grep "^$placement," "$OUT/echo.csv" | cut -d, -f2- | tr ',' '|' \
                | bench_table server window "requests/s" "p50 us" "p99 us" "server CPU us/request" \
                    "x raw-mmsg" "x raw-single" "lost" "resent"
        done
        echo ""
        echo "Made by \`bench/section_echo.sh\`$([ "$SHORT" = 1 ] && echo ' (short mode)') in $1 s:" \
            "medians of $REPS interleaved runs of ${DURATION} s each (after a warm-up), a fresh" \
            "server per run, 43-byte datagrams (echo) or an SNMPv2c GET of sysDescr.0 (snmp-get)." \
            "Ratios are to the raw echo of the same run with the same payload: *-get, snmp_agent and" \
            "snmpd against raw-single-get and raw-mmsg-get, which send the GET back. Lost: requests" \
            "never answered (even resent); resent: requests unanswered after 200 ms (the kernel" \
            "dropped them, or the server stalled); both summed over the runs.${PIPE_NOTE}"
    } | sed '1d' >"$OUT/echo.md"
}
