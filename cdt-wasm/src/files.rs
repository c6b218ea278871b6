//! Reading a plugin's files: only regular files, never through a link, and never more
//! than a cap.
//!
//! A plugin folder comes from outside. `plugin.wasm` as a link to `/dev/zero` would
//! grow memory without end, as a named pipe it would block loading (built-in tools
//! included), and an oversized `plugin.toml` would be read whole before being refused.
//! So a file is opened without following a link and without blocking, checked to be a
//! regular file on the open handle, and read up to one byte past its cap.

use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Why a plugin file could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Opening or reading failed.
    Io(std::io::Error),
    /// Not a file this host reads: a link, a folder, a pipe, a device or a socket.
    NotRegular(&'static str),
    /// Larger than the cap.
    TooLarge {
        /// The cap, in bytes.
        cap: u64,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::NotRegular(what) => write!(f, "{what}; a plugin's files must be regular files"),
            Self::TooLarge { cap } => write!(f, "over the {cap}-byte limit"),
        }
    }
}

/// Reads the regular file at `path`, at most `cap` bytes.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => ReadError::NotRegular("it is a symbolic link"),
            _ => ReadError::Io(e),
        })?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    let kind = meta.file_type();
    if !kind.is_file() {
        return Err(ReadError::NotRegular(if kind.is_dir() {
            "it is a folder"
        } else {
            "it is a pipe, a socket or a device"
        }));
    }
    if meta.len() > cap {
        return Err(ReadError::TooLarge { cap });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge { cap });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read_and_never_past_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plugin.toml");
        std::fs::write(&file, "x".repeat(100)).unwrap();
        assert_eq!(read_capped(&file, 100).unwrap().len(), 100);
        assert!(matches!(read_capped(&file, 99), Err(ReadError::TooLarge { cap: 99 })));

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let err = read_capped(&link, 1000).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");

        let err = read_capped(dir.path(), 1000).unwrap_err().to_string();
        assert!(err.contains("folder"), "{err}");

        // A device reads forever; it is refused before a byte is read.
        let err = read_capped(Path::new("/dev/zero"), 1000).unwrap_err().to_string();
        assert!(err.contains("device"), "{err}");
    }
}
