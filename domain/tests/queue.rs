//! The `Queue` aggregate, `QueueConfig::new` parsing and `QueueConfig::serves`.

// Test helpers outside `#[test]` functions (fixtures, loaders) unwrap too: a failed
// fixture is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use cqrs_es::test::{AggregateTestExecutor, TestFramework};
use domain::queue::{Queue, QueueCommand, QueueConfig, QueueError, QueueEvent, QueueSettings};
use domain::values::{Modality, Proficiency, RoutingStrategy, Specialty};

fn settings() -> QueueSettings {
    QueueSettings {
        source_language: None,
        widening: vec![],
        name: "Spanish medical".to_owned(),
        languages: vec!["es".to_owned()],
        specialty: Some("medical".to_owned()),
        modality: None,
        strategy: None,
        min_proficiency: None,
        ring_timeout_s: None,
        max_wait_s: None,
        overflow_queue_id: None,
        wrap_up_s: None,
        service_level_s: None,
        precedence: None,
    }
}

fn config() -> QueueConfig {
    QueueConfig::new(settings()).unwrap()
}

fn given(events: Vec<QueueEvent>) -> AggregateTestExecutor<Queue> {
    TestFramework::<Queue>::with(()).given(events)
}

fn nothing() -> AggregateTestExecutor<Queue> {
    TestFramework::<Queue>::with(()).given_no_previous_events()
}

fn created() -> Vec<QueueEvent> {
    vec![QueueEvent::QueueCreated {
        queue_id: QUEUE,
        config: config(),
        at: t(0),
    }]
}

fn field_of(settings: QueueSettings) -> &'static str {
    QueueConfig::new(settings).unwrap_err().field
}

// ───────────────────────────── Create ─────────────────────────────

#[tokio::test]
async fn creating_a_queue_records_its_configuration() {
    nothing()
        .when_async(QueueCommand::Create {
            queue_id: QUEUE,
            config: config(),
            at: t(0),
        })
        .await
        .then_expect_events(created());
}

#[tokio::test]
async fn creating_a_queue_that_overflows_into_another_is_accepted() {
    let config = QueueConfig::new(QueueSettings {
        overflow_queue_id: Some(OTHER_QUEUE),
        ..settings()
    })
    .unwrap();
    nothing()
        .when_async(QueueCommand::Create {
            queue_id: QUEUE,
            config: config.clone(),
            at: t(0),
        })
        .await
        .then_expect_events(vec![QueueEvent::QueueCreated {
            queue_id: QUEUE,
            config,
            at: t(0),
        }]);
}

#[tokio::test]
async fn creating_a_queue_that_already_exists_is_refused() {
    given(created())
        .when_async(QueueCommand::Create {
            queue_id: QUEUE,
            config: config(),
            at: t(5),
        })
        .await
        .then_expect_error(QueueError::AlreadyExists);
}

#[tokio::test]
async fn creating_a_queue_that_overflows_into_itself_is_refused() {
    let config = QueueConfig::new(QueueSettings {
        overflow_queue_id: Some(QUEUE),
        ..settings()
    })
    .unwrap();
    nothing()
        .when_async(QueueCommand::Create {
            queue_id: QUEUE,
            config,
            at: t(0),
        })
        .await
        .then_expect_error(QueueError::OverflowIntoItself);
}

// ───────────────────────────── Update ─────────────────────────────

#[tokio::test]
async fn updating_a_queue_records_the_new_configuration() {
    let config = QueueConfig::new(QueueSettings {
        ring_timeout_s: Some(45),
        ..settings()
    })
    .unwrap();
    given(created())
        .when_async(QueueCommand::Update {
            config: config.clone(),
            at: t(10),
        })
        .await
        .then_expect_events(vec![QueueEvent::QueueUpdated { config, at: t(10) }]);
}

#[tokio::test]
async fn updating_a_queue_with_its_current_configuration_changes_nothing() {
    given(created())
        .when_async(QueueCommand::Update {
            config: config(),
            at: t(10),
        })
        .await
        .then_expect_events(vec![]);
}

#[tokio::test]
async fn updating_a_queue_that_does_not_exist_is_refused() {
    nothing()
        .when_async(QueueCommand::Update {
            config: config(),
            at: t(10),
        })
        .await
        .then_expect_error(QueueError::NotFound);
}

#[tokio::test]
async fn updating_a_queue_to_overflow_into_itself_is_refused() {
    let config = QueueConfig::new(QueueSettings {
        overflow_queue_id: Some(QUEUE),
        ..settings()
    })
    .unwrap();
    given(created())
        .when_async(QueueCommand::Update { config, at: t(10) })
        .await
        .then_expect_error(QueueError::OverflowIntoItself);
}

