//! The generated district is deterministic, consistent on both sides and realistic.

use std::collections::{HashMap, HashSet};

use cdt_core::roster::{Role, Roster};
use cdt_demo::generator::{BOOKMARKED_ORG_ID, District, GenConfig, SCHOOL_YEAR_START, generate};

fn district(students: usize, seed: u64) -> District {
    generate(&GenConfig::new(students, seed))
}

#[test]
fn same_seed_same_district_other_seed_other_district() {
    let a = district(800, 11);
    let b = district(800, 11);
    assert_eq!(a, b);
    let c = district(800, 12);
    assert_ne!(a.roster.users, c.roster.users);
    assert_ne!(a.roster.orgs[0].sourced_id, c.roster.orgs[0].sourced_id);
    assert_ne!(a.platform.students, c.platform.students);
}

#[test]
fn sizes_follow_the_configuration() {
    let d = district(1500, 3);
    assert_eq!(d.roster.students().count(), 1500);
    assert_eq!(d.roster.orgs.iter().filter(|o| o.is_school()).count(), 3);
    assert_eq!(d.bookmarked_org_id, BOOKMARKED_ORG_ID);
    let d = generate(&GenConfig {
        students: 6000,
        schools: 12,
        seed: 3,
        district_name: "Côte-Saint-Luc Independent School District".to_owned(),
    });
    assert_eq!(d.roster.orgs.iter().filter(|o| o.is_school()).count(), 12);
    assert_eq!(d.roster.orgs[0].name, "Côte-Saint-Luc Independent School District");
    assert!(d.roster.students().all(|s| {
        s.email
            .as_deref()
            .unwrap()
            .to_lowercase()
            .ends_with("@students.cotesaintlucisd.org")
    }));
    assert_eq!(GenConfig::default_schools(100_000), 166);
    assert_eq!(GenConfig::default_schools(100), 3);
}

