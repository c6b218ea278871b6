//! Streaming a CSV file into records, in bounded memory.
//!
//! Bytes are read in blocks; a UTF-8 byte-order mark is dropped; a file that is not
//! UTF-8 but is plausible Windows-1252 (only ASCII before the first invalid byte, and
//! no byte 1252 leaves undefined) is decoded as 1252; other invalid bytes are passed
//! on, and the cells holding them are reported by the caller. Records are cut by
//! `csv_core`, with a cap on a row's bytes and on its cells, so a 100 MB line or a
//! million columns stop the file with a finding instead of exhausting memory.

use std::io::Read;

use csv_core::ReadRecordResult;

const BLOCK: usize = 256 * 1024;

/// Why a file stopped being read.
#[derive(Debug)]
pub(crate) enum Stop {
    /// The underlying reader failed (an I/O error, a ZIP limit).
    Io(std::io::Error),
    /// UTF-16 or UTF-32.
    Unsupported(&'static str),
    /// A row over `max_row_bytes`, at this row.
    RowTooLong(u64),
    /// A row over `max_columns`, at this row.
    TooManyColumns(u64),
    /// The file is over `max_file_bytes`.
    TooLarge,
}

/// What the decoder noticed about the file.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Notes {
    pub(crate) bom: bool,
    /// Decoded as Windows-1252 from this byte offset on.
    pub(crate) windows_1252_at: Option<u64>,
    /// Double quotes seen (an odd count means one was never closed).
    pub(crate) quotes: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Enc {
    /// Only ASCII so far.
    Ascii,
    /// Valid non-ASCII UTF-8 seen.
    Utf8,
    /// Decoding as Windows-1252.
    Win1252,
    /// Invalid bytes seen that are not 1252: pass bytes through.
    Raw,
}

/// A `BufRead`-like source of decoded bytes.
struct Decoder<R> {
    inner: R,
    raw: Vec<u8>,
    /// Bytes of `raw` kept for the next block (an incomplete UTF-8 sequence).
    tail: usize,
    data: Vec<u8>,
    pos: usize,
    enc: Enc,
    first: bool,
    eof: bool,
    offset: u64,
    max_bytes: u64,
    /// The file went past `max_bytes`; `data` stops there.
    over: bool,
    notes: Notes,
}

/// Bytes Windows-1252 leaves undefined.
fn undefined_in_1252(b: u8) -> bool {
    matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)
}

impl<R: Read> Decoder<R> {
    fn new(inner: R, max_bytes: u64) -> Self {
        Self {
            inner,
            raw: vec![0; BLOCK],
            tail: 0,
            data: Vec::with_capacity(BLOCK),
            pos: 0,
            enc: Enc::Ascii,
            first: true,
            eof: false,
            offset: 0,
            max_bytes,
            over: false,
            notes: Notes::default(),
        }
    }

