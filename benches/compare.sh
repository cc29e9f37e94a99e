#!/usr/bin/env bash
# Peer comparison: leakscan against Kingfisher, detect-secrets, ripsecrets, secretlint and
# ripgrep (as the floor) on four corpora; writes benches/RESULTS.md.
#
# Usage: benches/compare.sh [--quick] [--install-only]
#   --quick         one timed run per tool and corpus (default 3), a shorter timeout (180 s)
#   --install-only  build/install the tools and prepare the corpora, then stop
#
# Environment:
#   LEAKSCAN_BIN  use this leakscan binary instead of `cargo build --release -p leakscan`
#   PEERS_DIR     where peers are installed (default /tmp/leakscan-peers); reused when present
#   CORPUS_DIR    where corpora are generated (default /tmp/leakscan-corpus); reused when present
#   RAW_DIR       raw outputs and logs of this run (default /tmp/leakscan-compare; emptied first)
#   KINGFISHER_VENV  an existing venv with kingfisher-bin to reuse (default /tmp/kfenv)
#   COMPARE_TOOLS space-separated subset of tools to run (default: all; leakscan first)
#   LEAKSCAN_CHECKS  leakscan's --checks (default `secrets`: like for like with the peers,
#                 which have no configuration checks; `secrets,config` for leakscan's default)
#   TIMEOUT       seconds per run (default 600, 180 with --quick)
#   RUNS          timed runs per tool and corpus (default 3, 1 with --quick)
#   SLOW          a warm-up longer than this many seconds is the only timed run (default 60)
#   PREDICT       1 (default): detect-secrets is run on a whole corpus only when its throughput on
#                 the subset predicts that it finishes within TIMEOUT; 0: always run it
#   THREADS       worker threads given to every tool that takes a thread count (default 2)
#   RESULTS       the report to write (default benches/RESULTS.md)
#   ACCURACY_DIR  the labelled corpus (default fixtures/accuracy: evaluate.py, corpus/, labels.toml)
#
# Every run is timed by bash's clock (wall seconds, to the millisecond) and measured with
# `/usr/bin/time -f '%M'` (peak RSS KiB) under
# `timeout`; each tool gets one untimed warm-up run per corpus first (which also warms the page
# cache). A tool whose warm-up times out or crashes is recorded as such and not run again on that
# corpus; a warm-up longer than SLOW seconds counts as the only timed run, and one longer than
# TIMEOUT/RUNS is followed by a single timed run. detect-secrets and secretlint, far too slow for
# the whole trees, also get a row for a fixed 1,000-file subset of small-files (measured first);
# detect-secrets runs on a whole corpus only when that subset predicts it can finish in time
# (PREDICT=0: always). A peer that
# cannot be installed is recorded as "not installed (reason)". Corpora are deterministic (seeded).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

QUICK=0
INSTALL_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --install-only) INSTALL_ONLY=1 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument: $arg (see --help)" >&2; exit 2 ;;
  esac
done

PEERS_DIR=${PEERS_DIR:-/tmp/leakscan-peers}
LS_CHECKS=${LEAKSCAN_CHECKS:-secrets}
CORPUS_DIR=${CORPUS_DIR:-/tmp/leakscan-corpus}
RAW_DIR=${RAW_DIR:-/tmp/leakscan-compare}
KINGFISHER_VENV=${KINGFISHER_VENV:-/tmp/kfenv}
THREADS=${THREADS:-2}
RESULTS=${RESULTS:-$ROOT/benches/RESULTS.md}
if [ "$QUICK" = 1 ]; then
  RUNS=${RUNS:-1}
  TIMEOUT=${TIMEOUT:-180}
else
  RUNS=${RUNS:-3}
  TIMEOUT=${TIMEOUT:-600}
fi
SLOW=${SLOW:-60}
PREDICT=${PREDICT:-1}
PY=python3
export PYTHONDONTWRITEBYTECODE=1  # the generators import benches/fake_tokens.py
HELPER="$ROOT/benches/compare.py"

say() { printf '[compare] %s\n' "$*" >&2; }
die() { printf '[compare] error: %s\n' "$*" >&2; exit 1; }

for tool in python3 git timeout /usr/bin/time flock; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

