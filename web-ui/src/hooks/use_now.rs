//! A clock that re-renders its component every `every_ms`: for countdowns and "waiting for"
//! timers (a local tick, not a request).

use chrono::{DateTime, Utc};
use gloo_timers::callback::Interval;
use yew::prelude::*;

#[hook]
pub fn use_now(every_ms: u32) -> DateTime<Utc> {
    let now = use_state(Utc::now);
    {
        let now = now.clone();
        use_effect_with(every_ms, move |every| {
            let interval = Interval::new(*every, move || now.set(Utc::now()));
            move || drop(interval)
        });
    }
    *now
}