/// Every SIS sourcedId is unique and every reference resolves.
fn check_sis(r: &Roster) {
    let mut all: HashSet<&str> = HashSet::new();
    let ids = r
        .orgs
        .iter()
        .map(|o| &o.sourced_id)
        .chain(r.users.iter().map(|u| &u.sourced_id))
        .chain(r.courses.iter().map(|c| &c.sourced_id))
        .chain(r.classes.iter().map(|c| &c.sourced_id))
        .chain(r.academic_sessions.iter().map(|s| &s.sourced_id))
        .chain(r.enrollments.iter().map(|e| &e.sourced_id));
    for id in ids {
        assert!(all.insert(id), "duplicate sourcedId {id}");
        assert!(
            id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') && id.len() == 36,
            "{id}"
        );
    }
    let orgs: HashMap<&str, _> = r.orgs.iter().map(|o| (o.sourced_id.as_str(), o)).collect();
    let users: HashMap<&str, _> = r.users.iter().map(|u| (u.sourced_id.as_str(), u)).collect();
    let courses: HashMap<&str, _> = r.courses.iter().map(|c| (c.sourced_id.as_str(), c)).collect();
    let classes: HashMap<&str, _> = r.classes.iter().map(|c| (c.sourced_id.as_str(), c)).collect();
    let sessions: HashSet<&str> = r.academic_sessions.iter().map(|s| s.sourced_id.as_str()).collect();

    assert_eq!(r.orgs.iter().filter(|o| o.org_type == "district").count(), 1);
    for o in &r.orgs {
        assert!(o.status.is_active());
        if let Some(p) = &o.parent_sourced_id {
            assert_eq!(orgs[p.as_str()].org_type, "district");
        }
    }
    for s in &r.academic_sessions {
        if let Some(p) = &s.parent_sourced_id {
            assert!(sessions.contains(p.as_str()));
        }
    }
    let mut usernames = HashSet::new();
    for u in &r.users {
        assert!(u.is_live());
        assert!(!u.roles.is_empty());
        assert_eq!(u.roles.iter().filter(|r| r.primary).count(), 1, "{}", u.sourced_id);
        assert!(
            usernames.insert(u.username.as_str()),
            "duplicate username {}",
            u.username
        );
        for role in &u.roles {
            assert!(orgs.contains_key(role.org_sourced_id.as_str()));
        }
        for a in &u.agent_sourced_ids {
            let other = users.get(a.as_str()).expect("agent resolves");
            assert!(
                other.agent_sourced_ids.contains(&u.sourced_id),
                "agent links are mutual"
            );
            assert_ne!(other.is_student(), u.is_student(), "agents link students to family");
        }
        if u.is_student() {
            assert_eq!(u.grades.len(), 1);
            assert!(u.identifier.is_some() && u.email.is_some());
        }
    }
    for c in &r.courses {
        assert!(orgs[c.org_sourced_id.as_str()].is_school());
    }
    let mut titles = HashSet::new();
    for c in &r.classes {
        assert!(orgs[c.school_sourced_id.as_str()].is_school());
        assert_eq!(
            courses[c.course_sourced_id.as_str()].org_sourced_id,
            c.school_sourced_id
        );
        assert_eq!(c.term_sourced_ids.len(), 2);
        assert!(c.term_sourced_ids.iter().all(|t| sessions.contains(t.as_str())));
        assert!(
            titles.insert((c.school_sourced_id.as_str(), c.title.as_str())),
            "title repeats at a school: {}",
            c.title
        );
    }
    let mut teachers_per_class: HashMap<&str, usize> = HashMap::new();
    let mut students_per_class: HashMap<&str, usize> = HashMap::new();
    let mut classes_per_student: HashMap<&str, usize> = HashMap::new();
    for e in &r.enrollments {
        let class = classes[e.class_sourced_id.as_str()];
        assert_eq!(class.school_sourced_id, e.school_sourced_id);
        let user = users[e.user_sourced_id.as_str()];
        assert!(
            user.roles
                .iter()
                .any(|ro| ro.role == e.role && ro.org_sourced_id == e.school_sourced_id)
        );
        assert_eq!(e.begin_date, Some(SCHOOL_YEAR_START));
        assert_eq!(e.end_date, None);
        assert!(e.status.is_active());
        match e.role {
            Role::Teacher => {
                assert_eq!(e.primary, Some(true));
                *teachers_per_class.entry(&e.class_sourced_id).or_default() += 1;
            }
            Role::Student => {
                *students_per_class.entry(&e.class_sourced_id).or_default() += 1;
                *classes_per_student.entry(&e.user_sourced_id).or_default() += 1;
            }
            ref other => panic!("unexpected enrollment role {other}"),
        }
    }
    for c in &r.classes {
        assert_eq!(teachers_per_class.get(c.sourced_id.as_str()), Some(&1), "{}", c.title);
        let n = students_per_class[c.sourced_id.as_str()];
        assert!((1..=25).contains(&n), "{} has {n} students", c.title);
    }
    for s in r.students() {
        let n = classes_per_student[s.sourced_id.as_str()];
        assert!((4..=7).contains(&n), "{} is in {n} classes", s.sourced_id);
        // Grade fits the school's level.
        let school = &orgs[s.roles[0].org_sourced_id.as_str()].name;
        let grade = s.grades[0].as_str();
        let level = match grade {
            "KG" | "01" | "02" | "03" | "04" | "05" => "Elementary",
            "06" | "07" | "08" => "Middle",
            _ => "High",
        };
        assert!(school.contains(level), "{grade} at {school}");
    }
}