mkdir -p "$PEERS_DIR" "$CORPUS_DIR"
exec 9>"$CORPUS_DIR/.compare.lock"
flock -n 9 || die "another compare.sh is running (lock $CORPUS_DIR/.compare.lock)"

rm -rf "$RAW_DIR"
mkdir -p "$RAW_DIR/out" "$RAW_DIR/logs"
RECORDS="$RAW_DIR/records.jsonl"
META="$RAW_DIR/meta.json"
: >"$RECORDS"
echo '{}' >"$META"
meta() { "$PY" "$HELPER" meta "$META" "$@"; }

# ---------------------------------------------------------------- 1. leakscan
if [ -n "${LEAKSCAN_BIN:-}" ]; then
  LS_BIN=$LEAKSCAN_BIN
  [ -x "$LS_BIN" ] || die "LEAKSCAN_BIN=$LS_BIN is not an executable"
  say "leakscan: using LEAKSCAN_BIN=$LS_BIN (no build)"
else
  command -v cargo >/dev/null || die "cargo not found (or set LEAKSCAN_BIN)"
  say "leakscan: cargo build --release -p leakscan"
  cargo build --release --quiet -p leakscan
  LS_BIN=$ROOT/target/release/leakscan
fi
LS_BIN=$(readlink -f "$LS_BIN")
meta version leakscan "$("$LS_BIN" --version 2>&1 | head -n 1) (run with --checks $LS_CHECKS)"
meta install leakscan "ok" "$LS_BIN"

# ---------------------------------------------------------------- 2. peers
# Each install_* sets its *_BIN and returns 0, or prints a reason and returns 1.
# Install output goes to $RAW_DIR/logs/install-NAME.log.
declare -A STATUS=()
KF_BIN="" DS_BIN="" RS_BIN="" SL_BIN="" SL_RC="" RG_BIN=""

install_log() { echo "$RAW_DIR/logs/install-$1.log"; }
last_line() { grep -v '^\s*$' "$1" | tail -n 1 | cut -c1-160; }

find_kingfisher() { # the real binary inside a venv (the console script is a Python wrapper)
  local bin
  bin=$(ls "$1"/lib/python3*/site-packages/kingfisher/bin/kingfisher 2>/dev/null | head -n 1 || true)
  [ -n "$bin" ] && [ -x "$bin" ] && echo "$bin"
}

install_kingfisher() {
  local venv=$PEERS_DIR/kingfisher-venv log bin
  log=$(install_log kingfisher)
  for cand in "$venv" "$KINGFISHER_VENV"; do
    if bin=$(find_kingfisher "$cand"); then
      KF_BIN=$bin; echo "reused $cand"; return 0
    fi
  done
  rm -rf "$venv"
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet kingfisher-bin; } >"$log" 2>&1; then
    echo "pip install kingfisher-bin failed: $(last_line "$log")"; return 1
  fi
  bin=$(find_kingfisher "$venv") || { echo "kingfisher-bin installed no binary"; return 1; }
  KF_BIN=$bin; echo "installed into $venv"
}

install_detect_secrets() {
  local venv=$PEERS_DIR/detect-secrets-venv log
  log=$(install_log detect-secrets)
  if [ -x "$venv/bin/detect-secrets" ]; then DS_BIN=$venv/bin/detect-secrets; echo "reused $venv"; return 0; fi
  rm -rf "$venv"
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet detect-secrets; } >"$log" 2>&1; then
    echo "pip install detect-secrets failed: $(last_line "$log")"; return 1
  fi
  DS_BIN=$venv/bin/detect-secrets; echo "installed into $venv"
}

install_ripsecrets() {
  local root=$PEERS_DIR/cargo log
  log=$(install_log ripsecrets)
  if [ -x "$root/bin/ripsecrets" ]; then RS_BIN=$root/bin/ripsecrets; echo "reused $root"; return 0; fi
  command -v cargo >/dev/null || { echo "cargo not found"; return 1; }
  if ! cargo install --locked --quiet ripsecrets --root "$root" >"$log" 2>&1; then
    echo "(retrying without --locked)" >>"$log"
    cargo install --quiet ripsecrets --root "$root" >>"$log" 2>&1 \
      || { echo "cargo install ripsecrets failed: $(last_line "$log")"; return 1; }
  fi
  RS_BIN=$root/bin/ripsecrets; echo "installed with cargo install --root $root"
}

