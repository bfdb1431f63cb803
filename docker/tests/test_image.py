"""The ddb2sf image as Jib builds it, and the AOT cache docker/aot.Dockerfile adds to it, checked offline.

Registries are out of reach here, so the base image is made on the spot: a jlink'ed JRE of the JDK running the build
(25 here, as the production base eclipse-temurin:25-jre) and the shared libraries it links against, saved as a
docker-archive tarball that `-Djib.from.image=tar://...` accepts. No Docker either: as root, the image's layers are
unpacked into a folder and its commands run there in a chroot, the Dockerfile's training run among them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "docker" / "aot.Dockerfile"
JAVA_HOME = Path(os.environ.get("JAVA_HOME", "/usr/lib/jvm/default-java"))
JRE = "/opt/java/openjdk"


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    work = tmp_path_factory.mktemp("image")
    base = build_base_image(work)
    out = work / "ddb2sf-image.tar"
    revision = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    subprocess.run([str(REPO / "mvnw"), "-B", "-ntp", "-q", "-pl", "jobs", "-am", "-Pimage-tar", "-DskipTests", "package",
                    f"-Djib.from.image=tar://{base}", f"-Djib.outputPaths.tar={out}",
                    f"-Dimage.revision={revision or 'unknown'}"], cwd=REPO, check=True)
    with tarfile.open(out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))[0]
        config = json.load(tar.extractfile(manifest["Config"]))
        tar.extractall(work / "layers", filter="data")
    return {"work": work, "manifest": manifest, "config": config, "revision": revision}


SIDES = ("stream", "warehouse")
# What a JVM that starts from a cache adds after -XX:AOTCache (the entrypoint; scripts/lib.sh, DDB2SF_CACHE_FLAGS).
CACHE_USE_FLAGS = ["-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTReplayTraining"]
# The JIT thresholds of a side's jobs (the entrypoint's "$jit"; scripts/lib.sh, ddb2sf_jit).
JIT = {"stream": "-XX:CompileThresholdScaling=1", "warehouse": "-XX:CompileThresholdScaling=10"}


def entrypoint_script(image) -> str:
    """The entrypoint script as the image ships it."""
    for layer in image["manifest"]["Layers"]:
        with tarfile.open(image["work"] / "layers" / layer) as t:
            if "app/ddb2sf" in t.getnames():
                member = t.getmember("app/ddb2sf")
                assert member.mode & 0o111, "the entrypoint script must be executable"
                return t.extractfile(member).read().decode()
    raise AssertionError("no /app/ddb2sf in the image")


def entrypoint_java(image) -> list[str]:
    """The java command the entrypoint script execs, as words: "$side" and "$@" left as they are written."""
    line = next(ln for ln in entrypoint_script(image).splitlines() if ln.startswith("exec java "))
    return shlex.split(line)[1:]


def test_entrypoint_is_the_script_that_runs_the_cli_with_the_flags_the_snowflake_driver_needs(image):
    assert image["config"]["config"]["Entrypoint"] == ["/app/ddb2sf"]
    java = entrypoint_java(image)
    assert java[0] == "java"
    assert "--add-opens=java.base/java.nio=ALL-UNNAMED" in java
    assert "-XX:MaxRAMPercentage=75" in java
    assert java[-2:] == ["io.ddb2sf.cli.Main", "$@"]
    assert java[java.index("-cp") + 1] == "@/app/jib-classpath-file"


def test_entrypoint_runs_short_jobs_with_c1_only_and_the_serial_collector(image):
    # bench/README.md, "CPU against a bare baseline, and the fixed cost": a third to a half less CPU per export.
    java = entrypoint_java(image)
    assert "-XX:TieredStopAtLevel=1" in java
    assert "-XX:+UseSerialGC" in java


def test_entrypoint_starts_from_its_sides_aot_cache_and_keeps_the_jvms_messages_off_stdout(image):
    java = entrypoint_java(image)
    assert "-XX:AOTCache=/app/aot/$side.aot" in java
    assert java.index("-Xlog:disable") < java.index("-Xlog:all=warning:stderr")


def test_entrypoint_does_not_replay_the_trainings_compilations(image):
    # bench/README.md, "One start-up cache per side": a sixth of an empty hour's CPU. The flags follow the cache,
    # so the Dockerfile's training runs (training_command) leave them out.
    java = entrypoint_java(image)
    at = java.index("-XX:AOTCache=/app/aot/$side.aot")
    assert java[at + 1:at + 3] == CACHE_USE_FLAGS
    local = subprocess.run(["bash", "-c", f'source "{REPO}/scripts/lib.sh" && echo "${{DDB2SF_CACHE_FLAGS[@]}}"'],
                           capture_output=True, text=True, check=True).stdout.split()
    assert local == CACHE_USE_FLAGS


@pytest.mark.parametrize("job, side", [("copy-load", "warehouse"), ("merge-apply", "warehouse"), ("migrate", "warehouse"),
                                       ("prune", "warehouse"), ("export-increment", "stream"), ("stage-validate", "stream"),
                                       ("backfill", "stream"), ("verify", "stream"), ("--version", "stream")])
def test_entrypoint_picks_the_cache_of_the_jobs_side(image, tmp_path, job, side):
    # The script run by the shell with a java that prints what it was given.
    (tmp_path / "java").write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')
    (tmp_path / "java").chmod(0o755)
    (tmp_path / "ddb2sf").write_text(entrypoint_script(image))
    out = subprocess.run(["/bin/sh", str(tmp_path / "ddb2sf"), job, "--table", "it's"], env={"PATH": str(tmp_path)},
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert f"-XX:AOTCache=/app/aot/{side}.aot" in out
    # bench/README.md, "A lighter start for the warehouse jobs": the warehouse jobs compile less.
    assert [f for f in out if f.startswith("-XX:CompileThresholdScaling=")] == [JIT[side]]
    assert out[-3:] == [job, "--table", "it's"]
    # Local runs (scripts/lib.sh, ddb2sf_java) pick the same side and thresholds.
    local = subprocess.run(["bash", "-c", f'source "{REPO}/scripts/lib.sh" && ddb2sf_side "$1" && ddb2sf_jit "$1"', "-", job],
                           capture_output=True, text=True, check=True).stdout.split()
    assert local == [side, JIT[side]]


def test_runs_as_a_non_root_user_with_oci_labels(image):
    config = image["config"]["config"]
    assert config["User"] == "65532:65532"
    labels = config["Labels"]
    assert labels["org.opencontainers.image.title"] == "ddb2sf"
    assert re.fullmatch(r"\d+\.\d+\.\d+(-SNAPSHOT)?", labels["org.opencontainers.image.version"])
    assert labels["org.opencontainers.image.revision"] == image["revision"]


def test_layers_split_dependencies_from_the_jobs_jar_on_top_of_the_base(image):
    files = {}
    for layer in image["manifest"]["Layers"]:
        with tarfile.open(image["work"] / "layers" / layer) as t:
            files[layer] = t.getnames()
    flat = [n for names in files.values() for n in names]
    # The jobs' classes as one jar, no classes folder: an AOT cache takes only jars on the class path.
    assert any(re.search(r"app/classpath/ddb2sf-jobs-[\w.-]+\.jar$", n) for n in flat)
    assert not any(n.startswith("app/classes") for n in flat)
    jar_layer = next(layer for layer, names in files.items() if any("app/classpath/" in n for n in names))
    deps_layer = next(layer for layer, names in files.items() if any(re.search(r"app/libs/snowflake-jdbc-[\d.]+\.jar$", n) for n in names))
    assert jar_layer != deps_layer  # a new build changes the small layer only
    assert any(n.endswith("opt/java/openjdk/bin/java") for n in flat)  # the base layer is kept


# --- docker/aot.Dockerfile, which no test here can build: its parts checked against the image Jib built ---

def dockerfile() -> dict:
    """ARG defaults, FROM lines, the RUN command (exec form) and the COPY line of docker/aot.Dockerfile."""
    lines = [ln.strip() for ln in DOCKERFILE.read_text().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    args = dict(ln.split(None, 1)[1].split("=", 1) for ln in lines if ln.startswith("ARG "))
    runs = [json.loads(ln.split(None, 1)[1]) for ln in lines if ln.startswith("RUN ")]
    copies = [ln.split()[1:] for ln in lines if ln.startswith("COPY ")]
    return {"args": args, "from": [ln.split()[1:] for ln in lines if ln.startswith("FROM ")], "runs": runs, "copies": copies}


def training_command(java: list[str], side: str) -> list[str]:
    """What the Dockerfile must run for a side: the entrypoint's java writing that side's cache instead of reading it,
    on a heap under 32 GB, running the training of that side."""
    at = java.index("-XX:AOTCache=/app/aot/$side.aot")
    # The flags that follow the cache (checked above) concern its use, and the jobs' thresholds their own run.
    rest = [w for w in java[at + 1 + len(CACHE_USE_FLAGS):-1] if w != "$jit"]
    return [*java[:at], "-Xmx1g", f"-XX:AOTCacheOutput=/tmp/{side}.aot", *rest, "warmup", "--side", side]


def test_dockerfile_starts_from_the_image_the_pom_builds(image):
    d = dockerfile()
    assert [d["args"]["IMAGE"]] == image["manifest"]["RepoTags"]
    assert d["from"] == [["${IMAGE}", "AS", "training"], ["${IMAGE}"]]


def test_the_image_script_trains_the_image_jib_builds_and_tags_the_result(image):
    out = subprocess.run([str(REPO / "scripts" / "image"), "registry.example/ddb2sf:1.2.3", "--push", "--dry-run"],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout.splitlines()
    jib, build, push = (line.split() for line in out)
    assert "jib:dockerBuild" in jib and "-DskipTests" in jib
    assert build[:4] == ["docker", "build", "-f", "docker/aot.Dockerfile"]
    assert build[build.index("--build-arg") + 1] == "IMAGE=" + image["manifest"]["RepoTags"][0]
    assert build[build.index("-t") + 1] == "registry.example/ddb2sf:1.2.3" and build[-1] == "docker"
    assert push == ["docker", "push", "registry.example/ddb2sf:1.2.3"]


def test_dockerfile_trains_each_side_with_the_entrypoints_flags_and_puts_the_caches_where_the_entrypoint_reads_them(image):
    java = entrypoint_java(image)
    d = dockerfile()
    assert d["runs"] == [training_command(java, side) for side in SIDES]
    assert d["copies"] == [["--from=training", *(f"/tmp/{side}.aot" for side in SIDES), "/app/aot/"]]


def test_the_training_command_is_a_hidden_subcommand_of_the_cli():
    main = (REPO / "jobs/src/main/java/io/ddb2sf/cli/Main.java").read_text()
    warmup = (REPO / "jobs/src/main/java/io/ddb2sf/cli/WarmupCommand.java").read_text()
    assert "WarmupCommand.class" in main
    assert re.search(r'@Command\(name = "warmup", hidden = true', warmup)


# --- the image run from its unpacked layers (root only: chroot) ---

needs_root = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("chroot"), reason="running the image needs root for chroot")


@pytest.fixture(scope="module")
def rootfs(image):
    root = image["work"] / "rootfs-run"
    for layer in image["manifest"]["Layers"]:
        with tarfile.open(image["work"] / "layers" / layer) as t:
            t.extractall(root, filter="fully_trusted")
    # A container has these; without /dev/urandom the JDK seeds SecureRandom by spinning threads for seconds.
    (root / "dev").mkdir(exist_ok=True)
    for name, minor in [("null", 3), ("random", 8), ("urandom", 9)]:
        os.mknod(root / "dev" / name, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        os.chmod(root / "dev" / name, 0o666)
    return root


def run_in_image(image, root: Path, command: list[str], env: dict | None = None, timeout: int = 300):
    config = image["config"]["config"]
    full_env = dict(e.split("=", 1) for e in config.get("Env", []))
    full_env["LD_LIBRARY_PATH"] = f"{JRE}/lib:{JRE}/lib/server"  # no /proc in a bare chroot to find them by
    full_env.update(env or {})
    return subprocess.run([shutil.which("chroot"), "--userspec", config["User"], str(root), *command],
                          env=full_env, capture_output=True, text=True, timeout=timeout)


@needs_root
def test_the_image_starts_the_cli_without_a_cache_and_keeps_stdout_clean(image, rootfs):
    entrypoint = image["config"]["config"]["Entrypoint"]
    for side in SIDES:
        (rootfs / "app" / "aot" / f"{side}.aot").unlink(missing_ok=True)
    out = run_in_image(image, rootfs, [*entrypoint, "--version"], timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "ddb2sf 0.1.0\n"  # the JVM's word on the missing cache went to stderr
    assert "[aot]" in out.stderr


@needs_root
def test_the_dockerfiles_training_runs_make_the_caches_the_entrypoint_uses_each_for_its_side(image, rootfs):
    entrypoint = image["config"]["config"]["Entrypoint"]
    caches = rootfs / "app" / "aot"
    caches.mkdir(exist_ok=True)
    # AOTMode=on fails the start when the cache the entrypoint names cannot be used (java(1), "Ahead-of-Time
    # Cache"); auto would run on without it.
    strict = {"JDK_JAVA_OPTIONS": "-XX:AOTMode=on"}
    try:
        for run, side in zip(dockerfile()["runs"], SIDES):
            trained = run_in_image(image, rootfs, run)
            assert trained.returncode == 0, trained.stderr[-3000:]
            made = rootfs / "tmp" / f"{side}.aot"
            assert made.stat().st_size > 10_000_000
            shutil.move(made, caches / f"{side}.aot")  # COPY --from=training
            if side == "stream":
                # Only the stream side's cache is there: a stream job starts from it, a warehouse job finds none.
                out = run_in_image(image, rootfs, [*entrypoint, "warmup", "--side", "stream"], env=strict)
                assert out.returncode == 0, out.stderr[-3000:]
                summary = json.loads(out.stdout)  # stdout is the one JSON line, nothing of the JVM's
                assert summary["export"]["rows"] == 4 and summary["validate"]["rows"] == 4
                refused = run_in_image(image, rootfs, [*entrypoint, "copy-load", "--help"], env=strict, timeout=120)
                assert refused.returncode != 0 and "[aot]" in refused.stderr
        out = run_in_image(image, rootfs, [*entrypoint, "copy-load", "--help"], env=strict, timeout=120)
        assert out.returncode == 0, out.stderr
        # Under the pods' JAVA_TOOL_OPTIONS (dags/ddb2sf_airflow/jobs.py) too.
        out = run_in_image(image, rootfs, [*entrypoint, "merge-apply", "--help"],
                           env={**strict, "JAVA_TOOL_OPTIONS": "-XX:MaxRAMPercentage=75"}, timeout=120)
        assert out.returncode == 0, out.stderr
    finally:
        for side in SIDES:
            (caches / f"{side}.aot").unlink(missing_ok=True)


@needs_root
def test_a_cache_that_does_not_match_is_ignored_and_the_job_runs(image, rootfs):
    entrypoint = image["config"]["config"]["Entrypoint"]
    cache = rootfs / "app" / "aot" / "stream.aot"
    cache.parent.mkdir(exist_ok=True)
    cache.write_bytes(b"not a cache of this JVM" * 1000)
    try:
        out = run_in_image(image, rootfs, [*entrypoint, "--version"], timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout == "ddb2sf 0.1.0\n"
        assert "[aot]" in out.stderr
    finally:
        cache.unlink(missing_ok=True)


def build_base_image(work: Path) -> Path:
    """A docker-archive tarball with one layer: a jlink'ed JRE at /opt/java/openjdk and the libraries it needs.

    With the modules the jobs use and the JDK's default CDS archive, as in eclipse-temurin's JRE."""
    root = work / "base-rootfs"
    jre = root / JRE.lstrip("/")
    jre.parent.mkdir(parents=True)
    subprocess.run([str(JAVA_HOME / "bin" / "jlink"), "--add-modules",
                    "java.se,jdk.unsupported,jdk.crypto.ec,jdk.zipfs,jdk.management,jdk.httpserver,jdk.net,jdk.charsets", "--strip-debug", "--generate-cds-archive",
                    "--no-man-pages", "--no-header-files", "--output", str(jre)], check=True, stdout=subprocess.DEVNULL)
    # The entrypoint is a shell script; eclipse-temurin's base (Ubuntu) has /bin/sh.
    shell = root / "bin" / "sh"
    shell.parent.mkdir(parents=True)
    shutil.copy2(os.path.realpath("/bin/sh"), shell)
    for lib in _linked_libraries([jre / "bin" / "java", *jre.glob("lib/**/*.so"), Path(os.path.realpath("/bin/sh"))]):
        target = root / lib.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(lib), target)
    (root / "tmp").mkdir()
    (root / "tmp").chmod(0o1777)  # as in the real base: the jobs (and the training run) write their scratch files there

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        for path in sorted(root.rglob("*")):
            t.add(path, arcname=str(path.relative_to(root)), recursive=False)
    layer_bytes = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "config": {"Env": [f"PATH={JRE}/bin:/usr/bin:/bin", f"JAVA_HOME={JRE}"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["ddb2sf-test-base:latest"],
                            "Layers": ["layer.tar"]}]).encode()
    out = work / "base.tar"
    with tarfile.open(out, "w") as t:
        for name, data in [("layer.tar", layer_bytes), ("config.json", config), ("manifest.json", manifest)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return out


def _linked_libraries(binaries: list[Path]) -> set[str]:
    libs = set()
    for b in binaries:
        out = subprocess.run(["ldd", str(b)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
            if m and not str(m.group(1)).startswith(str(b.parents[1])):
                libs.add(m.group(1))
    return libs
