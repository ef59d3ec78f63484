#!/usr/bin/env bash
# Builds a free-threaded CPython 3.13 into .cache/py313t (Debian's python3.13 source tarball,
# checksum-pinned; --disable-gil --enable-shared) and a venv .cache/py313t-venv holding cpa-sdk
# (editable) with pydantic 2.12, the newest pydantic whose pydantic-core ships free-threaded 3.13
# wheels (pydantic-core 2.42+ supports free-threading only on 3.14, which this machine kind cannot
# get). For measuring the shim without a GIL, not for shipping plugins:
#
#   benchmarks/free_threaded_python.sh && .cache/py313t-venv/bin/python benchmarks/run.py
set -euo pipefail
cd "$(dirname "$0")/.."
version=3.13.5
sha256=93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640
url=http://deb.debian.org/debian/pool/main/p/python3.13/python3.13_${version}.orig.tar.xz
prefix=$PWD/.cache/py313t
venv=$PWD/.cache/py313t-venv

if [ ! -x "$prefix/bin/python3.13t" ]; then
    src=$(mktemp -d)
    trap 'rm -rf "$src"' EXIT
    echo "building CPython $version (free-threaded) into $prefix, a few minutes ..."
    curl -fsSL -o "$src/python.tar.xz" "$url"
    echo "$sha256  $src/python.tar.xz" | sha256sum -c --quiet
    tar -xJf "$src/python.tar.xz" -C "$src"
    if ! (cd "$src/Python-$version" &&
        ./configure --prefix="$prefix" --disable-gil --enable-shared LDFLAGS="-Wl,-rpath,$prefix/lib" &&
        make -j"$(nproc)" && make install) >"$src/build.log" 2>&1; then
        tail -30 "$src/build.log"
        exit 1
    fi
fi
if [ ! -x "$venv/bin/python" ]; then
    "$prefix/bin/python3.13t" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "pydantic>=2.12,<2.13" typing-extensions pyyaml click
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -e .
"$venv/bin/python" -c 'import sys, cpa_sdk; assert not sys._is_gil_enabled(); print(sys.version)'