// ───────────────────────────── SetMembers ─────────────────────────────

#[tokio::test]
async fn setting_members_records_them_sorted_and_without_duplicates() {
    let mut sorted = vec![AGENT, OTHER_AGENT];
    sorted.sort();
    given(created())
        .when_async(QueueCommand::SetMembers {
            members: vec![OTHER_AGENT, AGENT, OTHER_AGENT],
            at: t(10),
        })
        .await
        .then_expect_events(vec![QueueEvent::QueueMembersSet {
            members: sorted,
            at: t(10),
        }]);
}

#[tokio::test]
async fn setting_the_same_members_in_another_order_changes_nothing() {
    let mut sorted = vec![AGENT, OTHER_AGENT];
    sorted.sort();
    let mut reversed = sorted.clone();
    reversed.reverse();
    let mut events = created();
    events.push(QueueEvent::QueueMembersSet {
        members: sorted,
        at: t(10),
    });
    given(events)
        .when_async(QueueCommand::SetMembers {
            members: reversed,
            at: t(20),
        })
        .await
        .then_expect_events(vec![]);
}

#[tokio::test]
async fn clearing_the_members_opens_the_queue_to_every_skilled_agent() {
    let mut events = created();
    events.push(QueueEvent::QueueMembersSet {
        members: vec![AGENT],
        at: t(10),
    });
    given(events)
        .when_async(QueueCommand::SetMembers {
            members: vec![],
            at: t(20),
        })
        .await
        .then_expect_events(vec![QueueEvent::QueueMembersSet {
            members: vec![],
            at: t(20),
        }]);
}

#[tokio::test]
async fn setting_no_members_on_a_new_queue_changes_nothing() {
    given(created())
        .when_async(QueueCommand::SetMembers {
            members: vec![],
            at: t(20),
        })
        .await
        .then_expect_events(vec![]);
}

#[tokio::test]
async fn setting_members_of_a_queue_that_does_not_exist_is_refused() {
    nothing()
        .when_async(QueueCommand::SetMembers {
            members: vec![AGENT],
            at: t(10),
        })
        .await
        .then_expect_error(QueueError::NotFound);
}

// ───────────────────────────── QueueConfig::new ─────────────────────────────

#[test]
fn settings_left_out_take_the_product_defaults() {
    let config = config();
    assert_eq!(config.name.as_str(), "Spanish medical");
    assert_eq!(config.languages, vec![lang("es")]);
    assert_eq!(config.specialty, Some(Specialty::Medical));
    assert_eq!(config.modality, None);
    assert_eq!(config.strategy, RoutingStrategy::LongestIdle);
    assert_eq!(config.min_proficiency, Proficiency::parse(1).unwrap());
    assert_eq!(config.ring_timeout_s, QueueConfig::DEFAULT_RING_TIMEOUT_S);
    assert_eq!(config.max_wait_s, QueueConfig::DEFAULT_MAX_WAIT_S);
    assert_eq!(config.wrap_up_s, QueueConfig::DEFAULT_WRAP_UP_S);
    assert_eq!(config.service_level_s, QueueConfig::DEFAULT_SERVICE_LEVEL_S);
    assert_eq!(config.overflow_queue_id, None);
    assert_eq!(
        (
            QueueConfig::DEFAULT_RING_TIMEOUT_S,
            QueueConfig::DEFAULT_MAX_WAIT_S,
            QueueConfig::DEFAULT_WRAP_UP_S,
            QueueConfig::DEFAULT_SERVICE_LEVEL_S
        ),
        (20, 300, 60, 30)
    );
}

#[test]
fn every_setting_given_is_parsed_and_normalised() {
    let config = QueueConfig::new(QueueSettings {
        source_language: None,
        widening: vec![],
        name: "  Legal audio  ".to_owned(),
        languages: vec!["SPA".to_owned(), " fr ".to_owned(), "ase".to_owned()],
        specialty: Some("Legal".to_owned()),
        modality: Some("AUDIO".to_owned()),
        strategy: Some("best_proficiency".to_owned()),
        min_proficiency: Some(4),
        ring_timeout_s: Some(600),
        max_wait_s: Some(86_400),
        overflow_queue_id: Some(OTHER_QUEUE),
        wrap_up_s: Some(0),
        service_level_s: Some(3_600),
        precedence: None,
    })
    .unwrap();
    assert_eq!(config.name.as_str(), "Legal audio");
    assert_eq!(config.languages, vec![lang("es"), lang("fr"), lang("ase")]);
    assert_eq!(config.specialty, Some(Specialty::Legal));
    assert_eq!(config.modality, Some(Modality::Audio));
    assert_eq!(config.strategy, RoutingStrategy::BestProficiency);
    assert_eq!(config.min_proficiency.get(), 4);
    assert_eq!(config.ring_timeout_s, 600);
    assert_eq!(config.max_wait_s, 86_400);
    assert_eq!(config.overflow_queue_id, Some(OTHER_QUEUE));
    assert_eq!(config.wrap_up_s, 0);
    assert_eq!(config.service_level_s, 3_600);
}

