//! Pieces driven only by their props.

pub mod alert;
pub mod badge;
pub mod charts;
pub mod copy_field;
pub mod csv;
pub mod guests_panel;
pub mod jitsi_room;
pub mod language_picker;
pub mod layout;
pub mod matching;
pub mod media_fallback;
pub mod tags;
