"""A file system for tests whose fsync fails, or is slow, and whose writes come up short on demand,
and that can tell what a power cut would leave. Every call passes through to a backing folder, except:

- fsync, fdatasync and a folder's fsync fail with EIO while the control file CONTROL/fail-fsync
  exists and the path being synced (from the mount's root, e.g. /a/b.db) contains the text that
  file holds (an empty file: every path; "=/a": the path /a itself, e.g. a folder), except for
  the first K such syncs while CONTROL/fail-fsync-skip holds K. Each failed sync is logged to
  CONTROL/failed, one path a line.
- A write to a path containing the text of CONTROL/short-write ("LIMIT TEXT"; TEXT may be empty)
  writes at most LIMIT bytes and says so: write(2) returns a short count (for LIMIT under 4096 even
  through the page cache, whose writes come a page at a time), and the writer must write the rest
  itself. Each shortened write is logged to CONTROL/short ("PATH OFFSET ASKED LIMIT").
- Each fsync (of a file or a folder) waits CONTROL/fsync-delay-ms milliseconds first, when that
  file exists, whether it then works or fails: a slow disk's fsync, for the benchmarks
  (scripts/bench/slow-disk.ts) and the tests of a journal whose fsync is in flight.
- With --power-cut, what the disk would hold after a power cut is kept in CONTROL/durable, by the
  rules POSIX promises and no more: a file's bytes as they were at its last successful fsync or
  fdatasync (ino-N, N its inode number; a file never synced has lost its bytes), and the names in
  the mount's root folder as they were at that folder's last fsync (root.json: name -> inode).
  The files at the root when the daemon starts are durable as they are.

The kernel sees a real FUSE mount: a program on it gets EIO from fsync(2) itself, as it would from
a failing disk. Used by test/support/faulty-fs.ts.

Usage (as root, in the foreground): /usr/bin/python3 faulty-fs.py BACKING MOUNT CONTROL [--power-cut]
Needs Debian's python3-fusepy (the module `fusepy`, on libfuse2).
"""
import errno
import json
import os
import shutil
import stat
import sys
import time

from fusepy import FUSE, FuseOSError, Operations

STAT_FIELDS = ("st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime", "st_nlink", "st_size", "st_uid", "st_ino")
STATVFS_FIELDS = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")


def os_errors(method):
    """Turns an OSError of the backing folder into the same error number for the kernel."""

    def call(*args):
        try:
            return method(*args)
        except OSError as e:
            raise FuseOSError(e.errno or errno.EIO)

    return call