#[test]
fn both_sides_agree() {
    let d = district(3000, 5);
    let r = &d.roster;
    let p = &d.platform;
    check_sis(r);

    // Platform ids are unique and never SIS ids.
    let sis: HashSet<&str> = r.users.iter().map(|u| u.sourced_id.as_str()).collect();
    let mut pids = HashSet::new();
    for id in p
        .organizations
        .iter()
        .map(|o| &o.id)
        .chain(p.students.iter().map(|s| &s.id))
        .chain(p.parents.iter().map(|s| &s.id))
        .chain(p.classes.iter().map(|s| &s.id))
        .chain(p.enrollments.iter().map(|s| &s.id))
        .chain(p.import_runs.iter().map(|s| &s.id))
        .chain(p.import_errors.iter().map(|s| &s.id))
    {
        assert!(id.starts_with("bm-") && !sis.contains(id.as_str()));
        assert!(pids.insert(id.as_str()), "duplicate platform id {id}");
    }

    // Organizations.
    let org_by_pid: HashMap<&str, _> = p.organizations.iter().map(|o| (o.id.as_str(), o)).collect();
    assert_eq!(p.organizations.len(), r.orgs.len());
    let district_row = org_by_pid[d.bookmarked_org_id.as_str()];
    assert_eq!(district_row.org_type, "district");
    assert_eq!(district_row.sourced_id, r.orgs[0].sourced_id);
    for o in &p.organizations {
        let sis_org = r.org(&o.sourced_id).expect("org matches");
        assert_eq!(sis_org.name, o.name);
        if o.org_type == "school" {
            assert_eq!(o.parent_id.as_deref(), Some(d.bookmarked_org_id.as_str()));
        }
    }

    // Students.
    let users: HashMap<&str, _> = r.users.iter().map(|u| (u.sourced_id.as_str(), u)).collect();
    assert_eq!(p.students.len(), r.students().count());
    let mut student_pid: HashMap<&str, &str> = HashMap::new();
    for s in &p.students {
        let u = users[s.sourced_id.as_str()];
        assert!(u.is_student());
        assert_eq!(
            (s.first_name.as_str(), s.last_name.as_str()),
            (u.given_name.as_str(), u.family_name.as_str())
        );
        assert_eq!(s.email, u.email.as_ref().map(|e| e.to_lowercase()));
        assert_eq!(s.grade.as_ref(), u.grades.first());
        assert_eq!(s.student_number, u.identifier);
        assert_eq!(
            org_by_pid[s.organization_id.as_str()].sourced_id,
            u.roles[0].org_sourced_id
        );
        assert!(s.status.is_active());
        student_pid.insert(s.id.as_str(), s.sourced_id.as_str());
    }

    // Parents and links.
    assert_eq!(p.parents.len(), r.family().count());
    let mut parent_pid: HashMap<&str, &str> = HashMap::new();
    for par in &p.parents {
        let u = users[par.sourced_id.as_str()];
        assert!(u.is_family());
        assert_eq!(par.email, u.email.as_ref().map(|e| e.to_lowercase()));
        assert_eq!(par.phone, u.phone);
        assert_eq!(par.first_name, u.given_name);
        parent_pid.insert(par.id.as_str(), par.sourced_id.as_str());
    }
    let links: HashSet<(&str, &str)> = p
        .parent_students
        .iter()
        .map(|l| (parent_pid[l.parent_id.as_str()], student_pid[l.student_id.as_str()]))
        .collect();
    assert_eq!(links.len(), p.parent_students.len(), "no duplicate links");
    let agents: HashSet<(&str, &str)> = r
        .family()
        .flat_map(|f| {
            f.agent_sourced_ids
                .iter()
                .map(move |s| (f.sourced_id.as_str(), s.as_str()))
        })
        .collect();
    assert_eq!(links, agents);

    // Classes and student enrollments.
    assert_eq!(p.classes.len(), r.classes.len());
    let mut class_platform_id: HashMap<&str, &str> = HashMap::new();
    for c in &p.classes {
        let sis = r.class(&c.sourced_id).expect("class matches");
        assert_eq!(c.title, sis.title);
        assert_eq!(c.course_sourced_id.as_ref(), Some(&sis.course_sourced_id));
        assert_eq!(c.term_sourced_id.as_ref(), sis.term_sourced_ids.first());
        assert_eq!(org_by_pid[c.organization_id.as_str()].sourced_id, sis.school_sourced_id);
        class_platform_id.insert(c.id.as_str(), c.sourced_id.as_str());
    }
    let sis_enrollments: HashMap<&str, _> = r
        .enrollments
        .iter()
        .filter(|e| e.role == Role::Student)
        .map(|e| (e.sourced_id.as_str(), e))
        .collect();
    assert_eq!(p.enrollments.len(), sis_enrollments.len());
    for e in &p.enrollments {
        let sis = sis_enrollments[e.sourced_id.as_str()];
        assert_eq!(class_platform_id[e.class_id.as_str()], sis.class_sourced_id);
        assert_eq!(student_pid[e.user_id.as_str()], sis.user_sourced_id);
        assert_eq!(e.role, "student");
    }

    // Import history: finished runs of the district, errors only about staff.
    assert!(!p.import_runs.is_empty());
    for run in &p.import_runs {
        assert_eq!(run.organization_id, d.bookmarked_org_id);
        assert!(run.finished_at.is_some());
    }
    assert!((1..=20).contains(&p.import_errors.len()));
    for e in &p.import_errors {
        let u = users[e.sourced_id.as_str()];
        assert!(!u.is_student() && !u.is_family(), "import error about {}", e.sourced_id);
        assert!(p.import_runs.iter().any(|r| r.id == e.import_run_id));
    }
    assert_eq!(p.clone().scoped_to_district(&d.bookmarked_org_id), *p);
}

