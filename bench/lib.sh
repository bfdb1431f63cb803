# Sourced by the CPU benchmarks, after scripts/lib.sh.

# Compiles the benchmark classes and sets BENCH_CP: them, then the CLI jar (the bare baselines run on the same
# libraries as ddb2sf).
bench_classes() {
  if [[ -z "$(find "$ROOT/jobs/src/test/java/io/ddb2sf/bench" -newer "$ROOT/jobs/target/test-classes/io/ddb2sf/bench/BareStreamRead.class" -print -quit 2>/dev/null)" \
        && -f "$ROOT/jobs/target/test-classes/io/ddb2sf/bench/BareStreamRead.class" ]]; then :; else
    log "compiling the benchmark classes"
    mvnw -q -pl jobs -am test-compile
  fi
  BENCH_CP="$ROOT/jobs/target/test-classes:$ROOT/jobs/target/ddb2sf.jar"
}

# Runs a command; prints its user + system CPU seconds, a space, and its standard output. Its standard error goes to
# .stack/bench.err.
cpu_of() {
  local out
  out="$(/usr/bin/time -f '%U %S' -o "$STACK_DIR/bench.time" "$@" 2>"$STACK_DIR/bench.err")" \
    || { tail -5 "$STACK_DIR/bench.err" >&2; die "failed: $*"; }
  printf '%s %s\n' "$(awk '{ printf "%.2f", $1 + $2 }' "$STACK_DIR/bench.time")" "$out"
}

# Deletes a table's stage prefix (parts, manifests, checkpoint), so the next export starts afresh.
drop_stage() {
  "$VENV/bin/python" -c "
import boto3
s3 = boto3.resource('s3', endpoint_url='$DDB2SF_S3_ENDPOINT', region_name='us-east-1', aws_access_key_id='local', aws_secret_access_key='local')
s3.Bucket('ddb2sf-local').objects.filter(Prefix='ddb2sf/$1/').delete()"
}

# One field of a job's JSON summary.
json_field() { "$VENV/bin/python" -c "import json, sys; print(json.loads(sys.argv[2])[sys.argv[1]])" "$1" "$2"; }

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
