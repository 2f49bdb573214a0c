package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"testing"
	"time"
)

var testFiles = []File{
	{Name: "kubectl-import", Mode: 0o755, Data: []byte("binary")},
	{Name: "LICENSE", Mode: 0o644, Data: []byte("Apache License")},
	{Name: "kubectl_complete-import", Mode: 0o755, Data: []byte("#!/bin/sh\n")},
}

func reversed(files []File) []File {
	out := make([]File, len(files))
	for i, f := range files {
		out[len(files)-1-i] = f
	}
	return out
}

func TestArchivesAreReproducible(t *testing.T) {
	mtime := time.Unix(1700000000, 123456789)
	for name, write := range map[string]func(io.Writer, []File, time.Time) error{
		"tar.gz": WriteTarGz, "zip": WriteZip,
	} {
		t.Run(name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := write(&a, testFiles, mtime); err != nil {
				t.Fatal(err)
			}
			// Another order of the same files, and a time differing below a second, in another zone.
			if err := write(&b, reversed(testFiles), mtime.Truncate(time.Second).In(time.FixedZone("X", 3600))); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("two archives of the same files differ (%d and %d bytes)", a.Len(), b.Len())
			}
		})
	}
}

func TestTarGzEntries(t *testing.T) {
	mtime := time.Unix(1700000000, 0)
	var buf bytes.Buffer
	if err := WriteTarGz(&buf, testFiles, mtime); err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q, time %v; want neither", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		want := map[string]int64{"LICENSE": 0o644}[hdr.Name]
		if want == 0 {
			want = 0o755
		}
		if hdr.Mode != want || hdr.Uid != 0 || hdr.Gid != 0 || hdr.Uname != "" || hdr.Gname != "" || !hdr.ModTime.Equal(mtime) {
			t.Errorf("%s: mode %o uid %d gid %d uname %q gname %q time %v; want mode %o, root, no names, %v",
				hdr.Name, hdr.Mode, hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname, hdr.ModTime, want, mtime)
		}
	}
	if got := len(names); got != 3 || names[0] != "LICENSE" || names[1] != "kubectl-import" || names[2] != "kubectl_complete-import" {
		t.Errorf("entries %v, want LICENSE, kubectl-import, kubectl_complete-import in that order", names)
	}
}

func TestZipEntries(t *testing.T) {
	mtime := time.Unix(1700000000, 0)
	var buf bytes.Buffer
	if err := WriteZip(&buf, testFiles, mtime); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 3 || zr.File[0].Name != "LICENSE" {
		t.Fatalf("zip has %d entries starting with %q, want 3 starting with LICENSE", len(zr.File), zr.File[0].Name)
	}
	for _, f := range zr.File {
		if !f.Modified.Equal(mtime) {
			t.Errorf("%s: modified %v, want %v", f.Name, f.Modified, mtime)
		}
		if f.Name == "kubectl-import" && f.Mode().Perm() != 0o755 {
			t.Errorf("%s: mode %v, want -rwxr-xr-x", f.Name, f.Mode())
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == "LICENSE" && string(data) != "Apache License" {
			t.Errorf("LICENSE holds %q", data)
		}
	}
}

func TestTimesBeforeZipEpochAreClamped(t *testing.T) {
	var a, b bytes.Buffer
	if err := WriteZip(&a, testFiles, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := WriteZip(&b, testFiles, zipEpoch); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("a time before 1980 was not clamped to 1980-01-01")
	}
}
