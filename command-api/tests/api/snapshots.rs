//! The interpreter's snapshot (`snapshot_store`): an agent loaded from its snapshot is the
//! agent folded from all its events, and a command costs the same after 100,000 events.

use std::time::{Duration, Instant};

use chrono::Utc;
use command_api::history::append_interpreter_shifts;
use command_api::snapshot_store::SnapshotStore;
use command_api::state::agent_store;
use cqrs_es::{Aggregate, EventStore};
use domain::agent::{Activity, Agent, AgentCommand, CallEndReason, OfferOutcome};
use domain::ids::{AgentId, CallId};
use domain::values::{
    AgentStatus, LanguageCode, LanguageSkill, Modality, Proficiency, Skills, Specialty,
};
use domain::workflow::{Metadata, execute};
use uuid::Uuid;

use crate::helpers::{TestApp, median, spawn_app_with};

fn skills() -> Skills {
    let spanish = LanguageSkill {
        code: LanguageCode::parse("es").unwrap(),
        proficiency: Proficiency::parse(4).unwrap(),
    };
    Skills::new(
        vec![spanish],
        vec![Specialty::General],
        vec![Modality::Video],
    )
    .unwrap()
}

async fn run(store: &SnapshotStore<Agent>, agent: AgentId, command: AgentCommand) {
    execute::<Agent, _>(
        store,
        &agent.to_string(),
        &command,
        &(),
        &Metadata::new(),
        3,
    )
    .await
    .unwrap_or_else(|e| panic!("{command:?}: {e}"));
}

/// The agent as the snapshot store loads it, beside the fold of every event it holds.
async fn loaded_and_folded(
    store: &SnapshotStore<Agent>,
    agent: AgentId,
) -> ((Agent, usize), (Agent, usize)) {
    let id = agent.to_string();
    let loaded = store.load_aggregate(&id).await.unwrap();
    let mut folded = Agent::default();
    let events = store.load_events(&id).await.unwrap();
    for envelope in &events {
        folded.apply(envelope.payload.clone());
    }
    (
        (loaded.aggregate, loaded.current_sequence),
        (folded, events.len()),
    )
}

async fn snapshot_sequence(app: &TestApp, agent: AgentId) -> Option<i64> {
    sqlx::query_scalar(
        "SELECT last_sequence FROM aggregate_snapshots WHERE aggregate_type = 'Agent' AND aggregate_id = $1",
    )
    .bind(agent.to_string())
    .fetch_optional(&app.pool)
    .await
    .unwrap()
}

/// Every shape of commit crosses a snapshot boundary here (snapshots every 3 events): one
/// event, and two (ending a call; an expired offer that sets the agent away). postgres-es's
/// own snapshots lose the second event of a commit that crosses the boundary on its first.
#[tokio::test]
async fn an_agent_loaded_from_its_snapshot_is_the_fold_of_all_its_events() {
    let app = spawn_app_with(|s| s.commands.agent_snapshot_every = 3).await;
    let store = agent_store(&app.pool, &app.state.settings);
    let agent = AgentId(Uuid::new_v4());
    let at = Utc::now();
    let mut commands = vec![
        AgentCommand::SetSkills {
            agent_id: agent,
            skills: skills(),
            at,
        },
        AgentCommand::ChangeStatus {
            agent_id: agent,
            status: AgentStatus::Available,
            at,
        },
    ];
    for round in 0..6 {
        let call_id = CallId(Uuid::new_v4());
        commands.push(AgentCommand::ReceiveOffer {
            call_id,
            expires_at: at,
            at,
        });
        if round % 3 == 2 {
            // Missed: with away_after_missed 1 this stores two events, then back to work.
            commands.push(AgentCommand::ClearOffer {
                call_id,
                outcome: OfferOutcome::Expired,
                away_after_missed: 1,
                at,
            });
            commands.push(AgentCommand::ChangeStatus {
                agent_id: agent,
                status: AgentStatus::Available,
                at,
            });
            continue;
        }
        commands.push(AgentCommand::StartCall { call_id, at });
        commands.push(AgentCommand::EndCall {
            call_id,
            reason: CallEndReason::Completed,
            at,
        });
        commands.push(AgentCommand::EndWrapUp {
            call_id,
            disposition: None,
            at,
        });
    }
    let mut snapshots_seen = 0;
    for command in commands {
        run(&store, agent, command.clone()).await;
        let (loaded, folded) = loaded_and_folded(&store, agent).await;
        assert_eq!(loaded, folded, "after {command:?}");
        let snapshot = snapshot_sequence(&app, agent).await.unwrap_or(0);
        let stored = i64::try_from(folded.1).unwrap();
        assert!(
            stored - snapshot < 3,
            "snapshot at {snapshot}, {stored} events stored"
        );
        snapshots_seen += usize::from(snapshot > 0);
    }
    assert!(
        snapshots_seen > 5,
        "snapshots were taken ({snapshots_seen})"
    );
    let ((agent_now, _), _) = loaded_and_folded(&store, agent).await;
    assert_eq!(agent_now.activity, Activity::Idle);
    assert_eq!(agent_now.status, Some(AgentStatus::Available));
}