install_secretlint() {
  local prefix=$PEERS_DIR/npm log
  log=$(install_log secretlint)
  SL_RC=$prefix/.secretlintrc.json
  mkdir -p "$prefix"
  printf '%s\n' '{ "rules": [ { "id": "@secretlint/secretlint-rule-preset-recommend" } ] }' >"$SL_RC"
  if [ -x "$prefix/node_modules/.bin/secretlint" ] \
    && [ -d "$prefix/node_modules/@secretlint/secretlint-rule-preset-recommend" ]; then
    SL_BIN=$prefix/node_modules/.bin/secretlint; echo "reused $prefix"; return 0
  fi
  command -v npm >/dev/null || { echo "npm not found"; return 1; }
  if ! npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
    secretlint @secretlint/secretlint-rule-preset-recommend >"$log" 2>&1; then
    echo "npm install secretlint failed: $(last_line "$log")"; return 1
  fi
  SL_BIN=$prefix/node_modules/.bin/secretlint; echo "installed with npm into $prefix"
}

install_ripgrep() {
  local root=$PEERS_DIR/cargo log
  log=$(install_log ripgrep)
  if command -v rg >/dev/null; then RG_BIN=$(command -v rg); echo "reused $RG_BIN"; return 0; fi
  if [ -x "$root/bin/rg" ]; then RG_BIN=$root/bin/rg; echo "reused $root"; return 0; fi
  command -v cargo >/dev/null || { echo "cargo not found"; return 1; }
  cargo install --locked --quiet ripgrep --root "$root" >"$log" 2>&1 \
    || { echo "cargo install ripgrep failed: $(last_line "$log")"; return 1; }
  RG_BIN=$root/bin/rg; echo "installed with cargo install --root $root"
}

tool_version() {
  case "$1" in
    kingfisher) "$KF_BIN" --version ;;
    detect-secrets) echo "detect-secrets $("$DS_BIN" --version)" ;;
    ripsecrets) "$RS_BIN" --version ;;
    secretlint) echo "secretlint $("$SL_BIN" --version)" ;;
    ripgrep | ripgrep-all) "$RG_BIN" --version ;;
  esac 2>&1 | sed -n 1p || true  # sed reads all: no SIGPIPE for the tool under pipefail
}

