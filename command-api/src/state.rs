//! What every handler can reach.

use std::sync::Arc;

use cqrs_es::persist::PersistedEventStore;
use domain::organisation::Organisation;
use domain::privacy::Privacy;
use domain::workflow::Floor;
use domain::{Agent, Call, Queue};
use postgres_es::PostgresEventRepository;
use sqlx::PgPool;

use crate::auth::JwtKeys;
use crate::config::Settings;
use crate::directory::QueueDirectory;
use crate::login_throttle::LoginThrottle;
use crate::oidc::Oidc;
use crate::pipeline_watch::PipelineWatch;
use crate::privacy::audit::AccessAudit;
use crate::privacy::vault::Vault;
use crate::push::Hub;
use crate::replica::HistoryPools;
use crate::sessions::Sessions;
use crate::snapshot_store::SnapshotStore;

pub type PgStore<A> = PersistedEventStore<PostgresEventRepository, A>;
/// Interpreters' histories grow without end: their store keeps snapshots.
pub type AgentStore = SnapshotStore<Agent>;
pub type PgFloor = Floor<PgStore<Call>, AgentStore>;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub pool: PgPool,
    /// A small pool of its own for the questions whose cost depends on what is asked (the
    /// past, metrics, exports), so they can never take the connections commands need; on
    /// the replica while it answers (`HistoryPools::pool`).
    pub history: HistoryPools,
    pub floor: Arc<PgFloor>,
    pub queues: Arc<PgStore<Queue>>,
    pub organisations: Arc<PgStore<Organisation>>,
    /// The queue configurations the routing rule reads, refolded only when they change.
    pub queue_directory: Arc<QueueDirectory>,
    pub keys: Arc<JwtKeys>,
    pub login_throttle: Arc<LoginThrottle>,
    /// Whether verified tokens still stand (deactivation, deletion, logout).
    pub sessions: Arc<Sessions>,
    /// Which parts of the pipeline stand still while events wait (`/readyz`, `/metrics`).
    pub pipeline_watch: Arc<PipelineWatch>,
    pub nats: async_nats::Client,
    /// Fans read-model change notices out to WebSocket clients (`push`).
    pub hub: Arc<Hub>,
    /// Single sign-on; `None` when `[oidc]` is not configured.
    pub oidc: Option<Arc<Oidc>>,
    /// The data keys that seal personal fields (issue 26).
    pub vault: Arc<Vault>,
    /// Erasures, retention and shredding, as events.
    pub privacy: Arc<PgStore<Privacy>>,
    /// Who read what.
    pub access_audit: AccessAudit,
}

pub fn event_store<A: cqrs_es::Aggregate>(pool: &PgPool) -> PgStore<A> {
    PersistedEventStore::new_event_store(PostgresEventRepository::new(pool.clone()))
}

pub fn agent_store(pool: &PgPool, settings: &Settings) -> AgentStore {
    SnapshotStore::new(
        pool.clone(),
        settings.commands.agent_snapshot_every as usize,
        Agent::SNAPSHOT_FORMAT,
    )
}

/// The write side's workflows over the PostgreSQL event store.
pub fn pg_floor(pool: &PgPool, settings: &Settings) -> PgFloor {
    Floor {
        calls: event_store::<Call>(pool),
        agents: agent_store(pool, settings),
        max_attempts: settings.commands.max_attempts.max(1),
        away_after_missed: settings.commands.away_after_missed_offers,
    }
}

impl AppState {
    pub fn new(settings: Settings, pool: PgPool, nats: async_nats::Client) -> anyhow::Result<Self> {
        let floor = pg_floor(&pool, &settings);
        let history = HistoryPools::new(&pool, &settings.database)?;
        Ok(Self {
            keys: Arc::new(JwtKeys::new(&settings.auth)),
            oidc: Oidc::new(&settings.oidc, &settings.auth).map(Arc::new),
            login_throttle: LoginThrottle::new(&settings.auth),
            sessions: Arc::default(),
            pipeline_watch: Arc::new(PipelineWatch::new(settings.pipeline.stall_after_s)),
            queues: Arc::new(event_store::<Queue>(&pool)),
            organisations: Arc::new(event_store::<Organisation>(&pool)),
            vault: Arc::new(Vault::new(&settings.privacy.master_key, pool.clone())),
            privacy: Arc::new(event_store::<Privacy>(&pool)),
            access_audit: AccessAudit::spawn(pool.clone()),
            queue_directory: Arc::default(),
            floor: Arc::new(floor),
            history,
            settings: Arc::new(settings),
            pool,
            nats,
            hub: Hub::new(),
        })
    }
}
