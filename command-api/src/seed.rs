//! Demo data for local use: the accounts of the product brief, a small set of queues, and
//! the interpreters' skills. Ids are derived from names, so seeding twice changes nothing.

use chrono::Utc;
use domain::agent::{Agent, AgentCommand};
use domain::ids::{AgentId, OrganisationId, QueueId, UserId};
use domain::matching::{LanguagePair, OrganisationPolicy, Tag, WideningStep};
use domain::organisation::{Organisation, OrganisationCommand, OrganisationError};
use domain::queue::{Queue, QueueCommand, QueueConfig, QueueError, QueueSettings};
use domain::values::{LanguageCode, LanguageSkill, Modality, Proficiency, Skills, Specialty};
use domain::workflow::{ExecuteError, Metadata, execute};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::Role;
use crate::config::Settings;
use crate::routes::users::{NewUser, insert_user};
use crate::state::{agent_store, event_store};

pub const DEMO_PASSWORD: &str = "password123";

/// Namespace for ids derived from demo names.
const SEED_NAMESPACE: Uuid = Uuid::from_u128(0x7061_726c_6579_2d73_6565_642d_6e73_0001);

pub const DEMO_USERS: [(&str, &str, Role); 8] = [
    ("agent1@example.com", "Ana Agent", Role::Agent),
    ("agent2@example.com", "Bilal Agent", Role::Agent),
    ("agent3@example.com", "Dalia Agent", Role::Agent),
    ("supervisor@example.com", "Sam Supervisor", Role::Supervisor),
    ("admin@example.com", "Ada Admin", Role::Admin),
    ("analyst@example.com", "Nia Analyst", Role::Analyst),
    (
        "requester@example.com",
        "Rita Requester (Riverside Clinic)",
        Role::Requester,
    ),
    (
        "court@example.com",
        "Colm Clerk (Harbor County Court)",
        Role::Requester,
    ),
];

/// The demo organisations, by key, name, and the requester who works there.
pub const DEMO_ORGANISATIONS: [(&str, &str, &str); 2] = [
    ("riverside", "Riverside Clinic", "requester@example.com"),
    ("harbor-court", "Harbor County Court", "court@example.com"),
];

pub fn demo_organisation_id(key: &str) -> OrganisationId {
    OrganisationId(Uuid::new_v5(
        &SEED_NAMESPACE,
        format!("organisation:{key}").as_bytes(),
    ))
}

pub fn demo_user_id(email: &str) -> Uuid {
    Uuid::new_v5(&SEED_NAMESPACE, format!("user:{email}").as_bytes())
}

pub fn demo_queue_id(key: &str) -> QueueId {
    QueueId(Uuid::new_v5(
        &SEED_NAMESPACE,
        format!("queue:{key}").as_bytes(),
    ))
}

struct DemoQueue {
    key: &'static str,
    name: &'static str,
    languages: &'static [&'static str],
    specialty: Option<&'static str>,
    modality: Option<&'static str>,
    overflow: Option<&'static str>,
    /// A pair queue: `source` ↔ each of `languages`.
    source: Option<&'static str>,
    /// Widening steps: after so many seconds, a lower proficiency floor.
    widening: &'static [(u32, i64)],
}

