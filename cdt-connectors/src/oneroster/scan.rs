//! Streaming a CSV file into records, in bounded memory.
//!
//! Bytes are read in blocks; a UTF-8 byte-order mark is dropped; a file that is not
//! UTF-8 but is plausible Windows-1252 (only ASCII before the first invalid byte, and
//! no byte 1252 leaves undefined) is decoded as 1252; other invalid bytes are passed
//! on, and the cells holding them are reported by the caller. Records are cut with a
//! cap on a row's bytes and on its cells, so a 100 MB line or a million columns stop
//! the file with a finding instead of exhausting memory.

use std::io::Read;

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
    cells: &'a [(usize, usize)],
}

impl<'a> Record<'a> {
    /// A record from its parts (cells are ranges of `bytes`).
    pub(super) fn from_parts(row: u64, bytes: &'a [u8], cells: &'a [(usize, usize)]) -> Self {
        Self { row, bytes, cells }
    }

    /// The ranges of the cells in [`Record::bytes`].
    pub(super) fn cells(&self) -> &'a [(usize, usize)] {
        self.cells
    }

    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }

    /// The raw bytes of cell `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&'a [u8]> {
        let &(a, b) = self.cells.get(i)?;
        self.bytes.get(a..b)
    }

    /// Where cell `i` is in [`Record::bytes`].
    pub(crate) fn range(&self, i: usize) -> (usize, usize) {
        self.cells[i]
    }

    /// The bytes the cells are ranges of (the line, or its unquoted copy).
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Whether every cell is blank (a row of commas, or whitespace).
    pub(crate) fn is_blank(&self) -> bool {
        self.cells
            .iter()
            .all(|&(a, b)| self.bytes[a..b].iter().all(u8::is_ascii_whitespace))
    }
}

/// Reads records from a CSV stream (RFC 4180: `,` between cells; `"` around a cell
/// that holds `,`, `"` or a line break, with `""` for a quote; lines ended by LF, CRLF
/// or, in a file with no LF at all, CR).
///
/// A line without a quote, the common case, is cut with `memchr` and its cells are
/// ranges of the input: nothing is copied. A line with quotes goes through a small
/// state machine that copies its cells, unquoted, to a buffer. As in most readers, a
/// quote inside an unquoted cell is kept as a character, and characters after a
/// closing quote are kept too.
pub(crate) struct Records<R> {
    dec: Decoder<R>,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    term: Option<u8>,
    out: Vec<u8>,
    cells: Vec<(usize, usize)>,
    max_row_bytes: usize,
    max_columns: usize,
    /// Rows consumed: records and blank lines.
    row: u64,
}

/// Where records come from, one at a time, in the file's order.
pub(crate) trait RowSource {
    /// The next record; `None` at the end of the file.
    fn next_record(&mut self) -> Result<Option<Record<'_>>, Stop>;
}

impl<R: Read> RowSource for Records<R> {
    fn next_record(&mut self) -> Result<Option<Record<'_>>, Stop> {
        self.next()
    }
}

/// Where the record found by a scan is.
enum Found {
    /// Cells are ranges of `buf[start..end]`; the next record starts at `next`.
    Plain { start: usize, end: usize, next: usize },
    /// Cells are ranges of `out`; the next record starts at `next`.
    Quoted { next: usize },
    /// A blank line; the next record starts at `next`.
    Blank { next: usize },
    /// The record goes on past the data read so far.
    Incomplete,
}

impl<R: Read> Records<R> {
    pub(crate) fn new(inner: R, max_file_bytes: u64, max_row_bytes: usize, max_columns: usize) -> Self {
        Self {
            dec: Decoder::new(inner, max_file_bytes),
            buf: Vec::with_capacity(BLOCK * 2),
            pos: 0,
            eof: false,
            term: None,
            out: Vec::new(),
            cells: Vec::with_capacity(64),
            max_row_bytes: max_row_bytes.max(1),
            max_columns: max_columns.max(1),
            row: 0,
        }
    }

    pub(crate) fn notes(&self) -> Notes {
        self.dec.notes
    }

