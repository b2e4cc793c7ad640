#!/usr/bin/env bash
# The Textual tests (tests/test_tui_*.py) under load: three runs with two CPU-burning
# processes alongside, as on a busy 2-core machine, where the tests flaked before. Exits
# non-zero if any run fails, after a summary of each run.
#
#   tests/stress.sh                 # three runs of tests/test_tui_*.py
#   STRESS_RUNS=5 tests/stress.sh   # more runs
#   tests/stress.sh tests/test_tui_snapshots.py   # other test files or pytest options
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${STRESS_RUNS:-3}
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(tests/test_tui_*.py)
fi
python=.venv/bin/python
if [ ! -x "$python" ]; then
  echo "stress.sh: no $python; create it first (see README.md)" >&2
  exit 2
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/drp-stress.XXXXXX")  # each run's output, until the end
burners=()
tests_pid=
stop_burners() {
  if [ -n "$tests_pid" ]; then  # interrupted mid-run: the tests go too
    kill "$tests_pid" 2>/dev/null
    wait "$tests_pid" 2>/dev/null
    tests_pid=
  fi
  if [ ${#burners[@]} -gt 0 ]; then
    kill "${burners[@]}" 2>/dev/null
    wait "${burners[@]}" 2>/dev/null
  fi
  burners=()
}
trap 'stop_burners; rm -rf "$logs"' EXIT
trap 'exit 130' INT TERM  # the EXIT trap still stops the burners (and a run in progress)

for _ in 1 2; do
  yes >/dev/null &
  burners+=($!)
done
echo "stress: ${#burners[@]} CPU burners (pids ${burners[*]}) on $(nproc) cores; $runs runs of ${targets[*]}"

started=$(date +%s)
results=()
failed=0
for run in $(seq 1 "$runs"); do
  run_started=$(date +%s)
  log="$logs/run-$run.log"
  # In the background and waited for, so Ctrl+C or a kill reaches the trap at once.
  "$python" -m pytest "${targets[@]}" -q -p no:cacheprovider >"$log" 2>&1 &
  tests_pid=$!
  wait "$tests_pid"
  status=$?
  tests_pid=
  seconds=$(($(date +%s) - run_started))
  line=$(tail -n 1 "$log")  # pytest's own summary: "N passed in S s" or what failed
  if [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    echo "--- run $run failed (exit $status); its output:"
    cat "$log"
  fi
  results+=("run $run: exit $status in ${seconds}s: $line")
  echo "${results[-1]}"
done
stop_burners

echo
echo "=== stress summary: $runs runs with 2 CPU burners, $(($(date +%s) - started))s in all"
printf '  %s\n' "${results[@]}"
if [ "$failed" -gt 0 ]; then
  echo "FAILED: $failed of $runs runs"
  exit 1
fi
echo "PASSED: all $runs runs"
