//! Opening a OneRoster bundle: a ZIP, a folder, a single CSV file, or Excel workbooks.
//!
//! Files are found by name without case, at the root or in one sub-folder. A ZIP is
//! read in place (nothing is extracted), one archive handle per reading thread, with
//! limits against hostile archives: entry names with `..` or absolute paths, entries
//! whose data overlap, nested archives, and every entry read through a cap on its
//! size, on its ratio and on the archive's total, whatever sizes the archive declares.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::files;

/// Limits on what a bundle may hold. The defaults fit a district of a million users
/// and keep memory bounded on hostile files.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest one file may be once decompressed.
    pub max_file_bytes: u64,
    /// The most all files together may be once decompressed.
    pub max_total_bytes: u64,
    /// The largest decompressed/compressed ratio of a ZIP entry.
    pub max_ratio: u64,
    /// The most entries a ZIP may have.
    pub max_entries: usize,
    /// The longest one CSV row may be, in bytes.
    pub max_row_bytes: usize,
    /// The most cells one CSV row may have.
    pub max_columns: usize,
    /// How many findings of each code are kept word for word (the rest are counted).
    pub max_findings_per_code: usize,
    /// How many threads read files at once (0: one per core).
    pub threads: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 4 << 30,
            max_total_bytes: 16 << 30,
            max_ratio: 200,
            max_entries: 1_000,
            max_row_bytes: 1 << 20,
            max_columns: 1_000,
            max_findings_per_code: 10_000,
            threads: 0,
        }
    }
}

/// A file of a bundle.
#[derive(Clone, Debug)]
pub(crate) struct Member {
    /// Its name in the bundle (`users.csv`), without folders.
    pub(crate) name: String,
    /// Its size once read (as declared, for a ZIP entry: only an estimate).
    pub(crate) size: u64,
    /// Where it is: a path, a ZIP entry name, or an index into converted files.
    at: At,
}

#[derive(Clone, Debug)]
enum At {
    Path(PathBuf),
    Entry(String),
    Memory(usize),
}

/// Where a ZIP's bytes are: each reading thread opens its own handle on them.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    Path(PathBuf),
    Bytes(Arc<[u8]>),
}

/// Something a ZIP archive can be read from.
pub(crate) trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

impl Source {
    pub(crate) fn archive(&self) -> std::io::Result<zip::result::ZipResult<zip::ZipArchive<Box<dyn ReadSeek + '_>>>> {
        let reader: Box<dyn ReadSeek + '_> = match self {
            Self::Path(p) => Box::new(BufReader::with_capacity(1 << 16, File::open(p)?)),
            Self::Bytes(b) => Box::new(Cursor::new(&b[..])),
        };
        Ok(zip::ZipArchive::new(reader))
    }
}

/// A bundle opened for reading its files, from several threads at once.
pub(crate) struct Bundle {
    path: PathBuf,
    source: Source,
    kind: Kind,
    members: Vec<Member>,
    /// Names of other files of the bundle (not CSV), for reports.
    pub(crate) others: Vec<String>,
    limits: Limits,
    total: AtomicU64,
    /// Why a ZIP entry was refused while reading (a bomb): reading it is an error.
    refused: Mutex<Option<String>>,
    memory: Vec<Vec<u8>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Folder,
    Single,
    Zip,
    Xlsx,
}

