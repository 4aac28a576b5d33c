use super::*;
use crate::values::{LanguageSkill, Skills};

fn lang(code: &str) -> LanguageCode {
    LanguageCode::parse(code).unwrap()
}

fn level(p: i64) -> Proficiency {
    Proficiency::parse(p).unwrap()
}

fn tag(word: &str) -> Tag {
    Tag::parse("tag", word).unwrap()
}

fn german_arabic(p: i64) -> Skills {
    Skills::new(
        vec![LanguageSkill {
            code: lang("es"),
            proficiency: level(5),
        }],
        vec![Specialty::Legal],
        vec![Modality::Video, Modality::Audio],
    )
    .unwrap()
    .with_pairs(vec![LanguagePair {
        from: lang("de"),
        to: lang("ar"),
        proficiency: level(p),
    }])
    .unwrap()
    .with_certifications(vec![tag("court")])
}

const QUEUE: QueueId = QueueId(uuid::Uuid::from_u128(1));
const OTHER_QUEUE: QueueId = QueueId(uuid::Uuid::from_u128(2));
const AGENT: AgentId = AgentId(uuid::Uuid::from_u128(9));

fn check_with(
    need: &Need<'_>,
    pool: &Pool,
    skills: &Skills,
    profile: &AgentProfile,
) -> Result<(), Mismatch> {
    let everywhere = |_: QueueId| true;
    let agent = Offerable {
        id: AGENT,
        skills,
        profile,
        in_queue: &everywhere,
    };
    check(need, pool, &agent)
}

fn need<'a>(from: &'a LanguageCode, to: &'a LanguageCode, req: &'a Requirements) -> Need<'a> {
    Need {
        source_language: from,
        language: to,
        modality: Modality::Video,
        requirements: req,
        policy: None,
    }
}

fn pool() -> Pool {
    Pool::widened(QUEUE, level(3), None, &[], 0)
}

#[test]
fn a_pair_serves_both_directions_and_languages_are_pairs_with_english() {
    let skills = german_arabic(4);
    let (de, ar, en, es, fr) = (lang("de"), lang("ar"), lang("en"), lang("es"), lang("fr"));
    assert_eq!(skills.proficiency_between(&de, &ar), Some(level(4)));
    assert_eq!(skills.proficiency_between(&ar, &de), Some(level(4)));
    assert_eq!(skills.proficiency_between(&en, &es), Some(level(5)));
    assert_eq!(skills.proficiency_between(&es, &en), Some(level(5)));
    assert_eq!(skills.proficiency_between(&de, &es), None);
    assert_eq!(skills.proficiency_between(&en, &ar), None);
    assert_eq!(skills.proficiency_between(&fr, &ar), None);
}

#[test]
fn a_pair_listed_twice_or_with_itself_is_refused() {
    let pair = |a: &str, b: &str| LanguagePair {
        from: lang(a),
        to: lang(b),
        proficiency: level(3),
    };
    let skills = || Skills::new(vec![], vec![], vec![]).unwrap();
    assert!(skills().with_pairs(vec![pair("de", "de")]).is_err());
    assert!(
        skills()
            .with_pairs(vec![pair("de", "ar"), pair("ar", "de")])
            .is_err()
    );
    assert!(
        skills()
            .with_pairs(vec![pair("de", "ar"), pair("de", "fr")])
            .is_ok()
    );
}

#[test]
fn a_ban_is_never_relaxed_by_any_widening() {
    let (de, ar) = (lang("de"), lang("ar"));
    let requirements = Requirements::default();
    let policy = OrganisationPolicy {
        banned_agent_ids: vec![AGENT],
        ..OrganisationPolicy::default()
    };
    let mut need = need(&de, &ar, &requirements);
    need.policy = Some(&policy);
    let every_relaxation = [WideningStep {
        after_s: 1,
        min_proficiency: Some(level(1)),
        drop_specialty: true,
        drop_requirements: true,
        add_queue_id: Some(OTHER_QUEUE),
    }];
    let widened = Pool::widened(QUEUE, level(3), None, &every_relaxation, 1);
    let result = check_with(&need, &widened, &german_arabic(5), &AgentProfile::default());
    assert_eq!(result, Err(Mismatch::BannedByOrganisation));
}

