package hubserver

import "time"

// secretSyncPeriod is how soon a rotated certificate reaches the files outside a cluster
// (the kubelet takes up to a minute for a Secret volume).
const secretSyncPeriod = time.Second
