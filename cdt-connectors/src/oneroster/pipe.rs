//! Reading a big file on two threads: the thread holding the reader decodes the bytes
//! and cuts them into records (quotes and line breaks resolved, so a batch always ends
//! at a record's end), and hands them over in batches; a second thread checks them and
//! builds the records in the file's order, exactly as a serial read does.
//!
//! Batches are bounded in bytes and rows and only a few are in flight, so memory stays
//! bounded whatever the size of the file.

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::scan::{Record, Records, RowSource, Stop};

/// Most rows in a batch.
const BATCH_ROWS: usize = 16 * 1024;
/// Batches handed over but not yet checked.
const IN_FLIGHT: usize = 4;

/// Records cut from the file: their bytes, their cells, and for each its row and
/// where its bytes and cells end.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    cells: Vec<(usize, usize)>,
    rows: Vec<(u64, usize, usize)>,
}

impl Batch {
    fn clear(&mut self) {
        self.bytes.clear();
        self.cells.clear();
        self.rows.clear();
    }

    fn push(&mut self, rec: &Record<'_>) {
        self.bytes.extend_from_slice(rec.bytes());
        self.cells.extend_from_slice(rec.cells());
        self.rows.push((rec.row, self.bytes.len(), self.cells.len()));
    }
}

enum Msg {
    Rows(Batch),
    Stop(Stop),
}

/// The checking side: records from the batches, in order.
pub(crate) struct BatchRows {
    rx: Receiver<Msg>,
    /// Checked batches go back to be filled again.
    back: SyncSender<Batch>,
    cur: Batch,
    next: usize,
    done: bool,
}

