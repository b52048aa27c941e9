package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// virtioModules are the modules the initramfs loads, in dependency order, to
// mount the host's root over 9p (LAB.md). Modules built into the kernel are
// skipped.
var virtioModules = []string{
	"virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
	"virtio_pci", "netfs", "fscache", "9pnet", "9pnet_virtio", "9p",
}

// latestKernel returns the newest /boot/vmlinuz-<version> version string.
func latestKernel() (string, error) {
	ents, err := os.ReadDir("/boot")
	if err != nil {
		return "", fmt.Errorf("no /boot: %w (install linux-image-amd64)", err)
	}
	var vers []string
	for _, e := range ents {
		if v, ok := strings.CutPrefix(e.Name(), "vmlinuz-"); ok {
			vers = append(vers, v)
		}
	}
	if len(vers) == 0 {
		return "", fmt.Errorf("no kernel /boot/vmlinuz-* (install linux-image-amd64)")
	}
	sort.Strings(vers)
	return vers[len(vers)-1], nil
}

// moduleBytes returns the uncompressed .ko of module m for kernel k, or nil
// if it is built in.
func moduleBytes(k, m string) ([]byte, error) {
	out, err := exec.Command("modinfo", "-k", k, "-F", "filename", m).Output()
	if err != nil {
		return nil, fmt.Errorf("modinfo %s for kernel %s: %w (is kmod installed, and the kernel's modules?)", m, k, err)
	}
	f := strings.TrimSpace(string(out))
	switch {
	case f == "" || strings.HasPrefix(f, "(builtin)"):
		return nil, nil
	case strings.HasSuffix(f, ".xz"):
		return exec.Command("xz", "-dc", f).Output()
	case strings.HasSuffix(f, ".zst"):
		return exec.Command("zstd", "-dc", f).Output()
	}
	return os.ReadFile(f)
}

// initScript is /init in the initramfs: load the 9p modules, mount the host
// root read-only and the lab share read-write, and hand over to the guest
// half of the runner that lives on the lab share.
const initScript = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /root
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
for m in %s; do
  [ -f /lib/modules/$m.ko ] && /bin/busybox insmod /lib/modules/$m.ko
done
/bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose root /root || { echo "LAB-ERROR: cannot mount the host root over 9p"; /bin/busybox poweroff -f; }
/bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 lab /root/mnt || { echo "LAB-ERROR: cannot mount the lab share"; /bin/busybox poweroff -f; }
/bin/busybox umount /proc /sys
/bin/busybox mount --move /dev /root/dev
exec /bin/busybox switch_root /root /mnt/bin/test-runner -guest /mnt
`

// buildInitramfs writes a gzip'd newc cpio archive: busybox, the 9p modules
// of kernel k, and /init.
func buildInitramfs(k, busybox, out string) error {
	var buf bytes.Buffer
	w := newCpio(&buf)
	for _, d := range []string{"bin", "lib", "lib/modules", "proc", "sys", "dev", "root"} {
		w.dir(d)
	}
	bb, err := os.ReadFile(busybox)
	if err != nil {
		return fmt.Errorf("busybox: %w (install busybox-static)", err)
	}
	w.file("bin/busybox", 0o755, bb)
	var loaded []string
	for _, m := range virtioModules {
		b, err := moduleBytes(k, m)
		if err != nil {
			return err
		}
		if b == nil {
			continue
		}
		w.file("lib/modules/"+m+".ko", 0o644, b)
		loaded = append(loaded, m)
	}
	w.file("init", 0o755, []byte(fmt.Sprintf(initScript, strings.Join(loaded, " "))))
	if err := w.close(); err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	if _, err := io.Copy(zw, &buf); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// cpio writes the "newc" format the kernel unpacks for an initramfs.
type cpio struct {
	w   io.Writer
	ino int
	err error
}

func newCpio(w io.Writer) *cpio { return &cpio{w: w, ino: 1} }

func (c *cpio) entry(name string, mode uint32, data []byte) {
	if c.err != nil {
		return
	}
	c.ino++
	nlink := 1
	if mode&0o040000 != 0 {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name)+1, 0)
	var b bytes.Buffer
	b.WriteString(hdr)
	b.WriteString(name)
	b.WriteByte(0)
	pad(&b, b.Len())
	b.Write(data)
	pad(&b, len(data))
	_, c.err = c.w.Write(b.Bytes())
}

func pad(b *bytes.Buffer, n int) {
	for n%4 != 0 {
		b.WriteByte(0)
		n++
	}
}

func (c *cpio) dir(name string) { c.entry(filepath.Clean(name), 0o040755, nil) }

func (c *cpio) file(name string, perm uint32, data []byte) {
	c.entry(filepath.Clean(name), 0o100000|perm, data)
}

func (c *cpio) close() error {
	c.entry("TRAILER!!!", 0, nil)
	return c.err
}
