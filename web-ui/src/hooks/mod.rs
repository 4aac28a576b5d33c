//! Shared state and effects: the session, live push, a ticking clock, newest-load-wins.

pub mod use_focus;
pub mod use_latest;
pub mod use_live;
pub mod use_notification;
pub mod use_now;
pub mod use_organisations;
pub mod use_ring;
pub mod use_session;

pub use use_focus::{focus_id, focus_main_heading, use_focus_on_change, use_title};
pub use use_latest::use_latest;
pub use use_live::{
    use_debounced, use_live, use_live_reload, use_live_status, LiveEvent, LiveProvider, LiveStatus,
};
pub use use_now::use_now;
pub use use_organisations::use_organisation_names;
pub use use_session::{use_api, use_session, SessionAction, SessionHandle, SessionProvider};