PEERS=(kingfisher detect-secrets ripsecrets secretlint ripgrep)
for peer in "${PEERS[@]}"; do
  say "$peer: installing (or reusing)…"
  fn=install_${peer//-/_}
  msgfile=$RAW_DIR/logs/install-$peer.msg
  # not in $(…): the install functions set *_BIN in this shell
  if "$fn" >"$msgfile"; then
    STATUS[$peer]=ok
    msg=$(cat "$msgfile")
    say "$peer: $msg"
    meta install "$peer" ok "$msg"
    version=$(tool_version "$peer")
    meta version "$peer" "${version:-?}"
  else
    msg=$(cat "$msgfile")
    STATUS[$peer]="not installed (${msg:-unknown reason})"
    say "$peer: ${STATUS[$peer]}"
    meta install "$peer" "${STATUS[$peer]}" ""
  fi
done
# `ripgrep-all` is ripgrep made to read every byte (see set_cmd).
STATUS[ripgrep-all]=${STATUS[ripgrep]}
if [ "${STATUS[ripgrep]}" = ok ]; then meta version ripgrep-all "$(tool_version ripgrep)"; fi

# ---------------------------------------------------------------- 3. corpora
CRATES=$CORPUS_DIR/crates
LOG=$CORPUS_DIR/log-1g.log
HISTORY=$CORPUS_DIR/history.git
SMALL=$CORPUS_DIR/small-files
SMALL_SUBSET=$SMALL/pkg007  # 1,000 files (2 planted tokens): the slow tools' extra row
SUBSET_TOOLS=(detect-secrets secretlint)
GEN_LOG_CMD=(python3 benches/gen_log.py 1000 --seed 7 --tokens 500)
GEN_HISTORY_ARGS=(--commits 20000 --mb 200 --seed 7)
GEN_SMALL_ARGS=(--files 100000 --seed 7 --tokens 25)

if [ ! -d "$CRATES" ]; then
  src=$(ls -d "$HOME"/.cargo/registry/src/*/ 2>/dev/null | head -n 1 || true)
  [ -n "$src" ] || die "no crate sources under ~/.cargo/registry/src to copy for the crates corpus"
  say "corpus crates: copying $src"
  rm -rf "$CRATES.tmp"
  mkdir -p "$CRATES.tmp"
  cp -r "$src". "$CRATES.tmp"/
  mv "$CRATES.tmp" "$CRATES"
fi
if [ ! -f "$LOG" ]; then
  say "corpus log: ${GEN_LOG_CMD[*]} (1 GB, takes a few minutes)"
  "${GEN_LOG_CMD[@]}" >"$LOG.tmp"
  mv "$LOG.tmp" "$LOG"
fi
if [ ! -d "$HISTORY" ]; then
  say "corpus history: benches/gen_git_history.py ${GEN_HISTORY_ARGS[*]}"
  rm -rf "$HISTORY.tmp"
  python3 benches/gen_git_history.py "$HISTORY.tmp" "${GEN_HISTORY_ARGS[@]}" >&2
  mv "$HISTORY.tmp" "$HISTORY"
fi
if [ ! -d "$SMALL" ]; then
  say "corpus small-files: benches/gen_small_files.py ${GEN_SMALL_ARGS[*]}"
  rm -rf "$SMALL.tmp"
  python3 benches/gen_small_files.py "$SMALL.tmp" "${GEN_SMALL_ARGS[@]}" 2>"$CORPUS_DIR/small-files.planted" >&2
  mv "$SMALL.tmp" "$SMALL"
fi
meta generator crates "cp -r ~/.cargo/registry/src/*/. $CRATES (fixed copy, made once)"
meta generator log "${GEN_LOG_CMD[*]} > $LOG"
meta generator history "python3 benches/gen_git_history.py $HISTORY ${GEN_HISTORY_ARGS[*]}"
meta generator small-files "python3 benches/gen_small_files.py $SMALL ${GEN_SMALL_ARGS[*]}"

dir_bytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}'; }
dir_files() { find "$1" -type f | wc -l; }
declare -A BYTES=(
  [crates]=$(dir_bytes "$CRATES") [log]=$(stat -c %s "$LOG")
  [small-files]=$(dir_bytes "$SMALL") [small-files-subset]=$(dir_bytes "$SMALL_SUBSET")
)
meta corpus crates "$CRATES" "${BYTES[crates]}" "$(dir_files "$CRATES") files"
meta corpus log "$LOG" "${BYTES[log]}" "1 file, read from stdin where the tool can"
meta corpus small-files "$SMALL" "${BYTES[small-files]}" "$(dir_files "$SMALL") files"
meta corpus small-files-subset "$SMALL_SUBSET" "${BYTES[small-files-subset]}" "$(dir_files "$SMALL_SUBSET") files"
# the history's bytes come from leakscan's stats.bytes, recorded after its first run below

if [ "$INSTALL_ONLY" = 1 ]; then
  say "--install-only: tools and corpora ready"
  exit 0
fi

# ---------------------------------------------------------------- 4. runs
# set_cmd TOOL CORPUS OUT: sets CMD (array), STDIN (file or empty), OUTFILE (where the report
# lands: OUT or OUT.stdout), OKRC (exit codes that mean success); returns 1 with a reason on
# stdout when the tool does not apply to the corpus.
set_cmd() {
  local tool=$1 corpus=$2 out=$3 target
  STDIN="" OUTFILE=$out
  case "$corpus" in
    crates) target=$CRATES ;;
    small-files) target=$SMALL ;;
    small-files-subset) target=$SMALL_SUBSET ;;
    log) target=$LOG ;;
    history) target=$HISTORY ;;
  esac
  case "$tool" in
    leakscan)
      OKRC="0 1 3"
      case "$corpus" in
        log) CMD=("$LS_BIN" scan --no-progress --checks "$LS_CHECKS" -j "$THREADS" -f json -o "$out" -); STDIN=$LOG ;;
        history) CMD=("$LS_BIN" git --no-progress --checks "$LS_CHECKS" -j "$THREADS" -f json -o "$out" "$HISTORY") ;;
        *) CMD=("$LS_BIN" scan --no-progress --no-ignore --checks "$LS_CHECKS" -j "$THREADS" -f json -o "$out" "$target") ;;
      esac ;;
    kingfisher)
      OKRC="0 200 205"
      CMD=("$KF_BIN" scan --no-update-check --no-validate -j "$THREADS" -q -f json -o "$out")
      case "$corpus" in
        log) CMD+=(--max-file-size 0 -); STDIN=$LOG ;;  # default 256 MB would skip the log
        history) CMD+=(--git-history full "$HISTORY") ;;
        *) CMD+=("$target") ;;
      esac ;;
    detect-secrets)
      [ "$corpus" = history ] && { echo "n/a: no git-history mode"; return 1; }
      OKRC="0 1"
      OUTFILE=$out.stdout
      # it only scans paths under its working directory (its own -C does not help with a
      # file argument): run it inside the target
      if [ "$corpus" = log ]; then
        CMD=(env -C "$(dirname "$LOG")" "$DS_BIN" -c "$THREADS" scan --all-files "$(basename "$LOG")")
      else
        CMD=(env -C "$target" "$DS_BIN" -c "$THREADS" scan --all-files .)
      fi ;;
    ripsecrets)
      [ "$corpus" = history ] && { echo "n/a: no git-history mode"; return 1; }
      OKRC="0 1"
      OUTFILE=$out.stdout
      CMD=("$RS_BIN" "$target") ;;
    secretlint)
      [ "$corpus" = history ] && { echo "n/a: no git-history mode"; return 1; }
      OKRC="0 1"
      if [ "$corpus" = log ]; then target=$LOG; else target="$target/**/*"; fi
      CMD=("$SL_BIN" --secretlintrc "$SL_RC" --format json --output "$out" "$target") ;;
    ripgrep | ripgrep-all)
      [ "$corpus" = history ] && { echo "n/a: no git-history mode"; return 1; }
      OKRC="0 1"
      OUTFILE=$out.stdout
      CMD=("$RG_BIN" -c)
      # ripgrep-all reads every byte leakscan reads: binary files searched whole (`-a`; by
      # default rg stops at a file's first NUL byte) and hidden files too.
      [ "$tool" = ripgrep-all ] && CMD+=(-a --hidden)
      CMD+=(-j"$THREADS" --no-ignore ghp_ "$target") ;;
  esac
}

