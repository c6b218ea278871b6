"""What a data engineer would write to answer one student-mismatch ticket from the
SIS's OneRoster CSVs with polars: find the parent by email and the student by name,
check that the student names the parent among their agents, and list the student's
classes. The peer of `cdt run student-mismatch` in bench/single_ticket.sh (it reads
only the SIS side, and validates nothing).

usage: single_ticket_polars.py BUNDLE_FOLDER_OR_ZIP PARENT_EMAIL "STUDENT NAME"
"""

import io
import os
import sys
import unicodedata
import zipfile

import polars as pl


def fold(text: str) -> str:
    """Lower-case, accents dropped, punctuation as spaces, words sorted."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = "".join(c if c.isalnum() else " " for c in text).split()
    return " ".join(sorted(words))


def main() -> None:
    path, email, student = sys.argv[1], sys.argv[2].strip().lower(), fold(sys.argv[3])
    if os.path.isdir(path):
        def scan(name: str) -> pl.LazyFrame:
            return pl.scan_csv(os.path.join(path, name), infer_schema_length=0)
    else:
        archive = zipfile.ZipFile(path)

        def scan(name: str) -> pl.LazyFrame:
            return pl.read_csv(io.BytesIO(archive.read(name)), infer_schema_length=0).lazy()

    users = scan("users.csv")
    parents = users.filter(pl.col("email").str.to_lowercase().str.strip_chars() == email).collect()
    # The name filter: every word of the query in the given and family names.
    words = student.split()
    full = pl.concat_str([pl.col("givenName"), pl.col("familyName")], separator=" ").str.to_lowercase()
    candidates = users.filter(pl.all_horizontal([full.str.contains(w[:3], literal=True) for w in words]))
    students = [
        row
        for row in candidates.collect().iter_rows(named=True)
        if fold(f"{row['givenName']} {row['familyName']}") == student
    ]
    parent_ids = set(parents["sourcedId"].to_list())
    linked = [s for s in students if parent_ids & set((s["agentSourcedIds"] or "").split(","))]
    ids = [s["sourcedId"] for s in students]
    enrollments = scan("enrollments.csv").filter(pl.col("userSourcedId").is_in(ids)).collect()
    classes = (
        scan("classes.csv")
        .filter(pl.col("sourcedId").is_in(enrollments["classSourcedId"].to_list()))
        .select("sourcedId", "title")
        .collect()
    )
    print(f"parents: {parents.height}, students: {len(students)}, linked: {len(linked)}, classes: {classes.height}")


if __name__ == "__main__":
    main()
