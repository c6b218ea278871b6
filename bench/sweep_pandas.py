"""The district sweep as a data engineer would write it with pandas: the same rules as
bench/sweep_polars.py (see its docstring for what it finds and what it leaves out),
with pandas merges and group-bys. The peer of `cdt sweep` in bench/sweep.sh;
cdt-py/tests/test_sweep_peers.py checks that it finds the same (code, records) as
`cdt sweep` on a generated district.

It compares as cdt does: emails trimmed and without case; names, titles and grades
without case, accents, punctuation or extra spaces, so `Muñoz`/`MUNOZ` or
`Ana.Rios@Example.org`/`ana.rios@example.org` raise no alarm.

usage: sweep_pandas.py DISTRICT_DIR [--today YYYY-MM-DD] [--out FILE]
DISTRICT_DIR holds oneroster/ and platform-snapshot/ (as `cdt demo generate` writes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

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


def nn(v: Any) -> Any:
    """A cell, with pandas' missing values as None."""
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v


def read(path: Path) -> pd.DataFrame:
    """A CSV as text columns, trimmed, blanks as missing."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, engine="pyarrow")
    return df.apply(lambda s: s.str.strip()).replace("", None)


def split(s: pd.Series) -> pd.Series:
    return s.fillna("").map(lambda v: [x.strip() for x in v.split(",") if x.strip()])


def active_sis(df: pd.DataFrame) -> pd.Series:
    return ~df["status"].fillna("").str.lower().isin(["tobedeleted", "inactive", "deleted"])


def active_bm(df: pd.DataFrame) -> pd.Series:
    return df["status"].fillna("").str.lower() == "active"


def pick_by_sid(df: pd.DataFrame) -> pd.DataFrame:
    """One platform row per sourced_id: the first active one, else the first."""
    return df.assign(_row=range(len(df)), _dead=~df["active"]).sort_values(["sourced_id", "_dead", "_row"]).drop_duplicates(
        "sourced_id").drop(columns=["_row", "_dead"])


def anti(left: pd.DataFrame, right: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    m = left.merge(right[on].drop_duplicates(), on=on, how="left", indicator=True)
    return m[m["_merge"] == "left_only"].drop(columns="_merge")


def semi(left: pd.DataFrame, right: pd.DataFrame, on: list[str]) -> pd.DataFrame:
    return left.merge(right[on].drop_duplicates(), on=on)


class Sweep:
    def __init__(self, district: Path, today: date) -> None:
        sis, bm = district / "oneroster", district / "platform-snapshot"
        self.findings: set[Finding] = set()
        self.looked_up: set[str] = set()  # records whose import errors a finding brings in

        u = read(sis / "users.csv")
        if "preferredGivenName" not in u.columns:
            u["preferredGivenName"] = None
        u["active"] = active_sis(u)
        u["enabled"] = ~u["enabledUser"].fillna("").str.lower().isin(["false", "0", "no"])
        u["live"] = u["active"] & u["enabled"]
        u["role"] = u["role"].fillna("").str.lower()
        u["orgs"], u["agents"], u["grades"] = split(u["orgSourcedIds"]), split(u["agentSourcedIds"]), split(u["grades"])
        u["email_n"] = u["email"].str.lower()
        self.users = u
        self.students = u[u["role"] == "student"]
        self.family = u[u["role"].isin(FAMILY)]
        orgs = read(sis / "orgs.csv")
        self.schools = set(orgs.loc[orgs["type"].str.lower() == "school", "sourcedId"])
        c = read(sis / "classes.csv")
        c["active"], c["terms"] = active_sis(c), split(c["termSourcedIds"])
        self.classes = c
        e = read(sis / "enrollments.csv")
        e["row"] = range(len(e))
        e["active"] = active_sis(e)
        e["role"] = e["role"].fillna("").str.lower()
        e["begin"] = pd.to_datetime(e["beginDate"].str.slice(0, 10), errors="coerce").dt.date
        e["end"] = pd.to_datetime(e["endDate"].str.slice(0, 10), errors="coerce").dt.date
        e = e.merge(c[["sourcedId", "active", "schoolSourcedId"]].rename(columns={
            "sourcedId": "classSourcedId", "active": "class_active", "schoolSourcedId": "class_school"}),
            on="classSourcedId", how="left")
        on_today = e["active"] & (e["begin"].isna() | (e["begin"] <= today)) & (e["end"].isna() | (e["end"] >= today))
        e["is_current"] = on_today
        e["current"] = on_today & e["class_active"].fillna(True).astype(bool)
        e["school"] = e["schoolSourcedId"].fillna(e["class_school"])
        self.enrollments = e

        self.bm_orgs = read(bm / "organizations.csv")
        tables = {}
        for name in ("students", "parents", "classes", "enrollments"):
            t = read(bm / f"{name}.csv")
            t["active"] = active_bm(t)
            tables[name] = t
        self.bm_students, self.bm_parents = tables["students"], tables["parents"]
        self.bm_classes, self.bm_enrollments = tables["classes"], tables["enrollments"]
        self.bm_enrollments["row"] = range(len(self.bm_enrollments))
        for t in (self.bm_students, self.bm_parents):
            t["email_n"] = t["email"].str.lower()
        self.bm_links = read(bm / "parent_students.csv")
        errors = bm / "import_errors.csv"
        self.import_errors = set(read(errors)["sourced_id"].dropna()) if errors.is_file() else set()
        self.bm_student = pick_by_sid(self.bm_students)
        self.bm_parent = pick_by_sid(self.bm_parents)
        self.bm_class = pick_by_sid(self.bm_classes)
        # SIS family links, both ways: (family sid, student sid).
        fam = self.family[["sourcedId", "agents"]].explode("agents").set_axis(["f", "s"], axis=1)
        stu = self.students[["sourcedId", "agents"]].explode("agents").set_axis(["s", "f"], axis=1)
        links = pd.concat([fam, stu[["f", "s"]]]).dropna().drop_duplicates()
        self.sis_links = links[links["f"].isin(self.family["sourcedId"]) & links["s"].isin(self.students["sourcedId"])]

    # ---- collecting findings

    def emit(self, code: str, df: pd.DataFrame, *cols: str) -> None:
        """One finding per row: its records are the row's values in `cols` (lists flattened)."""
        for row in df[list(cols)].itertuples(index=False):
            recs: set[str] = set()
            for v in row:
                if isinstance(v, list):
                    recs.update(x for x in v if nn(x) is not None)
                elif nn(v) is not None:
                    recs.add(v)
            self.findings.add((code, tuple(sorted(recs))))

    def look_up(self, *series: Iterable[Any]) -> None:
        for s in series:
            for v in s:
                if isinstance(v, list):
                    self.looked_up.update(v)
                elif nn(v) is not None:
                    self.looked_up.add(v)

    # ---- what people see

    def student_diffs(self, pairs: pd.DataFrame, school: bool) -> pd.DataFrame:
        """The pairs (sid, bm_id) whose platform row shows the student otherwise than the SIS."""
        df = pairs.merge(self.students[["sourcedId", "givenName", "familyName", "middleName", "preferredGivenName",
                                        "email_n", "orgs", "grades"]], left_on="sid", right_on="sourcedId")
        df = df.merge(self.bm_students[["id", "first_name", "last_name", "grade", "email_n", "organization_id"]].rename(
            columns={"id": "bm_id", "email_n": "bm_email"}), on="bm_id")
        df = df.merge(self.bm_orgs[["id", "sourced_id"]].rename(columns={"id": "organization_id", "sourced_id": "bm_school"}),
                      on="organization_id", how="left")

        def differs(r: Any) -> bool:
            orgs, grades, grade = r.orgs, r.grades, nn(r.grade)
            if name_differs(r.givenName or "", r.familyName or "", nn(r.middleName), nn(r.preferredGivenName),
                            r.first_name or "", r.last_name or ""):
                return True
            if nn(r.email_n) != nn(r.bm_email):
                return True
            if school and orgs and nn(r.bm_school) not in orgs:
                return True
            if not grades:
                return grade is not None
            return grade is None or not any(norm(g) == norm(grade) for g in grades)

        # Rows equal as typed need no closer look.
        plain = ((df["givenName"] == df["first_name"]) & (df["familyName"] == df["last_name"])
                 & (df["email_n"].fillna("") == df["bm_email"].fillna(""))
                 & pd.Series([(not g and x is None) or x in g for g, x in zip(df["grades"], df["grade"].map(nn))],
                             index=df.index, dtype=bool))
        if school:
            plain &= pd.Series([not o or b in o for o, b in zip(df["orgs"], df["bm_school"].map(nn))],
                               index=df.index, dtype=bool)
        df = df[~plain]
        keep = [differs(r) for r in df.itertuples(index=False)]
        return df[keep][["sid", "bm_id"]] if len(df) else df[["sid", "bm_id"]]

    # ---- missing-data, a student: every live SIS student (and re-keyed copies)

    def student_case(self, pairs: pd.DataFrame, fields: bool) -> None:
        """`pairs`: (sid, bm_id) with bm_id the platform student diagnosed (missing if none)."""
        enr = self.enrollments[self.enrollments["userSourcedId"].isin(pairs["sid"])]
        cur = enr[enr["current"]]
        has = pairs["sid"].isin(cur["userSourcedId"])
        none = pairs[~has]
        none = none.merge(enr[enr["userSourcedId"].isin(none["sid"])].groupby("userSourcedId")["sourcedId"].agg(list)
                          .rename("enr"), left_on="sid", right_index=True, how="left")
        self.emit("no-current-enrollments-in-source", none, "sid", "enr")
        pairs = pairs[has].merge(self.bm_students[["id", "active"]].rename(columns={"id": "bm_id", "active": "bm_active"}),
                                 on="bm_id", how="left")
        missing = pairs[pairs["bm_id"].isna()]
        self.emit("student-missing-in-bookmarked", missing, "sid")
        self.look_up(missing["sid"], cur.loc[cur["userSourcedId"].isin(missing["sid"]), "sourcedId"])
        deleted = pairs[pairs["bm_active"].eq(False)]
        self.emit("student-deleted-in-bookmarked", deleted, "bm_id", "sid")
        self.look_up(deleted["sid"])
        live = pairs[pairs["bm_active"].eq(True)]
        if fields:
            diffs = self.student_diffs(live[["sid", "bm_id"]], school=True)
            self.emit("student-field-differs-in-bookmarked", diffs, "bm_id", "sid")
            self.look_up(diffs["sid"])
        cur = cur.merge(live[["sid", "bm_id"]], left_on="userSourcedId", right_on="sid")
        self.enrollment_checks(cur)
        # Active platform enrollments the SIS does not have current.
        extra = self.bm_enrollments[self.bm_enrollments["active"]].merge(live[["bm_id"]], left_on="user_id", right_on="bm_id")
        extra = extra.merge(self.bm_classes[["id", "sourced_id"]].rename(columns={"id": "class_id", "sourced_id": "class_sid"}),
                            on="class_id", how="left")
        extra = anti(extra, cur.rename(columns={"bm_id": "user_id", "classSourcedId": "class_sid"}), ["user_id", "class_sid"])
        extra = anti(extra, cur.rename(columns={"bm_id": "user_id", "sourcedId": "sourced_id"}), ["user_id", "sourced_id"])
        self.emit("extra-enrollment-in-bookmarked", extra, "id", "sourced_id")

    def enrollment_checks(self, cur: pd.DataFrame) -> None:
        """Current SIS enrollments (sourcedId, classSourcedId, bm_id: the live platform
        student): the class and the enrollment on the platform."""
        df = cur.merge(self.bm_class[["sourced_id", "id", "active"]].rename(columns={
            "sourced_id": "classSourcedId", "id": "class_id", "active": "bm_class_active"}), on="classSourcedId", how="left")
        gone = df[df["class_id"].isna()]
        self.emit("class-missing-in-bookmarked", gone, "classSourcedId", "sourcedId")
        self.look_up(gone["classSourcedId"], gone["sourcedId"])
        dead = df[df["bm_class_active"].eq(False)]
        self.emit("class-deleted-in-bookmarked", dead, "class_id", "classSourcedId")
        self.look_up(dead["classSourcedId"])
        e = self.bm_enrollments
        rows = e.assign(_dead=~e["active"]).sort_values(["_dead", "row"]).drop_duplicates(["class_id", "user_id"])
        df = df[df["bm_class_active"].eq(True)].merge(
            rows[["class_id", "user_id", "id", "active"]].rename(columns={"user_id": "bm_id", "id": "enr_id", "active": "enr_active"}),
            on=["class_id", "bm_id"], how="left")
        absent = df[df["enr_id"].isna()]
        self.emit("enrollment-missing-in-bookmarked", absent, "sourcedId")
        deleted = df[df["enr_active"].eq(False)]
        self.emit("enrollment-deleted-in-bookmarked", deleted, "enr_id", "sourcedId")
        self.look_up(absent["sourcedId"], deleted["sourcedId"])

    # ---- missing-data, a student only the platform has

    def platform_only_students(self) -> None:
        """Each active platform student the SIS does not send, asked about by name: the one
        SIS student of that name is diagnosed (with the platform-only record as a namesake,
        or as their copy under another sourced_id); else the record itself."""
        sis_ids = set(self.students["sourcedId"])
        bm_only = self.bm_student[~self.bm_student["sourced_id"].isin(sis_ids)]
        only = self.bm_students[self.bm_students["active"] & ~self.bm_students["sourced_id"].isin(sis_ids)]
        if only.empty:
            return
        words = {w for f, last in zip(only["first_name"], only["last_name"]) for w in key(f, last).split()}

        def within(s: pd.Series) -> pd.Series:  # every word of the family name is in some query
            return s.map(lambda v: nn(v) is not None and set(norm(v).split()) <= words)

        copy = self.bm_student[["sourced_id", "first_name", "last_name", "id"]].rename(columns={
            "sourced_id": "sourcedId", "first_name": "bm_first", "last_name": "bm_last", "id": "bm_id"})
        sis = self.students.merge(copy, on="sourcedId", how="left")
        sis = sis[within(sis["familyName"]) | within(sis["bm_last"])]
        sis_keys = [(u, exact_keys(u.givenName or "", u.familyName or "", nn(u.middleName), nn(u.preferredGivenName))
                     | (exact_keys(u.bm_first or "", u.bm_last or "") if nn(u.bm_id) else set()))
                    for u in sis.itertuples(index=False)]
        bm_keys = [(b, exact_keys(b.first_name or "", b.last_name or ""))
                   for b in bm_only[within(bm_only["last_name"])].itertuples(index=False)]
        rekeyed: list[dict[str, str]] = []
        for s in only.itertuples(index=False):
            q = key(s.first_name, s.last_name)
            named = [u for u, keys in sis_keys if q in keys]
            others = [b for b, keys in bm_keys if q in keys]
            if len(named) != 1:  # nobody, or several: asked again by sourcedId
                self.findings.add(("student-not-in-source", (s.sourced_id,)))
                continue
            u = named[0]
            if nn(u.bm_id) is None and len(others) == 1:  # their copy under another sourced_id
                o = others.pop()
                rekeyed.append({"sid": u.sourcedId, "bm_id": o.id, "bm_sid": o.sourced_id})
            if not (u.active and u.enabled):
                self.findings.add(("student-inactive-in-source", (u.sourcedId,)))
                continue
            namesakes = [o for o in others if o.active]
            if namesakes and self.has_current(u.sourcedId):
                ids = {x for o in namesakes for x in (o.id, o.sourced_id)}
                self.findings.add(("student-namesake-in-bookmarked", tuple(sorted(ids))))
        rekeyed = [r for r in rekeyed if self.has_current(r["sid"])]
        if rekeyed:
            df = pd.DataFrame(rekeyed).drop_duplicates()
            self.emit("student-sourced-id-differs-in-bookmarked", df, "bm_id", "bm_sid", "sid")
            self.look_up(df["sid"])
            self.student_case(df[["sid", "bm_id"]], fields=False)

    def has_current(self, sid: str) -> bool:
        e = self.enrollments
        return bool((e["current"] & (e["userSourcedId"] == sid)).any())

    # ---- missing-data, a class: every class on either side

    def class_cases(self) -> None:
        sis_ids = set(self.classes["sourcedId"])
        self.emit("class-not-in-source", self.bm_classes[~self.bm_classes["sourced_id"].isin(sis_ids)], "sourced_id")
        self.emit("class-deleted-in-source", self.classes[~self.classes["active"]], "sourcedId")
        c = self.classes[self.classes["active"]].merge(self.bm_class[
            ["sourced_id", "id", "active", "title", "organization_id", "term_sourced_id"]].rename(columns={
                "sourced_id": "sourcedId", "id": "class_id", "active": "class_active", "title": "bm_title"}),
            on="sourcedId", how="left")
        e = self.enrollments
        expected = e[e["current"] & (e["role"] == "student")]
        expected = expected[expected["userSourcedId"].isin(self.users.loc[self.users["live"], "sourcedId"])]
        gone = c[c["class_id"].isna()]
        self.emit("class-missing-in-bookmarked", gone, "sourcedId")
        self.look_up(gone["sourcedId"], gone["courseSourcedId"],
                     expected.loc[expected["classSourcedId"].isin(gone["sourcedId"]), "sourcedId"])
        dead = c[c["class_active"].eq(False)]
        self.emit("class-deleted-in-bookmarked", dead, "class_id", "sourcedId")
        self.look_up(dead["sourcedId"])
        live = c[c["class_active"].eq(True)].merge(
            self.bm_orgs[["id", "sourced_id"]].rename(columns={"id": "organization_id", "sourced_id": "bm_school"}),
            on="organization_id", how="left")
        stale = [norm(r.title) != norm(r.bm_title) or nn(r.bm_school) != r.schoolSourcedId
                 or (r.term_sourced_id not in r.terms if nn(r.term_sourced_id) else bool(r.terms))
                 for r in live.itertuples(index=False)]
        stale_df = live[stale] if len(live) else live
        self.emit("class-field-differs-in-bookmarked", stale_df, "class_id", "sourcedId")
        self.look_up(stale_df["sourcedId"])
        # The students each live class enrolls, on the platform.
        exp = expected[expected["classSourcedId"].isin(live["sourcedId"])].merge(
            self.bm_student[["sourced_id", "id", "active"]].rename(columns={
                "sourced_id": "userSourcedId", "id": "bm_id", "active": "bm_active"}), on="userSourcedId", how="left")
        nobody = exp[exp["bm_id"].isna()]
        self.emit("student-missing-in-bookmarked", nobody, "userSourcedId", "sourcedId")
        self.look_up(nobody["userSourcedId"], nobody["sourcedId"])
        deleted = exp[exp["bm_active"].eq(False)]
        self.emit("student-deleted-in-bookmarked", deleted, "bm_id", "userSourcedId")
        self.look_up(deleted["userSourcedId"])
        self.enrollment_checks(exp[exp["bm_active"].eq(True)])
        b = self.bm_enrollments
        extra = b[b["active"] & (b["role"].fillna("").str.lower() == "student")].merge(
            live[["class_id", "sourcedId"]].rename(columns={"sourcedId": "class_sid"}), on="class_id")
        extra = extra.merge(self.bm_students[["id", "sourced_id"]].rename(columns={"id": "user_id", "sourced_id": "student_sid"}),
                            on="user_id", how="left")
        extra = anti(extra, exp.rename(columns={"classSourcedId": "class_sid", "userSourcedId": "student_sid"}),
                     ["class_sid", "student_sid"])
        extra = anti(extra, exp.rename(columns={"classSourcedId": "class_sid", "sourcedId": "sourced_id"}),
                     ["class_sid", "sourced_id"])
        self.emit("extra-enrollment-in-bookmarked", extra, "id", "sourced_id")

    # ---- parent-conflicts: every parent email on either side

    def parent_names(self) -> pd.DataFrame:
        """(sourcedId, bm_id) of live SIS family whose active platform row has another name."""
        df = self.family[self.family["live"]].merge(self.bm_parent[self.bm_parent["active"]][
            ["sourced_id", "id", "first_name", "last_name"]].rename(columns={"sourced_id": "sourcedId", "id": "bm_id"}),
            on="sourcedId")
        df = df[(df["givenName"] != df["first_name"]) | (df["familyName"] != df["last_name"])]
        keep = [name_differs(r.givenName or "", r.familyName or "", nn(r.middleName), nn(r.preferredGivenName),
                             r.first_name or "", r.last_name or "") for r in df.itertuples(index=False)]
        return (df[keep] if len(df) else df)[["sourcedId", "bm_id"]]

    def parent_cases(self) -> None:
        live = self.family[self.family["live"] & self.family["email_n"].notna()].copy()
        live["name"] = [key(g, f) for g, f in zip(live["givenName"].fillna(""), live["familyName"].fillna(""))]
        # Only emails several people have matter; lists only for those.
        shared = live[live.groupby("email_n")["name"].transform("nunique") > 1]
        self.emit("email-shared-in-source", shared.groupby("email_n").agg(ids=("sourcedId", list)), "ids")
        dup = live[live.duplicated(["email_n", "name"], keep=False)]
        self.emit("duplicate-parent-records-in-source", dup.groupby(["email_n", "name"]).agg(ids=("sourcedId", list)), "ids")
        bm_live = self.bm_parents[self.bm_parents["active"] & self.bm_parents["email_n"].notna()]
        several = bm_live[bm_live.duplicated("email_n", keep=False)]
        self.emit("several-parents-with-email-in-bookmarked", several.groupby("email_n").agg(ids=("id", list)), "ids")
        stale = anti(bm_live, live.rename(columns={"sourcedId": "sourced_id"}), ["email_n", "sourced_id"])
        self.emit("stale-parent-email-in-bookmarked", stale, "id", "sourced_id")
        # Each live SIS parent with an email, against the platform row with their sourcedId.
        df = live.merge(self.bm_parent[["sourced_id", "id", "active", "email_n"]].rename(columns={
            "sourced_id": "sourcedId", "id": "bm_id", "active": "bm_active", "email_n": "bm_email"}), on="sourcedId", how="left")
        gone = df[~df["bm_active"].eq(True)]
        self.emit("parent-missing-in-bookmarked", gone, "sourcedId")
        self.look_up(gone["sourcedId"])
        df = df[df["bm_active"].eq(True)]
        renamed = semi(df, self.renamed, ["sourcedId", "bm_id"])
        self.emit("parent-name-differs-in-bookmarked", renamed, "bm_id", "sourcedId")
        self.look_up(renamed["sourcedId"])
        self.emit("parent-email-differs-in-bookmarked", df[df["email_n"].fillna("") != df["bm_email"].fillna("")],
                  "bm_id", "sourcedId")
        sis_kids, bm_kids = self.kids()
        a = df[["sourcedId", "bm_id"]].merge(sis_kids, left_on="sourcedId", right_on="f")[["sourcedId", "bm_id", "s"]]
        b = df[["sourcedId", "bm_id"]].merge(bm_kids, left_on="bm_id", right_on="p")[["sourcedId", "bm_id", "s"]]
        diff = pd.concat([anti(a, b, ["sourcedId", "s"]), anti(b, a, ["sourcedId", "s"])])
        diff = diff.groupby(["sourcedId", "bm_id"], as_index=False).agg(kids=("s", list))
        self.emit("parent-students-differ", diff, "bm_id", "sourcedId", "kids")

    def kids(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(family sid, student sid) of live students, in the SIS; (parent id, student sid)
        of active students, on the platform."""
        sis = self.sis_links[self.sis_links["s"].isin(self.students.loc[self.students["live"], "sourcedId"])]
        bm = self.bm_links.merge(self.bm_students[self.bm_students["active"]][["id", "sourced_id"]].rename(
            columns={"id": "student_id", "sourced_id": "s"}), on="student_id")
        return sis, bm.rename(columns={"parent_id": "p"})[["p", "s"]].drop_duplicates()

    # ---- student-mismatch: every live SIS student with each family email on either side

    def family_cases(self, field_diffs: pd.DataFrame) -> None:
        stu = self.students.loc[self.students["live"], ["sourcedId"]].rename(columns={"sourcedId": "u"})
        fam = self.family[self.family["email_n"].notna()]
        pairs_sis = self.sis_links.merge(fam[["sourcedId", "email_n"]].rename(columns={"sourcedId": "f", "email_n": "E"}), on="f")
        pairs_sis = pairs_sis.merge(stu, left_on="s", right_on="u")[["u", "E"]]
        last_row = self.bm_students.drop_duplicates("sourced_id", keep="last")[["sourced_id", "id"]].rename(
            columns={"sourced_id": "u", "id": "student_id"})
        bm_with_email = self.bm_parents[self.bm_parents["email_n"].notna()]
        pairs_bm = last_row.merge(stu, on="u").merge(self.bm_links, on="student_id").merge(
            bm_with_email[["id", "email_n"]].rename(columns={"id": "parent_id", "email_n": "E"}), on="parent_id")[["u", "E"]]
        pairs = pd.concat([pairs_sis, pairs_bm]).drop_duplicates()
        # The people each email names: SIS family with it, and the SIS records of the
        # platform parents with it (their SIS email may be another one).
        bm_with = bm_with_email[["email_n", "sourced_id"]].set_axis(["E", "p"], axis=1)
        people = pd.concat([fam[["email_n", "sourcedId"]].set_axis(["E", "p"], axis=1), bm_with]).drop_duplicates()
        sis_people = people.merge(self.family[["sourcedId", "live", "email_n"]].set_axis(["p", "live", "email"], axis=1), on="p")
        live_people = sis_people[sis_people["live"]][["E", "p"]]
        stats = pd.concat([sis_people.groupby("E").size().rename("n_sis"), live_people.groupby("E").size().rename("n_live")],
                          axis=1).fillna(0)

        def live_ids(df: pd.DataFrame) -> pd.DataFrame:  # the live people of each email of df, as a list
            ids = live_people[live_people["E"].isin(df["E"])].groupby("E")["p"].agg(list).rename("live_ids")
            return df.merge(ids, left_on="E", right_index=True)

        df = pairs.merge(stats, left_on="E", right_index=True, how="left").fillna({"n_sis": 0, "n_live": 0})
        # The SIS side: no SIS parent, none live, or none linked to the student.
        no_parent = df[df["n_sis"] == 0].merge(bm_with.groupby("E").agg(ids=("p", lambda s: sorted(set(s)))),
                                               left_on="E", right_index=True)
        self.emit("parent-not-in-source", no_parent, "ids")
        inactive = df[(df["n_sis"] > 0) & (df["n_live"] == 0)].merge(sis_people, on="E")
        self.emit("parent-inactive-in-source", inactive, "p")
        cand = df[df["n_live"] > 0].merge(live_people, on="E")
        links = self.sis_links.rename(columns={"f": "p", "s": "u"}).assign(linked=True)
        cand = cand.merge(links, on=["p", "u"], how="left")
        cand["linked"] = cand["linked"].eq(True)
        any_link = cand.groupby(["u", "E"], as_index=False)["linked"].any()
        unlinked = live_ids(any_link[~any_link["linked"]])
        self.emit("parent-student-link-missing-in-source", unlinked, "live_ids", "u")
        source_issue = pd.concat([no_parent[["u", "E"]], inactive[["u", "E"]], unlinked[["u", "E"]]]).drop_duplicates()
        # The platform side, for the pairs the SIS has right: each linked parent.
        lp = anti(cand[cand["linked"]], source_issue, ["u", "E"])
        lp = lp.merge(self.bm_student[["sourced_id", "id", "active"]].set_axis(["u", "s_id", "s_active"], axis=1), on="u", how="left")
        lp = lp.merge(self.family[["sourcedId", "email_n"]].set_axis(["p", "email"], axis=1), on="p")
        lp = lp.merge(self.bm_parent[["sourced_id", "id", "active", "email_n"]].set_axis(["p", "b_id", "b_active", "bm_email"], axis=1),
                      on="p", how="left")
        lp = lp.merge(self.bm_links.drop_duplicates().set_axis(["b_id", "s_id"], axis=1).assign(bm_linked=True),
                      on=["b_id", "s_id"], how="left")
        lp["s_ok"] = lp["s_active"].eq(True)
        lp["p_missing"] = lp["b_id"].isna()
        lp["p_deleted"] = lp["b_active"].eq(False)
        lp["p_email"] = lp["b_id"].notna() & (lp["email"].fillna("") != lp["bm_email"].fillna(""))
        lp["p_unlinked"] = lp["b_id"].notna() & lp["s_id"].notna() & lp["bm_linked"].isna()
        lp["ok"] = lp["s_ok"] & ~lp["p_missing"] & ~lp["p_deleted"] & ~lp["p_email"] & ~lp["p_unlinked"]
        pair_ok = lp.groupby(["u", "E"], as_index=False)["ok"].any()
        bad = semi(lp, pair_ok[~pair_ok["ok"]], ["u", "E"])
        self.emit("student-missing-in-bookmarked", bad[bad["s_id"].isna()], "u")
        self.emit("student-deleted-in-bookmarked", bad[bad["s_active"].eq(False)], "s_id", "u")
        self.emit("parent-missing-in-bookmarked", bad[bad["p_missing"]], "p")
        self.emit("parent-deleted-in-bookmarked", bad[bad["p_deleted"]], "b_id", "p")
        self.emit("parent-email-differs-in-bookmarked", bad[bad["p_email"]], "b_id", "p")
        self.emit("parent-student-link-missing-in-bookmarked", bad[bad["p_unlinked"]], "b_id", "s_id")
        self.look_up(bad.loc[~bad["s_ok"], "u"], bad.loc[bad["p_missing"] | bad["p_deleted"], "p"],
                     bad.loc[bad["p_unlinked"], "p"], bad.loc[bad["p_unlinked"], "u"])
        # What people see is compared whether or not the link is in place: the student's
        # fields, and each linked parent's name.
        ok_side = lp[["u", "E", "p", "b_id", "s_id", "s_active"]].drop_duplicates()
        fields = semi(ok_side[ok_side["s_active"].eq(True)], field_diffs.rename(columns={"sid": "u"}), ["u"])
        self.emit("student-field-differs-in-bookmarked", fields, "s_id", "u")
        names = semi(ok_side, self.renamed.set_axis(["p", "b_id"], axis=1), ["p", "b_id"])
        self.emit("parent-name-differs-in-bookmarked", names, "b_id", "p")
        self.look_up(fields["u"], names["p"])
        issue = pd.concat([source_issue, bad[["u", "E"]], fields[["u", "E"]], names[["u", "E"]]]).drop_duplicates()
        shared = issue.merge(stats, left_on="E", right_index=True)
        self.emit("email-shared-in-source", live_ids(shared[shared["n_live"] > 1]), "live_ids")

    # ---- campus-transfer: every student seen at two schools

    def transfer_cases(self) -> None:
        stu = self.students.loc[self.students["live"], ["sourcedId", "orgs"]]
        e = self.enrollments[self.enrollments["userSourcedId"].isin(stu["sourcedId"])]
        at_school = e[e["is_current"] & e["schoolSourcedId"].isin(self.schools)]
        begin = pd.to_datetime(at_school["begin"])
        new = at_school.assign(_b=begin).sort_values(["userSourcedId", "_b", "row"], na_position="first").groupby(
            "userSourcedId")["schoolSourcedId"].last().rename("new")
        bm_to_sis = dict(zip(self.bm_orgs["id"], self.bm_orgs["sourced_id"]))
        last_row = self.bm_students.drop_duplicates("sourced_id", keep="last")[["sourced_id", "id", "organization_id"]].set_axis(
            ["u", "bm_last", "org"], axis=1)
        bm_act = self.bm_enrollments[self.bm_enrollments["active"]].merge(last_row[["u", "bm_last"]], left_on="user_id",
                                                                          right_on="bm_last")
        bm_act = bm_act.merge(self.bm_classes[["id", "organization_id"]].set_axis(["class_id", "org"], axis=1), on="class_id")
        seen = pd.concat([
            stu[["sourcedId", "orgs"]].explode("orgs").set_axis(["u", "org"], axis=1),
            e[["userSourcedId", "schoolSourcedId"]].set_axis(["u", "org"], axis=1),
            last_row[["u", "org"]], bm_act[["u", "org"]],
        ]).dropna()
        seen["old"] = seen["org"].map(lambda o: bm_to_sis.get(o, o))
        cases = seen[["u", "old"]].merge(new, left_on="u", right_index=True)
        cases = cases[(cases["old"] != cases["new"]) & cases["old"].isin(self.schools)].drop_duplicates()
        sis_to_bm = self.bm_orgs.drop_duplicates("sourced_id")[["sourced_id", "id"]]
        cases = cases.merge(stu.set_axis(["u", "orgs"], axis=1), on="u")
        cases = cases.merge(sis_to_bm.set_axis(["old", "old_bm"], axis=1), on="old", how="left")
        cases = cases.merge(sis_to_bm.set_axis(["new", "new_bm"], axis=1), on="new", how="left")
        cases = cases.merge(self.bm_student[["sourced_id", "id", "active", "organization_id"]].set_axis(
            ["u", "s_id", "s_active", "s_org"], axis=1), on="u", how="left")
        cur = self.enrollments.loc[self.enrollments["current"], ["userSourcedId", "sourcedId", "classSourcedId", "school"]]
        cur = cur.set_axis(["u", "enr", "cls", "school"], axis=1)
        key3 = ["u", "old", "new"]
        at_old = cases.merge(cur, left_on=["u", "old"], right_on=["u", "school"]).groupby(key3, as_index=False).agg(ids=("enr", list))
        at_new = cases.merge(cur, left_on=["u", "new"], right_on=["u", "school"])
        has_new = at_new[["u", "new"]].drop_duplicates().assign(has_new=True)
        cases = cases.merge(has_new, on=["u", "new"], how="left")
        cases["no_new"] = cases["has_new"].isna()
        cases["new_missing"] = [n not in o for n, o in zip(cases["new"], cases["orgs"])]
        cases["old_kept"] = [d in o and n in o for d, n, o in zip(cases["old"], cases["new"], cases["orgs"])]
        self.emit("old-campus-enrollments-current-in-source", at_old, "ids")
        self.emit("no-new-campus-enrollments-in-source", cases[cases["no_new"]], "u")
        self.emit("new-campus-missing-from-org-roles-in-source", cases[cases["new_missing"]], "u")
        issue = [at_old[key3], cases.loc[cases["no_new"] | cases["new_missing"], key3]]
        # The platform side.
        missing = cases[cases["s_id"].isna()]
        deleted = cases[cases["s_active"].eq(False)]
        self.emit("student-missing-in-bookmarked", missing, "u")
        self.emit("student-deleted-in-bookmarked", deleted, "s_id", "u")
        self.look_up(missing["u"], deleted["u"])
        live = cases[cases["s_active"].eq(True)]
        diffs = self.student_diffs(live[["u", "s_id"]].drop_duplicates().set_axis(["sid", "bm_id"], axis=1), school=False)
        self.emit("student-field-differs-in-bookmarked", diffs, "bm_id", "sid")
        self.look_up(diffs["sid"])
        stuck = live[~live["new_missing"] & (live["s_org"].fillna("") != live["new_bm"].fillna(""))]
        self.emit("student-school-not-updated-in-bookmarked", stuck, "s_id", "u")
        b = self.bm_enrollments
        bm_cls = self.bm_classes[self.bm_classes["active"]][["id", "sourced_id", "organization_id"]].set_axis(
            ["class_id", "class_sid", "org"], axis=1)
        phantom = live.merge(b[b["active"]][["id", "sourced_id", "class_id", "user_id"]].rename(columns={"user_id": "s_id"}), on="s_id")
        phantom = phantom.merge(bm_cls, on="class_id")
        phantom = phantom[phantom["org"] == phantom["old_bm"]]
        phantom = anti(phantom, cur.rename(columns={"enr": "sourced_id"}), ["u", "sourced_id"])
        phantom = anti(phantom, cur.rename(columns={"cls": "class_sid"}), ["u", "class_sid"])
        self.emit("phantom-enrollment-in-bookmarked", phantom, "id", "sourced_id")
        active_rows = b[b["active"]][["class_id", "user_id"]].drop_duplicates().set_axis(["class_id", "s_id"], axis=1).assign(row_active=True)
        new_rows = live.merge(at_new[["u", "new", "enr", "cls"]], on=["u", "new"]).merge(
            self.bm_class[["sourced_id", "id"]].set_axis(["cls", "class_id"], axis=1), on="cls", how="left")
        new_rows = new_rows.merge(active_rows, on=["class_id", "s_id"], how="left")
        lacking = new_rows[new_rows["row_active"].isna()]
        self.emit("new-campus-enrollment-missing-in-bookmarked", lacking, "enr", "cls")
        self.look_up(lacking["enr"], lacking["cls"])
        field_issue = semi(live, diffs.rename(columns={"sid": "u"}), ["u"])
        issue += [missing[key3], deleted[key3], field_issue[key3], stuck[key3], phantom[key3], lacking[key3]]
        kept = semi(cases[cases["old_kept"]], pd.concat(issue), key3)
        self.emit("old-campus-still-in-org-roles", kept, "u")

    def run(self) -> list[dict[str, object]]:
        pairs = self.students.loc[self.students["live"], ["sourcedId"]].merge(
            self.bm_student[["sourced_id", "id"]], left_on="sourcedId", right_on="sourced_id", how="left")
        pairs = pairs[["sourcedId", "id"]].set_axis(["sid", "bm_id"], axis=1)
        self.student_case(pairs, fields=True)
        active_ids = self.bm_student.loc[self.bm_student["active"], "id"]
        field_diffs = self.student_diffs(pairs[pairs["bm_id"].isin(active_ids)], school=True)
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
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
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
    print(f"sweep_pandas: {len(findings)} findings; read {read_s:.2f} s, total {total:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
