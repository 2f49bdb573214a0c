package validate

import "testing"

func TestParseK3sVersion(t *testing.T) {
	good := map[string]K3sVersion{
		"v1.30.4+k3s1":  {1, 30, 4, 1},
		"v1.32.10+k3s2": {1, 32, 10, 2},
		"v2.0.0+k3s0":   {2, 0, 0, 0},
	}
	for s, want := range good {
		got, err := ParseK3sVersion(s)
		if err != nil || got != want || got.String() != s {
			t.Errorf("ParseK3sVersion(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "1.30.4+k3s1", "v1.30+k3s1", "v1.30.4", "v1.30.4+k3s", "v1.30.4+rke2r1", "v1.30.4-rc1+k3s1",
		"v1.30.4+k3s1 ", "v01.30.4+k3s1", "v1.30.4+k3s01", "v1.-3.4+k3s1", "v1.30.4.5+k3s1", "v1.30.4+k3s1+k3s1", "v1.30.99999999999+k3s1"} {
		if v, err := ParseK3sVersion(s); err == nil {
			t.Errorf("ParseK3sVersion(%q) = %v, want an error", s, v)
		}
	}
	_, err := ParseK3sVersion("1.30")
	if want := `"1.30" must be a K3s version vX.Y.Z+k3sN, e.g. v1.30.4+k3s1`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestK3sVersionCompare(t *testing.T) {
	ordered := []string{"v1.29.9+k3s9", "v1.30.0+k3s1", "v1.30.4+k3s1", "v1.30.4+k3s2", "v1.30.10+k3s1", "v1.31.0+k3s1", "v2.0.0+k3s1"}
	for i, a := range ordered {
		for j, b := range ordered {
			va, _ := ParseK3sVersion(a)
			vb, _ := ParseK3sVersion(b)
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := va.Compare(vb); got != want {
				t.Errorf("%s.Compare(%s) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestKubeMinor(t *testing.T) {
	for s, want := range map[string]int{"v1.32.4": 32, "v1.30.4+k3s1": 30, "1.25": 25, "v1.24.17-eks-1": 24, "": 0, "v2.1.0": 0, "v1.": 0, "garbage": 0} {
		if got := KubeMinor(s); got != want {
			t.Errorf("KubeMinor(%q) = %d, want %d", s, got, want)
		}
	}
}
