//! One daemon per state directory: an advisory lock (`flock`) on
//! `sahel-watch.lock` in the state directory, held for the daemon's life and
//! holding its pid. A second daemon on the same directory would send every
//! queued alert a second time; it refuses to start instead, naming the
//! directory and the holder. Read-only commands (`incidents`, `feeds`,
//! `outbox list`) do not take the lock.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Name of the lock file in the state directory.
pub const LOCK_FILE: &str = "sahel-watch.lock";

/// The held lock; released when dropped (or when the process ends, however
/// it ends: the kernel drops `flock` locks with the last descriptor).
#[derive(Debug)]
pub struct StateLock {
    _file: File,
    path: PathBuf,
}

impl StateLock {
    /// Take the lock of `state_dir` (created 0700 if missing), or fail with
    /// a message naming the directory and the pid that holds it.
    pub fn acquire(state_dir: &Path) -> Result<StateLock> {
        if !state_dir.exists() {
            std::fs::create_dir_all(state_dir)
                .with_context(|| format!("creating state directory {}", state_dir.display()))?;
            crate::store::set_mode(state_dir, 0o700);
        }
        let path = state_dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("opening lock file {}", path.display()))?;
        // SAFETY: flock on a descriptor we own.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() {
                    "another process".to_string()
                } else {
                    format!("process {holder}")
                };
                anyhow::bail!(
                    "state directory {} is in use by another sahel-watch daemon ({holder} holds {}); \
                     two daemons on one state would send every alert twice",
                    state_dir.display(),
                    path.display()
                );
            }
            return Err(err).with_context(|| format!("locking {}", path.display()));
        }
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        writeln!(file, "{}", std::process::id())?;
        file.flush()?;
        Ok(StateLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_directory_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = StateLock::acquire(dir.path()).unwrap();
        let e = StateLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(e.contains(&dir.path().display().to_string()), "{e}");
        assert!(
            e.contains(&format!("process {}", std::process::id())),
            "{e}"
        );
        drop(first);
        StateLock::acquire(dir.path()).expect("free again once released");
    }
}
