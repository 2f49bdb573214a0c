#!/usr/bin/env bash
# Builds pinned kube-apiserver (plus a "+k3s1" relink), kube-controller-manager and etcd from
# the Go module proxy into bin/k8s/<version>/. A second run only checks the stamp (seconds).
set -euo pipefail
KUBE_VERSION=${KUBE_VERSION:-v1.32.4}
ETCD_VERSION=${ETCD_VERSION:-v3.5.17}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bin/k8s/$KUBE_VERSION"
stamp="$out/.stamp"
want="kube=$KUBE_VERSION etcd=$ETCD_VERSION"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "control plane $want cached in ${out#"$root"/}"
  exit 0
fi
mkdir -p "$out"
work="$root/bin/.build/k8s-$KUBE_VERSION"
mkdir -p "$work"
staging_version="v0.${KUBE_VERSION#v1.}"
minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}

# The throw-away module: require k8s.io/kubernetes and replace each staging module (which the
# kubernetes go.mod points at ./staging) by its published v0.Y.Z.
cd "$work"
cat > go.mod <<MOD
module kimport.dev/controlplane-build
go 1.23
require k8s.io/kubernetes $KUBE_VERSION
MOD
kgomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
grep -oE '^\s*k8s.io/[a-z0-9-]+ => ./staging/src/k8s.io/[a-z0-9-]+' "$kgomod" | awk '{print $1}' | sort -u |
  while read -r m; do echo "replace $m => $m $staging_version" >> go.mod; done
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true
ver_flags() {
  echo "-s -w -X k8s.io/component-base/version.gitVersion=$1 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
}
export CGO_ENABLED=0 GOFLAGS=-mod=mod
echo "building kube-apiserver $KUBE_VERSION (first time: several minutes)"
go build -trimpath -ldflags "$(ver_flags "$KUBE_VERSION")" -o "$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
echo "linking kube-apiserver ${KUBE_VERSION}+k3s1"
go build -trimpath -ldflags "$(ver_flags "${KUBE_VERSION}+k3s1")" -o "$out/kube-apiserver-k3s" k8s.io/kubernetes/cmd/kube-apiserver
echo "building kube-controller-manager $KUBE_VERSION"
go build -trimpath -ldflags "$(ver_flags "$KUBE_VERSION")" -o "$out/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager

echo "building etcd $ETCD_VERSION"
ework="$root/bin/.build/etcd-$ETCD_VERSION"
mkdir -p "$ework"; cd "$ework"
cat > go.mod <<MOD
module kimport.dev/etcd-build
go 1.23
require go.etcd.io/etcd/server/v3 $ETCD_VERSION
MOD
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
go mod tidy >/dev/null 2>&1 || true
go build -trimpath -o "$out/etcd" go.etcd.io/etcd/server/v3
echo "$want" > "$stamp"
echo "control plane $want built in ${out#"$root"/}"
