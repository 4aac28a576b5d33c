//! B3: the relay, from commit to JetStream ack. Events are inserted straight into the
//! `events` table in big batches (copies of a real call's two events under new ids), and
//! the stream's last sequence is watched until it reaches them all. The baseline is a bare
//! async-nats publisher, with `Nats-Msg-Id`s, into a stream of the same settings.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use async_nats::jetstream::{self, consumer::DeliverPolicy, stream};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use clap::Args;
use futures::StreamExt;
use hdrhistogram::Histogram;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::time::Instant;
use uuid::Uuid;

use crate::common::{
    Api, Fragment, Latency, Row, UNSERVED_LANGUAGE, fmt_int, fmt_ms, histogram, record, record_us,
    stream_last_sequence, write_fragment,
};

#[derive(Debug, Args)]
pub struct B3Args {
    #[arg(long)]
    pub base_url: String,
    #[arg(long)]
    pub database_url: String,
    #[arg(long)]
    pub nats_url: String,
    #[arg(long, default_value = "PARLEY_EVENTS")]
    pub stream: String,
    /// Events to insert for the throughput run (two per call).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Events per inserting transaction in the throughput run.
    #[arg(long, default_value_t = 10_000)]
    pub batch_events: u64,
    /// Events/s of the paced run that measures commit → ack below saturation.
    #[arg(long, default_value_t = 2_000)]
    pub paced_rate: u64,
    #[arg(long, default_value_t = 10)]
    pub paced_s: u64,
}

/// Inserts `calls` copies of the template call's events, each under a fresh id, in one
/// statement (so in one transaction).
/// The ids are materialised first: a volatile `gen_random_uuid()` in a joined subquery may be
/// evaluated again for each template row, which would split each call in two.
const COPY_CALLS: &str = "
WITH ids AS MATERIALIZED (SELECT gen_random_uuid()::text AS id, g FROM generate_series(1, $2::bigint) AS g),
     t AS MATERIALIZED (SELECT sequence, event_type, event_version, payload, metadata FROM events
                        WHERE aggregate_type = 'Call' AND aggregate_id = $1)
INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
SELECT 'Call', ids.id, t.sequence, t.event_type, t.event_version, replace(t.payload::text, $1, ids.id)::json, t.metadata
FROM ids CROSS JOIN t
ORDER BY ids.g, t.sequence";

async fn copy_calls(pool: &PgPool, template: &str, calls: u64) -> anyhow::Result<()> {
    sqlx::query(COPY_CALLS)
        .bind(template)
        .bind(i64::try_from(calls)?)
        .execute(pool)
        .await
        .context("inserting copies of the template call")?;
    Ok(())
}

