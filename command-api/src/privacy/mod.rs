//! Privacy in an immutable log (issue 26, docs/privacy.md): personal fields sealed per
//! subject before they reach an event, revealed where the API answers, shredded by
//! destroying keys (erasure, retention); and the access audit.

pub mod audit;
pub mod retention;
pub mod reveal;
pub mod vault;

use domain::Call;
use domain::call::CallError;
use domain::ids::CallId;
use domain::values::{Notes, PersonalText, SealedText};
use domain::workflow::load;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use vault::{DataClass, ERASED, KeyOwner};

/// A call's free text (notes, a rating comment) sealed under the call's own key, whose
/// subject is the call's requester and whose retention is their organisation's.
#[tracing::instrument(skip(state, text))]
pub async fn seal_call_text(
    state: &AppState,
    call_id: CallId,
    text: &Notes,
) -> Result<PersonalText, ApiError> {
    let (call, _) = load::<Call, _>(&state.floor.calls, &call_id.to_string())
        .await
        .map_err(|e| ApiError::unavailable("event store", &e))?;
    let requester = call.requester_id.ok_or(CallError::NotFound)?;
    let owner = KeyOwner {
        key_id: call_id.as_uuid(),
        subject_id: requester.as_uuid(),
        class: DataClass::CallText,
        organisation_id: call.organisation_id.map(|o| o.as_uuid()),
    };
    sealed_or_erased(state.vault.seal(owner, text.as_str()).await?)
}

/// The caller's name sealed under their identity key, for the metadata of their events.
pub async fn seal_actor_name(state: &AppState, user: &AuthUser) -> Result<String, ApiError> {
    let owner = KeyOwner {
        key_id: user.id.as_uuid(),
        subject_id: user.id.as_uuid(),
        class: DataClass::Identity,
        organisation_id: None,
    };
    Ok(state
        .vault
        .seal(owner, &user.name)
        .await?
        .unwrap_or_else(|| ERASED.to_owned()))
}

/// Text whose key is already destroyed is not kept: it is stored as `[erased]`.
fn sealed_or_erased(token: Option<String>) -> Result<PersonalText, ApiError> {
    Ok(match token {
        Some(token) => PersonalText::Sealed(SealedText::parse(&token)?),
        None => PersonalText::Plain(Notes::parse(ERASED)?),
    })
}
