#!/usr/bin/env bash
# make demo: a local hub, a K3s-like downstream and a plain downstream (real kube-apiservers),
# the hub component running as two local processes (admission; the reconciler), each as its own
# ServiceAccount with the deployed RBAC, as its Deployment runs it, and the whole import walked through with
# `kubectl import`. The K3s cluster is imported in agent mode: its kimport-agent runs here as a
# local process (there are no kubelets) with the downstream ServiceAccount's rights. Every process
# it starts is stopped by its pid when it ends, also on failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
demo="$root/.demo"
rm -rf "$demo"; mkdir -p "$demo/config"
export PATH="$root/bin:$PATH"            # kubectl finds the plugin kubectl-import here
export XDG_CONFIG_HOME="$demo/config"     # the recorded hub stays inside .demo
export KIMPORT_TEST_ASSETS="${KIMPORT_TEST_ASSETS:-$root/bin/k8s}"   # one directory per version
export KIMPORT_KUBE_VERSIONS="${KIMPORT_KUBE_VERSIONS:-v1.37.2}" # the hub's first (make sets those it built)
# The downstreams run the hub's Kubernetes unless DEMO_DOWNSTREAM_VERSION names another built one
# (e.g. make demo DEMO_DOWNSTREAM_VERSION=v1.35.4). The K3s upgrade targets the next patch.
downstream_version=${DEMO_DOWNSTREAM_VERSION:-${KIMPORT_KUBE_VERSIONS%% *}}
IFS=. read -r major minor patch <<<"${downstream_version#v}"
upgrade_to="v$major.$minor.$((patch + 1))+k3s1"
hub="$demo/hub.kubeconfig"; k3s="$demo/k3s.kubeconfig"; plain="$demo/plain.kubeconfig"

pids=()
cleanup() {
  local status=$?
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    kill "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
  done
  [[ $status -eq 0 ]] || echo "demo failed (exit $status); logs are in $demo" >&2
}
trap cleanup EXIT