async fn wait_for_sequence(
    js: &jetstream::Context,
    stream: &str,
    target: u64,
    timeout: Duration,
) -> anyhow::Result<Instant> {
    let deadline = Instant::now() + timeout;
    loop {
        let last = stream_last_sequence(js, stream).await?;
        if last >= target {
            return Ok(Instant::now());
        }
        if Instant::now() > deadline {
            bail!("the stream reached {last}, not {target}, within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until the relay's cursor is at the last row of `events` and the stream has not
/// grown for two seconds; returns the stream's last sequence.
pub(crate) async fn wait_relay_idle(
    pool: &PgPool,
    js: &jetstream::Context,
    stream: &str,
    timeout: Duration,
) -> anyhow::Result<u64> {
    let deadline = Instant::now() + timeout;
    let mut last = u64::MAX;
    let mut still_since = Instant::now();
    loop {
        let (cursor, end): (i64, Option<i64>) = sqlx::query_as(
            "SELECT (SELECT global_position FROM relay_cursor), (SELECT max(global_position) FROM events)",
        )
        .fetch_one(pool)
        .await?;
        let now = stream_last_sequence(js, stream).await?;
        if now != last {
            last = now;
            still_since = Instant::now();
        }
        if Some(cursor) == end && still_since.elapsed() >= Duration::from_secs(2) {
            return Ok(now);
        }
        if Instant::now() > deadline {
            bail!(
                "the relay did not catch up within {timeout:?} (cursor {cursor}, table end {end:?}, stream {now})"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Stored events the stream does not hold (stream sequences are one per published event).
async fn unpublished(pool: &PgPool, js: &jetstream::Context, stream: &str) -> anyhow::Result<i64> {
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?;
    Ok(stored - i64::try_from(stream_last_sequence(js, stream).await?)?)
}

#[derive(Deserialize)]
struct Recorded {
    recorded_at: DateTime<Utc>,
}

/// commit (`recorded_at`) → stored in the stream (the message's time), for the stream
/// sequences `from..=to`, read back with an ordered consumer.
async fn commit_to_ack(
    js: &jetstream::Context,
    stream: &str,
    from: u64,
    to: u64,
) -> anyhow::Result<Histogram<u64>> {
    let mut hist = histogram()?;
    if to < from {
        return Ok(hist);
    }
    let consumer = js
        .get_stream(stream)
        .await?
        .create_consumer(jetstream::consumer::pull::OrderedConfig {
            deliver_policy: DeliverPolicy::ByStartSequence {
                start_sequence: from,
            },
            ..Default::default()
        })
        .await?;
    let mut messages = consumer.messages().await?;
    while let Some(message) = messages.next().await {
        let message = message?;
        let info = message.info().map_err(|e| anyhow::anyhow!("{e}"))?;
        let seq = info.stream_sequence;
        let stored_us = i64::try_from(info.published.unix_timestamp_nanos() / 1000)?;
        let recorded: Recorded = serde_json::from_slice(&message.payload)?;
        record_us(
            &mut hist,
            stored_us - recorded.recorded_at.timestamp_micros(),
        );
        if seq >= to {
            break;
        }
    }
    Ok(hist)
}

/// A bare publisher: `count` messages with `Nats-Msg-Id`, in batches of 500 whose acks are
/// all awaited before the next batch (the relay's shape, without PostgreSQL).
async fn bare_publish(
    js: &jetstream::Context,
    subject_prefix: &str,
    body: &Bytes,
    count: u64,
    hist: Option<&mut Histogram<u64>>,
) -> anyhow::Result<()> {
    let mut local = histogram()?;
    let mut left = count;
    while left > 0 {
        let n = left.min(500);
        let mut acks = Vec::with_capacity(usize::try_from(n)?);
        let sent = Instant::now();
        for _ in 0..n {
            let id = Uuid::new_v4();
            let message = jetstream::message::PublishMessage::build()
                .payload(body.clone())
                .message_id(format!("Call:{id}:1"));
            acks.push(
                js.send_publish(format!("{subject_prefix}.{id}"), message)
                    .await?,
            );
        }
        for ack in acks {
            ack.await?;
            record(&mut local, sent.elapsed());
        }
        left -= n;
    }
    if let Some(hist) = hist {
        hist.add(local)?;
    }
    Ok(())
}

/// The same publisher at `rate` messages/s in ticks of 10 ms; publish → ack latencies.
async fn bare_paced(
    js: &jetstream::Context,
    subject_prefix: &str,
    body: &Bytes,
    rate: u64,
    seconds: u64,
) -> anyhow::Result<Histogram<u64>> {
    let mut hist = histogram()?;
    let per_tick = (rate / 100).max(1);
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for _ in 0..seconds * 100 {
        tick.tick().await;
        bare_publish(js, subject_prefix, body, per_tick, Some(&mut hist)).await?;
    }
    Ok(hist)
}

pub async fn run(out: &Path, args: &B3Args) -> anyhow::Result<()> {
    let began = Instant::now();
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&args.database_url)
        .await?;
    let nats = async_nats::connect(&args.nats_url).await?;
    let js = jetstream::new(nats);

    // A real call to copy: its events as the API stores them.
    let api = Api::new(&args.base_url)?;
    let requester = api.login("requester@example.com").await?;
    let template = api
        .request_call(&requester.token, UNSERVED_LANGUAGE)
        .await?
        .to_string();

    // Let the relay publish everything already stored (the seed, B1, B2, the template):
    // wait until its cursor is at the table's end and the stream stops growing.
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await?;
    eprintln!("B3: waiting for the relay to publish the {stored} events already stored");
    let base = wait_relay_idle(&pool, &js, &args.stream, Duration::from_secs(300)).await?;
    let skipped = u64::try_from(stored)?.saturating_sub(base);
    if skipped > 0 {
        eprintln!(
            "B3: the relay is at the end of the table but the stream holds {base} of {stored} events: {skipped} were never published"
        );
    }
    let body = js
        .get_stream(&args.stream)
        .await?
        .get_raw_message(base)
        .await?
        .payload;

    // Baseline: a bare publisher into a stream with the relay's settings.
    let baseline_stream = "BENCH_BASELINE";
    let _ = js.delete_stream(baseline_stream).await;
    js.create_stream(stream::Config {
        name: baseline_stream.to_owned(),
        subjects: vec!["benchbase.events.>".to_owned()],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        duplicate_window: Duration::from_secs(120),
        deny_delete: true,
        deny_purge: true,
        ..Default::default()
    })
    .await?;
    let prefix = "benchbase.events.Call";
    eprintln!("B3: bare publisher: warm-up, then {} messages", args.events);
    bare_publish(&js, prefix, &body, 5_000.min(args.events), None).await?;
    let started = Instant::now();
    bare_publish(&js, prefix, &body, args.events, None).await?;
    let bare_rate = args.events as f64 / started.elapsed().as_secs_f64();
    let bare_latency =
        Latency::of(&bare_paced(&js, prefix, &body, args.paced_rate, args.paced_s.min(5)).await?);
    js.delete_stream(baseline_stream).await?;

    // Throughput: big inserting transactions, as fast as PostgreSQL takes them.
    let calls_per_batch = (args.batch_events / 2).max(1);
    let batches = (args.events / 2).div_ceil(calls_per_batch).max(1);
    let events = batches * calls_per_batch * 2;
    eprintln!("B3: inserting {events} events in {batches} transactions; waiting for the relay");
    let target = base + events;
    let started = Instant::now();
    let inserter = {
        let pool = pool.clone();
        let template = template.clone();
        tokio::spawn(async move {
            for _ in 0..batches {
                copy_calls(&pool, &template, calls_per_batch).await?;
            }
            anyhow::Ok(Instant::now())
        })
    };
    let relayed = match wait_for_sequence(
        &js,
        &args.stream,
        target,
        Duration::from_secs(60 + events / 2_000),
    )
    .await
    {
        Ok(at) => at,
        Err(error) => {
            let missing = unpublished(&pool, &js, &args.stream).await?;
            bail!("{error}; {missing} stored events are not on the stream");
        }
    };
    let inserted = inserter.await??;
    let elapsed = relayed - started;
    let insert_s = (inserted - started).as_secs_f64();
    let relay_rate = events as f64 / elapsed.as_secs_f64();
    let saturated = Latency::of(&commit_to_ack(&js, &args.stream, base + 1, target).await?);

    // Below saturation: small transactions at a fixed rate, every 10 ms.
    let calls_per_tick = (args.paced_rate / 200).max(1);
    let ticks = args.paced_s * 100;
    eprintln!(
        "B3: paced run, {} events/s for {} s",
        calls_per_tick * 200,
        args.paced_s
    );
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for _ in 0..ticks {
        tick.tick().await;
        copy_calls(&pool, &template, calls_per_tick).await?;
    }
    let paced_target = target + ticks * calls_per_tick * 2;
    if let Err(error) =
        wait_for_sequence(&js, &args.stream, paced_target, Duration::from_secs(120)).await
    {
        let missing = unpublished(&pool, &js, &args.stream).await?;
        bail!("{error}; {missing} stored events are not on the stream");
    }
    let paced = Latency::of(&commit_to_ack(&js, &args.stream, target + 1, paced_target).await?);

    let rows = vec![
        Row::new("B3", "relay throughput: events committed → acked by JetStream")
            .figure(format!("{} events/s", fmt_int(relay_rate)), relay_rate, "events/s")
            .baseline(
                format!("{} msgs/s (bare async-nats publisher, Nats-Msg-Id, batches of 500)", fmt_int(bare_rate)),
                bare_rate,
            )
            .target("≥ 10,000 events/s", Some(relay_rate >= 10_000.0))
            .conditions(format!(
                "{events} events inserted in transactions of {} ({:.1} s to insert, {:.1} s until the last ack); commit → stored at saturation {}",
                calls_per_batch * 2,
                insert_s,
                elapsed.as_secs_f64(),
                saturated.short()
            )),
        Row::new("B3·p99", "relay latency below saturation: commit (`recorded_at`) → stored in the stream")
            .figure(paced.short(), paced.p99_ms, "ms (p99)")
            .baseline(format!("{} (bare publisher, publish → ack, same rate)", bare_latency.short()), bare_latency.p99_ms)
            .conditions(format!(
                "{} events/s for {} s in transactions of {} events every 10 ms",
                calls_per_tick * 200,
                args.paced_s,
                calls_per_tick * 2
            )),
    ];
    let mut rows = rows;
    let lost = unpublished(&pool, &js, &args.stream).await?;
    rows.push(
        Row::new("B3·loss", "stored events the relay never published (table rows − stream messages, relay idle at the table's end)")
            .figure(format!("{lost} events"), lost as f64, "events")
            .target("0", Some(lost == 0))
            .conditions(format!("{skipped} of the {stored} events stored before the relay started (seed, B1, B2) were skipped")),
    );
    write_fragment(
        out,
        &Fragment {
            bench: "B3".to_owned(),
            rows,
            details: json!({
                "events": events,
                "events_per_transaction": calls_per_batch * 2,
                "insert_s": insert_s,
                "relay_s": elapsed.as_secs_f64(),
                "relay_events_per_s": relay_rate,
                "bare_publisher_msgs_per_s": bare_rate,
                "commit_to_stored_saturated": saturated,
                "commit_to_stored_paced": paced,
                "bare_publish_to_ack_paced": bare_latency,
                "message_bytes": body.len(),
            }),
            notes: vec![format!(
                "B3: `recorded_at` is `now()` of the inserting transaction, i.e. its start; with \
                 {}-event transactions the saturated figure includes up to one transaction's insert \
                 time (p50 {} ms).",
                calls_per_batch * 2,
                fmt_ms(saturated.p50_ms)
            )],
            took_s: began.elapsed().as_secs_f64(),
        },
    )
}