/// General pools first: the specialised queues overflow into them.
const DEMO_QUEUES: [DemoQueue; 7] = [
    DemoQueue {
        key: "es-general",
        name: "Spanish · general",
        languages: &["es"],
        specialty: None,
        modality: None,
        overflow: None,
        source: None,
        widening: &[],
    },
    DemoQueue {
        key: "es-medical",
        name: "Spanish · medical",
        languages: &["es"],
        specialty: Some("medical"),
        modality: None,
        overflow: Some("es-general"),
        source: None,
        widening: &[],
    },
    DemoQueue {
        key: "zh-general",
        name: "Mandarin · general",
        languages: &["zh"],
        specialty: None,
        modality: None,
        overflow: None,
        source: None,
        widening: &[],
    },
    DemoQueue {
        key: "ar-general",
        name: "Arabic · general",
        languages: &["ar"],
        specialty: None,
        modality: None,
        overflow: None,
        source: None,
        widening: &[],
    },
    DemoQueue {
        key: "ar-legal",
        name: "Arabic · legal",
        languages: &["ar"],
        specialty: Some("legal"),
        modality: None,
        overflow: Some("ar-general"),
        source: None,
        widening: &[],
    },
    DemoQueue {
        key: "ase-video",
        name: "ASL · video",
        languages: &["ase"],
        specialty: None,
        modality: Some("video"),
        overflow: None,
        source: None,
        widening: &[],
    },
    DemoQueue {
        key: "de-ar",
        name: "German ↔ Arabic",
        languages: &["ar"],
        specialty: None,
        modality: None,
        overflow: None,
        source: Some("de"),
        widening: &[(60, 2)],
    },
];

#[derive(Debug, Default)]
pub struct SeedReport {
    pub users_created: usize,
    pub queues_created: usize,
    pub skills_set: usize,
}

pub fn seed_metadata() -> Metadata {
    let id = Uuid::now_v7().to_string();
    Metadata::from([
        ("actor_id".to_owned(), "system".to_owned()),
        ("actor_role".to_owned(), "system".to_owned()),
        ("actor_name".to_owned(), "seed".to_owned()),
        ("request_id".to_owned(), id.clone()),
        ("correlation_id".to_owned(), id),
    ])
}

fn demo_skills(email: &str) -> anyhow::Result<Option<Skills>> {
    let (languages, specialties): (&[(&str, i64)], &[Specialty]) = match email {
        "agent1@example.com" => (
            &[("es", 5), ("zh", 4)],
            &[Specialty::General, Specialty::Medical],
        ),
        "agent2@example.com" => (
            &[("ar", 5), ("ase", 5), ("es", 3)],
            &[Specialty::General, Specialty::Legal],
        ),
        "agent3@example.com" => (&[("de", 5)], &[Specialty::General, Specialty::Legal]),
        _ => return Ok(None),
    };
    let languages = languages
        .iter()
        .map(|(code, level)| {
            Ok(LanguageSkill {
                code: LanguageCode::parse(code)?,
                proficiency: Proficiency::parse(*level)?,
            })
        })
        .collect::<Result<Vec<_>, domain::values::ValueError>>()?;
    let skills = Skills::new(
        languages,
        specialties.to_vec(),
        vec![Modality::Video, Modality::Audio],
    )?;
    // Dalia interprets German ↔ Arabic, certified for court.
    if email == "agent3@example.com" {
        let pair = LanguagePair {
            from: LanguageCode::parse("de")?,
            to: LanguageCode::parse("ar")?,
            proficiency: Proficiency::parse(4)?,
        };
        let court = Tag::parse("certifications", "court")?;
        return Ok(Some(
            skills
                .with_pairs(vec![pair])?
                .with_certifications(vec![court]),
        ));
    }
    Ok(Some(skills))
}

