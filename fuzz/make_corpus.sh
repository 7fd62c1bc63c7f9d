#!/bin/sh
# Seed corpus for fuzz_parse.py: every seed post and real Keras capture under fixtures/ (up to 64 KB each).
set -e
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus fuzz/findings
for f in fixtures/seeds/*.txt fixtures/keras/*/*/*.txt; do
    [ "$(wc -c < "$f")" -le 65536 ] && cp "$f" "fuzz/corpus/$(echo "$f" | tr / _)"
done
ls fuzz/corpus | wc -l