    fn fill(&mut self) -> Result<&[u8], Stop> {
        while self.pos >= self.data.len() && !self.eof {
            self.refill()?;
        }
        Ok(&self.data[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }

    fn refill(&mut self) -> Result<(), Stop> {
        self.data.clear();
        self.pos = 0;
        // Read a block after any kept tail.
        let mut n = self.tail;
        while n < self.raw.len() {
            match self.inner.read(&mut self.raw[n..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Stop::Io(e)),
            }
        }
        let mut read = (n - self.tail) as u64;
        if self.offset + read > self.max_bytes {
            // Keep what is within the limit; the caller stops after it.
            let allowed = self.max_bytes.saturating_sub(self.offset);
            n = self.tail + usize::try_from(allowed).unwrap_or(usize::MAX);
            read = allowed;
            self.over = true;
            self.eof = true;
        }
        self.offset += read;
        let mut block = &self.raw[..n];
        if self.first {
            self.first = false;
            if block.starts_with(b"\xEF\xBB\xBF") {
                self.notes.bom = true;
                block = &block[3..];
            } else if block.starts_with(b"\xFF\xFE\x00\x00") || block.starts_with(b"\x00\x00\xFE\xFF") {
                return Err(Stop::Unsupported("UTF-32"));
            } else if block.starts_with(b"\xFF\xFE") || block.starts_with(b"\xFE\xFF") {
                return Err(Stop::Unsupported("UTF-16"));
            }
        }
        self.notes.quotes += memchr::memchr_iter(b'"', block).count() as u64;
        let mut keep = 0;
        match self.enc {
            Enc::Win1252 => decode_1252(block, &mut self.data),
            Enc::Raw => self.data.extend_from_slice(block),
            Enc::Ascii | Enc::Utf8 => match std::str::from_utf8(block) {
                Ok(s) => {
                    if self.enc == Enc::Ascii && !s.is_ascii() {
                        self.enc = Enc::Utf8;
                    }
                    self.data.extend_from_slice(block);
                }
                Err(e) if e.error_len().is_none() && !self.eof => {
                    // An incomplete sequence at the end of the block: keep it for the next.
                    let valid = e.valid_up_to();
                    if self.enc == Enc::Ascii && !block[..valid].is_ascii() {
                        self.enc = Enc::Utf8;
                    }
                    self.data.extend_from_slice(&block[..valid]);
                    keep = block.len() - valid;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    let plausible = self.enc == Enc::Ascii
                        && block[..valid].is_ascii()
                        && !block.iter().copied().any(undefined_in_1252);
                    if plausible {
                        self.enc = Enc::Win1252;
                        let start = self.offset - read;
                        self.notes.windows_1252_at = Some(start + valid as u64);
                        decode_1252(block, &mut self.data);
                    } else {
                        self.enc = Enc::Raw;
                        self.data.extend_from_slice(block);
                    }
                }
            },
        }
        // Move the kept tail to the front of `raw`.
        let start = n - keep;
        self.raw.copy_within(start..n, 0);
        self.tail = keep;
        Ok(())
    }
}

fn decode_1252(block: &[u8], out: &mut Vec<u8>) {
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(block);
    out.extend_from_slice(text.as_bytes());
}

/// One record: its cells and its row as a spreadsheet shows it.
pub(crate) struct Record<'a> {
    pub(crate) row: u64,
    bytes: &'a [u8],
    ends: &'a [usize],
}

impl<'a> Record<'a> {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The raw bytes of cell `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&'a [u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.bytes[start..end])
    }

    /// All the bytes of the record's cells, concatenated.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Whether every cell is blank (a row of commas, or whitespace).
    pub(crate) fn is_blank(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }
}

/// Reads records from a CSV stream.
pub(crate) struct Records<R> {
    dec: Decoder<R>,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    max_row_bytes: usize,
    max_columns: usize,
    prev_row: u64,
    /// Newlines inside quoted cells so far: lines a spreadsheet does not show as rows.
    quoted_newlines: u64,
}

impl<R: Read> Records<R> {
    pub(crate) fn new(inner: R, max_file_bytes: u64, max_row_bytes: usize, max_columns: usize) -> Self {
        Self {
            dec: Decoder::new(inner, max_file_bytes),
            core: csv_core::Reader::new(),
            out: vec![0; 4096.min(max_row_bytes.max(1))],
            ends: vec![0; 64.min(max_columns.max(1))],
            max_row_bytes: max_row_bytes.max(1),
            max_columns: max_columns.max(1),
            prev_row: 0,
            quoted_newlines: 0,
        }
    }

    pub(crate) fn notes(&self) -> Notes {
        self.dec.notes
    }

    /// The next record; `None` at the end of the file.
    pub(crate) fn next(&mut self) -> Result<Option<Record<'_>>, Stop> {
        let mut outlen = 0;
        let mut endlen = 0;
        loop {
            let input = self.dec.fill()?;
            let (res, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.out[outlen..], &mut self.ends[endlen..]);
            let ended_with_newline = nin > 0 && input[nin - 1] == b'\n';
            self.dec.consume(nin);
            outlen += nout;
            endlen += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    if self.out.len() >= self.max_row_bytes {
                        return Err(Stop::RowTooLong(self.prev_row + 1));
                    }
                    let len = (self.out.len() * 2).min(self.max_row_bytes);
                    self.out.resize(len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= self.max_columns {
                        return Err(Stop::TooManyColumns(self.prev_row + 1));
                    }
                    let len = (self.ends.len() * 2).min(self.max_columns);
                    self.ends.resize(len, 0);
                }
                ReadRecordResult::Record => {
                    if self.dec.over && self.dec.pos >= self.dec.data.len() {
                        // The last record was cut by the size limit: do not report it.
                        return Err(Stop::TooLarge);
                    }
                    let bytes = &self.out[..outlen];
                    let quoted_newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
                    let line_end = self.core.line();
                    let start = line_end
                        .saturating_sub(quoted_newlines + u64::from(ended_with_newline))
                        .saturating_sub(self.quoted_newlines);
                    self.quoted_newlines += quoted_newlines;
                    let row = start.max(self.prev_row + 1);
                    self.prev_row = row;
                    return Ok(Some(Record {
                        row,
                        bytes,
                        ends: &self.ends[..endlen],
                    }));
                }
                ReadRecordResult::End => {
                    return if self.dec.over { Err(Stop::TooLarge) } else { Ok(None) };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(input: &[u8]) -> Vec<(u64, Vec<String>)> {
        let mut r = Records::new(input, u64::MAX, 1 << 20, 1000);
        let mut out = Vec::new();
        while let Some(rec) = r.next().unwrap() {
            let cells = (0..rec.len())
                .map(|i| String::from_utf8_lossy(rec.get(i).unwrap()).into_owned())
                .collect();
            out.push((rec.row, cells));
        }
        out
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let got = rows(b"a,b\r\n1,\"x\ny\"\r\n\r\n2,z\n3,\"q\"\"\"");
        assert_eq!(
            got,
            vec![
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["1".into(), "x\ny".into()]),
                (4, vec!["2".into(), "z".into()]),
                (5, vec!["3".into(), "q\"".into()]),
            ]
        );
    }

    #[test]
    fn windows_1252_is_detected_and_utf8_kept() {
        let mut r = Records::new(&b"name\nRen\xe9e\n"[..], u64::MAX, 1 << 20, 10);
        r.next().unwrap();
        assert_eq!(r.next().unwrap().unwrap().get(0).unwrap(), "Renée".as_bytes());
        assert!(r.notes().windows_1252_at.is_some());
        // Valid UTF-8 first, then an invalid byte: not 1252, passed through raw.
        let mut bytes = "name\nRenée\nx".as_bytes().to_vec();
        bytes.extend_from_slice(b"\xff\n");
        let mut r = Records::new(&bytes[..], u64::MAX, 1 << 20, 10);
        r.next().unwrap();
        r.next().unwrap();
        assert_eq!(r.next().unwrap().unwrap().get(0).unwrap(), b"x\xff");
        assert!(r.notes().windows_1252_at.is_none());
    }

    #[test]
    fn a_utf8_sequence_split_across_blocks_is_kept_whole() {
        let mut text = "a\n".to_owned();
        text.push_str(&"x".repeat(BLOCK - 3));
        text.push_str("é\n");
        let got = rows(text.as_bytes());
        assert!(got[1].1[0].ends_with('é'));
    }

    #[test]
    fn limits_stop_long_rows_and_wide_rows() {
        let long = vec![b'x'; 10_000];
        let mut r = Records::new(&long[..], u64::MAX, 1000, 10);
        assert!(matches!(r.next(), Err(Stop::RowTooLong(1))));
        let wide = ",".repeat(100);
        let mut r = Records::new(wide.as_bytes(), u64::MAX, 1000, 10);
        assert!(matches!(r.next(), Err(Stop::TooManyColumns(1))));
        let mut r = Records::new(&long[..], 100, 1_000_000, 10);
        assert!(matches!(r.next(), Err(Stop::TooLarge)));
        let mut r = Records::new(&b"\xFF\xFEa\x00"[..], 100, 1000, 10);
        assert!(matches!(r.next(), Err(Stop::Unsupported("UTF-16"))));
    }
}