#[test]
fn realistic_people() {
    let d = district(4000, 9);
    let r = &d.roster;
    let family: Vec<_> = r.family().collect();

    // About 1 % of family members share an email with another family member.
    let mut by_email: HashMap<String, usize> = HashMap::new();
    for f in &family {
        *by_email.entry(f.email.as_deref().unwrap().to_lowercase()).or_default() += 1;
    }
    let sharing: usize = by_email.values().filter(|&&n| n > 1).sum();
    #[allow(clippy::cast_precision_loss)]
    let share = sharing as f64 / family.len() as f64;
    assert!((0.005..=0.02).contains(&share), "{share}");

    // Most students have one or two family members; some have none or three.
    let counts: Vec<usize> = r.students().map(|s| s.agent_sourced_ids.len()).collect();
    let one_or_two = counts.iter().filter(|&&n| n == 1 || n == 2).count();
    assert!(one_or_two * 10 > counts.len() * 8);
    assert!(counts.contains(&0) && counts.contains(&3));

    // Some parents have children at several schools.
    assert!(family.iter().any(|f| f.org_sourced_ids().count() > 1));
    // All three family roles occur.
    for role in [Role::Parent, Role::Guardian, Role::Relative] {
        assert!(family.iter().any(|f| f.has_role(&role)), "{role}");
    }

    // Awkward names occur.
    let names: Vec<String> = r
        .users
        .iter()
        .map(|u| format!("{} {}", u.given_name, u.family_name))
        .collect();
    assert!(names.iter().any(|n| n.contains('\'')), "apostrophe");
    assert!(r.users.iter().any(|u| u.family_name.contains('-')), "hyphen");
    assert!(r.users.iter().any(|u| u.family_name.contains(' ')), "several words");
    assert!(names.iter().any(|n| !n.is_ascii()), "accents");
    assert!(names.iter().any(|n| n.contains("Nguyễn")));
    // Duplicate full names among students.
    let mut seen = HashSet::new();
    let dups = r.students().filter(|s| !seen.insert(s.full_name())).count();
    assert!(dups > 0);
    // Some SIS emails are written with capitals; the platform keeps them lower-cased.
    assert!(
        r.users
            .iter()
            .any(|u| u.email.as_deref().is_some_and(|e| e != e.to_lowercase()))
    );
    assert!(
        d.platform
            .parents
            .iter()
            .all(|p| p.email.as_deref().is_none_or(|e| e == e.to_lowercase()))
    );
}

#[test]
fn larger_districts_stay_consistent() {
    let d = district(20_000, 1);
    check_sis(&d.roster);
    assert_eq!(d.roster.orgs.iter().filter(|o| o.is_school()).count(), 33);
}

#[test]
fn tiny_districts_work() {
    for n in [0, 1, 2, 7] {
        let d = district(n, 4);
        assert_eq!(d.platform.students.len(), n);
        check_sis(&d.roster);
    }
}
