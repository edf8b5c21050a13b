#!/usr/bin/env bash
# make deploy-tools: fetch (once, then cached) the tools and schemas tests/deploy validates
# the compose file, the Kubernetes overlays, the alert rules and the AsyncAPI document with.
#   bash tools/deploy-check/fetch.sh DIR       (DIR: .cache/deploy-tools by default)
# Everything comes from a package registry at the version pinned in versions.env; the Go,
# Maven and npm caches are the usual per-user ones, so a fresh clone on a warm machine only
# links and copies. Each step is skipped when its output exists; DIR/.ready marks all done.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-.cache/deploy-tools}"
mkdir -p "$out"/bin "$out"/schemas "$out"/crds
out="$(cd "$out" && pwd)"
# shellcheck source=versions.env
source <(sed 's/#.*//' "$here/versions.env")
stamp="$out/versions.env"
if [[ -f "$out/.ready" ]] && cmp -s "$here/versions.env" "$stamp"; then exit 0; fi
rm -f "$out/.ready"
say() { printf 'deploy-tools: %s\n' "$*"; }
gomod_file() {  # module@version path/in/module -> stdout (read from the module's zip, which
  # go keeps even when the module asks for a newer Go than this one: we only read a file)
  local zip
  zip="$( (go mod download -json "$1" || true) | sed -n 's/^\t"Zip": "\(.*\)",$/\1/p')"
  [[ -n "$zip" ]] || { echo "deploy-tools: go mod download $1 failed" >&2; return 1; }
  unzip -p "$zip" "${1}/$2"
}

if [[ ! -x "$out/bin/kustomize" ]] || ! cmp -s "$here/versions.env" "$stamp"; then
  say "kustomize $KUSTOMIZE_VERSION (Go module proxy)"
  GOBIN="$out/bin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi

say "Compose specification schema (compose-go $COMPOSE_GO_VERSION)"
gomod_file "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION" schema/compose-spec.json \
  > "$out/schemas/compose-spec.json"

say "Percona Operator for MongoDB $PSMDB_OPERATOR_VERSION CRD (Go module proxy)"
psmdb="github.com/percona/percona-server-mongodb-operator@$PSMDB_OPERATOR_VERSION"
gomod_file "$psmdb" deploy/crd.yaml > "$out/crds/psmdb.yaml"
# the operator's own install bundle, for docs/deploy.md (kubectl apply --server-side -f …)
gomod_file "$psmdb" deploy/cw-bundle.yaml > "$out/psmdb-cw-bundle.yaml"

say "Strimzi $STRIMZI_VERSION CRDs (generated from io.strimzi:api by io.strimzi:crd-generator)"
m2="${M2_REPO:-$HOME/.m2/repository}"  # Maven's default local repository
for artifact in api crd-generator; do
  jar="$m2/io/strimzi/$artifact/$STRIMZI_VERSION/$artifact-$STRIMZI_VERSION.jar"
  [[ -f "$jar" ]] || mvn -q dependency:get -Dtransitive=false \
    -Dartifact="io.strimzi:$artifact:$STRIMZI_VERSION" -Dmaven.repo.local="$m2" >/dev/null
done
# the generator is built for Java 21+; take RUMAH_JAVA21, else the first JDK that is new enough
java=""
for candidate in "${RUMAH_JAVA21:-}" java /usr/lib/jvm/*/bin/java; do
  [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null || continue
  major="$("$candidate" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')"
  if [[ "${major:-0}" -ge 21 ]]; then java="$candidate"; break; fi
done
if [[ -z "$java" ]]; then
  echo "deploy-tools: the Strimzi CRD generator needs Java 21 or newer; set RUMAH_JAVA21" >&2
  exit 1
fi
"$java" -cp "$m2/io/strimzi/api/$STRIMZI_VERSION/api-$STRIMZI_VERSION.jar:$m2/io/strimzi/crd-generator/$STRIMZI_VERSION/crd-generator-$STRIMZI_VERSION.jar" \
  io.strimzi.crdgenerator.CrdGenerator --label app:strimzi --label strimzi.io/crd-install:true \
  --target-kube 1.16+ --crd-api-version v1 --api-versions v1 --storage-version v1 --yaml \
  "io.strimzi.api.kafka.model.kafka.Kafka=$out/crds/strimzi-kafka.yaml" \
  "io.strimzi.api.kafka.model.nodepool.KafkaNodePool=$out/crds/strimzi-kafkanodepool.yaml" \
  "io.strimzi.api.kafka.model.topic.KafkaTopic=$out/crds/strimzi-kafkatopic.yaml" \
  "io.strimzi.api.kafka.model.user.KafkaUser=$out/crds/strimzi-kafkauser.yaml" >/dev/null

say "AsyncAPI schemas (@asyncapi/specs $ASYNCAPI_SPECS_VERSION, npm)"
npm install --silent --no-audit --no-fund --no-save --prefix "$out/npm" \
  "@asyncapi/specs@$ASYNCAPI_SPECS_VERSION" >/dev/null
install -m 0644 "$out/npm/node_modules/@asyncapi/specs/schemas/3.0.0-without-\$id.json" \
  "$out/schemas/asyncapi-3.0.0.json"

cp "$here/versions.env" "$stamp"
touch "$out/.ready"
say "ready in $out"