impl Bundle {
    /// Opens a ZIP, a folder, a CSV file, or an XLSX workbook.
    pub(crate) fn open(path: &Path, limits: Limits) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            return Self::open_folder(path, limits);
        }
        let mut magic = [0u8; 4];
        let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
        let n = read_up_to(&mut f, &mut magic).map_err(|e| Error::io(path, e))?;
        let is_zip = n == 4 && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06");
        let lower = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if has_ext(&lower, "xlsx") || has_ext(&lower, "xlsm") {
            if !is_zip {
                return Err(bundle_err(
                    path,
                    "has an Excel name but is not an Excel workbook (not a ZIP container)",
                ));
            }
            return Self::open_xlsx(path, &[path.to_owned()], limits);
        }
        if is_zip {
            return Self::open_zip(path, Source::Path(path.to_owned()), limits);
        }
        if !has_ext(&lower, "csv") {
            return Err(bundle_err(
                path,
                "not a OneRoster bundle: expected a ZIP, a folder, a .csv file or an .xlsx workbook",
            ));
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        Ok(Self::new(
            path,
            Kind::Single,
            vec![Member {
                name,
                size: meta.len(),
                at: At::Path(path.to_owned()),
            }],
            limits,
        ))
    }

    /// A bundle from bytes in memory (an upload): a ZIP, an XLSX workbook or one CSV
    /// file, told apart by `name` and the first bytes.
    pub(crate) fn from_bytes(name: &str, bytes: Vec<u8>, limits: Limits) -> Result<Self> {
        let path = PathBuf::from(name);
        let is_zip = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06");
        let lower = name.to_ascii_lowercase();
        if has_ext(&lower, "xlsx") || has_ext(&lower, "xlsm") {
            return Err(bundle_err(
                &path,
                "Excel workbooks are read from files, not from memory",
            ));
        }
        if is_zip {
            return Self::open_zip(&path, Source::Bytes(bytes.into()), limits);
        }
        if !has_ext(&lower, "csv") {
            return Err(bundle_err(
                &path,
                "not a OneRoster bundle: expected a ZIP or a .csv file",
            ));
        }
        let mut b = Self::new(
            &path,
            Kind::Single,
            vec![Member {
                name: name.rsplit(['/', '\\']).next().unwrap_or(name).to_owned(),
                size: bytes.len() as u64,
                at: At::Memory(0),
            }],
            limits,
        );
        b.memory = vec![bytes];
        Ok(b)
    }

    fn new(path: &Path, kind: Kind, members: Vec<Member>, limits: Limits) -> Self {
        Self {
            path: path.to_owned(),
            source: Source::Path(path.to_owned()),
            kind,
            members,
            others: Vec::new(),
            limits,
            total: AtomicU64::new(0),
            refused: Mutex::new(None),
            memory: Vec::new(),
        }
    }

    fn open_folder(path: &Path, limits: Limits) -> Result<Self> {
        let dir = find_folder(path)?;
        let mut members = Vec::new();
        let mut workbooks = Vec::new();
        let mut others = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(&dir, e))?
            .map(|e| e.map(|e| e.path()).map_err(|e| Error::io(&dir, e)))
            .collect::<Result<_>>()?;
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            let lower = name.to_ascii_lowercase();
            let data = has_ext(&lower, "csv") || has_ext(&lower, "xlsx");
            match files::kind(&p).map_err(|e| Error::io(&p, e))? {
                files::Kind::File => {}
                // A link or a special file where data is expected is refused, whatever
                // it points at; other entries are only listed.
                k @ (files::Kind::Link | files::Kind::Other) if data => return Err(files::refused(&p, k)),
                _ => continue,
            }
            if has_ext(&lower, "csv") {
                let size = std::fs::metadata(&p).map_err(|e| Error::io(&p, e))?.len();
                members.push(Member {
                    name,
                    size,
                    at: At::Path(p),
                });
            } else if has_ext(&lower, "xlsx") && !lower.starts_with("~$") {
                workbooks.push(p);
            } else {
                others.push(name);
            }
        }
        if members.is_empty() && !workbooks.is_empty() {
            return Self::open_xlsx(&dir, &workbooks, limits);
        }
        let mut b = Self::new(&dir, Kind::Folder, members, limits);
        b.others = others;
        Ok(b)
    }

    fn open_zip(path: &Path, source: Source, limits: Limits) -> Result<Self> {
        let zerr = |m: String| Error::Zip {
            path: path.to_owned(),
            message: m,
        };
        let mut archive = source
            .archive()
            .map_err(|e| Error::io(path, e))?
            .map_err(|e| zerr(format!("not a readable ZIP: {e}")))?;
        if archive.len() > limits.max_entries {
            return Err(zerr(format!(
                "{} entries, more than the limit of {}",
                archive.len(),
                limits.max_entries
            )));
        }
        let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
        for name in &names {
            if hostile_name(name) {
                return Err(zerr(format!("entry `{name}` points outside the archive")));
            }
        }
        if names.iter().any(|n| n.eq_ignore_ascii_case("xl/workbook.xml")) {
            drop(archive);
            if let Source::Bytes(_) = source {
                return Err(bundle_err(path, "Excel workbooks are read from files, not from memory"));
            }
            return Self::open_xlsx(path, &[path.to_owned()], limits);
        }
        // Declared sizes, ratios and overlaps, before inflating anything.
        let mut spans = Vec::with_capacity(names.len());
        let mut declared_total: u64 = 0;
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).map_err(|e| zerr(format!("entry {i}: {e}")))?;
            let name = entry.name().to_owned();
            if entry.is_symlink() {
                return Err(zerr(format!(
                    "entry `{name}` is a symbolic link; links are never followed in bundles"
                )));
            }
            let size = entry.size();
            let compressed = entry.compressed_size();
            if size > limits.max_file_bytes {
                return Err(zerr(format!(
                    "entry `{name}` declares {size} bytes, more than the limit of {}",
                    limits.max_file_bytes
                )));
            }
            if size / compressed.max(1) > limits.max_ratio {
                return Err(zerr(format!(
                    "entry `{name}`: compression ratio {} is over the limit of {} (a zip bomb?)",
                    size / compressed.max(1),
                    limits.max_ratio
                )));
            }
            declared_total = declared_total.saturating_add(size);
            spans.push((entry.header_start(), entry.data_start() + compressed, name));
        }
        if declared_total > limits.max_total_bytes {
            return Err(zerr(format!(
                "entries declare {declared_total} bytes in all, more than the limit of {}",
                limits.max_total_bytes
            )));
        }
        spans.sort();
        for w in spans.windows(2) {
            if w[1].0 < w[0].1 {
                return Err(zerr(format!(
                    "entries `{}` and `{}` overlap in the archive (an overlapping-entry zip bomb?)",
                    w[0].2, w[1].2
                )));
            }
        }
        let csvs: Vec<&String> = names
            .iter()
            .filter(|n| n.to_ascii_lowercase().ends_with(".csv") && !n.starts_with("__MACOSX/"))
            .collect();
        if csvs.is_empty() {
            let nested: Vec<&String> = names
                .iter()
                .filter(|n| {
                    let l = n.to_ascii_lowercase();
                    [".zip", ".7z", ".gz", ".tar", ".rar", ".xlsx"]
                        .iter()
                        .any(|e| l.ends_with(e))
                })
                .collect();
            if let Some(n) = nested.first() {
                return Err(zerr(format!(
                    "the archive holds no CSV file but another archive (`{n}`); nested archives are not read: extract it and send the inner bundle"
                )));
            }
            return Err(zerr("the archive holds no CSV file".into()));
        }
        let dir_of = |n: &str| n.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default();
        let mut prefixes: Vec<String> = csvs.iter().map(|n| dir_of(n)).collect();
        prefixes.sort();
        prefixes.dedup();
        let prefix = match prefixes.as_slice() {
            [one] => one.clone(),
            many => {
                // Prefer the folder that holds manifest.csv or users.csv.
                let key = csvs.iter().find(|n| {
                    let l = n.to_ascii_lowercase();
                    l.ends_with("manifest.csv") || l.ends_with("users.csv")
                });
                match key {
                    Some(n) => dir_of(n),
                    None => {
                        return Err(zerr(format!(
                            "CSV files are spread over several folders ({}); expected one",
                            many.join(", ")
                        )));
                    }
                }
            }
        };
        let mut members = Vec::new();
        let mut others = Vec::new();
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).map_err(|e| zerr(format!("entry {i}: {e}")))?;
            let full = entry.name().to_owned();
            let Some(rest) = full.strip_prefix(&prefix) else {
                continue;
            };
            if rest.is_empty() || rest.contains('/') || entry.is_dir() {
                continue;
            }
            if rest.to_ascii_lowercase().ends_with(".csv") {
                members.push(Member {
                    name: rest.to_owned(),
                    size: entry.size().min(limits.max_file_bytes),
                    at: At::Entry(full),
                });
            } else {
                others.push(rest.to_owned());
            }
        }
        drop(archive);
        let mut b = Self::new(path, Kind::Zip, members, limits);
        b.others = others;
        b.source = source;
        Ok(b)
    }

    #[cfg(feature = "xlsx")]
    fn open_xlsx(path: &Path, workbooks: &[PathBuf], limits: Limits) -> Result<Self> {
        let mut members = Vec::new();
        let mut memory = Vec::new();
        let mut total = 0u64;
        for wb in workbooks {
            for (name, bytes) in crate::oneroster::xlsx::convert(wb, &limits, workbooks.len() > 1)? {
                total += bytes.len() as u64;
                if total > limits.max_total_bytes {
                    return Err(bundle_err(
                        path,
                        "the workbooks convert to more than the total size limit",
                    ));
                }
                members.push(Member {
                    name,
                    size: bytes.len() as u64,
                    at: At::Memory(memory.len()),
                });
                memory.push(bytes);
            }
        }
        let mut b = Self::new(path, Kind::Xlsx, members, limits);
        b.memory = memory;
        Ok(b)
    }

    #[cfg(not(feature = "xlsx"))]
    fn open_xlsx(path: &Path, _workbooks: &[PathBuf], _limits: Limits) -> Result<Self> {
        Err(bundle_err(
            path,
            "reading Excel workbooks needs the `xlsx` feature of cdt-connectors",
        ))
    }

    /// The CSV files of the bundle.
    pub(crate) fn members(&self) -> &[Member] {
        &self.members
    }

    /// Whether the bundle is one CSV file.
    pub(crate) fn is_single(&self) -> bool {
        self.kind == Kind::Single
    }

    /// Whether the bundle came from Excel workbooks.
    pub(crate) fn is_xlsx(&self) -> bool {
        self.kind == Kind::Xlsx
    }

    /// What this bundle is, for reports.
    pub(crate) fn describe(&self) -> String {
        let what = match self.kind {
            Kind::Folder => "folder",
            Kind::Single => "file",
            Kind::Zip => "ZIP",
            Kind::Xlsx => "Excel workbook",
        };
        format!("{what} {}", self.path.display())
    }

    /// Why reading was refused (a ZIP entry over a limit), if it was.
    pub(crate) fn refused(&self) -> Option<Error> {
        let why = self.refused.lock().ok()?.clone()?;
        Some(Error::Zip {
            path: self.path.clone(),
            message: why,
        })
    }

    /// Runs `f` on a reader of a member. Readers of several members may be open at
    /// once, from several threads.
    pub(crate) fn with_reader<T>(&self, member: &Member, f: impl FnOnce(&mut dyn Read) -> T) -> Result<T> {
        match &member.at {
            At::Path(p) => {
                let (mut file, _) = files::open_regular(p)?;
                Ok(f(&mut file))
            }
            At::Memory(i) => Ok(f(&mut &self.memory[*i][..])),
            At::Entry(name) => {
                let zerr = |m: String| Error::Zip {
                    path: self.path.clone(),
                    message: format!("entry `{name}`: {m}"),
                };
                let mut archive = self
                    .source
                    .archive()
                    .map_err(|e| Error::io(&self.path, e))?
                    .map_err(|e| zerr(format!("not a readable ZIP: {e}")))?;
                let entry = archive.by_name(name).map_err(|e| zerr(e.to_string()))?;
                let compressed = entry.compressed_size().max(1);
                let budget = self
                    .limits
                    .max_file_bytes
                    .min(compressed.saturating_mul(self.limits.max_ratio));
                let mut capped = Capped {
                    inner: entry,
                    read: 0,
                    budget,
                    bundle: self,
                    name,
                };
                Ok(f(&mut capped))
            }
        }
    }

    /// Reads a small member whole (the manifest), at most `max` bytes.
    pub(crate) fn read_small(&self, member: &Member, max: u64) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        let res = self.with_reader(member, |r| r.take(max + 1).read_to_end(&mut buf))?;
        if let Some(e) = self.refused() {
            return Err(e);
        }
        res.map_err(|e| Error::io(self.path.join(&member.name), e))?;
        if buf.len() as u64 > max {
            return Err(Error::csv(&member.name, None, None, format!("larger than {max} bytes")));
        }
        Ok(buf)
    }
}

