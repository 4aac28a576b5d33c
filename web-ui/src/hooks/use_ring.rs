//! The ring of an incoming offer, played with WebAudio where the browser allows it.
//!
//! Browsers start audio only after a user gesture: [`unlock_audio`] is called from clicks
//! (the status switch, "Enable sound") to create or resume the page's AudioContext.
//! The interpreter can turn the ring off (kept in this browser) and play it to test it.

use std::cell::RefCell;

use gloo_storage::{LocalStorage, Storage};

use gloo_timers::callback::Interval;
use web_sys::{AudioContext, AudioContextState, OscillatorType};
use yew::prelude::*;

thread_local! {
    static AUDIO: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

/// Creates or resumes the audio context; call it from a user gesture.
pub fn unlock_audio() {
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = AudioContext::new().ok();
        }
        if let Some(ctx) = audio.as_ref() {
            if ctx.state() == AudioContextState::Suspended {
                let _ = ctx.resume();
            }
        }
    });
}

/// Whether a ring would be heard.
pub fn audio_allowed() -> bool {
    AUDIO.with(|audio| {
        audio
            .borrow()
            .as_ref()
            .is_some_and(|ctx| ctx.state() == AudioContextState::Running)
    })
}

const RING_KEY: &str = "parley.ring";

/// Whether offers ring in this browser (on unless the interpreter turned it off).
pub fn ring_enabled() -> bool {
    LocalStorage::get::<bool>(RING_KEY).unwrap_or(true)
}

pub fn set_ring_enabled(on: bool) {
    let _ = LocalStorage::set(RING_KEY, on);
}

/// Plays the ring once, from a click: "Test the ring".
pub fn test_ring() {
    unlock_audio();
    play_tones();
}

/// Two short tones, like a phone, unless the ring is turned off.
fn ring_once() {
    if ring_enabled() {
        play_tones();
    }
}

fn play_tones() {
    AUDIO.with(|audio| {
        let audio = audio.borrow();
        let Some(ctx) = audio.as_ref() else { return };
        if ctx.state() != AudioContextState::Running {
            return;
        }
        let start = ctx.current_time();
        for (i, freq) in [440.0f32, 480.0].iter().enumerate() {
            let t = start + i as f64 * 0.45;
            let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
                return;
            };
            osc.set_type(OscillatorType::Sine);
            osc.frequency().set_value(*freq);
            let g = gain.gain();
            let _ = g.set_value_at_time(0.0, t);
            let _ = g.linear_ramp_to_value_at_time(0.25, t + 0.03);
            let _ = g.set_value_at_time(0.25, t + 0.35);
            let _ = g.linear_ramp_to_value_at_time(0.0, t + 0.4);
            if osc.connect_with_audio_node(&gain).is_err()
                || gain.connect_with_audio_node(&ctx.destination()).is_err()
            {
                return;
            }
            let _ = osc.start_with_when(t);
            let _ = osc.stop_with_when(t + 0.42);
        }
    });
}

/// Rings every 2 s while `active`.
#[hook]
pub fn use_ring(active: bool) {
    use_effect_with(active, |active| {
        let interval = active.then(|| {
            ring_once();
            Interval::new(2000, ring_once)
        });
        move || drop(interval)
    });
}