/// A snapshot is a cache: one of another format, or one that no longer decodes, is
/// ignored (the stream is folded instead) and replaced by the next command's.
#[tokio::test]
async fn a_snapshot_of_another_format_or_unreadable_is_ignored_and_replaced() {
    let app = spawn_app_with(|s| s.commands.agent_snapshot_every = 2).await;
    let store = agent_store(&app.pool, &app.state.settings);
    let agent = AgentId(Uuid::new_v4());
    let at = Utc::now();
    run(
        &store,
        agent,
        AgentCommand::SetSkills {
            agent_id: agent,
            skills: skills(),
            at,
        },
    )
    .await;
    for (format, payload) in [
        (Agent::SNAPSHOT_FORMAT + 1, r#"{"from": "the future"}"#),
        (Agent::SNAPSHOT_FORMAT, r#"{"not": "an agent"}"#),
    ] {
        sqlx::query(
            "INSERT INTO aggregate_snapshots (aggregate_type, aggregate_id, last_sequence, format_version, payload)
             VALUES ('Agent', $1, 1, $2, $3::json)
             ON CONFLICT (aggregate_type, aggregate_id)
             DO UPDATE SET last_sequence = 1, format_version = $2, payload = $3::json",
        )
        .bind(agent.to_string())
        .bind(format)
        .bind(payload)
        .execute(&app.pool)
        .await
        .unwrap();
        let (loaded, folded) = loaded_and_folded(&store, agent).await;
        assert_eq!(loaded, folded, "snapshot {payload} of format {format}");
    }
    let status = |status| AgentCommand::ChangeStatus {
        agent_id: agent,
        status,
        at,
    };
    run(&store, agent, status(AgentStatus::Break)).await;
    run(&store, agent, status(AgentStatus::Offline)).await;
    let (loaded, folded) = loaded_and_folded(&store, agent).await;
    assert_eq!(loaded, folded);
    let (format, covered): (i32, i64) = sqlx::query_as(
        "SELECT format_version, last_sequence FROM aggregate_snapshots WHERE aggregate_id = $1",
    )
    .bind(agent.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((format, covered), (Agent::SNAPSHOT_FORMAT, 2));
}

/// The issue's figure: a status change of an interpreter with 100,000 events against one
/// of a new interpreter. Folding 100,000 events takes hundreds of milliseconds; from the
/// snapshot the two cost the same (B11 in scripts/bench.sh measures it over HTTP).
#[tokio::test]
async fn an_agent_command_costs_the_same_after_100_000_events() {
    let app = spawn_app_with(|_| {}).await;
    let store = agent_store(&app.pool, &app.state.settings);
    let (veteran, newcomer) = (AgentId(Uuid::new_v4()), AgentId(Uuid::new_v4()));
    let at = Utc::now();
    let last = append_interpreter_shifts(&app.pool, veteran, 14_286, at)
        .await
        .unwrap();
    assert_eq!(last, 100_002);
    let status = |agent_id, status| AgentCommand::ChangeStatus {
        agent_id,
        status,
        at,
    };
    // The veteran's first command folds the whole history once and stores the snapshot.
    run(&store, veteran, status(veteran, AgentStatus::Break)).await;
    assert_eq!(snapshot_sequence(&app, veteran).await, Some(100_003));
    run(&store, newcomer, status(newcomer, AgentStatus::Break)).await;

    let (mut old, mut new) = (Vec::new(), Vec::new());
    for round in 0..40 {
        let to = if round % 2 == 0 {
            AgentStatus::Offline
        } else {
            AgentStatus::Break
        };
        for (agent, samples) in [(veteran, &mut old), (newcomer, &mut new)] {
            let started = Instant::now();
            run(&store, agent, status(agent, to)).await;
            samples.push(started.elapsed());
        }
    }
    let (old, new) = (median(old), median(new));
    eprintln!("status change: 100,002 events {old:?}, new interpreter {new:?}");
    // The benchmark holds the 1.2 ratio; a shared CI machine gets slack, still far below
    // what a fold of the history costs.
    assert!(
        old < new * 2 + Duration::from_millis(2),
        "{old:?} against {new:?}"
    );
    let (loaded, folded) = loaded_and_folded(&store, veteran).await;
    assert_eq!(loaded, folded);
}