pub async fn seed(pool: &PgPool, settings: Settings) -> anyhow::Result<SeedReport> {
    let mut report = SeedReport::default();
    let metadata = seed_metadata();
    let attempts = settings.commands.max_attempts.max(1);
    let at = Utc::now();

    let agents = agent_store(pool, &settings);
    for (email, name, role) in DEMO_USERS {
        let id = demo_user_id(email);
        let user = NewUser {
            email: domain::values::Email::parse(email)?,
            name: domain::values::DisplayName::parse(name)?,
            role,
            password: DEMO_PASSWORD.to_owned(),
            organisation_id: None,
        };
        if insert_user(pool, id, user)
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?
            .is_some()
        {
            report.users_created += 1;
        }
        if let Some(skills) = demo_skills(email)? {
            let agent_id = AgentId(id);
            let command = AgentCommand::SetSkills {
                agent_id,
                skills,
                at,
            };
            let committed = execute::<Agent, _>(
                &agents,
                &agent_id.to_string(),
                &command,
                &(),
                &metadata,
                attempts,
            )
            .await
            .map_err(|e| anyhow::anyhow!("setting skills of {email}: {e}"))?;
            report.skills_set += usize::from(!committed.events.is_empty());
        }
        let _ = UserId(id);
    }

    let queues = event_store::<Queue>(pool);
    for demo in DEMO_QUEUES {
        let queue_id = demo_queue_id(demo.key);
        let config = QueueConfig::new(QueueSettings {
            name: demo.name.to_owned(),
            languages: demo.languages.iter().map(|l| (*l).to_owned()).collect(),
            specialty: demo.specialty.map(str::to_owned),
            modality: demo.modality.map(str::to_owned),
            strategy: None,
            min_proficiency: None,
            ring_timeout_s: None,
            max_wait_s: None,
            overflow_queue_id: demo.overflow.map(demo_queue_id),
            wrap_up_s: None,
            service_level_s: None,
            precedence: None,
            source_language: demo.source.map(str::to_owned),
            widening: demo
                .widening
                .iter()
                .map(|(after_s, level)| {
                    Ok(WideningStep {
                        after_s: *after_s,
                        min_proficiency: Some(Proficiency::parse(*level)?),
                        drop_specialty: false,
                        drop_requirements: false,
                        add_queue_id: None,
                    })
                })
                .collect::<Result<_, domain::values::ValueError>>()?,
        })?;
        let command = QueueCommand::Create {
            queue_id,
            config,
            at,
        };
        match execute::<Queue, _>(
            &queues,
            &queue_id.to_string(),
            &command,
            &(),
            &metadata,
            attempts,
        )
        .await
        {
            Ok(_) => report.queues_created += 1,
            Err(ExecuteError::Rejected(QueueError::AlreadyExists)) => {}
            Err(e) => anyhow::bail!("creating queue {}: {e}", demo.name),
        }
    }
    seed_organisations(pool, &metadata, attempts, at).await?;
    Ok(report)
}

/// The demo organisations, their requesters, and the court's policy: court-certified
/// interpreters only, Dalia preferred for up to 30 s.
async fn seed_organisations(
    pool: &PgPool,
    metadata: &Metadata,
    attempts: u32,
    at: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let organisations = event_store::<Organisation>(pool);
    for (key, name, requester) in DEMO_ORGANISATIONS {
        let organisation_id = demo_organisation_id(key);
        let mut commands = vec![OrganisationCommand::Create {
            organisation_id,
            name: domain::values::DisplayName::parse(name)?,
            at,
        }];
        if key == "harbor-court" {
            let policy = OrganisationPolicy {
                preferred_agent_ids: vec![AgentId(demo_user_id("agent3@example.com"))],
                banned_agent_ids: vec![],
                preferred_wait_s: 30,
                required_certifications: vec![Tag::parse("certifications", "court")?],
            };
            commands.push(OrganisationCommand::SetPolicy { policy, at });
        }
        for command in commands {
            match execute::<Organisation, _>(
                &organisations,
                &organisation_id.to_string(),
                &command,
                &(),
                metadata,
                attempts,
            )
            .await
            {
                Ok(_) | Err(ExecuteError::Rejected(OrganisationError::AlreadyExists)) => {}
                Err(e) => anyhow::bail!("seeding organisation {name}: {e}"),
            }
        }
        sqlx::query(
            "UPDATE users SET organisation_id = $2 WHERE id = $1 AND organisation_id IS NULL",
        )
        .bind(demo_user_id(requester))
        .bind(organisation_id.as_uuid())
        .execute(pool)
        .await?;
    }
    Ok(())
}
