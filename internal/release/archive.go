package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"time"
)

// File is one entry of an archive or an image layer.
type File struct {
	Name string // slash-separated path inside the archive
	Mode int64  // permission bits, e.g. 0o755
	Data []byte
}

// zipEpoch is the earliest time a zip (MS-DOS) timestamp can hold.
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// normalize makes an archive independent of the caller's order and of the clock: entries sorted
// by name, one fixed UTC time truncated to seconds and clamped to what zip can hold.
func normalize(files []File, mtime time.Time) ([]File, time.Time) {
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	mtime = mtime.UTC().Truncate(time.Second)
	if mtime.Before(zipEpoch) {
		mtime = zipEpoch
	}
	return sorted, mtime
}

// WriteTar writes a plain (uncompressed) tar of files: owner root:root, no user or group names,
// every entry at mtime, in name order.
func WriteTar(w io.Writer, files []File, mtime time.Time) error {
	files, mtime = normalize(files, mtime)
	tw := tar.NewWriter(w)
	for _, f := range files {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     f.Name,
			Mode:     f.Mode,
			Size:     int64(len(f.Data)),
			ModTime:  mtime,
			Format:   tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("tar entry %s: %w", f.Name, err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			return fmt.Errorf("tar entry %s: %w", f.Name, err)
		}
	}
	return tw.Close()
}

// WriteTarGz writes a gzip-compressed tar (see WriteTar); the gzip header carries no name and
// no time.
func WriteTarGz(w io.Writer, files []File, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := WriteTar(gz, files, mtime); err != nil {
		return err
	}
	return gz.Close()
}

// WriteZip writes a zip of files (deflated, Unix modes, every entry at mtime, in name order).
func WriteZip(w io.Writer, files []File, mtime time.Time) error {
	files, mtime = normalize(files, mtime)
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	for _, f := range files {
		hdr := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: mtime}
		hdr.SetMode(fs.FileMode(f.Mode) & fs.ModePerm)
		fw, err := zw.CreateHeader(hdr)
		if err != nil {
			return fmt.Errorf("zip entry %s: %w", f.Name, err)
		}
		if _, err := io.Copy(fw, bytes.NewReader(f.Data)); err != nil {
			return fmt.Errorf("zip entry %s: %w", f.Name, err)
		}
	}
	return zw.Close()
}