# ready asks the hub component's /readyz with bash alone (no curl on a Go-and-kubectl machine).
ready() {
  local line=""
  { printf 'GET /readyz HTTP/1.0\r\n\r\n' >&3; read -r line <&3; } 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  [[ "$line" == *" 200 "* ]]
}
# sa_kubeconfig KUBECONFIG NAMESPACE NAME OUT writes OUT (mode 0600): a kubeconfig acting as
# ServiceAccount NAMESPACE/NAME of the cluster of KUBECONFIG, with a TokenRequest token (2h), as
# its pod would. The token goes into the file, never onto a command line or the screen.
sa_kubeconfig() {
  local token server ca
  token=$(kubectl --kubeconfig "$1" -n "$2" create token "$3" --duration 2h)
  server=$(kubectl --kubeconfig "$1" config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(kubectl --kubeconfig "$1" config view --raw --minify --flatten -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
  (umask 077; cat > "$4" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters: [{name: cluster, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: "$3", user: {token: "$token"}}]
contexts: [{name: "$3", context: {cluster: cluster, user: "$3"}}]
current-context: "$3"
KUBECONFIG
  )
}
# The agent of k3s-prod: what its pod would run, as a local process with the rights of the
# downstream ServiceAccount cattle-system/kimport-agent. It reads the Secret the import wrote
# (hub URL, pinned CA, bootstrap token) itself; its pid joins the pids the trap stops.
agent_kubeconfig="$demo/k3s-agent.kubeconfig"; agent_pid=""
start_agent() {
  printf '\033[2m$ kimport-agent --kubeconfig %s --sync-interval 2s --health-probe-bind-address 0 &\033[0m\n' "${agent_kubeconfig#"$root"/}"
  bin/kimport-agent --kubeconfig "$agent_kubeconfig" --sync-interval 2s \
    --health-probe-bind-address 0 >> "$demo/agent.log" 2>&1 &
  agent_pid=$!
  pids+=("$agent_pid")
}
stop_agent() {
  printf '\033[2m$ kill %s   # the agent\033[0m\n' "$agent_pid"
  kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
}
# phase waits until the hub shows importedcluster $1 in phase $2.
phase() {
  run kubectl --kubeconfig "$hub" wait --for=jsonpath='{.status.phase}'="$2" "importedcluster/$1" --timeout "${3:-2m}"
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# shown is the command as echoed: a join token is shown once, where create prints it.
shown() { sed -E 's/(--token )[^ ]+/\1<token>/' <<<"$*"; }
run() { printf '\033[2m$ %s\033[0m\n' "$(shown "$@")"; "$@"; }
# refused runs a command that must fail, shows its error and goes on.
refused() {
  printf '\033[2m$ %s\033[0m\n' "$(shown "$@")"
  if "$@"; then echo "expected this to be refused" >&2; exit 1; fi
  echo "(refused, exit 1, as expected)"
}

step "Start a local hub and two downstream clusters (real kube-apiserver, etcd, kube-controller-manager)"
# The built binary, not `go run`: its pid is the process to stop (go run would not pass the
# signal on, and the clusters would outlive the demo).
go build -o bin/devcluster ./hack/devcluster
bin/devcluster --dir "$demo" --downstream-version "$downstream_version" > "$demo/devcluster.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do [[ -f "$demo/ready" ]] && break; kill -0 "${pids[0]}" 2>/dev/null || { cat "$demo/devcluster.log"; exit 1; }; sleep 0.5; done
[[ -f "$demo/ready" ]] || { echo "clusters did not start; see $demo/devcluster.log" >&2; exit 1; }
run kubectl --kubeconfig "$k3s" get nodes -o wide

port=${DEMO_WEBHOOK_PORT:-19443}
step "Install the hub (CRD, kimport-system, RBAC, admission webhook configuration, the gateway's APIService) and record it"
run kubectl import init --kubeconfig "$hub" --webhook-url "https://localhost:$port" --gateway-url "https://localhost:$((port+3))"

step "Run the hub component as deployed: admission and the reconciler as two local processes"
echo "Each runs as its own ServiceAccount with the rights init granted it (kimport-webhook: admission;"
echo "kimport-controller: the reconciler and the hub gateway), its memory bounded as in its Deployment. Each"
echo "bootstraps its own CA and serving certificate and injects the CA where the hub's API server reads it"
echo "(the webhook configuration; the gateway's APIService): the hub calls both over verified TLS. An agent-mode cluster whose heartbeat is 6s old"
echo "(--agent-heartbeat-grace) turns Unavailable; the hub publishes that in each heartbeat Lease,"
echo "and the agents renew every third of it (here every 2s)."
sa_kubeconfig "$hub" kimport-system kimport-webhook "$demo/kimport-webhook.kubeconfig"
sa_kubeconfig "$hub" kimport-system kimport-controller "$demo/kimport-controller.kubeconfig"
run kubectl --kubeconfig "$demo/kimport-webhook.kubeconfig" auth whoami
run kubectl --kubeconfig "$demo/kimport-controller.kubeconfig" auth whoami
GOMEMLIMIT=256MiB bin/webhook --kubeconfig "$demo/kimport-webhook.kubeconfig" --disable-reconciler \
  --status-writers system:serviceaccount:kimport-system:kimport-controller \
  --webhook-host 127.0.0.1 --webhook-port "$port" --cert-dir "$demo/webhook-certs" \
  --sync-cert-files --cert-dns-names localhost --metrics-secure=false --metrics-bind-address 127.0.0.1:0 \
  --health-probe-bind-address 127.0.0.1:$((port+1)) > "$demo/webhook.log" 2>&1 &
pids+=($!)
GOMEMLIMIT=256MiB bin/webhook --kubeconfig "$demo/kimport-controller.kubeconfig" --disable-webhook --leader-elect \
  --metrics-secure=false --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:$((port+2)) \
  --gateway-host 127.0.0.1 --gateway-port $((port+3)) --gateway-peer-port $((port+4)) --gateway-cert-dir "$demo/gateway-certs" \
  --sync-cert-files --gateway-cert-dns-names kimport-gateway.kimport-system.svc,localhost \
  --probe-interval 2s --agent-heartbeat-grace 6s > "$demo/controller.log" 2>&1 &
pids+=($!)
for component in "webhook $((port+1))" "controller $((port+2))"; do
  read -r name probe <<<"$component"
  for _ in $(seq 1 120); do ready "$probe" && break; sleep 0.5; done
  ready "$probe" || { echo "the hub's $name did not become ready; see $demo/$name.log" >&2; exit 1; }
done
run kubectl --kubeconfig "$hub" get validatingwebhookconfiguration kimport-webhook \
  -o custom-columns=NAME:.metadata.name,URL:.webhooks[0].clientConfig.url,FAILURE-POLICY:.webhooks[0].failurePolicy,TIMEOUT:.webhooks[0].timeoutSeconds

step "Preflight as a user without cluster-admin: refused, with the command that fixes it"
refused kubectl import preflight --kubeconfig "$demo/k3s-bob.kubeconfig"

step "Preflight as cluster-admin"
run kubectl import preflight --kubeconfig "$k3s"

step "Import the K3s cluster in one step, with two members, in agent mode (the default)"
echo "The hub needs no route to the downstream: kimport-agent runs in it and dials out to the hub."
run kubectl import cluster k3s-prod --kubeconfig "$k3s" --display-name "K3s production" \
  --member User:alice=cluster-owner --member Group:sre=cluster-member --wait=false
run kubectl --kubeconfig "$hub" get importedcluster k3s-prod
step "Run the agent (in a cluster: the Deployment cattle-system/kimport-agent) and wait until Active"
echo "Here it runs as a local process with the ServiceAccount cattle-system/kimport-agent's token:"
# The token goes into the kubeconfig file (mode 0600), never onto a command line or the screen.
sa_kubeconfig "$k3s" cattle-system kimport-agent "$agent_kubeconfig"
run kubectl --kubeconfig "$agent_kubeconfig" auth whoami
start_agent
phase k3s-prod Active

step "Import the plain cluster in two steps: the hub admin creates it, the downstream's owner joins"
# The token goes into a file (mode 0600), never onto a command line.
token="$demo/plain-dev.join-token"
run kubectl import create plain-dev --member User:dana=cluster-owner --ttl 30m --token-file "$token" | tee "$demo/create.out"
# The join command as create printed it (its token completes only plain-dev, for 30 minutes):
# kubectl import join --hub URL --ca-checksum sha256:H --token-file FILE
read -r -a join <<<"$(grep -o 'kubectl import join .*' "$demo/create.out")"
wrong=(--ca-checksum "sha256:$(printf '0%.0s' $(seq 64))")
step "Refused: a join whose --ca-checksum does not match the hub's CA (nothing is sent, both hashes shown)"
refused kubectl import join "${join[@]:3:2}" "${wrong[@]}" --token-file "$token" --kubeconfig "$plain"
step "Join from the downstream: pin the hub CA, deploy the agent, hand over its credentials (the token revokes itself then), wait until Active"
# --mode direct: the hub reaches this cluster's API server itself (no agent runs in it).
run "${join[@]}" --mode direct --kubeconfig "$plain" --timeout 2m
step "Refused: the used join token on another cluster (it died the moment the credentials were handed over)"
sleep 11 # the API server caches a successful token authentication for 10 s
refused "${join[@]}" --kubeconfig "$k3s"

step "List and describe"
run kubectl import list
run kubectl import list -o wide
run kubectl import describe k3s-prod
run kubectl import projects k3s-prod
run kubectl --kubeconfig "$k3s" get namespaces -L kimport.dev/project

step "What the hub holds: no credential of the agent-mode k3s-prod; plain-dev's (direct mode) credentials Secret"
run kubectl --kubeconfig "$hub" get secrets -n kimport-system -l kimport.dev/cluster=k3s-prod
run kubectl --kubeconfig "$hub" get secrets -n kimport-system -l kimport.dev/cluster=plain-dev
echo "k3s-prod's agent holds its tunnel to the hub gateway, so it writes nothing to be known alive"
echo "(Heartbeat reason Attached); it renews its heartbeat Lease only while the tunnel is down:"
run kubectl --kubeconfig "$hub" get importedcluster k3s-prod \
  -o 'jsonpath={range .status.conditions[?(@.type=="Heartbeat")]}{.type}={.status} {.reason}: {.message}{"\n"}{end}'
run kubectl --kubeconfig "$hub" get lease -n kimport-system cluster-k3s-prod \
  -o custom-columns=NAME:.metadata.name,RENEWED:.spec.renewTime,DURATION-SECONDS:.spec.leaseDurationSeconds

step "A member uses the agent-mode k3s-prod through the hub, as herself: kubectl import kubeconfig"
echo "alice is a hub user with no hub rights (a client certificate) and a cluster-owner of k3s-prod."
echo "The hub has no route to k3s-prod: the hub's gateway reaches it through the agent's tunnel, and"
echo "k3s-prod sees alice (impersonated by the gateway's impersonator). Her kubeconfig gets a context"
echo "k3s-prod@hub whose user is her own hub user entry; nothing is minted or stored:"
alice="$demo/hub-alice.kubeconfig"
run env KUBECONFIG="$alice" kubectl import kubeconfig k3s-prod --hub-kubeconfig "$alice" --merge
run kubectl --kubeconfig "$alice" --context k3s-prod@hub get nodes
run kubectl --kubeconfig "$alice" --context k3s-prod@hub auth whoami
run kubectl --kubeconfig "$alice" --context k3s-prod@hub -n default create configmap made-by-alice --from-literal=via=hub
run kubectl --kubeconfig "$k3s" -n default get configmap made-by-alice
step "Refused: a hub user who is no member of k3s-prod gets no kubeconfig (nothing written; the fix named)"
refused kubectl import kubeconfig k3s-prod --hub-kubeconfig "$demo/hub-eve.kubeconfig" --merge --kubeconfig "$demo/eve.kubeconfig"

step "Members: add one, see it as a ClusterRoleBinding in the downstream"
run kubectl import members k3s-prod --add User:carol=cluster-member
run kubectl import members k3s-prod
sleep 3
run kubectl --kubeconfig "$k3s" get clusterrolebindings -l kimport.dev/member=true \
  -o custom-columns=NAME:.metadata.name,ROLE:.roleRef.name,SUBJECT:.subjects[0].name

step "Projects: a project for team A, and its member bob at work in its namespace and nowhere else"
bob="$demo/hub-bob.kubeconfig"
run kubectl --kubeconfig "$k3s" create namespace team-a
run kubectl import projects k3s-prod create team-a --namespace team-a --member User:dana=project-owner --member User:bob=project-member --member Group:sre=read-only
echo "The agent binds each member in each namespace of the project (edit for project-member, view for"
echo "read-only) and lets the gateway's impersonator act as them:"
impersonator=system:serviceaccount:cattle-system:kimport-impersonator
for _ in $(seq 1 30); do
  [[ "$(kubectl --kubeconfig "$k3s" auth can-i create deployments -n team-a --as bob 2>/dev/null || true)" == yes &&
     "$(kubectl --kubeconfig "$k3s" auth can-i impersonate users/bob --as "$impersonator" 2>/dev/null || true)" == yes ]] && break
  sleep 1
done
run kubectl import projects k3s-prod
run kubectl --kubeconfig "$k3s" get rolebindings -n team-a -l kimport.dev/project-member=true \
  -o custom-columns=NAME:.metadata.name,ROLE:.roleRef.name,SUBJECT:.subjects[0].name
echo "bob is a hub user with no hub rights and no credential of k3s-prod; he comes in through the hub:"
run env KUBECONFIG="$bob" kubectl import kubeconfig k3s-prod --hub-kubeconfig "$bob" --merge
run kubectl --kubeconfig "$bob" --context k3s-prod@hub -n team-a create deployment web --image nginx
run kubectl --kubeconfig "$bob" --context k3s-prod@hub -n team-a get deployments
refused kubectl --kubeconfig "$bob" --context k3s-prod@hub -n kube-system create deployment web --image nginx
step "The project's owner runs it through the hub: dana, a hub user with no hub rights, adds a namespace"
dana="$demo/hub-dana.kubeconfig"
run kubectl --kubeconfig "$k3s" create namespace team-a-staging
echo "dana may not update the ImportedCluster; the plugin sends her project change through the hub's"
echo "gateway, which checks she owns team-a and writes that change alone (the webhook judges it):"
run kubectl import projects k3s-prod --hub-kubeconfig "$dana"
run kubectl import projects k3s-prod add-namespace team-a team-a-staging --hub-kubeconfig "$dana"
refused kubectl import projects k3s-prod add-namespace System team-a-staging --hub-kubeconfig "$dana"
refused kubectl import members k3s-prod --add User:dana=cluster-owner --hub-kubeconfig "$dana"
step "Refused: bob as project-member of System (rights in kube-system are cluster rights; he is no cluster-owner)"
refused kubectl import projects k3s-prod members System --add User:bob=project-member

step "Refused: a member that stands for everyone (every authenticated identity would become cluster-admin)"
refused kubectl import members k3s-prod --add Group:system:authenticated=cluster-owner

step "Re-import of the Active cluster: nothing changes"
run kubectl import cluster k3s-prod --kubeconfig "$k3s" --display-name "K3s production" \
  --member User:alice=cluster-owner --member Group:sre=cluster-member --member User:carol=cluster-member

step "Heartbeat lapse: the agent stops, its tunnel closes, the hub marks k3s-prod Unavailable after a 10s reconnect grace; restarted, Active again"
stop_agent
stopped=$SECONDS
phase k3s-prod Unavailable 1m
echo "(Unavailable $((SECONDS - stopped))s after the agent stopped)"
run kubectl import list
start_agent
phase k3s-prod Active 1m
run kubectl import list

step "Refused: importing the same cluster again under another name"
refused kubectl import cluster k3s-copy --kubeconfig "$k3s" --wait=false
echo "Even with plain kubectl, the hub's webhook refuses a second registration of the cluster ID:"
cid=$(kubectl --kubeconfig "$hub" get importedcluster k3s-prod -o jsonpath='{.spec.clusterID}')
refused kubectl --kubeconfig "$hub" apply -f - <<YAML
apiVersion: kimport.dev/v1alpha1
kind: ImportedCluster
metadata: {name: k3s-copy}
spec: {clusterID: $cid, apiServer: "https://k3s.example:6443", credentialsSecretRef: {name: k3s-copy-credentials}}
YAML

step "Refused: a malformed capability annotation (the message names the annotation and the field)"
refused kubectl --kubeconfig "$hub" annotate importedcluster k3s-prod \
  'capabilities.cattle.io/ingressCapabilities=[{"ingressProvider":"traefik","customDefaultBackend":"yes"}]'
run kubectl --kubeconfig "$hub" annotate importedcluster k3s-prod capabilities/pspEnabled=T
run kubectl --kubeconfig "$hub" annotate importedcluster k3s-prod capabilities/pspEnabled-

step "Refused: a server concurrency that would break etcd quorum (3 embedded-etcd servers: at most 1)"
refused kubectl --kubeconfig "$hub" patch importedcluster k3s-prod --type merge \
  -p '{"spec":{"k3s":{"upgradeStrategy":{"serverConcurrency":2}}}}'

step "Refused: an upgrade started while more workers are NotReady than the worker concurrency"
for n in k3s-agent-4 k3s-agent-5; do
  run kubectl --kubeconfig "$k3s" patch node "$n" --subresource=status --type=strategic \
    -p '{"status":{"conditions":[{"type":"Ready","status":"False","reason":"KubeletNotReady","message":"demo: powered off"}]}}'
done
for _ in $(seq 1 30); do
  [[ "$(kubectl --kubeconfig "$hub" get importedcluster k3s-prod -o jsonpath='{.status.nodes.workers.ready}')" == 3 ]] && break; sleep 1
done
refused kubectl --kubeconfig "$hub" patch importedcluster k3s-prod --type merge \
  -p '{"spec":{"k3s":{"version":"'"$upgrade_to"'","upgradeStrategy":{"workerConcurrency":1}}}}'
for n in k3s-agent-4 k3s-agent-5; do
  kubectl --kubeconfig "$k3s" patch node "$n" --subresource=status --type=strategic \
    -p '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status"}]}}' >/dev/null
done

for _ in $(seq 1 30); do
  [[ "$(kubectl --kubeconfig "$hub" get importedcluster k3s-prod -o jsonpath='{.status.nodes.workers.ready}')" == 5 ]] && break; sleep 1
done
echo "The same rule through the plugin names the rule that refused it:"
refused kubectl import upgrade k3s-prod --to "$upgrade_to" --server-concurrency 2

step "K3s: each node's launch arguments and environment, secrets redacted"
echo "Verbs that read the downstream go through the hub's gateway as you (a member), or, as here for"
echo "the hub's admin, who is no member of k3s-prod, with your own kubeconfig of it, checked to be that"
echo "cluster (its kube-system UID):"
run kubectl import node-config k3s-prod --kubeconfig "$k3s"

step "Capabilities: detected from what runs, overridden by annotations (with their source)"
run kubectl import capabilities k3s-prod --kubeconfig "$k3s"
run kubectl import capabilities set k3s-prod taintSupport=true
refused kubectl import capabilities set k3s-prod nodePortRange=32767-30000

step "K3s upgrade: install the system-upgrade-controller, then upgrade (the controller itself cannot run here)"
run kubectl import upgrader install k3s-prod --kubeconfig "$k3s"
run kubectl import upgrade k3s-prod --to "$upgrade_to" --worker-concurrency 2 --dry-run -o yaml
run kubectl import upgrade k3s-prod --to "$upgrade_to" --worker-concurrency 2
for _ in $(seq 1 30); do
  [[ "$(kubectl --kubeconfig "$hub" get importedcluster k3s-prod -o jsonpath='{.status.phase}')" == Upgrading ]] && break; sleep 1
done
echo "The agent applied the two plans in the downstream and reports the upgrade to the hub:"
run kubectl import upgrader plans k3s-prod --kubeconfig "$k3s"
run kubectl import upgrade status k3s-prod --kubeconfig "$k3s"
run kubectl import list

step "What the import put in the downstream (least privilege, no '*')"
run kubectl --kubeconfig "$k3s" -n cattle-system get serviceaccounts,secrets,configmaps -l app.kubernetes.io/managed-by=kubectl-import
run kubectl --kubeconfig "$k3s" get clusterrole kimport-agent -o yaml
echo "A ValidatingAdmissionPolicy fences what that RBAC allows (see docs/agent-rights.md):"
run kubectl --kubeconfig "$k3s" get validatingadmissionpolicies,validatingadmissionpolicybindings -l app.kubernetes.io/managed-by=kubectl-import

step "Disconnect the plain cluster: everything the import created goes, the cluster keeps running"
run kubectl import delete plain-dev --timeout 2m
run kubectl --kubeconfig "$plain" get namespaces -L kimport.dev/project
run kubectl --kubeconfig "$plain" get clusterroles,clusterrolebindings -l app.kubernetes.io/managed-by=kubectl-import
run kubectl import list

step "Disconnect k3s-prod while its agent runs: the agent cleans the downstream, reports it and exits"
run kubectl import delete k3s-prod --timeout 2m
for _ in $(seq 1 40); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$agent_pid" 2>/dev/null; then echo "the agent did not exit after the delete; see $demo/agent.log" >&2; exit 1; fi
echo "(the agent exited by itself)"
run kubectl --kubeconfig "$k3s" get namespaces -L kimport.dev/project
echo "Left in place: the system-upgrade-controller, which 'upgrader install' put there with the downstream's own kubeconfig:"
run kubectl --kubeconfig "$k3s" get clusterroles,clusterrolebindings -l app.kubernetes.io/managed-by=kubectl-import
run kubectl import list

step "Done"
echo "The clusters stop now. Logs: $demo"