# run_once OUT: runs CMD once; sets RC, SECS, RSS_KB, STATE (ok | timeout | crash).
run_once() {
  local out=$1 tlog=$1.time
  rm -f "$out" "$out.stdout" "$out.stderr" "$tlog"
  local started=$EPOCHREALTIME ended
  set +e
  timeout -k 10 "$TIMEOUT" /usr/bin/time -f '%e %M' -o "$tlog" "${CMD[@]}" \
    <"${STDIN:-/dev/null}" >"$out.stdout" 2>"$out.stderr"
  RC=$?
  set -e
  ended=$EPOCHREALTIME
  SECS="" RSS_KB=""
  if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
    STATE=timeout
    return
  fi
  # Wall time to the millisecond from bash's clock (`time`'s %e has centiseconds: too coarse for
  # ratios of 0.07 s and 0.2 s runs); `time` still gives the peak RSS, and its line says the
  # command ran to its end.
  if [ -s "$tlog" ]; then
    read -r SECS RSS_KB < <(tail -n 1 "$tlog")
    SECS=$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.3f", b - a }')
  fi
  STATE=crash
  for ok in $OKRC; do [ "$RC" = "$ok" ] && STATE=ok; done
  [ -n "$SECS" ] || STATE=crash
}

# measure CORPUS TOOL [BYTES]: warm-up, timed runs, one record (BYTES: a subset's size).
measure() {
  local corpus=$1 tool=$2 bytes=${3:-} out cmdline reason status runs note times rss findings extra i
  out=$RAW_DIR/out/$corpus.$tool.json
  if [ "${STATUS[$tool]:-ok}" != ok ]; then
    "$PY" "$HELPER" record "$RECORDS" "$corpus" "$tool" "${STATUS[$tool]}" "" "" "" ""
    return
  fi
  if ! reason=$(set_cmd "$tool" "$corpus" "$out"); then
    "$PY" "$HELPER" record "$RECORDS" "$corpus" "$tool" "$reason" "" "" "" ""
    return
  fi
  set_cmd "$tool" "$corpus" "$out"
  cmdline=$(printf '%q ' "${CMD[@]}")
  [ -n "$STDIN" ] && cmdline+="< $(printf '%q' "$STDIN")"
  if [ "$PREDICT" = 1 ] && [[ " ${PREDICT_TOOLS[*]} " == *" $tool "* ]] && [ -n "${SUBSET_SECS[$tool]:-}" ] \
    && [ -z "$bytes" ] && [ -n "${BYTES[$corpus]:-}" ]; then
    local predicted
    predicted=$(awk -v b="${BYTES[$corpus]}" -v sb="${BYTES[small-files-subset]}" -v s="${SUBSET_SECS[$tool]}" \
      'BEGIN { printf "%d", b / sb * s }')
    if [ "$predicted" -gt "$TIMEOUT" ]; then
      status="timeout (predicted: ~${predicted} s at its speed on the subset, > ${TIMEOUT} s; not run)"
      say "$corpus / $tool: $status"
      "$PY" "$HELPER" record "$RECORDS" "$corpus" "$tool" "$status" "" "" "" "$cmdline"
      return
    fi
  fi
  say "$corpus / $tool: warm-up (timeout ${TIMEOUT} s)"
  run_once "$out"
  if [ "$STATE" != ok ]; then
    if [ "$STATE" = timeout ]; then status="timeout (> ${TIMEOUT} s)"; else status="crash (exit $RC)"; fi
    say "$corpus / $tool: $status; see $out.stderr"
    "$PY" "$HELPER" record "$RECORDS" "$corpus" "$tool" "$status" "" "" "" "$cmdline" "$out.stderr" "" "$bytes"
    return
  fi
  runs=$RUNS note="" times="" rss="" status=ok
  if awk -v s="$SECS" -v slow="$SLOW" 'BEGIN { exit !(s > slow) }'; then
    # slow tool: the page cache is already warm from the tools before it; do not repeat
    say "$corpus / $tool: warm-up took ${SECS} s (> ${SLOW} s): counted as the only timed run"
    runs=0 times="$SECS," rss="$RSS_KB,"
    note="one run (the warm-up; over ${SLOW} s, so not repeated)"
  elif awk -v s="$SECS" -v r="$RUNS" -v t="$TIMEOUT" 'BEGIN { exit !(s * r > t) }'; then
    runs=1
    [ "$RUNS" -gt 1 ] && note="one timed run (warm-up took ${SECS} s)"
  fi
  for ((i = 1; i <= runs; i++)); do
    run_once "$out"
    if [ "$STATE" != ok ]; then
      if [ "$STATE" = timeout ]; then status="timeout (> ${TIMEOUT} s) in run $i"; else status="crash (exit $RC) in run $i"; fi
      break
    fi
    say "$corpus / $tool: run $i: ${SECS} s, $((RSS_KB / 1024)) MiB"
    times+="$SECS," rss+="$RSS_KB,"
  done
  findings=""
  if [ "$status" = ok ]; then
    findings=$("$PY" "$HELPER" count "$tool" "$OUTFILE" || echo "?")
    extra=$("$PY" "$HELPER" extra "$tool" "$OUTFILE" || true)
    [ -n "$extra" ] && note=${note:+$note; }$extra
    say "$corpus / $tool: $findings findings"
  fi
  "$PY" "$HELPER" record "$RECORDS" "$corpus" "$tool" "$status" "${times%,}" "${rss%,}" "$findings" "$cmdline" "$out.stderr" "$note" "$bytes"
  if [ -n "$bytes" ] && [ "$status" = ok ]; then
    SUBSET_SECS[$tool]=$(printf '%s\n' ${times//,/ } | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  fi
  if [ "$tool" = leakscan ] && [ "$corpus" = history ] && [ "$status" = ok ]; then
    hbytes=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["stats"]["bytes"])' "$out")
    meta corpus history "$HISTORY" "$hbytes" "$(git --git-dir="$HISTORY" rev-list --all --count) commits; bytes: leakscan's stats.bytes (unique blobs)"
  fi
}

CORPORA=(crates log history small-files)
read -ra TOOLS <<< "${COMPARE_TOOLS:-leakscan kingfisher detect-secrets ripsecrets secretlint ripgrep ripgrep-all}"

# warm_cache PATH: reads every file under PATH once, so that the first tool on a corpus does not
# pay for a cold page cache (a tool's own warm-up longer than SLOW counts as its only run).
warm_cache() {
  say "warming the page cache: $1"
  find "$1" -type f -print0 | xargs -0 -r cat >/dev/null 2>&1 || true
}
PREDICT_TOOLS=(detect-secrets)
declare -A SUBSET_SECS=()
# detect-secrets and secretlint are far too slow for the whole trees: measure them on a fixed
# subset first, so that they get a throughput figure (and detect-secrets a prediction)
for tool in "${SUBSET_TOOLS[@]}"; do
  [[ " ${TOOLS[*]} " == *" $tool "* ]] || continue
  measure small-files-subset "$tool" "${BYTES[small-files-subset]}"
done
declare -A CORPUS_PATH=([crates]=$CRATES [log]=$LOG [history]=$HISTORY [small-files]=$SMALL)
for corpus in "${CORPORA[@]}"; do
  warm_cache "${CORPUS_PATH[$corpus]}"
  for tool in "${TOOLS[@]}"; do
    measure "$corpus" "$tool"
  done
done

# ---------------------------------------------------------------- 6. accuracy
ACC=${ACCURACY_DIR:-$ROOT/fixtures/accuracy}
if [ -f "$ACC/evaluate.py" ]; then
  say "accuracy: fixtures/accuracy/evaluate.py"
  eval_args=()
  eval_help=$(LEAKSCAN_BIN=$LS_BIN timeout 60 python3 "$ACC/evaluate.py" --help 2>&1 || true)
  if grep -q -- '--leakscan-bin' <<<"$eval_help"; then eval_args=(--leakscan-bin "$LS_BIN")
  elif grep -q -- '--leakscan' <<<"$eval_help"; then eval_args=(--leakscan "$LS_BIN")
  elif grep -q -- '--bin' <<<"$eval_help"; then eval_args=(--bin "$LS_BIN")
  fi
  if grep -q -- '--quiet' <<<"$eval_help"; then eval_args+=(--quiet); fi  # the summary only
  set +e
  LEAKSCAN_BIN=$LS_BIN timeout "$TIMEOUT" python3 "$ACC/evaluate.py" "${eval_args[@]}" \
    >"$RAW_DIR/logs/evaluate.out" 2>&1
  erc=$?
  set -e
  meta evaluate "$erc" "LEAKSCAN_BIN=$LS_BIN python3 $ACC/evaluate.py${eval_args[*]:+ ${eval_args[*]}}" "$RAW_DIR/logs/evaluate.out"
else
  say "accuracy: fixtures/accuracy/evaluate.py not found; skipped"
fi
if [ -d "$ACC/corpus" ] && [ -f "$ACC/labels.toml" ] && [ "${STATUS[kingfisher]}" = ok ]; then
  say "accuracy: Kingfisher over fixtures/accuracy/corpus"
  kf_out=$RAW_DIR/out/accuracy.kingfisher.json
  kf_cmd=("$KF_BIN" scan --no-update-check --no-validate --no-dedup -j "$THREADS" -q -f json -o "$kf_out" "$ACC/corpus")
  set +e
  timeout "$TIMEOUT" "${kf_cmd[@]}" >"$RAW_DIR/logs/accuracy.kingfisher.log" 2>&1
  krc=$?
  set -e
  meta kf_accuracy "$krc" "$(printf '%q ' "${kf_cmd[@]}")" "$kf_out" "$ACC/corpus" "$ACC/labels.toml"
elif [ -d "$ACC/corpus" ]; then
  say "accuracy: Kingfisher not run (labels.toml missing or Kingfisher not installed)"
fi

# ---------------------------------------------------------------- 5. report
meta machine "$(nproc)" "$(grep -m 1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(uname -sr)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
meta settings "$RUNS" "$TIMEOUT" "$THREADS" "$QUICK"
"$PY" "$HELPER" report "$META" "$RECORDS" "$RESULTS"
say "wrote $RESULTS (raw outputs and logs in $RAW_DIR)"
