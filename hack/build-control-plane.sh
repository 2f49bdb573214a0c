#!/usr/bin/env bash
# Builds pinned control planes from the Go module proxy: for each Kubernetes version given (as
# arguments, else $KUBE_VERSIONS, else $KUBE_VERSION) kube-apiserver, its "+k3s1" relink and
# kube-controller-manager into bin/k8s/<version>/, plus etcd (built once per etcd version in
# bin/etcd/<version>/ and copied beside each). Each binary is built once: a later run only checks
# the stamps (seconds).
#   hack/build-control-plane.sh v1.37.2 v1.35.4
set -euo pipefail
ETCD_VERSION=${ETCD_VERSION:-v3.5.17}
versions=("$@")
if [[ ${#versions[@]} -eq 0 ]]; then
  read -r -a versions <<<"${KUBE_VERSIONS:-${KUBE_VERSION:-v1.37.2}}"
fi
root=$(cd "$(dirname "$0")/.." && pwd)
export CGO_ENABLED=0

# took LABEL START: prints how long a step took, so slow first builds are visible in CI's log.
took() { echo "  $1: $(($(date +%s) - $2)) s"; }

build_etcd() {
  local out="$root/bin/etcd/$ETCD_VERSION" ework="$root/bin/.build/etcd-$ETCD_VERSION" t
  if [[ -x "$out/etcd" && -f "$out/.stamp" && "$(cat "$out/.stamp")" == "etcd=$ETCD_VERSION" ]]; then
    return 0
  fi
  echo "building etcd $ETCD_VERSION"
  t=$(date +%s)
  mkdir -p "$out" "$ework"
  (
    cd "$ework"
    cat >go.mod <<MOD
module kimport.dev/etcd-build
go 1.23
require go.etcd.io/etcd/server/v3 $ETCD_VERSION
MOD
    cat >tools.go <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
    GOFLAGS=-mod=mod go mod tidy >/dev/null
    GOFLAGS=-mod=mod go build -trimpath -o "$out/etcd" go.etcd.io/etcd/server/v3
  )
  echo "etcd=$ETCD_VERSION" >"$out/.stamp"
  took "etcd $ETCD_VERSION" "$t"
}

build_kube() {
  local v=$1 out="$root/bin/k8s/$1" work="$root/bin/.build/k8s-$1" t
  local want="kube=$v etcd=$ETCD_VERSION"
  if [[ -f "$out/.stamp" && "$(cat "$out/.stamp")" == "$want" ]]; then
    echo "control plane $want cached in ${out#"$root"/}"
    return 0
  fi
  mkdir -p "$out" "$work"
  if [[ ! -f "$out/.kube-stamp" || "$(cat "$out/.kube-stamp")" != "kube=$v" ]]; then
    local staging_version="v0.${v#v1.}" minor=${v#v1.}
    minor=${minor%%.*}
    (
      # The throw-away module: require k8s.io/kubernetes and replace each staging module (which
      # the kubernetes go.mod points at ./staging) by its published v0.Y.Z. Its go and godebug
      # lines are kubernetes' own, so the binaries get the language version and GODEBUG
      # defaults upstream builds with.
      cd "$work"
      local kgomod
      kgomod=$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
      {
        echo "module kimport.dev/controlplane-build"
        grep -E '^go [0-9.]+$' "$kgomod"
        grep -E '^godebug ' "$kgomod" || true
        echo "require k8s.io/kubernetes $v"
        grep -oE '^\s*k8s.io/[a-z0-9-]+ => ./staging/src/k8s.io/[a-z0-9-]+' "$kgomod" | awk '{print $1}' | sort -u |
          while read -r m; do echo "replace $m => $m $staging_version"; done
      } >go.mod
      cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
      GOFLAGS=-mod=mod go mod tidy >/dev/null
      ver_flags() {
        echo "-s -w -X k8s.io/component-base/version.gitVersion=$1 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
      }
      export GOFLAGS=-mod=mod
      echo "building kube-apiserver $v (first time: several minutes)"
      t=$(date +%s)
      go build -trimpath -ldflags "$(ver_flags "$v")" -o "$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
      took "kube-apiserver $v" "$t"
      echo "linking kube-apiserver ${v}+k3s1"
      t=$(date +%s)
      go build -trimpath -ldflags "$(ver_flags "${v}+k3s1")" -o "$out/kube-apiserver-k3s" k8s.io/kubernetes/cmd/kube-apiserver
      took "kube-apiserver ${v}+k3s1" "$t"
      echo "building kube-controller-manager $v"
      t=$(date +%s)
      go build -trimpath -ldflags "$(ver_flags "$v")" -o "$out/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager
      took "kube-controller-manager $v" "$t"
    )
    echo "kube=$v" >"$out/.kube-stamp"
  fi
  build_etcd
  cp -f "$root/bin/etcd/$ETCD_VERSION/etcd" "$out/etcd"
  echo "$want" >"$out/.stamp"
  echo "control plane $want built in ${out#"$root"/}"
}

for v in "${versions[@]}"; do
  build_kube "$v"
done
