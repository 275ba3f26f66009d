#!/usr/bin/env bash
# Regenerates the Swift code of the trimmed TensorBoard and W&B protos
# (Sources/SweepEngine/Tailing/Proto -> Sources/SweepEngine/Tailing/Generated). Run by hand after
# editing a .proto, then commit what it writes; CI never runs it, so CI never builds the plugin.
#
# Generated with:
#   protoc           libprotoc 3.21.12 (Debian bookworm's protobuf-compiler)
#   protoc-gen-swift 1.39.0, built from apple/swift-protobuf at tag 1.39.0, the same version as the
#                    SwiftProtobuf runtime Package.swift asks for at least (generated code needs
#                    the runtime of its own version or a newer one)
#
#   scripts/generate-protos.sh                  build the plugin once into $PLUGIN_DIR, then generate
#   PROTOC_GEN_SWIFT=/path scripts/generate-protos.sh   use a plugin built already
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.39.0
protos=Sources/SweepEngine/Tailing/Proto
out=Sources/SweepEngine/Tailing/Generated
PLUGIN_DIR=${PLUGIN_DIR:-/tmp/swift-protobuf-$version}

command -v protoc >/dev/null || { echo "protoc not found: apt-get install -y protobuf-compiler" >&2; exit 1; }
plugin=${PROTOC_GEN_SWIFT:-$PLUGIN_DIR/.build/release/protoc-gen-swift}
if [ ! -x "$plugin" ]; then
  [ -d "$PLUGIN_DIR" ] || git clone --quiet --depth 1 --branch "$version" https://github.com/apple/swift-protobuf "$PLUGIN_DIR"
  # About 2 to 10 minutes; through the machine's build lock where there is one.
  lock=()
  command -v flock >/dev/null && lock=(flock /tmp/hypertop-build.lock)
  (cd "$PLUGIN_DIR" && "${lock[@]}" swift build -c release --product protoc-gen-swift)
fi
found=$("$plugin" --version)
[ "$found" = "protoc-gen-swift $version" ] || { echo "$plugin is $found, not $version" >&2; exit 1; }
echo "$(protoc --version), $found"

rm -f "$out"/*.pb.swift
mkdir -p "$out"
(cd "$protos" && find . -name '*.proto' | sort | sed 's|^\./||') | xargs protoc \
  --plugin=protoc-gen-swift="$plugin" -I "$protos" \
  --swift_opt=Visibility=Internal --swift_opt=FileNaming=DropPath --swift_out="$out"
ls "$out"
