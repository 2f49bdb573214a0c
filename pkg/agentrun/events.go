package agentrun

import (
	"fmt"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
)

// logEvents is the agent's event recorder: it may create no Event in the hub, so what the
// sync would announce goes to its log.
type logEvents struct{ logger logr.Logger }

func (e logEvents) Event(_ runtime.Object, eventType, reason, message string) {
	e.logger.Info(message, "type", eventType, "reason", reason)
}

func (e logEvents) Eventf(obj runtime.Object, eventType, reason, messageFmt string, args ...any) {
	e.Event(obj, eventType, reason, fmt.Sprintf(messageFmt, args...))
}

func (e logEvents) AnnotatedEventf(obj runtime.Object, _ map[string]string, eventType, reason, messageFmt string, args ...any) {
	e.Eventf(obj, eventType, reason, messageFmt, args...)
}