#[test]
fn every_routing_strategy_parses() {
    for raw in [
        "longest_idle",
        "round_robin",
        "fewest_calls_today",
        "best_proficiency",
    ] {
        let config = QueueConfig::new(QueueSettings {
            strategy: Some(raw.to_owned()),
            ..settings()
        })
        .unwrap();
        assert_eq!(config.strategy.as_str(), raw);
    }
}

#[test]
fn timers_at_the_edges_of_their_ranges_are_accepted() {
    for (ring, wait, wrap, level) in [(1, 5, 0, 1), (600, 86_400, 3_600, 3_600)] {
        let config = QueueConfig::new(QueueSettings {
            ring_timeout_s: Some(ring),
            max_wait_s: Some(wait),
            wrap_up_s: Some(wrap),
            service_level_s: Some(level),
            ..settings()
        });
        assert!(config.is_ok(), "{ring} {wait} {wrap} {level}: {config:?}");
    }
}

#[test]
fn a_ring_timeout_out_of_range_is_refused() {
    for raw in [0, 601, -1, i64::MAX] {
        let field = field_of(QueueSettings {
            ring_timeout_s: Some(raw),
            ..settings()
        });
        assert_eq!(field, "ring_timeout_s", "{raw}");
    }
}

#[test]
fn a_max_wait_out_of_range_is_refused() {
    for raw in [4, 86_401, -5] {
        let field = field_of(QueueSettings {
            max_wait_s: Some(raw),
            ..settings()
        });
        assert_eq!(field, "max_wait_s", "{raw}");
    }
}

#[test]
fn a_wrap_up_time_out_of_range_is_refused() {
    for raw in [-1, 3_601] {
        let field = field_of(QueueSettings {
            wrap_up_s: Some(raw),
            ..settings()
        });
        assert_eq!(field, "wrap_up_s", "{raw}");
    }
}

#[test]
fn a_service_level_out_of_range_is_refused() {
    for raw in [0, 3_601] {
        let field = field_of(QueueSettings {
            service_level_s: Some(raw),
            ..settings()
        });
        assert_eq!(field, "service_level_s", "{raw}");
    }
}

#[test]
fn a_minimum_proficiency_out_of_range_is_refused() {
    for raw in [0, 6] {
        let field = field_of(QueueSettings {
            min_proficiency: Some(raw),
            ..settings()
        });
        assert_eq!(field, "proficiency", "{raw}");
    }
}

#[test]
fn an_unknown_language_is_refused() {
    let field = field_of(QueueSettings {
        languages: vec!["es".to_owned(), "xx".to_owned()],
        ..settings()
    });
    assert_eq!(field, "language");
}

#[test]
fn an_unknown_strategy_is_refused() {
    let field = field_of(QueueSettings {
        strategy: Some("random".to_owned()),
        ..settings()
    });
    assert_eq!(field, "strategy");
}

#[test]
fn an_unknown_modality_is_refused() {
    let field = field_of(QueueSettings {
        modality: Some("telepathy".to_owned()),
        ..settings()
    });
    assert_eq!(field, "modality");
}

#[test]
fn an_unknown_specialty_is_refused() {
    let field = field_of(QueueSettings {
        specialty: Some("astrology".to_owned()),
        ..settings()
    });
    assert_eq!(field, "specialty");
}

#[test]
fn a_language_listed_twice_is_refused() {
    let field = field_of(QueueSettings {
        languages: vec!["es".to_owned(), "fr".to_owned(), "es".to_owned()],
        ..settings()
    });
    assert_eq!(field, "languages");
}

#[test]
fn a_language_listed_twice_under_two_codes_is_refused() {
    let field = field_of(QueueSettings {
        languages: vec!["es".to_owned(), "spa".to_owned()],
        ..settings()
    });
    assert_eq!(field, "languages");
}

#[test]
fn a_queue_serving_no_language_is_refused() {
    let field = field_of(QueueSettings {
        languages: vec![],
        ..settings()
    });
    assert_eq!(field, "languages");
}