    /// Reads more decoded bytes into `buf`, dropping what was consumed.
    fn more(&mut self) -> Result<(), Stop> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let data = self.dec.fill()?;
        if data.is_empty() {
            self.eof = true;
        } else {
            let n = data.len();
            self.buf.extend_from_slice(data);
            self.dec.consume(n);
        }
        if self.term.is_none() && (self.eof || self.buf.len() >= BLOCK) {
            // A file with CR but no LF ends its lines with CR (classic Mac).
            let cr_only = memchr::memchr(b'\n', &self.buf).is_none() && memchr::memchr(b'\r', &self.buf).is_some();
            self.term = Some(if cr_only { b'\r' } else { b'\n' });
        }
        Ok(())
    }

    /// The next record; `None` at the end of the file.
    pub(crate) fn next(&mut self) -> Result<Option<Record<'_>>, Stop> {
        loop {
            if self.term.is_none() && !self.eof {
                self.more()?;
                continue;
            }
            let found = self.scan()?;
            match found {
                Found::Incomplete => {
                    if self.buf.len() - self.pos > self.max_row_bytes {
                        return Err(Stop::RowTooLong(self.row + 1));
                    }
                    if self.eof {
                        return if self.dec.over { Err(Stop::TooLarge) } else { Ok(None) };
                    }
                    self.more()?;
                }
                Found::Blank { next } => {
                    self.pos = next;
                    self.row += 1;
                }
                Found::Plain { start, end, next } => {
                    if self.eof && next >= self.buf.len() && self.dec.over {
                        return Err(Stop::TooLarge);
                    }
                    self.pos = next;
                    self.row += 1;
                    return Ok(Some(Record {
                        row: self.row,
                        bytes: &self.buf[start..end],
                        cells: &self.cells,
                    }));
                }
                Found::Quoted { next } => {
                    if self.eof && next >= self.buf.len() && self.dec.over {
                        return Err(Stop::TooLarge);
                    }
                    self.pos = next;
                    self.row += 1;
                    return Ok(Some(Record {
                        row: self.row,
                        bytes: &self.out,
                        cells: &self.cells,
                    }));
                }
            }
        }
    }

    /// Finds the record at `pos` and its cells.
    fn scan(&mut self) -> Result<Found, Stop> {
        let term = self.term.unwrap_or(b'\n');
        let data = &self.buf[self.pos..];
        if data.is_empty() {
            return Ok(Found::Incomplete);
        }
        let (line_end, next) = match memchr::memchr(term, data) {
            Some(i) => (i, i + 1),
            None if self.eof => (data.len(), data.len()),
            None => return Ok(Found::Incomplete),
        };
        let mut line = &data[..line_end];
        if term == b'\n' && line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        if line.len() > self.max_row_bytes {
            return Err(Stop::RowTooLong(self.row + 1));
        }
        if memchr::memchr(b'"', line).is_none() {
            if line.is_empty() {
                return Ok(Found::Blank { next: self.pos + next });
            }
            self.cells.clear();
            let mut start = 0;
            for comma in memchr::memchr_iter(b',', line) {
                self.cells.push((start, comma));
                start = comma + 1;
                if self.cells.len() >= self.max_columns {
                    return Err(Stop::TooManyColumns(self.row + 1));
                }
            }
            self.cells.push((start, line.len()));
            return Ok(Found::Plain {
                start: self.pos,
                end: self.pos + line.len(),
                next: self.pos + next,
            });
        }
        self.scan_quoted(term)
    }

    /// The state machine for a record with quotes, which may span lines.
    fn scan_quoted(&mut self, term: u8) -> Result<Found, Stop> {
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum S {
            Start,
            Plain,
            Quoted,
            QuoteInQuoted,
        }
        let data = &self.buf[self.pos..];
        self.out.clear();
        self.cells.clear();
        let mut state = S::Start;
        let mut cell_start = 0;
        let mut i = 0;
        let end_record = |out: &mut Vec<u8>, cells: &mut Vec<(usize, usize)>, cell_start: usize| {
            if term == b'\n' && out.last() == Some(&b'\r') && out.len() > cell_start {
                out.pop();
            }
            cells.push((cell_start, out.len()));
        };
        while i < data.len() {
            let b = data[i];
            i += 1;
            match state {
                S::Quoted => {
                    // Copy up to the next quote in one go.
                    match memchr::memchr(b'"', &data[i - 1..]) {
                        Some(0) => state = S::QuoteInQuoted,
                        Some(k) => {
                            self.out.extend_from_slice(&data[i - 1..i - 1 + k]);
                            i += k;
                            state = S::QuoteInQuoted;
                        }
                        None => {
                            self.out.extend_from_slice(&data[i - 1..]);
                            i = data.len();
                        }
                    }
                }
                S::QuoteInQuoted if b == b'"' => {
                    self.out.push(b'"');
                    state = S::Quoted;
                }
                S::Start | S::Plain | S::QuoteInQuoted if b == b',' => {
                    self.cells.push((cell_start, self.out.len()));
                    if self.cells.len() >= self.max_columns {
                        return Err(Stop::TooManyColumns(self.row + 1));
                    }
                    cell_start = self.out.len();
                    state = S::Start;
                }
                S::Start | S::Plain | S::QuoteInQuoted if b == term => {
                    end_record(&mut self.out, &mut self.cells, cell_start);
                    return Ok(Found::Quoted { next: self.pos + i });
                }
                S::Start if b == b'"' => state = S::Quoted,
                S::Start | S::Plain | S::QuoteInQuoted => {
                    // Copy up to the next comma or line end in one go (a quote here is
                    // a character).
                    let run = memchr::memchr2(b',', term, &data[i..]).unwrap_or(data.len() - i);
                    self.out.extend_from_slice(&data[i - 1..i + run]);
                    i += run;
                    state = S::Plain;
                }
            }
            if self.out.len() > self.max_row_bytes {
                return Err(Stop::RowTooLong(self.row + 1));
            }
        }
        if self.eof {
            end_record(&mut self.out, &mut self.cells, cell_start);
            return Ok(Found::Quoted { next: self.pos + i });
        }
        Ok(Found::Incomplete)
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

    /// All records' cells as `csv_core` reads them.
    fn reference(input: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut rdr = csv_core::Reader::new();
        let (mut out, mut ends) = (vec![0u8; 1 << 16], vec![0usize; 1024]);
        let (mut records, mut input) = (Vec::new(), input);
        let (mut outlen, mut endlen) = (0, 0);
        loop {
            let (res, nin, nout, nend) = rdr.read_record(input, &mut out[outlen..], &mut ends[endlen..]);
            input = &input[nin..];
            outlen += nout;
            endlen += nend;
            match res {
                csv_core::ReadRecordResult::Record => {
                    let mut start = 0;
                    records.push(
                        ends[..endlen]
                            .iter()
                            .map(|&e| {
                                let c = out[start..e].to_vec();
                                start = e;
                                c
                            })
                            .collect(),
                    );
                    (outlen, endlen) = (0, 0);
                }
                csv_core::ReadRecordResult::End => return records,
                csv_core::ReadRecordResult::InputEmpty => {}
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn cells_agree_with_csv_core_on_random_input() {
        // Tokens of well-formed and malformed CSV: quotes anywhere, CRLF and LF.
        let tokens: [&[u8]; 8] = [b"a", b"bc", b",", b"\"", b"\n", b"\r\n", b" ", b"\"\""];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for case in 0..3000 {
            let mut input = Vec::new();
            for _ in 0..(case % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                input.extend_from_slice(tokens[usize::try_from(seed % 8).unwrap()]);
            }
            let mut r = Records::new(&input[..], u64::MAX, 1 << 20, 1000);
            let mut ours = Vec::new();
            while let Some(rec) = r.next().unwrap() {
                ours.push((0..rec.len()).map(|i| rec.get(i).unwrap().to_vec()).collect::<Vec<_>>());
            }
            assert_eq!(ours, reference(&input), "input {:?}", String::from_utf8_lossy(&input));
        }
    }

    #[test]
    fn quoted_records_spanning_blocks_agree_with_csv_core() {
        let mut input = Vec::new();
        let mut i = 0;
        while input.len() < 3 * BLOCK {
            input.extend_from_slice(format!("id-{i},\"two\nlines, \"\"quoted\"\"\",plain\r\n").as_bytes());
            i += 1;
        }
        let mut r = Records::new(&input[..], u64::MAX, 1 << 20, 1000);
        let mut ours = Vec::new();
        while let Some(rec) = r.next().unwrap() {
            assert_eq!(rec.row, ours.len() as u64 + 1);
            ours.push((0..rec.len()).map(|i| rec.get(i).unwrap().to_vec()).collect::<Vec<_>>());
        }
        assert_eq!(ours, reference(&input));
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
