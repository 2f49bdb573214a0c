package release

import "testing"

func TestValidateVersion(t *testing.T) {
	for _, v := range []string{"v0.1.0", "v1.2.3-rc.1", "v0.1.0-3-gabc1234", "v0.1.0-3-gabc1234-dirty", "v0.0.0-g750ff87-dirty", "v1.0.0+build.5"} {
		if err := ValidateVersion(v); err != nil {
			t.Errorf("ValidateVersion(%q) = %v, want nil", v, err)
		}
	}
	for _, v := range []string{"", "0.1.0", "750ff87-dirty", "v1.2", "v01.2.3", "v1.2.3-01", "latest"} {
		if err := ValidateVersion(v); err == nil {
			t.Errorf("ValidateVersion(%q) = nil, want an error", v)
		}
	}
	if !IsRelease("v0.1.0") || IsRelease("v0.1.0-rc.1") || IsRelease("v0.1.0-3-gabc1234") {
		t.Error("IsRelease must accept exactly vX.Y.Z")
	}
}

func TestParsePlatforms(t *testing.T) {
	got, err := ParsePlatforms("linux/amd64, windows/arm64")
	if err != nil || len(got) != 2 || got[1] != (Platform{"windows", "arm64"}) {
		t.Errorf("ParsePlatforms = %v, %v", got, err)
	}
	for _, bad := range []string{"linux", "linux/", "/amd64", "linux/amd64/v8"} {
		if _, err := ParsePlatforms(bad); err == nil {
			t.Errorf("ParsePlatforms(%q) = nil error", bad)
		}
	}
}
