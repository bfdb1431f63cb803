"""The ddb2sf image as Jib builds it, checked offline.

Registries are out of reach here, so the base image is made on the spot: a jlink'ed JRE and the shared libraries it
links against, saved as a docker-archive tarball that `-Djib.from.image=tar://...` accepts. The production
configuration in jobs/pom.xml keeps naming eclipse-temurin:21-jre.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JAVA_HOME = Path(os.environ.get("JAVA_HOME", "/usr/lib/jvm/default-java"))
JRE = "/opt/java/openjdk"


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    work = tmp_path_factory.mktemp("image")
    base = build_base_image(work)
    out = work / "ddb2sf-image.tar"
    revision = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    subprocess.run([str(REPO / "mvnw"), "-B", "-ntp", "-q", "-pl", "jobs", "-Pimage-tar", "-DskipTests", "package",
                    f"-Djib.from.image=tar://{base}", f"-Djib.outputPaths.tar={out}",
                    f"-Dimage.revision={revision or 'unknown'}"], cwd=REPO, check=True)
    with tarfile.open(out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))[0]
        config = json.load(tar.extractfile(manifest["Config"]))
        tar.extractall(work / "layers", filter="data")
    return {"work": work, "manifest": manifest, "config": config, "revision": revision}


def test_entrypoint_runs_the_cli_with_the_flags_the_snowflake_driver_needs(image):
    entrypoint = image["config"]["config"]["Entrypoint"]
    assert entrypoint[0] == "java"
    assert "--add-opens=java.base/java.nio=ALL-UNNAMED" in entrypoint
    assert "-XX:MaxRAMPercentage=75" in entrypoint
    assert entrypoint[-1] == "io.ddb2sf.cli.Main"


def test_entrypoint_runs_short_jobs_with_c1_only_and_the_serial_collector(image):
    # bench/README.md, "CPU against a bare baseline, and the fixed cost": a third to a half less CPU per export.
    entrypoint = image["config"]["config"]["Entrypoint"]
    assert "-XX:TieredStopAtLevel=1" in entrypoint
    assert "-XX:+UseSerialGC" in entrypoint


def test_runs_as_a_non_root_user_with_oci_labels(image):
    config = image["config"]["config"]
    assert config["User"] == "65532:65532"
    labels = config["Labels"]
    assert labels["org.opencontainers.image.title"] == "ddb2sf"
    assert re.fullmatch(r"\d+\.\d+\.\d+(-SNAPSHOT)?", labels["org.opencontainers.image.version"])
    assert labels["org.opencontainers.image.revision"] == image["revision"]


def test_layers_split_dependencies_from_classes_on_top_of_the_base(image):
    comments = [h.get("comment") for h in image["config"]["history"]]
    assert comments[-4:] == ["dependencies", "resources", "classes", "jvm arg files"]
    files = {}
    for layer in image["manifest"]["Layers"]:
        with tarfile.open(image["work"] / "layers" / layer) as t:
            files[layer] = t.getnames()
    flat = [n for names in files.values() for n in names]
    assert any(n.endswith("app/classes/io/ddb2sf/cli/Main.class") for n in flat)
    assert any(re.search(r"app/libs/snowflake-jdbc-[\d.]+\.jar$", n) for n in flat)
    assert any(n.endswith("opt/java/openjdk/bin/java") for n in flat)  # the base layer is kept


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("chroot"), reason="running the image needs root for chroot")
def test_the_image_starts_the_cli(image):
    root = image["work"] / "rootfs-run"
    for layer in image["manifest"]["Layers"]:
        with tarfile.open(image["work"] / "layers" / layer) as t:
            t.extractall(root, filter="fully_trusted")
    config = image["config"]["config"]
    env = dict(e.split("=", 1) for e in config.get("Env", []))
    env["LD_LIBRARY_PATH"] = f"{JRE}/lib:{JRE}/lib/server"  # no /proc in a bare chroot to find them by
    out = subprocess.run([shutil.which("chroot"), "--userspec", config["User"], str(root), *config["Entrypoint"], "--version"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("ddb2sf ")


def build_base_image(work: Path) -> Path:
    """A docker-archive tarball with one layer: a jlink'ed JRE at /opt/java/openjdk and the libraries it needs."""
    root = work / "base-rootfs"
    jre = root / JRE.lstrip("/")
    jre.parent.mkdir(parents=True)
    subprocess.run([str(JAVA_HOME / "bin" / "jlink"), "--add-modules",
                    "java.se,jdk.unsupported,jdk.crypto.ec,jdk.zipfs,jdk.management", "--strip-debug",
                    "--no-man-pages", "--no-header-files", "--output", str(jre)], check=True)
    for lib in _linked_libraries([jre / "bin" / "java", *jre.glob("lib/**/*.so")]):
        target = root / lib.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.realpath(lib), target)
    (root / "tmp").mkdir(mode=0o1777)

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
