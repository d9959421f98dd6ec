#!/usr/bin/env bash
# CI step: every libFuzzer target (Fuzz/Targets) runs for a share of a fixed budget on a copy of its
# committed seed corpus (.ci/fuzz). The whole step, build included, stays within about 8 minutes: the
# build runs first and what remains of FUZZ_BUDGET is split evenly between the targets (at least
# FUZZ_MIN_SECONDS each, at most FUZZ_MAX_SECONDS). Any crash, failed invariant, leak, hang or unbounded
# allocation fails CI, and the reproducer is printed in base64 by .ci/fuzz. The argument .ci/run passes
# (the mynagate binary) is not needed.
set -uo pipefail
cd "$(dirname "$0")/../.."
budget=${FUZZ_BUDGET:-450}
min_s=${FUZZ_MIN_SECONDS:-5}
max_s=${FUZZ_MAX_SECONDS:-60}
start=$SECONDS
.ci/fuzz --build-only || exit 1
built=$((SECONDS - start))
count=$(find Fuzz/Targets -mindepth 1 -maxdepth 1 -type d | wc -l)
# Each run costs a few seconds beyond -max_total_time (start-up, loading the seed corpus).
per=$(( (budget - built) / count - 3 ))
[ "$per" -lt "$min_s" ] && per=$min_s
[ "$per" -gt "$max_s" ] && per=$max_s
echo "fuzz: build took $built s; $count targets, $per s each"
.ci/fuzz --no-build --time "$per"
status=$?
echo "fuzz step: $((SECONDS - start)) s"
exit "$status"