impl RowSource for BatchRows {
    fn next_record(&mut self) -> Result<Option<Record<'_>>, Stop> {
        while self.next >= self.cur.rows.len() {
            if self.done {
                return Ok(None);
            }
            match self.rx.recv() {
                Ok(Msg::Rows(b)) => {
                    let old = std::mem::replace(&mut self.cur, b);
                    let _ = self.back.try_send(old);
                    self.next = 0;
                }
                Ok(Msg::Stop(stop)) => {
                    self.done = true;
                    return Err(stop);
                }
                Err(_) => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
        let i = self.next;
        self.next += 1;
        let (row, bytes_end, cells_end) = self.cur.rows[i];
        let (bytes_start, cells_start) = match i.checked_sub(1) {
            Some(p) => (self.cur.rows[p].1, self.cur.rows[p].2),
            None => (0, 0),
        };
        Ok(Some(Record::from_parts(
            row,
            &self.cur.bytes[bytes_start..bytes_end],
            &self.cur.cells[cells_start..cells_end],
        )))
    }
}

/// Runs `check` over the records of `records` on a second thread while this thread
/// cuts them, in batches of about `batch_bytes`.
pub(crate) fn run<R: Read, T: Send>(
    records: &mut Records<R>,
    batch_bytes: usize,
    check: impl FnOnce(&mut BatchRows) -> T + Send,
) -> T {
    let (tx, rx) = sync_channel(IN_FLIGHT);
    let (back, recycled) = sync_channel(IN_FLIGHT + 2);
    std::thread::scope(|s| {
        let checker = s.spawn(move || {
            let mut source = BatchRows {
                rx,
                back,
                cur: Batch::default(),
                next: 0,
                done: false,
            };
            check(&mut source)
            // `source` is dropped here: a cutter still sending stops.
        });
        cut(records, &tx, &recycled, batch_bytes.max(1));
        drop(tx);
        checker.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// Cuts records into batches until the end of the file, a stop, or the checker is done.
fn cut<R: Read>(records: &mut Records<R>, tx: &SyncSender<Msg>, recycled: &Receiver<Batch>, batch_bytes: usize) {
    let fresh = || {
        recycled.try_recv().map_or_else(
            |_| Batch::default(),
            |mut b| {
                b.clear();
                b
            },
        )
    };
    let mut batch = fresh();
    loop {
        match records.next() {
            Ok(Some(rec)) => {
                batch.push(&rec);
                if (batch.bytes.len() >= batch_bytes || batch.rows.len() >= BATCH_ROWS)
                    && tx.send(Msg::Rows(std::mem::replace(&mut batch, fresh()))).is_err()
                {
                    return;
                }
            }
            Ok(None) => {
                if !batch.rows.is_empty() {
                    let _ = tx.send(Msg::Rows(batch));
                }
                return;
            }
            Err(stop) => {
                if !batch.rows.is_empty() && tx.send(Msg::Rows(batch)).is_err() {
                    return;
                }
                let _ = tx.send(Msg::Stop(stop));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::super::spec::{Table, Version};
    use super::super::table::{FileJob, FileOutput, Mode, process_with};
    use crate::bundle::Limits;

    /// An enrollments file with a bit of everything: quoted line breaks, blank lines,
    /// rows of commas, short rows, bytes that are not UTF-8, duplicate ids, bad values.
    fn enrollments(rows: usize) -> Vec<u8> {
        let mut s = String::from(
            "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate,metadata.note\r\n",
        );
        for i in 0..rows {
            let id = if i % 997 == 996 {
                format!("e{}", i - 500)
            } else {
                format!("e{i}")
            };
            let role = if i % 13 == 0 { "Student" } else { "student" };
            let primary = if i % 17 == 0 { "maybe" } else { "false" };
            let (begin, end) = if i % 19 == 0 {
                ("2025-06-01", "2024-08-01")
            } else {
                ("2024-08-01", "2025-06-01")
            };
            let note = match i % 5 {
                0 => "\"line one\nline, two \"\"q\"\"\r\nthree\"",
                1 => "\"\"",
                _ => "plain",
            };
            let _ = write!(
                s,
                "{id},,,c{},s{},u{i},{role},{primary},{begin},{end},{note}\r\n",
                i % 300,
                i % 7
            );
            if i % 101 == 0 {
                s.push_str("\r\n");
            }
            if i % 211 == 0 {
                s.push_str(",,,,,,,,,,\r\n");
            }
            if i % 307 == 0 {
                s.push_str("short,row\r\n");
            }
        }
        let mut bytes = s.into_bytes();
        // A byte that is neither UTF-8 nor Windows-1252, in a later row.
        if let Some(p) = bytes.windows(6).rposition(|w| w == b"plain\r") {
            bytes[p] = 0x81;
        }
        bytes
    }

    fn job(size: usize) -> FileJob {
        FileJob {
            name: "enrollments.csv".into(),
            table: Table::Enrollments,
            version: Version::V11,
            mode: Mode::Bulk,
            build: true,
            size: size as u64,
        }
    }

    /// Everything a read produced that does not depend on hash seeds.
    fn fingerprint(o: &FileOutput) -> String {
        format!(
            "{} {:?} {:?} {:?} {:?} {:?} {}",
            o.rows, o.sink, o.ids, o.refs, o.primary_orgs, o.built, o.readable
        )
    }

    #[test]
    fn two_threads_give_exactly_what_one_gives() {
        let data = enrollments(20_000);
        assert!(data.len() > 1 << 20, "the file spans several decoder blocks");
        for cap in [10_000, 25] {
            let limits = Limits {
                max_findings_per_code: cap,
                ..Limits::default()
            };
            let serial = process_with(&job(data.len()), &data[..], &limits, None);
            let print = fingerprint(&serial);
            for code in [
                "IdDuplicate",
                "ValueDateOrder",
                "ValueCase",
                "CsvRowWidth",
                "EncodingInvalidUtf8",
            ] {
                assert!(print.contains(code), "the sample has {code} findings");
            }
            // From one record a batch (every boundary) to bigger than the file.
            for batch in [1, 700, 64 * 1024, 1 << 20, 64 << 20] {
                let piped = process_with(&job(data.len()), &data[..], &limits, Some(batch));
                assert_eq!(serial.rows, piped.rows, "batch {batch}");
                assert_eq!(print, fingerprint(&piped), "batch {batch}, cap {cap}");
            }
        }
    }

    #[test]
    fn a_stop_mid_file_is_the_same_on_two_threads() {
        let mut data = enrollments(3_000);
        let at = data.len() / 2;
        let at = at + data[at..].iter().position(|&b| b == b'\n').unwrap_or(0) + 1;
        let long = format!("e-long,,,c1,s1,u1,student,false,,,\"{}\"\r\n", "x".repeat(5_000));
        data.splice(at..at, long.into_bytes());
        let limits = Limits {
            max_row_bytes: 1_000,
            ..Limits::default()
        };
        let serial = process_with(&job(data.len()), &data[..], &limits, None);
        assert!(fingerprint(&serial).contains("CsvRowTooLong"));
        for batch in [1, 4096, 1 << 20] {
            let piped = process_with(&job(data.len()), &data[..], &limits, Some(batch));
            assert_eq!(fingerprint(&serial), fingerprint(&piped), "batch {batch}");
        }
        // An empty file and a header alone.
        for data in [&b""[..], &b"sourcedId,classSourcedId\n"[..]] {
            let serial = process_with(&job(data.len()), data, &limits, None);
            let piped = process_with(&job(data.len()), data, &limits, Some(1));
            assert_eq!(fingerprint(&serial), fingerprint(&piped));
        }
    }
}
