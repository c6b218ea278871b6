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
# HubSpot answers: a ticket, a company, a contact, pipelines, association labels, a
# token answer and error bodies.
mkdir -p corpus/hubspot_json
cat >corpus/hubspot_json/ticket.json <<'JSON'
{"id":"123","properties":{"subject":"Parent can't see her son","content":"<b>x</b> & y","hs_pipeline":"0","hs_pipeline_stage":"1","hs_ticket_priority":"HIGH"},"createdAt":"2026-12-01T10:00:00.000Z","updatedAt":"2026-12-02T10:00:00.000Z","archived":false,"associations":{"companies":{"results":[{"id":"9","type":"ticket_to_company"}]},"contacts":{"results":[{"id":"51","type":"ticket_to_contact"},{"toObjectId":52}]}}}
JSON
cat >corpus/hubspot_json/company.json <<'JSON'
{"id":"9","properties":{"name":"Springfield USD","domain":"springfield.k12.example"}}
JSON
cat >corpus/hubspot_json/contact.json <<'JSON'
{"id":"51","properties":{"email":"marge@example.org","firstname":"Marge","lastname":null}}
JSON
cat >corpus/hubspot_json/pipelines.json <<'JSON'
{"results":[{"id":"0","label":"Support Pipeline","stages":[{"id":"1","label":"New"},{"id":"2","label":"Waiting on contact"},{"id":"4","label":"Closed"}]}]}
JSON
cat >corpus/hubspot_json/labels.json <<'JSON'
{"results":[{"category":"USER_DEFINED","typeId":31,"label":"Follow-up"},{"category":"HUBSPOT_DEFINED","typeId":228,"label":null}]}
JSON
cat >corpus/hubspot_json/token.json <<'JSON'
{"access_token":"a","refresh_token":"r","expires_in":1800,"token_type":"bearer"}
JSON
cat >corpus/hubspot_json/error.json <<'JSON'
{"status":"error","message":"This app hasn't been granted all required scopes","errors":[{"message":"One or more of the following scopes are required.","in":"name","code":"x","context":{"requiredGranularScopes":["tickets"]}}],"category":"MISSING_SCOPES","correlationId":"a43683b0-5717-4ceb-80b4-104d02915d8c","subCategory":"s"}
JSON
printf 'https://app.hubspot.com/contacts/12345/record/0-5/678' >corpus/hubspot_json/ticket-link.txt
printf '~Line one <script>\r\n\r\nO'"'"'Brien & co' >corpus/hubspot_json/note.txt
