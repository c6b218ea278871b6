#!/usr/bin/env bash
# Seeds the fuzz corpus with the fixture bundles: each CSV file, and each bundle zipped.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/bundle
for f in ../cdt-connectors/tests/fixtures/*/*.csv; do
    cp "$f" "corpus/bundle/$(basename "$(dirname "$f")")-$(basename "$f")"
done
python3 - <<'PY'
import glob, os, zipfile
for d in sorted(glob.glob("../cdt-connectors/tests/fixtures/*/")):
    name = os.path.basename(d.rstrip("/"))
    with zipfile.ZipFile(f"corpus/bundle/{name}.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(glob.glob(d + "*.csv")):
            z.write(f, os.path.basename(f))
PY
# Plugin manifests and verdicts: the examples' manifests and the golden verdict.
mkdir -p corpus/plugin_manifest corpus/verdict
for f in ../plugins/examples/*/plugin.toml; do
    [ -f "$f" ] && cp "$f" "corpus/plugin_manifest/$(basename "$(dirname "$f")").toml"
done
cp ../cdt-wasm/tests/golden/verdict.json corpus/verdict/golden.json