#[test]
fn widening_steps_add_up_in_order() {
    let steps = [
        WideningStep {
            after_s: 30,
            min_proficiency: Some(level(2)),
            drop_specialty: false,
            drop_requirements: false,
            add_queue_id: None,
        },
        WideningStep {
            after_s: 60,
            min_proficiency: None,
            drop_specialty: true,
            drop_requirements: true,
            add_queue_id: Some(OTHER_QUEUE),
        },
    ];
    let specialty = Some(Specialty::Medical);
    let none = Pool::widened(QUEUE, level(4), specialty, &steps, 0);
    assert_eq!(
        (none.min_proficiency, none.specialty),
        (level(4), specialty)
    );
    let first = Pool::widened(QUEUE, level(4), specialty, &steps, 1);
    assert_eq!(
        (first.min_proficiency, first.specialty),
        (level(2), specialty)
    );
    assert!(!first.requirements_dropped);
    let second = Pool::widened(QUEUE, level(4), specialty, &steps, 2);
    assert_eq!((second.min_proficiency, second.specialty), (level(2), None));
    assert!(second.requirements_dropped);
    assert_eq!(second.queues, vec![QUEUE, OTHER_QUEUE]);
    assert!(WideningStep::check_list(&steps).is_ok());
    let reversed = [steps[1].clone(), steps[0].clone()];
    assert!(WideningStep::check_list(&reversed).is_err());
}

#[test]
fn request_requirements_filter_until_dropped_but_organisation_certifications_stay() {
    let (de, ar) = (lang("de"), lang("ar"));
    let requirements = Requirements {
        gender: Some(tag("female")),
        certifications: vec![tag("medical")],
    };
    let skills = german_arabic(5);
    let profile = AgentProfile {
        gender: Some(tag("male")),
    };
    let asked = need(&de, &ar, &requirements);
    assert_eq!(
        check_with(&asked, &pool(), &skills, &profile),
        Err(Mismatch::CertificationMissing {
            certification: tag("medical")
        })
    );
    let dropped = Pool {
        requirements_dropped: true,
        ..pool()
    };
    assert_eq!(check_with(&asked, &dropped, &skills, &profile), Ok(()));
    let policy = OrganisationPolicy {
        required_certifications: vec![tag("medical")],
        ..OrganisationPolicy::default()
    };
    let with_policy = Need {
        policy: Some(&policy),
        ..asked
    };
    assert_eq!(
        check_with(&with_policy, &dropped, &skills, &profile),
        Err(Mismatch::OrganisationCertificationMissing {
            certification: tag("medical")
        })
    );
}

#[test]
fn the_pair_and_the_proficiency_floor_are_checked() {
    let (de, ar, fr) = (lang("de"), lang("ar"), lang("fr"));
    let requirements = Requirements::default();
    let profile = AgentProfile::default();
    assert_eq!(
        check_with(
            &need(&fr, &ar, &requirements),
            &pool(),
            &german_arabic(5),
            &profile
        ),
        Err(Mismatch::PairMissing {
            from: fr.clone(),
            to: ar.clone()
        })
    );
    assert_eq!(
        check_with(
            &need(&ar, &de, &requirements),
            &pool(),
            &german_arabic(2),
            &profile
        ),
        Err(Mismatch::ProficiencyTooLow {
            has: level(2),
            needs: level(3)
        })
    );
    let lowered = Pool::widened(
        QUEUE,
        level(3),
        None,
        &[WideningStep {
            after_s: 10,
            min_proficiency: Some(level(2)),
            drop_specialty: false,
            drop_requirements: false,
            add_queue_id: None,
        }],
        1,
    );
    assert_eq!(
        check_with(
            &need(&ar, &de, &requirements),
            &lowered,
            &german_arabic(2),
            &profile
        ),
        Ok(())
    );
}

#[test]
fn tags_are_lowercase_words() {
    assert_eq!(tag(" Court ").as_str(), "court");
    assert!(Tag::parse("tag", "").is_err());
    assert!(Tag::parse("tag", "two words").is_err());
    assert!(Tag::parse("tag", &"x".repeat(33)).is_err());
}