/// A ZIP entry's reader that stops at its budget and at the archive's total.
struct Capped<'a, R> {
    inner: R,
    read: u64,
    budget: u64,
    bundle: &'a Bundle,
    name: &'a str,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let total = self.bundle.total.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        let why = if self.read > self.budget {
            Some(format!(
                "entry `{}` inflates past its limit of {} bytes (size or ratio); the archive may be a zip bomb",
                self.name, self.budget
            ))
        } else if total > self.bundle.limits.max_total_bytes {
            Some(format!(
                "the archive inflates past its total limit of {} bytes; it may be a zip bomb",
                self.bundle.limits.max_total_bytes
            ))
        } else {
            None
        };
        if let Some(why) = why {
            if let Ok(mut r) = self.bundle.refused.lock() {
                r.get_or_insert_with(|| why.clone());
            }
            return Err(std::io::Error::other(why));
        }
        Ok(n)
    }
}

/// Whether a file name has this extension, ignoring case.
fn has_ext(name: &str, ext: &str) -> bool {
    Path::new(name).extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

pub(crate) fn hostile_name(name: &str) -> bool {
    let p = Path::new(name);
    name.starts_with('/')
        || name.starts_with('\\')
        || name.contains(":\\")
        || name.contains('\0')
        || name.split(['/', '\\']).any(|c| c == "..")
        || p.components()
            .any(|c| matches!(c, Component::ParentDir | Component::RootDir | Component::Prefix(_)))
}

fn bundle_err(path: &Path, message: &str) -> Error {
    Error::Bundle {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

/// The folder holding the files: `dir` itself, or its only sub-folder with CSVs.
fn find_folder(dir: &Path) -> Result<PathBuf> {
    if has_bundle_files(dir)? {
        return Ok(dir.to_owned());
    }
    let mut subs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = entry.map_err(|e| Error::io(dir, e))?.path();
        // A linked folder is not followed: the bundle stays under its root.
        if files::kind(&p).is_ok_and(|k| k == files::Kind::Dir) && has_bundle_files(&p)? {
            subs.push(p);
        }
    }
    match subs.len() {
        1 => Ok(subs.remove(0)),
        0 => Err(Error::Bundle {
            path: dir.to_owned(),
            message: "no CSV file in this folder or its sub-folders".into(),
        }),
        _ => Err(Error::Bundle {
            path: dir.to_owned(),
            message: "CSV files are in several sub-folders; point at one of them".into(),
        }),
    }
}

fn has_bundle_files(dir: &Path) -> Result<bool> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = entry.map_err(|e| Error::io(dir, e))?.path();
        if files::kind(&p).is_ok_and(|k| matches!(k, files::Kind::File | files::Kind::Link))
            && p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("xlsx"))
        {
            return Ok(true);
        }
    }
    Ok(false)
}
