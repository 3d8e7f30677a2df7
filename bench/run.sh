#!/usr/bin/env bash
#  bench/run.sh - the benchmark (docs/performance.md):
#
#    bench/run.sh BUILD OUT [--short] [--docs] [SECTION...]
#
#  BUILD: a build with -DASYNROLE_BENCH=ON (examples and CLI on); OUT: where
#  the figures go. Runs every section (bench/section_<name>.sh, in the order
#  below, then any other) or the ones named, each with BUILD, OUT and SHORT
#  (1 with --short: a few seconds each, no thresholds) in its environment.
#  Each writes $OUT/<name>.md; this writes machine.md and command.md.
#  --docs: in docs/performance.md, what lies between "<!-- bench: NAME -->"
#  and "<!-- /bench: NAME -->" becomes $OUT/NAME.md (the closing marker is
#  added when missing), and $OUT/NAME.png is copied to
#  docs/performance-NAME.png and linked there.
#  Exit: 0; 1 when a section fails or writes nothing; 2 for bad arguments.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
ORDER=(echo engine storm workers sockets memory instructions)

usage () {
    echo "usage: bench/run.sh BUILD OUT [--short] [--docs] [SECTION...]" >&2
    exit 2
}
[ $# -ge 2 ] || usage
BUILD="$(cd "$1" 2>/dev/null && pwd)" || { echo "bench/run.sh: no build directory '$1'" >&2; exit 2; }
mkdir -p "$2"
OUT="$(cd "$2" && pwd)"
shift 2
SHORT=0 DOCS=0 SECTIONS=() NAMED=
for arg in "$@"; do
    case "$arg" in
        --short) SHORT=1 ;;
        --docs) DOCS=1 ;;
        -*) echo "bench/run.sh: unknown option '$arg'" >&2; exit 2 ;;
        *)
            [ -f "$HERE/section_$arg.sh" ] || { echo "bench/run.sh: no section '$arg' (bench/section_$arg.sh)" >&2; exit 2; }
            SECTIONS+=("$arg")
            NAMED="$NAMED $arg" ;;
    esac
done
if [ ${#SECTIONS[@]} -eq 0 ]; then
    for name in "${ORDER[@]}"; do
        [ -f "$HERE/section_$name.sh" ] && SECTIONS+=("$name")
    done
    for file in "$HERE"/section_*.sh; do
        name="${file##*/section_}"
        name="${name%.sh}"
        [[ " ${SECTIONS[*]} " == *" $name "* ]] || SECTIONS+=("$name")
    done
fi
export BUILD OUT SHORT

#  The machine the figures come from
machine () {
    local cpu kernel debian zmq czmq virt
    cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    kernel="$(uname -sr)"
    debian="$(cat /etc/debian_version 2>/dev/null || echo '?')"
    zmq="$(pkg-config --modversion libzmq 2>/dev/null || echo '?')"
    czmq="$(pkg-config --modversion libczmq 2>/dev/null || echo '?')"
    virt="$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p')"
    printf '| CPU | %s (%s online%s) |\n' "${cpu:-?}" "$(nproc)" "${virt:+, $virt guest}"
    printf '|---|---|\n'
    printf '| kernel | %s |\n| Debian | %s |\n| libzmq / CZMQ | %s / %s |\n' \
        "$kernel" "$debian" "$zmq" "$czmq"
    printf '| compiler | %s |\n' "$(cc --version | head -n 1)"
    printf '| memory | %s MiB |\n' "$(awk '/^MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
    printf '\nMeasured %s; load average before the run: %s.\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
}
machine >"$OUT/machine.md"

START=$SECONDS
FAILED=()
for name in "${SECTIONS[@]}"; do
    printf '\n==> bench: %s\n' "$name"
    rm -f "$OUT/$name.md"
    rc=0
    bash "$HERE/section_$name.sh" || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "bench: section $name failed (status $rc)" >&2
        FAILED+=("$name")
    elif [ ! -s "$OUT/$name.md" ]; then
        echo "bench: section $name wrote no $OUT/$name.md" >&2
        FAILED+=("$name")
    fi
done

ARGS="$NAMED"
[ "$SHORT" = 0 ] || ARGS=" --short$ARGS"
# shellcheck disable=SC2016  # backquotes are markdown here
{
    printf '```sh\n./tools/run bench --docs\n```\n\n'
    printf 'These figures: `./tools/run bench%s`, %s s in all.\n' "$ARGS" "$((SECONDS - START))"
} >"$OUT/command.md"

#  docs_replace NAME FILE: between NAME's markers in docs/performance.md
docs_replace () {
    local doc="$ROOT/docs/performance.md" name="$1" file="$2" tmp
    grep -qx "<!-- bench: $name -->" "$doc" || { echo "bench: no '<!-- bench: $name -->' in $doc" >&2; return 1; }
    tmp="$(mktemp)"
    awk -v opening="<!-- bench: $name -->" -v closing="<!-- /bench: $name -->" -v file="$file" '
        FNR == NR { if ($0 == closing) closed = 1; next }
        skip { if ($0 == closing) skip = 0; next }
        $0 == opening {
            print; while ((getline line < file) > 0) print line; print closing
            skip = closed; next
        }
        { print }' "$doc" "$doc" >"$tmp"
    cat "$tmp" >"$doc"
    rm -f "$tmp"
}

if [ "$DOCS" = 1 ]; then
    for name in command machine "${SECTIONS[@]}"; do
        [ -s "$OUT/$name.md" ] || continue
        file="$OUT/$name.md"
        if [ -s "$OUT/$name.png" ]; then
            cp "$OUT/$name.png" "$ROOT/docs/performance-$name.png"
            file="$(mktemp)"
            { cat "$OUT/$name.md"; printf '\n![%s](performance-%s.png)\n' "$name" "$name"; } >"$file"
        fi
        docs_replace "$name" "$file"
        [ "$file" = "$OUT/$name.md" ] || rm -f "$file"
        echo "bench: docs/performance.md: $name"
    done
fi

if [ ${#FAILED[@]} -gt 0 ]; then
    echo "bench: failed: ${FAILED[*]}" >&2
    exit 1
fi
printf '\n==> bench: %s done in %d s; figures in %s\n' "${SECTIONS[*]}" "$((SECONDS - START))" "$OUT"