#[test]
fn a_blank_name_is_refused() {
    let field = field_of(QueueSettings {
        name: "   ".to_owned(),
        ..settings()
    });
    assert_eq!(field, "name");
}

#[test]
fn a_name_over_120_characters_is_refused() {
    let field = field_of(QueueSettings {
        name: "q".repeat(121),
        ..settings()
    });
    assert_eq!(field, "name");
}

// ───────────────────────────── QueueConfig::serves ─────────────────────────────

#[test]
fn a_queue_serves_a_request_in_its_language_modality_and_specialty() {
    let config = config();
    assert!(config.serves(&lang("es"), Modality::Video, Some(Specialty::Medical)));
    assert!(config.serves(&lang("es"), Modality::Audio, Some(Specialty::Medical)));
}

#[test]
fn a_queue_does_not_serve_another_language() {
    assert!(!config().serves(&lang("fr"), Modality::Video, Some(Specialty::Medical)));
}

#[test]
fn a_specialised_queue_does_not_serve_another_specialty_nor_a_general_request() {
    let config = config();
    assert!(!config.serves(&lang("es"), Modality::Video, Some(Specialty::Legal)));
    assert!(!config.serves(&lang("es"), Modality::Video, None));
}

#[test]
fn a_general_pool_serves_every_specialty_and_none() {
    let config = QueueConfig::new(QueueSettings {
        specialty: None,
        ..settings()
    })
    .unwrap();
    assert!(config.serves(&lang("es"), Modality::Video, None));
    for specialty in Specialty::ALL {
        assert!(config.serves(&lang("es"), Modality::Video, Some(*specialty)));
    }
}

#[test]
fn a_queue_bound_to_a_modality_serves_only_that_modality() {
    let config = QueueConfig::new(QueueSettings {
        modality: Some("audio".to_owned()),
        ..settings()
    })
    .unwrap();
    assert!(config.serves(&lang("es"), Modality::Audio, Some(Specialty::Medical)));
    assert!(!config.serves(&lang("es"), Modality::Video, Some(Specialty::Medical)));
}

#[test]
fn a_queue_of_several_languages_serves_each_of_them() {
    let config = QueueConfig::new(QueueSettings {
        languages: vec!["es".to_owned(), "por".to_owned()],
        ..settings()
    })
    .unwrap();
    assert!(config.serves(&lang("es"), Modality::Video, Some(Specialty::Medical)));
    assert!(config.serves(&lang("pt"), Modality::Video, Some(Specialty::Medical)));
    assert!(!config.serves(&lang("fr"), Modality::Video, Some(Specialty::Medical)));
}

#[test]
fn precedence_defaults_to_zero_and_stays_within_its_range() {
    assert_eq!(config().precedence, 0);
    let high = QueueConfig::new(QueueSettings {
        precedence: Some(1_000),
        ..settings()
    })
    .unwrap();
    assert_eq!(high.precedence, 1_000);
    for out in [1_001, -1_001, i64::MAX] {
        let error = QueueConfig::new(QueueSettings {
            precedence: Some(out),
            ..settings()
        })
        .unwrap_err();
        assert_eq!(error.field, "precedence");
    }
}

#[test]
fn a_queue_stored_before_precedence_existed_reads_as_precedence_zero() {
    let mut json = serde_json::to_value(config()).unwrap();
    json.as_object_mut().unwrap().remove("precedence");
    let old: QueueConfig = serde_json::from_value(json).unwrap();
    assert_eq!(old.precedence, 0);
    assert_eq!(old, config());
}

#[test]
fn queues_with_the_same_match_overlap_only_at_the_same_precedence() {
    let twin = QueueConfig::new(QueueSettings {
        name: "Another name".to_owned(),
        ..settings()
    })
    .unwrap();
    assert!(twin.overlaps(&config()), "a name plays no part");
    let reordered = |languages: &[&str]| {
        QueueConfig::new(QueueSettings {
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
            ..settings()
        })
        .unwrap()
    };
    assert!(reordered(&["es", "pt"]).overlaps(&reordered(&["pt", "es"])));
    assert!(!reordered(&["es", "pt"]).overlaps(&config()));
    let ranked = QueueConfig::new(QueueSettings {
        precedence: Some(1),
        ..settings()
    })
    .unwrap();
    assert!(ranked.same_match(&config()));
    assert!(!ranked.overlaps(&config()));
    let general = QueueConfig::new(QueueSettings {
        specialty: None,
        ..settings()
    })
    .unwrap();
    assert!(!general.overlaps(&config()));
    assert_eq!(general.specificity() + 2, config().specificity());
}