class FailingSync(Operations):
    def __init__(self, backing, control, power_cut):
        self.backing = backing
        self.control = control
        self.durable = os.path.join(control, "durable") if power_cut else None
        if self.durable:
            os.makedirs(self.durable, exist_ok=True)
            for name in os.listdir(backing):
                real = os.path.join(backing, name)
                if stat.S_ISREG(os.lstat(real).st_mode):
                    self.keep_bytes(real)
            self.keep_root()

    def replace(self, name, write):
        """Writes CONTROL/durable/name whole, then renames it into place (never half written)."""
        tmp = os.path.join(self.durable, "." + name + ".tmp")
        write(tmp)
        os.replace(tmp, os.path.join(self.durable, name))

    def keep_bytes(self, real):
        """A file's bytes, now durable (read through its path: /proc/self/fd/N for an open file)."""
        ino = os.stat(real).st_ino
        self.replace("ino-%d" % ino, lambda tmp: shutil.copyfile(real, tmp))

    def keep_root(self):
        """The names in the root folder, now durable."""
        names = {}
        for name in os.listdir(self.backing):
            st = os.lstat(os.path.join(self.backing, name))
            if stat.S_ISREG(st.st_mode):
                names[name] = st.st_ino

        def write(tmp):
            with open(tmp, "w") as f:
                json.dump(names, f)

        self.replace("root.json", write)

    def real(self, path):
        return os.path.join(self.backing, path.lstrip("/"))

    def sync_fails(self, path):
        try:
            with open(os.path.join(self.control, "fail-fsync")) as f:
                match = f.read().strip()
        except FileNotFoundError:
            return False
        if not (path == match[1:] if match.startswith("=") else match in path):
            return False
        skip_file = os.path.join(self.control, "fail-fsync-skip")
        if os.path.exists(skip_file):
            with open(skip_file) as f:
                skip = int(f.read().strip() or "0")
            if skip > 0:
                with open(skip_file, "w") as f:
                    f.write(str(skip - 1))
                return False
        with open(os.path.join(self.control, "failed"), "a") as log:
            log.write(path + "\n")
        return True

    @os_errors
    def getattr(self, path, fh=None):
        st = os.fstat(fh) if fh is not None else os.lstat(self.real(path))
        return {k: getattr(st, k) for k in STAT_FIELDS}

    @os_errors
    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self.real(path))

    @os_errors
    def statfs(self, path):
        st = os.statvfs(self.real(path))
        return {k: getattr(st, k) for k in STATVFS_FIELDS}

    @os_errors
    def access(self, path, mode):
        if not os.access(self.real(path), mode):
            raise FuseOSError(errno.EACCES)

    @os_errors
    def open(self, path, flags):
        # the kernel does direct I/O itself; the backing file gets plain writes
        return os.open(self.real(path), flags & ~os.O_DIRECT)

    @os_errors
    def create(self, path, mode, fi=None):
        return os.open(self.real(path), os.O_RDWR | os.O_CREAT | os.O_TRUNC, mode)

    @os_errors
    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def short_write_limit(self, path):
        """The most bytes one write to `path` may take (CONTROL/short-write), or None for all."""
        try:
            with open(os.path.join(self.control, "short-write")) as f:
                limit, _, match = f.read().strip().partition(" ")
        except FileNotFoundError:
            return None
        return int(limit) if match in path else None

    @os_errors
    def write(self, path, data, offset, fh):
        limit = self.short_write_limit(path)
        if limit is not None and len(data) > limit:
            with open(os.path.join(self.control, "short"), "a") as log:
                log.write("%s %d %d %d\n" % (path, offset, len(data), limit))
            data = data[:limit]
        return os.pwrite(fh, data, offset)

    @os_errors
    def truncate(self, path, length, fh=None):
        if fh is not None:
            os.ftruncate(fh, length)
        else:
            os.truncate(self.real(path), length)

    def sync_delay(self):
        """Waits CONTROL/fsync-delay-ms milliseconds, when that file exists (a slow disk's fsync)."""
        try:
            with open(os.path.join(self.control, "fsync-delay-ms")) as f:
                ms = float(f.read().strip() or "0")
        except FileNotFoundError:
            return
        time.sleep(ms / 1000)

    def fsync(self, path, datasync, fh):
        self.sync_delay()
        if self.sync_fails(path):
            raise FuseOSError(errno.EIO)
        os.fdatasync(fh) if datasync else os.fsync(fh)
        if self.durable:
            self.keep_bytes("/proc/self/fd/%d" % fh)

    def fsyncdir(self, path, datasync, fh):
        self.sync_delay()
        if self.sync_fails(path):
            raise FuseOSError(errno.EIO)
        if self.durable and path == "/":
            self.keep_root()

    def flush(self, path, fh):
        return 0

    @os_errors
    def release(self, path, fh):
        os.close(fh)

    @os_errors
    def unlink(self, path):
        os.unlink(self.real(path))

    @os_errors
    def rename(self, old, new):
        os.rename(self.real(old), self.real(new))

    @os_errors
    def link(self, target, source):
        os.link(self.real(source), self.real(target))

    @os_errors
    def mkdir(self, path, mode):
        os.mkdir(self.real(path), mode)

    @os_errors
    def rmdir(self, path):
        os.rmdir(self.real(path))

    @os_errors
    def chmod(self, path, mode):
        os.chmod(self.real(path), mode)

    @os_errors
    def chown(self, path, uid, gid):
        os.chown(self.real(path), uid, gid)

    @os_errors
    def utimens(self, path, times=None):
        os.utime(self.real(path), times)


if __name__ == "__main__":
    backing, mount, control = sys.argv[1:4]
    FUSE(FailingSync(backing, control, "--power-cut" in sys.argv[4:]), mount, foreground=True, nothreads=True, default_permissions=True)
