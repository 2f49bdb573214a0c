package describe

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/kubectl/pkg/describe"

	"github.com/kubectl-import/kubectl-import/pkg/agent"
	"github.com/kubectl-import/kubectl-import/pkg/apis/v1alpha1"
	"github.com/kubectl-import/kubectl-import/pkg/plugin/common"
)

// writer is kubectl describe's PrefixWriter (two spaces per level) over a tabwriter that
// aligns tab-separated columns, as kubectl's describers write. Every value is escaped
// (common.Escape): most come from status, which agents and downstreams fill.
type writer struct{ describe.PrefixWriter }

// line writes format with its string arguments escaped; format is the describer's own.
func (d writer) line(level int, format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = common.Escape(s)
		}
	}
	d.Write(level, format+"\n", args...)
}

// labelWidth aligns the values of top-level fields. They are padded rather than tab-separated
// so that each section's nested columns align among themselves only.
const labelWidth = len("Kubernetes Version:") + 2

// field writes a top-level "Label:  value" line.
func (d writer) field(label, value string) {
	d.line(describe.LEVEL_0, "%-*s%s", labelWidth, label+":", value)
}

// table writes a header, its underline and the rows at the given level.
func (d writer) table(level int, headers []string, rows [][]string) {
	under := make([]string, len(headers))
	for i, h := range headers {
		under[i] = strings.Repeat("-", len(h))
	}
	for _, r := range append([][]string{headers, under}, rows...) {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = common.Escape(c)
		}
		d.Write(level, "%s\n", strings.Join(cells, "\t"))
	}
}

// Describe writes the description of ic and its events, ages measured at now.
func Describe(out io.Writer, ic *v1alpha1.ImportedCluster, profile string, events []corev1.Event, now time.Time) error {
	// The tabwriter kubectl's describers write through (its tabbedString is not exported).
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	d := writer{describe.NewPrefixWriter(tw)}
	st := &ic.Status
	d.field("Name", ic.Name)
	d.field("Display Name", common.DisplayName(ic))
	d.field("Cluster ID", common.IdentityValue(ic, ic.Spec.ClusterID))
	d.field("API Server", common.IdentityValue(ic, ic.Spec.APIServer))
	d.field("Mode", string(common.Mode(ic)))
	if ic.Spec.AgentMode() {
		d.field("Credentials", "none in the hub (the agent dials out with its own hub identity "+v1alpha1.HubNamespace+"/"+v1alpha1.AgentName(ic.Name)+")")
	} else {
		d.field("Credentials", "Secret "+v1alpha1.HubNamespace+"/"+ic.Spec.CredentialsSecretRef.Name)
	}
	d.field("Cluster Profile", common.ValueOrNone(profile))
	if expires, ok := ic.Annotations[v1alpha1.JoinExpiresAnnotation]; ok {
		d.field("Join Token Expires", joinExpiry(expires, now))
	}
	d.field("Created", common.ValueOrNone(timestamp(ic.CreationTimestamp.Time)))
	d.field("Phase", common.ValueOrNone(string(st.Phase)))
	d.field("Distribution", common.ValueOrNone(string(st.Distribution)))
	d.field("Kubernetes Version", common.ValueOrNone(st.KubernetesVersion))
	if st.LastProbeTime != nil {
		d.field("Last Probe", common.Age(*st.LastProbeTime, now)+" ago")
	} else {
		d.field("Last Probe", "<none>")
	}
	describeAgent(d, ic)
	describeNodes(d, st.Nodes)
	describeProjects(d, ic)
	describeMembers(d, ic.Spec.Members)
	describeCapabilities(d, ic)
	describeConditions(d, st, now)
	describeUpgrade(d, st.Upgrade)
	describeEvents(d, events, now)
	return tw.Flush()
}

// joinExpiry shows the JoinExpiresAnnotation (RFC 3339) as a local time and how far off it is.
func joinExpiry(value string, now time.Time) string {
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return fmt.Sprintf("%q (annotation %s is not an RFC 3339 time)", value, v1alpha1.JoinExpiresAnnotation)
	}
	if t.After(now) {
		return fmt.Sprintf("%s (in %s)", timestamp(t.Local()), duration.HumanDuration(t.Sub(now)))
	}
	return fmt.Sprintf("%s (expired %s ago)", timestamp(t.Local()), duration.HumanDuration(now.Sub(t)))
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC1123Z)
}

// describeAgent shows, in agent mode, the version the agent reports, a warning while the hub
// judges it behind (AgentVersion False, whose message says how to upgrade it) and the hub's
// judgement of its heartbeat.
func describeAgent(d writer, ic *v1alpha1.ImportedCluster) {
	if !ic.Spec.AgentMode() {
		return
	}
	st := &ic.Status
	d.line(describe.LEVEL_0, "Agent:")
	v := ""
	if st.Agent != nil {
		v = st.Agent.Version
	}
	d.line(describe.LEVEL_1, "Version:\t%s", common.ValueOrNone(v))
	if c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionAgentVersion); c != nil && c.Status == metav1.ConditionFalse {
		d.line(describe.LEVEL_1, "Warning:\t%s", common.ValueOrNone(c.Message))
	}
	heartbeat := ""
	if c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionHeartbeat); c != nil {
		heartbeat = c.Message
		if heartbeat == "" {
			heartbeat = c.Reason
		}
	}
	d.line(describe.LEVEL_1, "Heartbeat:\t%s", common.ValueOrNone(heartbeat))
}

