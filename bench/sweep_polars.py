"""The district sweep as a data engineer would write it with polars: read the SIS's
OneRoster CSVs and the platform snapshot (one CSV per platform table), join them, and
list the discrepancies `cdt sweep` lists, under cdt's finding codes. The peer of
`cdt sweep` in bench/sweep.sh; cdt-py/tests/test_sweep_peers.py checks that both find
the same (code, records) on a generated district.

It compares as cdt does: emails trimmed and without case; names, titles and grades
without case, accents, punctuation or extra spaces (NFKD, marks dropped), so
`Muñoz`/`MUNOZ` or `Ana.Rios@Example.org`/`ana.rios@example.org` are no alarm; "today"
decides which enrollments are current. It finds:

- students: no current enrollment in the SIS; missing, deleted or shown with another
  name, email, school or grade in Bookmarked; a platform-only student the SIS does not
  send, or a namesake / re-keyed copy of one it does; an inactive SIS student that a
  platform-only namesake points at;
- classes and enrollments: class missing, deleted or stale (title, school, term) in
  Bookmarked, gone or tobedeleted in the SIS; enrollments missing, deleted or extra in
  Bookmarked;
- families: emails shared by several people or duplicate records in the SIS; several
  active parents, stale emails, parents missing, deleted or stale (name, email,
  students) in Bookmarked; parent-student links missing on either side; parents only
  the platform has, or that the SIS has inactive;
- school changes: old enrollments still current, none at the new school, the new school
  missing from the roles (or the old one still there), the platform's school not
  updated, phantom old enrollments, new enrollments missing;
- the platform's import errors about any record above (`import-error`).

It leaves out: the OneRoster validation `cdt` runs while reading (a malformed bundle is
read as it comes), OneRoster 1.2 `roles.csv`, scoping a snapshot holding several
districts, students looked up by a name matching several SIS students who have no
platform copy (the rare ambiguous-pairing paths of cdt's name resolution), and the
messages and remediation steps (only codes and records).

usage: sweep_polars.py DISTRICT_DIR [--today YYYY-MM-DD] [--out FILE]
DISTRICT_DIR holds oneroster/ and platform-snapshot/ (as `cdt demo generate` writes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

FAMILY = ["parent", "guardian", "relative"]
Finding = tuple[str, tuple[str, ...]]


@lru_cache(maxsize=None)
def norm(text: str | None) -> str:
    """cdt's normalize_text: NFKD, marks and apostrophes dropped, lower case, words of
    letters and digits joined by one space."""
    words, word = [], []
    for c in unicodedata.normalize("NFKD", text or ""):
        if unicodedata.category(c).startswith("M") or c in "'\u2019`":
            continue
        if c.isalnum():
            word.append(c.lower())
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return " ".join(words)


def key(*parts: str | None) -> str:
    return " ".join(p for p in map(norm, parts) if p)


def exact_keys(given: str, family: str, middle: str | None = None, preferred: str | None = None) -> set[str]:
    """The ways a query names a person exactly (given or preferred name, family name, in
    either order, with or without the middle name)."""
    out = set()
    for first in (given, preferred):
        if not norm(first):
            continue
        out |= {key(first, family), key(family, first)}
        if norm(middle):
            out |= {key(first, middle, family), key(family, first, middle)}
    return out


def name_differs(given: str, family: str, middle: str | None, preferred: str | None, first: str, last: str) -> bool:
    """Whether the platform's first/last name differs from the SIS's, as cdt compares."""
    if norm(f"{first} {last}") == norm(f"{given} {family}"):
        return False
    given_ok = norm(first) in {norm(given), norm(preferred) if preferred else None, key(given, middle) if middle else None}
    return not given_ok or norm(last) != norm(family)


def read(path: Path) -> pl.DataFrame:
    """A CSV as text columns, trimmed, blanks as nulls."""
    df = pl.read_csv(path, infer_schema_length=0)
    return df.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in df.columns)


def split(col: str) -> pl.Expr:
    return pl.col(col).fill_null("").str.split(",").list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))


def active_sis() -> pl.Expr:
    return ~pl.col("status").fill_null("").str.to_lowercase().is_in(["tobedeleted", "inactive", "deleted"])


def active_bm() -> pl.Expr:
    return pl.col("status").fill_null("").str.to_lowercase() == "active"


def pick_by_sid(df: pl.DataFrame) -> pl.DataFrame:
    """One platform row per sourced_id: the first active one, else the first."""
    return df.with_row_index("row").sort(["sourced_id", ~pl.col("active"), "row"]).unique("sourced_id", keep="first")


class Sweep:
    def __init__(self, district: Path, today: date) -> None:
        sis, bm = district / "oneroster", district / "platform-snapshot"
        self.today = today
        self.findings: set[Finding] = set()
        self.looked_up: set[str] = set()  # records whose import errors a finding brings in

        u = read(sis / "users.csv").with_columns(
            active=active_sis(),
            enabled=~pl.col("enabledUser").fill_null("").str.to_lowercase().is_in(["false", "0", "no"]),
            role=pl.col("role").fill_null("").str.to_lowercase(),
            orgs=split("orgSourcedIds"),
            agents=split("agentSourcedIds"),
            grades=split("grades"),
            email_n=pl.col("email").str.to_lowercase(),
        )
        if "preferredGivenName" not in u.columns:
            u = u.with_columns(preferredGivenName=pl.lit(None, pl.String))
        self.users = u.with_columns(live=pl.col("active") & pl.col("enabled"))
        self.students = self.users.filter(pl.col("role") == "student")
        self.family = self.users.filter(pl.col("role").is_in(FAMILY))
        orgs = read(sis / "orgs.csv")
        self.schools = set(orgs.filter(pl.col("type").str.to_lowercase() == "school")["sourcedId"])
        self.classes = read(sis / "classes.csv").with_columns(active=active_sis(), terms=split("termSourcedIds"))
        e = read(sis / "enrollments.csv").with_row_index("row")
        e = e.with_columns(
            active=active_sis(),
            role=pl.col("role").fill_null("").str.to_lowercase(),
            begin=pl.col("beginDate").str.slice(0, 10).str.to_date(strict=False),
            end=pl.col("endDate").str.slice(0, 10).str.to_date(strict=False),
        ).join(
            self.classes.select(pl.col("sourcedId").alias("classSourcedId"), pl.col("active").alias("class_active"),
                                pl.col("schoolSourcedId").alias("class_school")),
            on="classSourcedId", how="left",
        )
        on_today = pl.col("active") & (pl.col("begin").is_null() | (pl.col("begin") <= today)) & (
            pl.col("end").is_null() | (pl.col("end") >= today))
        self.enrollments = e.with_columns(
            is_current=on_today,
            current=on_today & pl.col("class_active").fill_null(True),
            school=pl.coalesce("schoolSourcedId", "class_school"),
        )

        self.bm_orgs = read(bm / "organizations.csv")
        self.bm_students = read(bm / "students.csv").with_columns(active=active_bm(),
                                                                 email_n=pl.col("email").str.to_lowercase())
        self.bm_parents = read(bm / "parents.csv").with_columns(active=active_bm(),
                                                               email_n=pl.col("email").str.to_lowercase())
        self.bm_links = read(bm / "parent_students.csv")
        self.bm_classes = read(bm / "classes.csv").with_columns(active=active_bm())
        self.bm_enrollments = read(bm / "enrollments.csv").with_row_index("row").with_columns(active=active_bm())
        errors = bm / "import_errors.csv"
        self.import_errors = set(read(errors)["sourced_id"].drop_nulls()) if errors.is_file() else set()
        self.bm_student = pick_by_sid(self.bm_students)
        self.bm_parent = pick_by_sid(self.bm_parents)
        self.bm_class = pick_by_sid(self.bm_classes)
        # SIS family links, both ways: (family sid, student sid).
        fam = self.family.select(f="sourcedId", s="agents").explode("s")
        stu = self.students.select(s="sourcedId", f="agents").explode("f")
        self.sis_links = pl.concat([fam.select("f", "s"), stu.select("f", "s")]).drop_nulls().unique().filter(
            pl.col("f").is_in(self.family["sourcedId"].implode()) & pl.col("s").is_in(self.students["sourcedId"].implode()))

    # ---- collecting findings

    def emit(self, code: str, df: pl.DataFrame, *cols: str) -> None:
        """One finding per row: its records are the row's values in `cols` (lists flattened)."""
        if df.height == 0:
            return
        recs = df.select(pl.concat_list(pl.col(c) for c in cols).list.drop_nulls().list.unique().list.sort())
        self.findings.update((code, tuple(r)) for r in recs.to_series().to_list())

    def look_up(self, *series: pl.Series) -> None:
        for s in series:
            self.looked_up.update(s.explode().drop_nulls().to_list() if s.dtype == pl.List(pl.String) else s.drop_nulls().to_list())

    # ---- what people see

    def student_diffs(self, pairs: pl.DataFrame, school: bool) -> pl.DataFrame:
        """The pairs (sid, bm_id) whose platform row shows the student otherwise than the SIS."""
        df = pairs.join(self.students.select("sourcedId", "givenName", "familyName", "middleName", "preferredGivenName",
                                             "email_n", "orgs", "grades"), left_on="sid", right_on="sourcedId"
                        ).join(self.bm_students.select("id", "first_name", "last_name", "grade", pl.col("email_n").alias("bm_email"),
                                                       "organization_id"), left_on="bm_id", right_on="id"
                        ).join(self.bm_orgs.select(pl.col("id").alias("organization_id"), pl.col("sourced_id").alias("bm_school")),
                               on="organization_id", how="left")
        email_ok = pl.col("email_n").eq_missing(pl.col("bm_email"))
        school_ok = (pl.col("orgs").list.len() == 0) | pl.col("orgs").list.contains(pl.col("bm_school")).fill_null(False)
        grade_raw = (pl.col("grades").list.len() == 0) & pl.col("grade").is_null() | pl.col("grades").list.contains(pl.col("grade")).fill_null(False)
        plain = (pl.col("givenName") == pl.col("first_name")) & (pl.col("familyName") == pl.col("last_name")) & grade_raw
        df = df.filter(~(email_ok & (school_ok if school else pl.lit(True)) & plain.fill_null(False)))

        def differs(r: dict) -> bool:
            if name_differs(r["givenName"] or "", r["familyName"] or "", r["middleName"], r["preferredGivenName"],
                            r["first_name"] or "", r["last_name"] or ""):
                return True
            if r["email_n"] != r["bm_email"]:
                return True
            if school and r["orgs"] and r["bm_school"] not in r["orgs"]:
                return True
            if not r["grades"]:
                return r["grade"] is not None
            return r["grade"] is None or not any(norm(g) == norm(r["grade"]) for g in r["grades"])

        keep = [differs(r) for r in df.iter_rows(named=True)]
        return df.filter(pl.Series(keep, dtype=pl.Boolean)).select("sid", "bm_id")

    # ---- missing-data, a student: every live SIS student (and re-keyed copies)

    def student_case(self, pairs: pl.DataFrame, fields: bool) -> None:
        """`pairs`: (sid, bm_id) with bm_id the platform student diagnosed (null if none)."""
        enr = self.enrollments.filter(pl.col("userSourcedId").is_in(pairs["sid"].implode()))
        cur = enr.filter("current")
        none = pairs.filter(~pl.col("sid").is_in(cur["userSourcedId"].implode())).join(
            enr.group_by("userSourcedId").agg(enr=pl.col("sourcedId")), left_on="sid", right_on="userSourcedId", how="left")
        self.emit("no-current-enrollments-in-source", none, "sid", "enr")
        pairs = pairs.filter(pl.col("sid").is_in(cur["userSourcedId"].implode())).join(
            self.bm_students.select(pl.col("id").alias("bm_id"), pl.col("active").alias("bm_active")), on="bm_id", how="left")
        missing = pairs.filter(pl.col("bm_id").is_null())
        self.emit("student-missing-in-bookmarked", missing, "sid")
        self.look_up(missing["sid"], cur.filter(pl.col("userSourcedId").is_in(missing["sid"].implode()))["sourcedId"])
        deleted = pairs.filter(~pl.col("bm_active"))
        self.emit("student-deleted-in-bookmarked", deleted, "bm_id", "sid")
        self.look_up(deleted["sid"])
        live = pairs.filter(pl.col("bm_active"))
        if fields:
            diffs = self.student_diffs(live, school=True)
            self.emit("student-field-differs-in-bookmarked", diffs, "bm_id", "sid")
            self.look_up(diffs["sid"])
        cur = cur.join(live.select("sid", "bm_id"), left_on="userSourcedId", right_on="sid")
        self.enrollment_checks(cur)
        # Active platform enrollments the SIS does not have current.
        extra = self.bm_enrollments.filter("active").join(live.select("bm_id"), left_on="user_id", right_on="bm_id").join(
            self.bm_classes.select(pl.col("id").alias("class_id"), pl.col("sourced_id").alias("class_sid")), on="class_id", how="left")
        extra = extra.join(cur.select(pl.col("bm_id").alias("user_id"), pl.col("classSourcedId").alias("class_sid")),
                           on=["user_id", "class_sid"], how="anti").join(
            cur.select(pl.col("bm_id").alias("user_id"), pl.col("sourcedId").alias("sourced_id")),
            on=["user_id", "sourced_id"], how="anti")
        self.emit("extra-enrollment-in-bookmarked", extra, "id", "sourced_id")

    def enrollment_checks(self, cur: pl.DataFrame) -> None:
        """Current SIS enrollments (sourcedId, classSourcedId, bm_id: the live platform
        student): the class and the enrollment on the platform."""
        df = cur.join(self.bm_class.select("sourced_id", pl.col("id").alias("class_id"), pl.col("active").alias("bm_class_active")),
                      left_on="classSourcedId", right_on="sourced_id", how="left")
        gone = df.filter(pl.col("class_id").is_null())
        self.emit("class-missing-in-bookmarked", gone, "classSourcedId", "sourcedId")
        self.look_up(gone["classSourcedId"], gone["sourcedId"])
        dead = df.filter(~pl.col("bm_class_active"))
        self.emit("class-deleted-in-bookmarked", dead, "class_id", "classSourcedId")
        self.look_up(dead["classSourcedId"])
        rows = self.bm_enrollments.sort(~pl.col("active"), "row").unique(["class_id", "user_id"], keep="first")
        df = df.filter(pl.col("bm_class_active")).join(
            rows.select("class_id", pl.col("user_id").alias("bm_id"), pl.col("id").alias("enr_id"), pl.col("active").alias("enr_active")),
            on=["class_id", "bm_id"], how="left")
        absent = df.filter(pl.col("enr_id").is_null())
        self.emit("enrollment-missing-in-bookmarked", absent, "sourcedId")
        deleted = df.filter(~pl.col("enr_active"))
        self.emit("enrollment-deleted-in-bookmarked", deleted, "enr_id", "sourcedId")
        self.look_up(absent["sourcedId"], deleted["sourcedId"])

    # ---- missing-data, a student only the platform has

    def platform_only_students(self) -> None:
        """Each active platform student the SIS does not send, asked about by name: the one
        SIS student of that name is diagnosed (with the platform-only record as a namesake,
        or as their copy under another sourced_id); else the record itself."""
        sis_ids = self.students["sourcedId"].implode()
        bm_only = self.bm_student.filter(~pl.col("sourced_id").is_in(sis_ids))
        only = self.bm_students.filter(pl.col("active") & ~pl.col("sourced_id").is_in(sis_ids))
        if only.height == 0:
            return
        words = {w for r in only.iter_rows(named=True) for w in key(r["first_name"], r["last_name"]).split()}

        def within(col: str) -> pl.Expr:  # every word of the family name is in some query
            return pl.col(col).map_elements(lambda v: set(norm(v).split()) <= words, return_dtype=pl.Boolean).fill_null(False)

        copy = self.bm_student.select(sourcedId="sourced_id", bm_first="first_name", bm_last="last_name", bm_id="id")
        sis = self.students.join(copy, on="sourcedId", how="left").filter(within("familyName") | within("bm_last"))
        sis_keys = [(u, exact_keys(u["givenName"] or "", u["familyName"] or "", u["middleName"], u["preferredGivenName"])
                     | (exact_keys(u["bm_first"] or "", u["bm_last"] or "") if u["bm_id"] else set()))
                    for u in sis.iter_rows(named=True)]
        bm_keys = [(b, exact_keys(b["first_name"] or "", b["last_name"] or ""))
                   for b in bm_only.filter(within("last_name")).iter_rows(named=True)]
        rekeyed: list[dict[str, str]] = []
        for s in only.iter_rows(named=True):
            q = key(s["first_name"], s["last_name"])
            named = [u for u, keys in sis_keys if q in keys]
            others = [b for b, keys in bm_keys if q in keys]
            if len(named) != 1:  # nobody, or several: asked again by sourcedId
                self.findings.add(("student-not-in-source", (s["sourced_id"],)))
                continue
            u = named[0]
            if u["bm_id"] is None and len(others) == 1:  # their copy under another sourced_id
                o = others.pop()
                rekeyed.append({"sid": u["sourcedId"], "bm_id": o["id"], "bm_sid": o["sourced_id"]})
            if not (u["active"] and u["enabled"]):
                self.findings.add(("student-inactive-in-source", (u["sourcedId"],)))
                continue
            namesakes = [o for o in others if o["active"]]
            if namesakes and self.has_current(u["sourcedId"]):
                ids = {x for o in namesakes for x in (o["id"], o["sourced_id"])}
                self.findings.add(("student-namesake-in-bookmarked", tuple(sorted(ids))))
        rekeyed = [r for r in rekeyed if self.has_current(r["sid"])]
        if rekeyed:
            df = pl.DataFrame(rekeyed).unique()
            self.emit("student-sourced-id-differs-in-bookmarked", df, "bm_id", "bm_sid", "sid")
            self.look_up(df["sid"])
            self.student_case(df.select("sid", "bm_id"), fields=False)

    def has_current(self, sid: str) -> bool:
        return self.enrollments.filter((pl.col("userSourcedId") == sid) & pl.col("current")).height > 0

    # ---- missing-data, a class: every class on either side

    def class_cases(self) -> None:
        sis_ids = self.classes["sourcedId"].implode()
        self.emit("class-not-in-source", self.bm_classes.filter(~pl.col("sourced_id").is_in(sis_ids)), "sourced_id")
        self.emit("class-deleted-in-source", self.classes.filter(~pl.col("active")), "sourcedId")
        c = self.classes.filter("active").join(self.bm_class.select("sourced_id", pl.col("id").alias("class_id"),
                                               pl.col("active").alias("class_active"), pl.col("title").alias("bm_title"),
                                               pl.col("organization_id"), pl.col("term_sourced_id")),
                                               left_on="sourcedId", right_on="sourced_id", how="left")
        expected = self.enrollments.filter(pl.col("current") & (pl.col("role") == "student")).join(
            self.users.filter("live").select("sourcedId"), left_on="userSourcedId", right_on="sourcedId", how="semi")
        gone = c.filter(pl.col("class_id").is_null())
        self.emit("class-missing-in-bookmarked", gone, "sourcedId")
        self.look_up(gone["sourcedId"], gone["courseSourcedId"],
                     expected.filter(pl.col("classSourcedId").is_in(gone["sourcedId"].implode()))["sourcedId"])
        dead = c.filter(~pl.col("class_active"))
        self.emit("class-deleted-in-bookmarked", dead, "class_id", "sourcedId")
        self.look_up(dead["sourcedId"])
        live = c.filter(pl.col("class_active")).join(
            self.bm_orgs.select(pl.col("id").alias("organization_id"), pl.col("sourced_id").alias("bm_school")),
            on="organization_id", how="left")
        stale = [r["sourcedId"] for r in live.iter_rows(named=True) if norm(r["title"]) != norm(r["bm_title"])
                 or r["bm_school"] != r["schoolSourcedId"]
                 or (r["term_sourced_id"] not in r["terms"] if r["term_sourced_id"] else bool(r["terms"]))]
        stale_df = live.filter(pl.col("sourcedId").is_in(stale))
        self.emit("class-field-differs-in-bookmarked", stale_df, "class_id", "sourcedId")
        self.look_up(stale_df["sourcedId"])
        # The students each live class enrolls, on the platform.
        exp = expected.join(live.select("sourcedId"), left_on="classSourcedId", right_on="sourcedId", how="semi").join(
            self.bm_student.select(pl.col("sourced_id").alias("userSourcedId"), pl.col("id").alias("bm_id"),
                                   pl.col("active").alias("bm_active")), on="userSourcedId", how="left")
        nobody = exp.filter(pl.col("bm_id").is_null())
        self.emit("student-missing-in-bookmarked", nobody, "userSourcedId", "sourcedId")
        self.look_up(nobody["userSourcedId"], nobody["sourcedId"])
        deleted = exp.filter(~pl.col("bm_active"))
        self.emit("student-deleted-in-bookmarked", deleted, "bm_id", "userSourcedId")
        self.look_up(deleted["userSourcedId"])
        self.enrollment_checks(exp.filter(pl.col("bm_active")))
        extra = self.bm_enrollments.filter(pl.col("active") & (pl.col("role").str.to_lowercase() == "student")).join(
            live.select("class_id", pl.col("sourcedId").alias("class_sid")), on="class_id").join(
            self.bm_students.select(pl.col("id").alias("user_id"), pl.col("sourced_id").alias("student_sid")), on="user_id", how="left")
        extra = extra.join(exp.select(pl.col("classSourcedId").alias("class_sid"), pl.col("userSourcedId").alias("student_sid")),
                           on=["class_sid", "student_sid"], how="anti").join(
            exp.select(pl.col("classSourcedId").alias("class_sid"), pl.col("sourcedId").alias("sourced_id")),
            on=["class_sid", "sourced_id"], how="anti")
        self.emit("extra-enrollment-in-bookmarked", extra, "id", "sourced_id")

    # ---- parent-conflicts: every parent email on either side

    def kids(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(family sid, student sid) of live students, in the SIS; (parent id, student sid)
        of active students, on the platform."""
        sis = self.sis_links.join(self.students.filter("live").select(s="sourcedId"), on="s", how="semi")
        bm = self.bm_links.join(self.bm_students.filter("active").select(student_id="id", s="sourced_id"), on="student_id")
        return sis, bm.select(p="parent_id", s="s").unique()

    def parent_names(self) -> pl.DataFrame:
        """(sourcedId, bm_id) of live SIS family whose active platform row has another name."""
        df = self.family.filter("live").join(
            self.bm_parent.filter("active").select(sourcedId="sourced_id", bm_id="id", first_name="first_name",
                                                   last_name="last_name"), on="sourcedId")
        df = df.filter((pl.col("givenName") != pl.col("first_name")) | (pl.col("familyName") != pl.col("last_name")))
        keep = [name_differs(r["givenName"] or "", r["familyName"] or "", r["middleName"], r["preferredGivenName"],
                             r["first_name"] or "", r["last_name"] or "") for r in df.iter_rows(named=True)]
        return df.filter(pl.Series(keep, dtype=pl.Boolean)).select("sourcedId", "bm_id")

    def parent_cases(self) -> None:
        live = self.family.filter(pl.col("live") & pl.col("email_n").is_not_null()).with_columns(
            name=pl.concat_str(pl.col("givenName").fill_null(""), pl.col("familyName").fill_null(""), separator=" ")
            .map_elements(norm, return_dtype=pl.String))
        by_email = live.group_by("email_n").agg(ids=pl.col("sourcedId"), names=pl.col("name").n_unique())
        self.emit("email-shared-in-source", by_email.filter(pl.col("names") > 1), "ids")
        dup = live.group_by("email_n", "name").agg(ids=pl.col("sourcedId")).filter(pl.col("ids").list.len() > 1)
        self.emit("duplicate-parent-records-in-source", dup, "ids")
        bm_live = self.bm_parents.filter(pl.col("active") & pl.col("email_n").is_not_null())
        several = bm_live.group_by("email_n").agg(ids=pl.col("id")).filter(pl.col("ids").list.len() > 1)
        self.emit("several-parents-with-email-in-bookmarked", several, "ids")
        stale = bm_live.join(live.select("email_n", sourced_id="sourcedId"), on=["email_n", "sourced_id"], how="anti")
        self.emit("stale-parent-email-in-bookmarked", stale, "id", "sourced_id")
        # Each live SIS parent with an email, against the platform row with their sourcedId.
        df = live.join(self.bm_parent.select(pl.col("sourced_id").alias("sourcedId"), pl.col("id").alias("bm_id"),
                                             pl.col("active").alias("bm_active"), "first_name", "last_name",
                                             pl.col("email_n").alias("bm_email")), on="sourcedId", how="left")
        gone = df.filter(~pl.col("bm_active").fill_null(False))
        self.emit("parent-missing-in-bookmarked", gone, "sourcedId")
        self.look_up(gone["sourcedId"])
        df = df.filter(pl.col("bm_active").fill_null(False))
        renamed = df.join(self.renamed, on=["sourcedId", "bm_id"], how="semi")
        self.emit("parent-name-differs-in-bookmarked", renamed, "bm_id", "sourcedId")
        self.look_up(renamed["sourcedId"])
        self.emit("parent-email-differs-in-bookmarked", df.filter(~pl.col("email_n").eq_missing(pl.col("bm_email"))),
                  "bm_id", "sourcedId")
        sis_kids, bm_kids = self.kids()
        a = df.select("sourcedId", "bm_id").join(sis_kids, left_on="sourcedId", right_on="f")
        b = df.select("sourcedId", "bm_id").join(bm_kids, left_on="bm_id", right_on="p")
        diff = pl.concat([a.join(b, on=["sourcedId", "s"], how="anti"), b.join(a, on=["sourcedId", "s"], how="anti")])
        diff = diff.group_by("sourcedId", "bm_id").agg(kids=pl.col("s"))
        self.emit("parent-students-differ", diff, "bm_id", "sourcedId", "kids")

    # ---- student-mismatch: every live SIS student with each family email on either side

    def family_cases(self, field_diffs: pl.DataFrame) -> None:
        stu = self.students.filter("live").select(u="sourcedId")
        fam = self.family.filter(pl.col("email_n").is_not_null())
        pairs_sis = self.sis_links.join(fam.select(f="sourcedId", E="email_n"), on="f").join(stu, left_on="s", right_on="u")
        last_row = self.bm_students.unique("sourced_id", keep="last").select(s="sourced_id", student_id="id")
        pairs_bm = last_row.join(stu, left_on="s", right_on="u").join(self.bm_links, on="student_id").join(
            self.bm_parents.filter(pl.col("email_n").is_not_null()).select(parent_id="id", E="email_n"), on="parent_id")
        pairs = pl.concat([pairs_sis.select(u="s", E="E"), pairs_bm.select(u="s", E="E")]).unique()
        # The people each email names: SIS family with it, and the SIS records of the
        # platform parents with it (their SIS email may be another one).
        bm_with = self.bm_parents.filter(pl.col("email_n").is_not_null()).select(E="email_n", p="sourced_id")
        people = pl.concat([fam.select(E="email_n", p="sourcedId"), bm_with]).unique()
        sis_people = people.join(self.family.select(p="sourcedId", live="live", email="email_n"), on="p")
        stats = sis_people.group_by("E").agg(n_sis=pl.len(), live_ids=pl.col("p").filter("live"))
        links = self.sis_links.select(p="f", u="s", linked=pl.lit(True))
        df = pairs.join(stats, on="E", how="left").with_columns(pl.col("n_sis").fill_null(0))
        # The SIS side: no SIS parent, none live, or none linked to the student.
        no_parent = df.filter(pl.col("n_sis") == 0).join(bm_with.group_by("E").agg(ids=pl.col("p").unique()), on="E")
        self.emit("parent-not-in-source", no_parent, "ids")
        inactive = df.filter((pl.col("n_sis") > 0) & (pl.col("live_ids").list.len() == 0)).join(sis_people, on="E")
        self.emit("parent-inactive-in-source", inactive, "p")
        cand = df.filter(pl.col("live_ids").list.len() > 0).explode("live_ids").rename({"live_ids": "p"}).join(
            links, on=["p", "u"], how="left").with_columns(pl.col("linked").fill_null(False))
        any_link = cand.group_by("u", "E").agg(pl.col("linked").any())
        unlinked = any_link.filter(~pl.col("linked")).join(stats, on="E")
        self.emit("parent-student-link-missing-in-source", unlinked, "live_ids", "u")
        source_issue = pl.concat([no_parent.select("u", "E"), inactive.select("u", "E"), unlinked.select("u", "E")]).unique()
        # The platform side, for the pairs the SIS has right: each linked parent.
        bm_s = self.bm_student.select(u="sourced_id", s_id="id", s_active="active")
        lp = cand.filter("linked").join(source_issue, on=["u", "E"], how="anti").join(bm_s, on="u", how="left").join(
            self.family.select(p="sourcedId", email="email_n"), on="p").join(
            self.bm_parent.select(p="sourced_id", b_id="id", b_active="active", bm_email="email_n"), on="p", how="left").join(
            self.bm_links.select(b_id="parent_id", s_id="student_id", bm_linked=pl.lit(True)).unique(), on=["b_id", "s_id"], how="left")
        lp = lp.with_columns(
            s_ok=pl.col("s_active").fill_null(False),
            p_missing=pl.col("b_id").is_null(),
            p_deleted=~pl.col("b_active").fill_null(True),
            p_email=pl.col("b_id").is_not_null() & ~pl.col("email").eq_missing(pl.col("bm_email")),
            p_unlinked=pl.col("b_id").is_not_null() & pl.col("s_id").is_not_null() & pl.col("bm_linked").is_null(),
        ).with_columns(ok=pl.col("s_ok") & ~pl.col("p_missing") & ~pl.col("p_deleted") & ~pl.col("p_email") & ~pl.col("p_unlinked"))
        pair_ok = lp.group_by("u", "E").agg(any_ok=pl.col("ok").any())
        bad = lp.join(pair_ok.filter(~pl.col("any_ok")), on=["u", "E"], how="semi")
        self.emit("student-missing-in-bookmarked", bad.filter(pl.col("s_id").is_null()), "u")
        self.emit("student-deleted-in-bookmarked", bad.filter(~pl.col("s_active").fill_null(True)), "s_id", "u")
        self.emit("parent-missing-in-bookmarked", bad.filter("p_missing"), "p")
        self.emit("parent-deleted-in-bookmarked", bad.filter("p_deleted"), "b_id", "p")
        self.emit("parent-email-differs-in-bookmarked", bad.filter("p_email"), "b_id", "p")
        self.emit("parent-student-link-missing-in-bookmarked", bad.filter("p_unlinked"), "b_id", "s_id")
        self.look_up(bad.filter(~pl.col("s_ok"))["u"], bad.filter(pl.col("p_missing") | pl.col("p_deleted"))["p"],
                     bad.filter("p_unlinked")["p"], bad.filter("p_unlinked")["u"])
        # What people see is compared whether or not the link is in place: the student's
        # fields, and each linked parent's name.
        ok_side = lp.select("u", "E", "p", "b_id", "s_id", "s_active").unique()
        fields = ok_side.filter(pl.col("s_active").fill_null(False)).join(field_diffs.select(u="sid"), on="u", how="semi")
        self.emit("student-field-differs-in-bookmarked", fields, "s_id", "u")
        names = ok_side.join(self.renamed.select(p="sourcedId", b_id="bm_id"), on=["p", "b_id"], how="semi")
        self.emit("parent-name-differs-in-bookmarked", names, "b_id", "p")
        self.look_up(fields["u"], names["p"])
        issue = pl.concat([source_issue, bad.select("u", "E"), fields.select("u", "E"), names.select("u", "E")]).unique()
        shared = issue.join(stats, on="E").filter(pl.col("live_ids").list.len() > 1)
        self.emit("email-shared-in-source", shared, "live_ids")

    # ---- campus-transfer: every student seen at two schools

    def transfer_cases(self) -> None:
        stu = self.students.filter("live").select("sourcedId", "orgs")
        e = self.enrollments.join(stu.select("sourcedId"), left_on="userSourcedId", right_on="sourcedId", how="semi")
        new = e.filter(pl.col("is_current") & pl.col("schoolSourcedId").is_in(list(self.schools))).sort(
            "userSourcedId", pl.col("begin"), "row", nulls_last=False).group_by("userSourcedId").agg(
            new=pl.col("schoolSourcedId").last())
        bm_to_sis = self.bm_orgs.select(org="id", sis_org="sourced_id")
        last_row = self.bm_students.unique("sourced_id", keep="last").select(u="sourced_id", bm_last="id", org="organization_id")
        seen = pl.concat([
            stu.select(u="sourcedId", org="orgs").explode("org"),
            e.select(u="userSourcedId", org="schoolSourcedId"),
            last_row.select("u", "org"),
            last_row.join(self.bm_enrollments.filter("active"), left_on="bm_last", right_on="user_id").join(
                self.bm_classes.select(class_id="id", org="organization_id"), on="class_id").select("u", "org"),
        ]).join(bm_to_sis, on="org", how="left").select("u", old=pl.coalesce("sis_org", "org"))
        cases = seen.join(new, left_on="u", right_on="userSourcedId").filter(
            (pl.col("old") != pl.col("new")) & pl.col("old").is_in(list(self.schools))).unique()
        sis_to_bm = self.bm_orgs.unique("sourced_id", keep="first").select(sis="sourced_id", bm="id")
        cases = cases.join(stu.select(u="sourcedId", orgs="orgs"), on="u").join(
            sis_to_bm.rename({"sis": "old", "bm": "old_bm"}), on="old", how="left").join(
            sis_to_bm.rename({"sis": "new", "bm": "new_bm"}), on="new", how="left").join(
            self.bm_student.select(u="sourced_id", s_id="id", s_active="active", s_org="organization_id"), on="u", how="left")
        cur = self.enrollments.filter("current").select(u="userSourcedId", enr="sourcedId", cls="classSourcedId", school="school")
        at_old = cases.join(cur, left_on=["u", "old"], right_on=["u", "school"]).group_by("u", "old", "new").agg(ids=pl.col("enr"))
        at_new = cases.join(cur, left_on=["u", "new"], right_on=["u", "school"])
        has_new = at_new.select("u", "new").unique().with_columns(has_new=pl.lit(True))
        cases = cases.join(has_new, on=["u", "new"], how="left").with_columns(
            no_new=pl.col("has_new").is_null(),
            new_missing=~pl.col("orgs").list.contains(pl.col("new")),
            old_kept=pl.col("orgs").list.contains(pl.col("old")) & pl.col("orgs").list.contains(pl.col("new")),
        )
        self.emit("old-campus-enrollments-current-in-source", at_old, "ids")
        self.emit("no-new-campus-enrollments-in-source", cases.filter("no_new"), "u")
        self.emit("new-campus-missing-from-org-roles-in-source", cases.filter("new_missing"), "u")
        issue = pl.concat([at_old.select("u", "old", "new"), cases.filter(pl.col("no_new") | pl.col("new_missing")).select("u", "old", "new")])
        # The platform side.
        missing = cases.filter(pl.col("s_id").is_null())
        deleted = cases.filter(~pl.col("s_active").fill_null(True))
        self.emit("student-missing-in-bookmarked", missing, "u")
        self.emit("student-deleted-in-bookmarked", deleted, "s_id", "u")
        self.look_up(missing["u"], deleted["u"])
        live = cases.filter(pl.col("s_active").fill_null(False))
        diffs = self.student_diffs(live.select(sid="u", bm_id="s_id").unique(), school=False)
        self.emit("student-field-differs-in-bookmarked", diffs, "bm_id", "sid")
        self.look_up(diffs["sid"])
        stuck = live.filter(~pl.col("new_missing") & ~pl.col("s_org").eq_missing(pl.col("new_bm")))
        self.emit("student-school-not-updated-in-bookmarked", stuck, "s_id", "u")
        bm_cls = self.bm_classes.filter("active").select(class_id="id", class_sid="sourced_id", org="organization_id")
        phantom = live.join(self.bm_enrollments.filter("active").select("id", "sourced_id", "class_id", s_id="user_id"), on="s_id").join(
            bm_cls, on="class_id").filter(pl.col("org") == pl.col("old_bm"))
        phantom = phantom.join(cur.select("u", sourced_id="enr"), on=["u", "sourced_id"], how="anti").join(
            cur.select("u", class_sid="cls"), on=["u", "class_sid"], how="anti")
        self.emit("phantom-enrollment-in-bookmarked", phantom, "id", "sourced_id")
        rows = self.bm_enrollments.sort("active", "row").unique(["class_id", "user_id"], keep="last")
        new_rows = live.join(at_new.select("u", "new", "enr", "cls"), on=["u", "new"]).join(
            self.bm_class.select(cls="sourced_id", class_id="id"), on="cls", how="left").join(
            rows.select("class_id", s_id="user_id", row_active="active"), on=["class_id", "s_id"], how="left")
        lacking = new_rows.filter(~pl.col("row_active").fill_null(False))
        self.emit("new-campus-enrollment-missing-in-bookmarked", lacking, "enr", "cls")
        self.look_up(lacking["enr"], lacking["cls"])
        field_issue = live.join(diffs.select(u="sid"), on="u", how="semi")
        issue = pl.concat([issue, missing.select("u", "old", "new"), deleted.select("u", "old", "new"),
                           field_issue.select("u", "old", "new"), stuck.select("u", "old", "new"),
                           phantom.select("u", "old", "new"), lacking.select("u", "old", "new")])
        kept = cases.filter(pl.col("old_kept")).join(issue, on=["u", "old", "new"], how="semi")
        self.emit("old-campus-still-in-org-roles", kept, "u")

    def run(self) -> list[dict[str, object]]:
        pairs = self.students.filter("live").select("sourcedId").join(
            self.bm_student.select("sourced_id", "id"), left_on="sourcedId", right_on="sourced_id", how="left"
        ).select(sid="sourcedId", bm_id="id")
        self.student_case(pairs, fields=True)
        field_diffs = self.student_diffs(pairs.join(self.bm_student.filter("active").select(bm_id="id"), on="bm_id", how="semi"),
                                         school=True)
        self.platform_only_students()
        self.class_cases()
        self.renamed = self.parent_names()
        self.parent_cases()
        self.family_cases(field_diffs)
        self.transfer_cases()
        for sid in self.looked_up & self.import_errors:
            self.findings.add(("import-error", (sid,)))
        return [{"code": c, "records": list(r)} for c, r in sorted(self.findings)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("district", type=Path)
    ap.add_argument("--today", type=date.fromisoformat, default=date.today())
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    started = time.perf_counter()
    sweep = Sweep(args.district, args.today)
    read_s = time.perf_counter() - started
    findings = sweep.run()
    text = json.dumps({"findings": findings}, indent=1, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    total = time.perf_counter() - started
    print(f"sweep_polars: {len(findings)} findings; read {read_s:.2f} s, total {total:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