func describeNodes(d writer, n *v1alpha1.NodeSummary) {
	if n == nil {
		d.field("Nodes", "<none>")
		return
	}
	d.line(describe.LEVEL_0, "Nodes:")
	d.line(describe.LEVEL_1, "Total:\t%d", n.Total)
	d.line(describe.LEVEL_1, "Ready:\t%d", n.Ready)
	describePool(d, "Control Plane", n.ControlPlane)
	d.line(describe.LEVEL_1, "Etcd Members:\t%d", n.Etcd)
	describePool(d, "Workers", n.Workers)
}

func describePool(d writer, name string, p v1alpha1.PoolSummary) {
	d.line(describe.LEVEL_1, "%s:\t%d/%d ready", name, p.Ready, p.Total)
	if len(p.NotReady) == 0 {
		return
	}
	names := strings.Join(p.NotReady, ", ")
	// Status lists at most MaxNotReadyNames names; say how many it left out.
	if more := int(p.Total-p.Ready) - len(p.NotReady); more > 0 {
		names += fmt.Sprintf(" and %d more", more)
	}
	d.line(describe.LEVEL_2, "NotReady:\t%s", names)
}

// describeProjects shows each project's namespaces (those the spec lists that the hub has
// not found yet as pending) and, when it has any, its members with their downstream role.
func describeProjects(d writer, ic *v1alpha1.ImportedCluster) {
	projects := common.ProjectsOf(ic)
	if len(projects) == 0 {
		d.field("Projects", "<none>")
		return
	}
	d.line(describe.LEVEL_0, "Projects:")
	for _, p := range projects {
		namespaces := slices.Clone(p.Namespaces)
		for _, ns := range p.Pending {
			namespaces = append(namespaces, ns+" (pending)")
		}
		d.line(describe.LEVEL_1, "%s:\t%s", p.Name, common.ValueOrNone(strings.Join(namespaces, ", ")))
		if len(p.Members) == 0 {
			continue
		}
		members := make([]string, len(p.Members))
		for i, m := range p.Members {
			members[i] = fmt.Sprintf("%s (%s)", common.FormatProjectMember(m), common.ValueOrNone(agent.ProjectRoles[m.Role]))
		}
		d.line(describe.LEVEL_2, "Members:\t%s", strings.Join(members, ", "))
	}
}

func describeMembers(d writer, members []v1alpha1.Member) {
	if len(members) == 0 {
		d.field("Members", "<none>")
		return
	}
	d.line(describe.LEVEL_0, "Members:")
	d.table(describe.LEVEL_1, []string{"Kind", "Name", "Role", "Downstream Role"}, common.MemberRows(members))
}

func describeCapabilities(d writer, ic *v1alpha1.ImportedCluster) {
	caps := Capabilities(ic)
	if len(caps) == 0 {
		d.field("Capabilities", "<none>")
		return
	}
	d.line(describe.LEVEL_0, "Capabilities:")
	rows := make([][]string, len(caps))
	for i, c := range caps {
		rows[i] = []string{c.Name, c.Value, c.Source}
	}
	d.table(describe.LEVEL_1, []string{"Name", "Value", "Source"}, rows)
}

func describeConditions(d writer, st *v1alpha1.ImportedClusterStatus, now time.Time) {
	if len(st.Conditions) == 0 {
		d.field("Conditions", "<none>")
		return
	}
	d.line(describe.LEVEL_0, "Conditions:")
	rows := make([][]string, len(st.Conditions))
	for i, c := range st.Conditions {
		rows[i] = []string{c.Type, string(c.Status), common.ValueOrNone(c.Reason), common.Age(c.LastTransitionTime, now), c.Message}
	}
	d.table(describe.LEVEL_1, []string{"Type", "Status", "Reason", "Age", "Message"}, rows)
}

func describeUpgrade(d writer, u *v1alpha1.UpgradeStatus) {
	if u == nil {
		return
	}
	d.line(describe.LEVEL_0, "Upgrade:")
	d.line(describe.LEVEL_1, "Target Version:\t%s", common.ValueOrNone(u.TargetVersion))
	for _, p := range []struct {
		name string
		pool v1alpha1.PoolUpgrade
	}{{"Servers", u.Servers}, {"Workers", u.Workers}} {
		d.line(describe.LEVEL_1, "%s:\t%d/%d done, %d applying (plan %s)", p.name, p.pool.Done, p.pool.Total, p.pool.Applying, common.ValueOrNone(p.pool.Plan))
	}
	if len(u.FailedJobs) == 0 {
		return
	}
	d.line(describe.LEVEL_1, "Failed Jobs:")
	rows := make([][]string, len(u.FailedJobs))
	for i, j := range u.FailedJobs {
		rows[i] = []string{j.Job, j.Node, j.Message}
	}
	d.table(describe.LEVEL_2, []string{"Job", "Node", "Message"}, rows)
}

func describeEvents(d writer, events []corev1.Event, now time.Time) {
	if len(events) == 0 {
		d.field("Events", "<none>")
		return
	}
	sort.SliceStable(events, func(i, j int) bool { return lastSeen(&events[i]).Before(lastSeen(&events[j])) })
	d.line(describe.LEVEL_0, "Events:")
	rows := make([][]string, len(events))
	for i := range events {
		e := &events[i]
		rows[i] = []string{e.Type, e.Reason, eventAge(e, now), eventSource(e), strings.TrimSpace(e.Message)}
	}
	d.table(describe.LEVEL_1, []string{"Type", "Reason", "Age", "From", "Message"}, rows)
}
